#!/usr/bin/env bash
# Fuzz the core entry point (detect + parse + validate + map + record) with libFuzzer and
# AddressSanitizer for a bounded time. Not part of the test command or CI (docs/validation.md,
# "Fuzzing"). Usage:
#   scripts/fuzz.sh [SECONDS=300] [JOBS=1]
# Environment: PERIGATE_FUZZ_MAP_INVALID=1 also maps documents that failed validation;
# with ../shared/corpus present the Nictiz pack is loaded and its instances seed the corpus.
# Findings (crash-*, leak-*, timeout-*, oom-*) land in .build-fuzz/findings/; replay one with
#   .build-fuzz/release/PerigateFuzz .build-fuzz/findings/crash-…
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"
jobs="${2:-1}"

export PERIGATE_FUZZ=1
# libFuzzer's coverage instrumentation and AddressSanitizer on every Swift module (libxml2 and
# zlib are the system's, uninstrumented). Our main (SwiftPM owns main) hands over to libFuzzer's
# driver, so the linker never pulls libFuzzer's own main from its archive. lld: gold fails to link this.
swift build --build-path .build-fuzz -c release --product PerigateFuzz -Xswiftc -sanitize=fuzzer,address \
  -Xswiftc -use-ld=lld

corpus=.build-fuzz/corpus
findings=.build-fuzz/findings
mkdir -p "$corpus" "$findings"
# Seeds: our samples (valid and invalid); the Nictiz instances when the corpus is beside us
# (copied into the build folder only — third-party data never enters the repository).
cp Samples/*/*.xml "$corpus"/ 2>/dev/null || true
if [ -f ../shared/corpus/MANIFEST.tsv ]; then
  export PERIGATE_FUZZ_PACK="$PWD/Schemas/packs/nictiz-perinatal.json=$(cd ../shared/corpus && pwd)"
  find ../shared/corpus -name '*.xml' -size -64k -path '*instance*' | head -200 | while read -r file; do
    cp "$file" "$corpus/nictiz-$(echo "$file" | sha1sum | cut -c1-12).xml"
  done
fi
export PERIGATE_FUZZ_SCHEMAS="$PWD/Schemas"

echo "fuzzing for ${seconds}s with ${jobs} job(s); corpus $(ls "$corpus" | wc -l) files"
status=0
parallel=()
# Several jobs: libFuzzer writes each job's log to fuzz-N.log in the working directory.
[ "$jobs" -gt 1 ] && parallel=(-jobs="$jobs" -workers="$jobs")
.build-fuzz/release/PerigateFuzz "$corpus" -dict=scripts/fuzz-xml.dict -max_len=65536 -rss_limit_mb=2048 \
  -timeout=10 -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$findings/" "${parallel[@]}" || status=$?
found=$(ls "$findings" | wc -l)
echo "findings: $found (in $findings)"
[ "$status" -eq 0 ] && [ "$found" -eq 0 ]
