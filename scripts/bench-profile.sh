#!/usr/bin/env bash
# Where durable HTTP ingest spends its instructions (docs/performance.md, "Where an ingest's
# instructions go"): `perigate serve` on a fresh SQLite file under valgrind's callgrind, counted
# only after a warm-up (start-up, schema compilation and first requests left out), while
# `perigate bench ingest` sends the five Perigate samples from CLIENTS concurrent clients for
# SECONDS (each woman 20 messages); then scripts/callgrind_breakdown.py prints the instructions
# per accepted message: the whole, per library, and per synchronous step. Instruction counts do
# not depend on the machine's load; the kernel's work (system calls, thread switches) is not
# counted. Needs valgrind and binutils, as scripts/bench-instructions.sh.
# Usage: scripts/bench-profile.sh [SECONDS [CLIENTS]]   (default 20 s, 8 clients)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
clients="${2:-8}"
swift build -c release --product perigate >/dev/null
work=.build/bench-instructions
mkdir -p "$work"
objcopy --strip-debug .build/release/perigate "$work/perigate"
cc -shared -fPIC -O2 -o "$work/sigsuspend.so" scripts/valgrind-sigsuspend.c
bin=.build/release/perigate
tmp=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$tmp"' EXIT
files=(Samples/valid/verwijzing-1-hypertensie-regulier.xml Samples/valid/verwijzing-3-vil-indicatie-v1.1.xml
       Samples/valid/kraamzorgoverdracht-1-prenataal.xml Samples/valid/phbaanmelding-1-psychosociaal.xml
       Samples/valid/jgzoverdracht-2-signalen.xml)
token=$("$bin" partner add --db "$tmp/bench.sqlite" --name "De Linde" --type verloskundigenpraktijk --ura 01234567 | awk '/token/ {print $NF}')
# The allocator setting serve would start itself again with (AllocatorTuning.swift), given here:
# valgrind does not follow that exec.
count=$(sed -n 's/.*static let tcacheCount = \([0-9]*\)$/\1/p' Sources/Perigate/AllocatorTuning.swift)
[[ $count =~ ^[0-9]+$ ]] || { echo "bench-profile.sh: no tcacheCount in AllocatorTuning.swift" >&2; exit 1; }
tuned="glibc.malloc.tcache_count=$count"
GLIBC_TUNABLES="$tuned" LD_PRELOAD="$PWD/$work/sigsuspend.so" SWIFT_DETERMINISTIC_HASHING=1 valgrind --tool=callgrind --instr-atstart=no \
  --callgrind-out-file="$tmp/callgrind.out" "$work/perigate" serve --db "$tmp/bench.sqlite" --port 0 >"$tmp/out" 2>"$tmp/err" &
server=$!
for _ in $(seq 600); do grep -q listening "$tmp/out" 2>/dev/null && break; sleep 0.2; done
url=$(awk '{print $NF}' "$tmp/out")
"$bin" bench ingest --url "$url" --token "$token" --seconds 3 --concurrency 4 --messages-per-woman 20 "${files[@]}" >/dev/null
callgrind_control -i on "$server" >/dev/null
result=$("$bin" bench ingest --url "$url" --token "$token" --seconds "$seconds" --concurrency "$clients" --messages-per-woman 20 "${files[@]}")
echo "$result"
accepted=$(echo "$result" | awk '$1 == "'"$clients"'" {print $2}')
kill -TERM "$server"; wait "$server" || true
python3 scripts/callgrind_breakdown.py "$tmp/callgrind.out" "$accepted"
