#!/usr/bin/env bash
# Instructions per document (valgrind callgrind: repeatable, unaffected by machine load) for
# perigate's pipeline — with and without the semantic checks — and for xmllint's parse+validate
# loop and Python lxml's (scripts/bench_lxml.py), same files, same schemas. Per document = (run with
# n + 1 documents − run with 1) / n (n = 100, 200, 1000 by file size), which removes start-up,
# schema compilation and warm-up. Needs valgrind, libxml2-utils, binutils
# (objcopy) and a C compiler; ../shared/corpus for the national messages.
#
# valgrind 3.19 (Debian 12's) cannot run the Swift binary as built: it refuses the debug info
# ("Possibly corrupted debuginfo file": Swift 6.3 mixes DWARF 4 and 5 units), and without debug
# info it kills the program at start-up (it writes to the signal mask libdispatch passes to
# sigsuspend, which is read-only). So perigate is counted as a copy without debug info, with
# scripts/valgrind-sigsuspend.c preloaded; SWIFT_DETERMINISTIC_HASHING=1 makes Swift's hash
# seeds fixed, so that two runs count the same (without it they differ by ~3 M instructions).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product perigate >/dev/null
work=.build/bench-instructions
mkdir -p "$work"
objcopy --strip-debug .build/release/perigate "$work/perigate"
cc -shared -fPIC -O2 -o "$work/sigsuspend.so" scripts/valgrind-sigsuspend.c
bin=$work/perigate
# The interpreter itself (a pyenv shim would be counted instead of the Python it starts).
python=$(python3 -c "import sys; print(sys.executable)")
"$python" -c "import lxml.etree" || { echo "bench-instructions.sh: needs lxml for $python (pip install lxml)" >&2; exit 1; }
C=../shared/corpus
pack="Schemas/packs/nictiz-perinatal.json=$C"
# perigate starts itself again with a larger allocator cache (Sources/Perigate/AllocatorTuning.swift);
# valgrind does not follow that exec, so the setting is given here and perigate runs on as it is.
# lxml is counted with glibc's defaults (as Python runs it) and with the same setting.
count=$(sed -n 's/.*static let tcacheCount = \([0-9]*\)$/\1/p' Sources/Perigate/AllocatorTuning.swift)
[[ $count =~ ^[0-9]+$ ]] || { echo "bench-instructions.sh: no tcacheCount in AllocatorTuning.swift" >&2; exit 1; }
tuned="GLIBC_TUNABLES=glibc.malloc.tcache_count=$count"
defaults="PERIGATE_MALLOC_TUNING=off"
count_once() {
  env "${with:-$defaults}" LD_PRELOAD="$PWD/$work/sigsuspend.so" SWIFT_DETERMINISTIC_HASHING=1 \
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}
# The smaller of two counts: now and then a run counts ~250 M instructions more than the same run
# again (work of the runtime's own threads); two runs agree within 0.1 % otherwise.
count() {
  local a b
  a=$(count_once "$@"); b=$(count_once "$@")
  echo $(( a < b ? a : b ))
}
perdoc() { echo $(( ($2 - $1) / n )); }
# file|schema|documents: a run's own variation (~3 M instructions) is divided by the documents
# counted, so the small files run more of them.
cases=(
  "$C/hl7v3-acute-overdracht/2.1/instances/examples/daphne.xml|$C/hl7v3-acute-overdracht/2.1/schemas/schemas_codeGen_flat/REPC_IN002120NL.xsd|100"
  "$C/ada-kernset/2.3/instances/scenarios/scenario3-23.xml|$C/ada-kernset/2.3/schemas/ada_schemas/ada_kernset_geboortezorg.xsd|200"
  "Samples/valid/verwijzing-1-hypertensie-regulier.xml|Schemas/verwijzing/verwijzing-1.0.xsd|1000"
)
printf '%-40s %12s %12s %12s %12s %12s %12s %9s %9s %9s\n' FILE "XMLLINT" "LXML" "LXML TUNED" "PG XSD DEF" "PG XSD-ONLY" "PG FULL" "XSD/XL" "XSD/LXML" "FULL/XL"
for c in "${cases[@]}"; do
  IFS='|' read -r file xsd n <<<"$c"
  b=("$bin" bench validate --schemas "$pack" --threads 1)
  xsddefault=$(perdoc "$(count "${b[@]}" --skip-semantic-checks --iterations 1 "$file")" "$(count "${b[@]}" --skip-semantic-checks --iterations $((n + 1)) "$file")")
  with=$tuned
  xsdonly=$(perdoc "$(count "${b[@]}" --skip-semantic-checks --iterations 1 "$file")" "$(count "${b[@]}" --skip-semantic-checks --iterations $((n + 1)) "$file")")
  full=$(perdoc "$(count "${b[@]}" --iterations 1 "$file")" "$(count "${b[@]}" --iterations $((n + 1)) "$file")")
  lxtuned=$(perdoc "$(count "$python" scripts/bench_lxml.py "$xsd" "$file" --iterations 1)" "$(count "$python" scripts/bench_lxml.py "$xsd" "$file" --iterations $((n + 1)))")
  with=""
  # xmllint --repeat runs parse+validate 100 times: (repeat − single) / 99.
  x1=$(count xmllint --noout --schema "$xsd" "$file"); x100=$(count xmllint --noout --repeat --schema "$xsd" "$file")
  xl=$(( (x100 - x1) / 99 ))
  # lxml: the same parse + validate from Python (bench_lxml.py), counted as perigate is.
  lx=$(perdoc "$(count "$python" scripts/bench_lxml.py "$xsd" "$file" --iterations 1)" "$(count "$python" scripts/bench_lxml.py "$xsd" "$file" --iterations $((n + 1)))")
  printf '%-40s %12s %12s %12s %12s %12s %12s %9s %9s %9s\n' "$(basename "$file")" "$xl" "$lx" "$lxtuned" "$xsddefault" "$xsdonly" "$full" \
    "$(python3 -c "print(f'{$xsdonly/$xl:.3f}')")" "$(python3 -c "print(f'{$xsdonly/$lx:.3f}')")" "$(python3 -c "print(f'{$full/$xl:.3f}')")"
done
