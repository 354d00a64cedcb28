#!/usr/bin/env bash
# Durable HTTP ingest benchmark (docs/performance.md): release build, a fresh SQLite file,
# one partner, `perigate serve` on a free port, then `perigate bench ingest` at 1, 8 and 32
# concurrent clients. Usage: scripts/bench-ingest.sh [SECONDS [BENCH-INGEST-OPTIONS...]]
# (default 5 s per measurement), e.g. scripts/bench-ingest.sh 5 --messages-per-woman 20
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-5}"
shift || true
swift build -c release --product perigate >/dev/null
bin=.build/release/perigate
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
token=$("$bin" partner add --db "$work/bench.sqlite" --name "De Linde" --type verloskundigenpraktijk --ura 01234567 | awk '/token/ {print $NF}')
"$bin" serve --db "$work/bench.sqlite" --port 0 >"$work/out" 2>"$work/err" &
server=$!
for _ in $(seq 100); do grep -q listening "$work/out" 2>/dev/null && break; sleep 0.1; done
url=$(awk '{print $NF}' "$work/out")
"$bin" bench ingest --in-process --url "$url" --token "$token" --seconds "$seconds" "$@" \
  Samples/valid/verwijzing-1-hypertensie-regulier.xml Samples/valid/verwijzing-3-vil-indicatie-v1.1.xml \
  Samples/valid/kraamzorgoverdracht-1-prenataal.xml Samples/valid/phbaanmelding-1-psychosociaal.xml \
  Samples/valid/jgzoverdracht-2-signalen.xml
