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
# The serialized part, from the nodes' /metrics: the chain lock's held and wait seconds, the
# sealing rounds and the lines they sealed, and the accepted messages, summed over the nodes given
# (URLs), printed as the difference to the last call.
metrics_sum() {
  for url in "$@"; do curl -s "$url/metrics"; done | python3 -c '
import sys
sums = {"held": 0.0, "wait": 0.0, "sections": 0.0, "lines": 0.0, "accepted": 0.0}
names = {"perigate_store_serialized_held_seconds_total": "held", "perigate_store_serialized_wait_seconds_total": "wait",
         "perigate_store_serialized_sections_total": "sections", "perigate_store_serialized_lines_total": "lines"}
for line in sys.stdin:
    name = line.split(" ")[0]
    if name in names: sums[names[name]] += float(line.split()[-1])
    elif line.startswith("perigate_ingest_messages_total") and "outcome=\"accepted\"" in line: sums["accepted"] += float(line.split()[-1])
print(" ".join(str(sums[k]) for k in ("held", "wait", "sections", "lines", "accepted")))'
}
serialized() {
  local now; now=$(metrics_sum "$@")
  python3 -c '
import sys
b = [float(x) for x in sys.argv[1].split()]; a = [float(x) for x in sys.argv[2].split()]
held, wait, sections, lines, accepted = (a[i] - b[i] for i in range(5))
if accepted > 0 and held > 0:
    per = held / accepted
    print(f"serialized (chain lock held by sealing rounds): {per * 1000:.3f} ms per accepted message over {int(accepted)} messages; "
          f"{int(sections)} rounds, {lines / max(sections, 1):.1f} lines and {held / max(sections, 1) * 1000:.3f} ms held per round, "
          f"{wait / max(sections, 1) * 1000:.3f} ms average wait; ceiling for any number of nodes at this load: {1 / per:,.0f} msg/s")
' "${last_metrics:-0 0 0 0 0}" "$now"
  last_metrics=$now
}

token=$("$bin" partner add --db "$work/sqlite.sqlite" --name "De Linde" --type verloskundigenpraktijk --ura 01234567 | awk '/token/ {print $NF}')
start_node sqlite
echo "== SQLite, 1 node"
bench "$token" --url "$node_url"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

token=$("$bin" partner add "${pg[@]}" --db "$work/pg-cli.sqlite" --name "De Linde" --type verloskundigenpraktijk --ura 01234567 | awk '/token/ {print $NF}')
start_node pg-a "${pg[@]}"; first=$node_url
echo "== PostgreSQL, 1 node"
last_metrics=$(metrics_sum "$first")
bench "$token" --url "$first"
serialized "$first"
start_node pg-b "${pg[@]}"; second=$node_url
echo "== PostgreSQL, 2 nodes"
last_metrics=$(metrics_sum "$first" "$second")
bench "$token" --url "$first" --url "$second"
serialized "$first" "$second"

# What a sealing round costs by its size, measured by the database on the same server (the nodes
# idle): rounds grow with the load, so the marginal cost per line is the limit the chain lock sets
# when it is busy all the time (held = fixed + lines × marginal; ceiling = 1 / marginal).
echo "== sealing rounds by size (perigate_seal, the database's clock; median of 5)"
template='{"action":"R","actor":"ura:01234567","client":"bsn:999990019","event":"record.read","object":"bsn:999990019/record","organisation":{"ura":"01234567"},"outcome":"success","sequence":0,"time":"2026-12-02T10:00:00Z"}'
declare -A held
for lines in 1 8 64 512; do
  # One session: the first round compiles the function and is left out; the median of the next 5.
  sql=""
  for _ in 1 2 3 4 5 6; do
    sql+="INSERT INTO audit_pending (template) SELECT '$template' FROM generate_series(1, $lines); SELECT held_us FROM perigate_seal($lines);"
  done
  held[$lines]=$(psql -q -t -A "$PERIGATE_TEST_POSTGRES_URL" <<<"$sql" | tail -n 5 | sort -n | sed -n 3p)
  printf 'round of %4d lines: %8.0f µs held (%.1f µs per line)\n' "$lines" "${held[$lines]}" "$(python3 -c "print(${held[$lines]} / $lines)")"
done
python3 -c "
marginal = (${held[512]} - ${held[8]}) / 504
print(f'marginal cost {marginal:.1f} µs per line, fixed {${held[8]} - 8 * marginal:.0f} µs per round: ceiling as rounds fill up {1e6 / marginal:,.0f} lines/s (one line per accepted message)')"
