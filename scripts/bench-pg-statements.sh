#!/usr/bin/env bash
# Where the database's time goes per accepted message (docs/performance.md, "Storage and nodes"):
# a throwaway PostgreSQL with pg_stat_statements (scripts/test-postgres.sh, fsync on), one
# `perigate serve` node, `perigate bench ingest` of the five Perigate samples at 32 clients for
# SECONDS after a 2 s warm-up; then the server time (execution and planning) per accepted
# message, in all and by statement. Execution time is elapsed time in the server (it includes
# waiting for locks and for the CPU); planning is CPU. Release build.
# Usage: scripts/bench-pg-statements.sh [SECONDS]  (default 6)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-6}"
swift build -c release --product perigate >/dev/null
bin=.build/release/perigate
export PERIGATE_TEST_POSTGRES_OPTIONS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c pg_stat_statements.track_planning=on"
source scripts/test-postgres.sh
start_test_postgres
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; stop_test_postgres; rm -rf "$work"; }
trap cleanup EXIT
url=$PERIGATE_TEST_POSTGRES_URL
psql -q "$url" -c "CREATE EXTENSION pg_stat_statements"
token=$("$bin" partner add --storage postgres --postgres-url "$url" --db "$work/cli.sqlite" --name "De Linde" --type verloskundigenpraktijk --ura 01234567 | awk '/token/ {print $NF}')
"$bin" serve --port 0 --db "$work/node.sqlite" --storage postgres --postgres-url "$url" >"$work/node.out" 2>"$work/node.err" &
pid=$!
for _ in $(seq 100); do grep -q listening "$work/node.out" 2>/dev/null && break; sleep 0.1; done
node_url=$(awk '{print $NF}' "$work/node.out")
files=(Samples/valid/verwijzing-1-hypertensie-regulier.xml Samples/valid/verwijzing-3-vil-indicatie-v1.1.xml
       Samples/valid/kraamzorgoverdracht-1-prenataal.xml Samples/valid/phbaanmelding-1-psychosociaal.xml
       Samples/valid/jgzoverdracht-2-signalen.xml)
ingest() { "$bin" bench ingest --token "$token" --url "$node_url" --concurrency 32 --seconds "$1" "${files[@]}"; }
ingest 2 >/dev/null
before=$(psql -t -A "$url" -c "SELECT count(*) FROM messages")
psql -q "$url" -c "SELECT pg_stat_statements_reset()" >/dev/null
ingest "$seconds"
accepted=$(( $(psql -t -A "$url" -c "SELECT count(*) FROM messages") - before ))
psql -q "$url" -P pager=off <<SQL
\\echo per accepted message ($accepted accepted), all statements:
SELECT round(sum(calls)::numeric / $accepted, 1) AS statements, round((sum(total_exec_time) / $accepted * 1000)::numeric) AS exec_us,
       round((sum(total_plan_time) / $accepted * 1000)::numeric) AS plan_us
FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%';
\\echo by statement (the 15 that take longest):
SELECT round(calls::numeric / $accepted, 2) AS per_message, round((total_exec_time / $accepted * 1000)::numeric, 1) AS exec_us,
       round((total_plan_time / $accepted * 1000)::numeric, 1) AS plan_us, left(regexp_replace(query, '\s+', ' ', 'g'), 90) AS statement
FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'
ORDER BY total_exec_time + total_plan_time DESC LIMIT 15;
SQL
