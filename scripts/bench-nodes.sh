#!/usr/bin/env bash
# Storage and scale-out benchmark (docs/performance.md): durable HTTP ingest of the same messages
# in the same run on (1) SQLite, one node; (2) PostgreSQL, one node; (3) PostgreSQL, two nodes
# (the benchmark's clients spread over both). Release build; a throwaway PostgreSQL on 127.0.0.1
# (scripts/test-postgres.sh, fsync on). Usage: scripts/bench-nodes.sh [SECONDS]  (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-5}"
swift build -c release --product perigate >/dev/null
bin=.build/release/perigate
source scripts/test-postgres.sh
start_test_postgres
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]:-}"; do kill "$pid" 2>/dev/null || true; done; stop_test_postgres; rm -rf "$work"; }
trap cleanup EXIT
files=(Samples/valid/verwijzing-1-hypertensie-regulier.xml Samples/valid/verwijzing-3-vil-indicatie-v1.1.xml
       Samples/valid/kraamzorgoverdracht-1-prenataal.xml Samples/valid/phbaanmelding-1-psychosociaal.xml
       Samples/valid/jgzoverdracht-2-signalen.xml)
pg=(--storage postgres --postgres-url "$PERIGATE_TEST_POSTGRES_URL")

# Starts `perigate serve` named $1 with the remaining arguments; its URL lands in $node_url.
start_node() {
  local name=$1; shift
  "$bin" serve --port 0 --db "$work/$name.sqlite" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  for _ in $(seq 100); do grep -q listening "$work/$name.out" 2>/dev/null && break; sleep 0.1; done
  node_url=$(awk '{print $NF}' "$work/$name.out")
}
bench() { "$bin" bench ingest --token "$1" --seconds "$seconds" "${@:2}" "${files[@]}"; }

token=$("$bin" partner add --db "$work/sqlite.sqlite" --name "De Linde" --type verloskundigenpraktijk --ura 01234567 | awk '/token/ {print $NF}')
start_node sqlite
echo "== SQLite, 1 node"
bench "$token" --url "$node_url"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

token=$("$bin" partner add "${pg[@]}" --name "De Linde" --type verloskundigenpraktijk --ura 01234567 | awk '/token/ {print $NF}')
start_node pg-a "${pg[@]}"; first=$node_url
echo "== PostgreSQL, 1 node"
bench "$token" --url "$first"
start_node pg-b "${pg[@]}"; second=$node_url
echo "== PostgreSQL, 2 nodes"
bench "$token" --url "$first" --url "$second"
