#!/usr/bin/env bash
# National standards benchmark (docs/performance.md): `perigate bench validate` and durable HTTP
# `bench ingest` for the 56 KB (daphne) and 570 KB (Scenario S05-AW) HL7v3 acute handovers of
# the corpus, next to one of Perigate's own messages. Release build, fresh SQLite file, one
# partner per sending practice. Usage: scripts/bench-national.sh [SECONDS]  (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-5}"
corpus="${PERIGATE_CORPUS:-../shared/corpus}"
pack="Schemas/packs/nictiz-perinatal.json=$corpus"
acute="$corpus/hl7v3-acute-overdracht/2.1/instances/examples"
swift build -c release --product perigate >/dev/null
bin=.build/release/perigate
echo "== bench validate (1 thread, then 2)"
for threads in 1 2; do
  "$bin" bench validate --schemas "$pack" --threads "$threads" --seconds "$seconds" \
    "$acute/daphne.xml" "$acute/Scenario_S05-AW.xml" Samples/valid/verwijzing-1-hypertensie-regulier.xml
done
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
declare -A tokens
for ura in 00022991 00023444; do
  tokens[$ura]=$("$bin" partner add --db "$work/bench.sqlite" --name "Praktijk $ura" --type verloskundigenpraktijk --ura "$ura" | awk '/token/ {print $NF}')
done
"$bin" serve --db "$work/bench.sqlite" --port 0 --schemas "$pack" >"$work/out" 2>"$work/err" &
server=$!
for _ in $(seq 100); do grep -q listening "$work/out" 2>/dev/null && break; sleep 0.1; done
url=$(awk '{print $NF}' "$work/out")
for run in "00022991 daphne.xml" "00023444 Scenario_S05-AW.xml"; do
  set -- $run
  echo "== bench ingest $2"
  "$bin" bench ingest --schemas "$pack" --in-process --url "$url" --token "${tokens[$1]}" --seconds "$seconds" \
    --concurrency 1 --concurrency 8 --concurrency 32 "$acute/$2"
done
