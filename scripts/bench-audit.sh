#!/usr/bin/env bash
# What witnessed audit checkpoints cost (docs/performance.md "Audit checkpoints"): release build,
# durable HTTP ingest at 8 clients without witnesses and with a witness server
# (`perigate audit witness`) plus a witness file; then `perigate audit verify` of the whole log
# against both witnesses. Everything on 127.0.0.1. Usage: scripts/bench-audit.sh [SECONDS] (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-5}"
swift build -c release --product perigate >/dev/null
bin=.build/release/perigate
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
export PERIGATE_AUDIT_KEY_DIRECTORY="$work/keys"
samples=(Samples/valid/verwijzing-1-hypertensie-regulier.xml Samples/valid/kraamzorgoverdracht-1-prenataal.xml
         Samples/valid/jgzoverdracht-2-signalen.xml)

wait_listening() { for _ in $(seq 200); do grep -q listening "$1" 2>/dev/null && return; sleep 0.1; done; echo "no listening line in $1" >&2; exit 1; }

run() { # name, witnesses
  local name=$1 witnesses=$2 db="$work/$1.sqlite"
  local token; token=$(PERIGATE_AUDIT_WITNESSES="$witnesses" "$bin" partner add --db "$db" --name "De Linde" \
    --type verloskundigenpraktijk --ura 01234567 | awk '/token/ {print $NF}')
  PERIGATE_AUDIT_WITNESSES="$witnesses" "$bin" serve --db "$db" --port 0 >"$work/$name.out" 2>"$work/$name.err" &
  local server=$!; pids+=("$server")
  wait_listening "$work/$name.out"
  local url; url=$(awk '{print $NF}' "$work/$name.out")
  echo "== $name (witnesses: ${witnesses:-none})"
  "$bin" bench ingest --in-process --url "$url" --token "$token" --seconds "$seconds" --concurrency 8 "${samples[@]}"
  kill "$server"; wait "$server" 2>/dev/null || true
  echo "checkpoints signed: $(wc -l < "$db.audit-checkpoints"), audit lines: $(sqlite3 "$db" 'SELECT MAX(seq) FROM audit_log' 2>/dev/null || echo '?')"
}

"$bin" partner add --db "$work/key.sqlite" --name x --type verloskundigenpraktijk --ura 01234567 >/dev/null   # makes the key
key=$("$bin" audit public-key --db "$work/key.sqlite" 2>/dev/null)
"$bin" audit witness --store "$work/witness/store.jsonl" --public-key "$key" --port 0 >"$work/witness.out" 2>/dev/null &
pids+=("$!")
wait_listening "$work/witness.out"
witness=$(awk '{print $NF}' "$work/witness.out")

run plain ""
run witnessed "$witness,file:$work/elsewhere/witness.jsonl"

echo "== audit verify of the witnessed log against the witness server and the witness file"
start=$(date +%s%N)
"$bin" audit verify --db "$work/witnessed.sqlite" --public-key "$key" --witness "$witness" --witness "$work/elsewhere/witness.jsonl"
end=$(date +%s%N)
echo "verify took $(( (end - start) / 1000000 )) ms; witness holds $(wc -l < "$work/witness/store.jsonl") checkpoints ($(du -k "$work/witness/store.jsonl" | cut -f1) KiB)"
