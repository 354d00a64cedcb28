#!/usr/bin/env bash
# Every benchmark in one run, written into docs/performance.md ("Latest full run", between the
# bench.sh markers) with a description of the machine: validation against xmllint and lxml (bench-compare.sh) and its
# instruction counts (bench-instructions.sh), durable HTTP ingest on SQLite
# (bench-ingest.sh) and where its instructions go (bench-profile.sh), the national messages (bench-national.sh), SQLite vs PostgreSQL and 1 vs 2
# nodes (bench-nodes.sh), PostgreSQL's server time by statement (bench-pg-statements.sh) and webhook delivery (perigate bench deliver). Needs what those need:
# libxml2-utils, hyperfine, valgrind, python3 lxml, ../shared/corpus, root for the throwaway PostgreSQL.
# Usage: scripts/bench.sh [SECONDS]   (default 5 per measurement; about 15 minutes in all)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-5}"
out=docs/performance.md
swift build -c release --product perigate >/dev/null
section() {  # title, command...
  local title=$1; shift
  echo "running: $title" >&2
  { echo; echo "### $title"; echo; echo '```'; "$@" 2>&1 | grep -v -e "swift-distributed-tracing" -e "CMakeLists.txt" || true; echo '```'; } >>"$out.tmp"
}
{
  echo "Written by \`scripts/bench.sh $seconds\` on $(date -u +%Y-%m-%dT%H:%MZ); figures as printed by each benchmark"
  echo "(explained in the sections above). No test asserts on them."
  echo
  echo "| machine | |"
  echo "|---|---|"
  echo "| CPU | $(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) |"
  echo "| memory | $(free -g | awk '/Mem:/ {print $2}') GiB |"
  echo "| OS | $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r) |"
  echo "| Swift | $(swift --version 2>&1 | head -1 | sed 's/.*Swift version \([^ ]*\).*/\1/') (release build) |"
  echo "| libxml2 | $(xmllint --version 2>&1 | head -1 | awk '{print $NF}') (xmllint, perigate), lxml $(python3 -c 'import lxml.etree as e; print(e.__version__, "with its own libxml2", ".".join(map(str, e.LIBXML_VERSION)))' 2>/dev/null || echo absent) |"
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  echo "| PostgreSQL | $([ -n "$pgbin" ] && "$pgbin/postgres" --version || echo absent) (throwaway server, fsync on) |"
} >"$out.tmp"
section "Validation: perigate vs xmllint vs lxml (documents/s)" env SECONDS_PER="$seconds" scripts/bench-compare.sh
section "Validation: instructions per document (valgrind; repeatable)" scripts/bench-instructions.sh
section "Durable HTTP ingest, SQLite, one node" scripts/bench-ingest.sh "$seconds" --messages-per-woman 20
section "Durable HTTP ingest: instructions per message (valgrind; repeatable)" scripts/bench-profile.sh 20 8
section "National messages: validate and ingest (56 KB, 570 KB)" scripts/bench-national.sh "$seconds"
section "Storage and nodes: SQLite vs PostgreSQL, 1 vs 2 nodes" scripts/bench-nodes.sh "$seconds"
section "PostgreSQL: the database's time per accepted message, by statement" scripts/bench-pg-statements.sh "$seconds"
section "Webhook delivery to a local receiver" .build/release/perigate bench deliver --count 2000 --concurrency 1 --concurrency 16
# Replace what lies between the markers; the rest of the file stays as written.
python3 - "$out" "$out.tmp" <<'PY'
import sys
path, fresh = sys.argv[1], open(sys.argv[2]).read().rstrip()
text = open(path).read()
begin, end = "<!-- bench.sh: begin -->", "<!-- bench.sh: end -->"
head, rest = text.split(begin, 1)
tail = rest.split(end, 1)[1]
open(path, "w").write(head + begin + "\n" + fresh + "\n" + end + tail)
PY
rm "$out.tmp"
echo "wrote the latest run into $out"
