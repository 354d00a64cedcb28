#!/usr/bin/env bash
# Reproduces the table in docs/performance.md: perigate bench validate (1 and 2 threads, and 1
# thread without the semantic checks: the same work lxml and xmllint do) against
# xmllint --repeat (libxml2's own loop) and Python lxml with a pre-compiled schema, same files,
# same run. Needs: libxml2-utils (xmllint), hyperfine, python3-lxml or `pip install lxml`,
# and ../shared/corpus for the national messages.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER=${SECONDS_PER:-5}
swift build -c release --product perigate >/dev/null
bin=.build/release/perigate
C=../shared/corpus
pack="Schemas/packs/nictiz-perinatal.json=$C"
cases=(
  "$C/hl7v3-acute-overdracht/2.1/instances/examples/daphne.xml|$C/hl7v3-acute-overdracht/2.1/schemas/schemas_codeGen_flat/REPC_IN002120NL.xsd"
  "$C/ada-kernset/2.3/instances/scenarios/scenario3-23.xml|$C/ada-kernset/2.3/schemas/ada_schemas/ada_kernset_geboortezorg.xsd"
  "Samples/valid/verwijzing-1-hypertensie-regulier.xml|Schemas/verwijzing/verwijzing-1.0.xsd"
)
printf '%-42s %8s %10s %10s %10s %10s %10s %10s\n' FILE BYTES "PG 1T" "PG 2T" "PG XSD 1T" "XMLLINT" "LXML 1T" "LXML 2T"
for c in "${cases[@]}"; do
  file=${c%%|*}; xsd=${c##*|}
  pg1=$($bin bench validate --schemas "$pack" --threads 1 --seconds "$SECONDS_PER" "$file" | tail -1 | awk '{print $6}')
  pg2=$($bin bench validate --schemas "$pack" --threads 2 --seconds "$SECONDS_PER" "$file" | tail -1 | awk '{print $6}')
  pgx=$($bin bench validate --schemas "$pack" --threads 1 --skip-semantic-checks --seconds "$SECONDS_PER" "$file" | tail -1 | awk '{print $6}')
  # xmllint --repeat runs parse+validate 100 times; subtract one single run (start-up + schema compile).
  t100=$(hyperfine -N --warmup 2 --runs 10 --export-json /tmp/h100.json "xmllint --noout --repeat --schema $xsd $file" >/dev/null 2>&1; python3 -c "import json;print(json.load(open('/tmp/h100.json'))['results'][0]['mean'])")
  t1=$(hyperfine -N --warmup 2 --runs 20 --export-json /tmp/h1.json "xmllint --noout --schema $xsd $file" >/dev/null 2>&1; python3 -c "import json;print(json.load(open('/tmp/h1.json'))['results'][0]['mean'])")
  xl=$(python3 -c "print(f'{99/($t100-$t1):.0f}')")
  lx1=$(python3 scripts/bench_lxml.py "$xsd" "$file" "$SECONDS_PER" 1)
  lx2=$(python3 scripts/bench_lxml.py "$xsd" "$file" "$SECONDS_PER" 2)
  printf '%-42s %8s %10s %10s %10s %10s %10s %10s\n' "$(basename "$file")" "$(stat -c %s "$file")" "$pg1" "$pg2" "$pgx" "$xl" "$lx1" "$lx2"
done
