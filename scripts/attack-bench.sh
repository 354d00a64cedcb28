#!/usr/bin/env bash
# Attack benchmark (issue 18, item 9; docs/performance.md "Under attack"): every attack of issue 18,
# each against a fresh `perigate serve` (release build) on 127.0.0.1 with a copy of one prepared
# SQLite file (a partner, an operator with a console password). For each attack it prints the
# legitimate traffic's p50/p99 and success rate during the attack next to a baseline measured on
# the same server just before, and the server's RSS before, at its peak and after. Attack traffic
# comes from 127.0.0.2, legitimate traffic from 127.0.0.1; nothing leaves loopback.
# The helper is scripts/attack_bench.py (Python 3, standard library only).
# Usage: scripts/attack-bench.sh [SECONDS] [-- helper options, e.g. --only a,b --slowloris 500]
#        (default 10 s per attack; about 2½ minutes in all; PERIGATE_BIN overrides the binary)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
shift || true
[ "${1:-}" = "--" ] && shift
bin="${PERIGATE_BIN:-.build/release/perigate}"
if [ ! -x "$bin" ]; then swift build -c release --product perigate >/dev/null; fi
# Each attack holds up to a few thousand sockets on both ends.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="$work/prepared.sqlite"
token=$("$bin" partner add --db "$db" --name "Verloskundigenpraktijk De Linde" --type verloskundigenpraktijk --ura 01234567 \
  | awk '/token/ {print $NF}')
"$bin" operator add --db "$db" --name "Bench Beheerder" --id beheer >/dev/null
echo "een-lang-wachtwoord-voor-de-bench" | "$bin" operator password --db "$db" beheer >/dev/null
echo "perigate attack bench: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $bin"
python3 scripts/attack_bench.py run --bin "$bin" --db "$db" --token "$token" --operator beheer --seconds "$seconds" "$@"
