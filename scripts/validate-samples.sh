#!/usr/bin/env bash
# The main job on the embedded default, for now: build perigate and validate every sample.
# Valid samples must pass; every invalid sample must be refused as its .expected.txt says.
# Then the seven-message pregnancy in Samples/sequence is merged into one client record.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v pkg-config >/dev/null && pkg-config --exists libxml-2.0 || {
  echo "installing libxml2-dev pkg-config"; apt-get update -qq && apt-get install -y -qq libxml2-dev pkg-config >/dev/null; }
swift build -c release --product perigate
bin=.build/release/perigate
$bin schemas
$bin validate Samples/valid/*.xml
failed=0
for file in Samples/invalid/*.xml; do
  expected=$(sed -n 's/^outcome: //p' "${file%.xml}.expected.txt")
  actual=$( { $bin validate --format json "$file" || true; } | sed -n 's/.*"outcome" : "\([a-z-]*\)".*/\1/p')
  if [ "$actual" = "$expected" ]; then echo "refused as expected ($actual): $file"; else echo "MISMATCH ($actual, expected $expected): $file"; failed=1; fi
done
$bin record --no-history Samples/sequence/*.xml > /tmp/perigate-sequence-record.json
echo "merged Samples/sequence into one client record: /tmp/perigate-sequence-record.json"
exit $failed
