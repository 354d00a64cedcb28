#!/usr/bin/env bash
# The main job in one command: build Perigate, run the gateway on the embedded SQLite default in a
# fresh demo directory, and walk one pregnancy through it — the four partners of a VSV, her
# consent, the seven messages of Samples/sequence, the hospital pulling her record, the PHB
# referral arriving signed at JGZ's webhook, her own access log, the console. Everything on
# 127.0.0.1. Keeps serving until Ctrl-C; `--exit` stops after the tour (exit 0 only when every step
# gave the expected answer). Usage: scripts/demo.sh [--exit] [--port N]   (--port 0: a free port)
set -euo pipefail
cd "$(dirname "$0")/.."
exit_after=false
port=8080
while [ $# -gt 0 ]; do
  case "$1" in
    --exit) exit_after=true ;;
    --port) port="$2"; shift ;;
    *) echo "usage: scripts/demo.sh [--exit] [--port N]" >&2; exit 2 ;;
  esac
  shift
done

started=$(date +%s%N)
step() { printf '\n\033[1m%s\033[0m  (%d ms)\n' "$1" "$(( ($(date +%s%N) - started) / 1000000 ))"; }
fail() { echo "demo: FAILED: $*" >&2; exit 1; }

# 1. What the build needs (Debian), only when missing.
step "1. packages"
missing=()
for package in libxml2-dev zlib1g-dev pkg-config curl python3; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "all there: libxml2-dev zlib1g-dev pkg-config curl python3"
fi

step "2. build (swift build; a first build takes minutes)"
build_log=$(mktemp)
swift build --product perigate >"$build_log" 2>&1 || { tail -30 "$build_log" >&2; fail "swift build"; }
tail -1 "$build_log"; rm -f "$build_log"
bin="$(swift build --show-bin-path)/perigate"
[ -x "$bin" ] || fail "no binary at $bin"

if [ "$port" = 0 ]; then port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'); fi
demo=$(mktemp -d /tmp/perigate-demo.XXXXXX)
mkdir -p "$demo/data"
export PERIGATE_DB="$demo/data/perigate.sqlite"
export PERIGATE_AUDIT_KEY_DIRECTORY="$demo/keys"        # the signing key, outside the data directory
export PERIGATE_AUDIT_WITNESSES="file:$demo/witness/checkpoints.jsonl"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
echo "demo directory: $demo"

step "3. partners of the VSV (tokens shown once)"
partner() { # name type ura → token
  local out; out=$("$bin" partner add --name "$1" --type "$2" --ura "$3") || fail "partner add $1"
  echo "$out" | head -1 >&2
  echo "$out" | awk '/token/ {print $NF}'
}
midwife=$(partner "Verloskundigenpraktijk De Linde" verloskundigenpraktijk 01234567)
hospital=$(partner "Rijnland Gasthuis" ziekenhuis 27654321)
kraamzorg=$(partner "Kraamzorg Het Nest" kraamzorg 31112222)
jgz=$(partner "JGZ Hollands Midden" jgz 40506070)
jgz_id=$("$bin" partner list | awk '$0 ~ /40506070/ {print $1}')
# Running it again refuses a second partner for the same organisation:
"$bin" partner add --name "De Linde" --type verloskundigenpraktijk --ura 01234567 >/dev/null 2>&1 && fail "a second partner with URA 01234567 was accepted"
echo "a second partner with URA 01234567 is refused"
printf '%s\n' "demo-wachtwoord-2026" | "$bin" operator add --id demo --name "Demo Beheerder" --role operator >/dev/null
printf '%s\n' "demo-wachtwoord-2026" | "$bin" operator password demo >/dev/null
client_token=$("$bin" client-credential add --bsn 999990044 | awk '/token/ {print $NF}')

step "4. JGZ's webhook receiver on 127.0.0.1 (checks the Standard Webhooks signature)"
receiver_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
secret=$("$bin" subscription add --partner "$jgz_id" --url "http://127.0.0.1:$receiver_port/hook" --allow-insecure \
           --allow-network 127.0.0.1 | grep -oE 'whsec_[A-Za-z0-9+/=]+' | head -1)
[ -n "$secret" ] || fail "no subscription secret"
python3 - "$receiver_port" "$secret" "$demo/received.jsonl" >"$demo/receiver.log" 2>&1 <<'PY' &
import base64, hashlib, hmac, http.server, json, re, sys
port, secret, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
key = base64.b64decode(secret.removeprefix("whsec_"))
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        signed = f"{self.headers['webhook-id']}.{self.headers['webhook-timestamp']}.".encode() + body
        expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        valid = any(s.split(",", 1)[-1] == expected for s in self.headers.get("webhook-signature", "").split())
        with open(out, "a") as f:
            f.write(json.dumps({"id": self.headers["webhook-id"], "valid": valid, "type": self.headers.get("Content-Type"),
                                "bytes": len(body), "root": re.search(rb"<([A-Za-z_][\w.-]*)[\s>]", body.split(b"?>", 1)[-1]).group(1).decode()
                                if body[:1] == b"<" else "json"}) + "\n")
        self.send_response(204 if valid else 401); self.end_headers()
    def log_message(self, *args): pass
http.server.HTTPServer(("127.0.0.1", port), Hook).serve_forever()
PY
pids+=("$!")

step "5. perigate serve on http://127.0.0.1:$port, waiting for /ready"
PERIGATE_DELIVERY_ALLOW_INSECURE=true PERIGATE_DELIVERY_ALLOWED_NETWORKS=127.0.0.1/32 \
  "$bin" serve --port "$port" >"$demo/serve.out" 2>"$demo/serve.log" &
pids+=("$!")
for _ in $(seq 150); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/ready")" = 200 ] && break
  kill -0 "${pids[-1]}" 2>/dev/null || { cat "$demo/serve.log" >&2; fail "serve stopped"; }
  sleep 0.2
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/ready")" = 200 ] || fail "/ready did not answer 200"
echo "ready"

api() { # token user role method path [curl args…] → body; fails unless the status is the expected one (EXPECT)
  local token=$1 user=$2 role=$3 method=$4 path=$5; shift 5
  local status
  status=$(curl -s -o "$demo/last.json" -w '%{http_code}' -X "$method" "http://127.0.0.1:$port$path" \
    -H "Authorization: Bearer $token" -H "Perigate-User: $user" -H "Perigate-User-Name: Demo" -H "Perigate-User-Role: $role" "$@")
  [ "$status" = "${EXPECT:-200}" ] || { cat "$demo/last.json" >&2; fail "$method $path answered $status, not ${EXPECT:-200}"; }
  cat "$demo/last.json"
}

step "6. her consent for exchange, given by herself through her client portal"
EXPECT=201 api "$client_token" client client POST /v1/clients/999990044/consents \
  -H "Content-Type: application/json" -d "{\"status\": \"given\", \"date\": \"$(date -u +%F)\"}" >/dev/null
echo "consent given"

step "7. the pregnancy: seven handover messages (Samples/sequence), each sent by its author"
for file in Samples/sequence/*.xml; do
  case "$(basename "$file")" in
    4-*|5-*) token=$hospital; user=uzi:900067890; role=klinisch-verloskundige ;;
    7-*) token=$kraamzorg; user=uzi:900055555; role=kraamverzorgende ;;
    *) token=$midwife; user=uzi:900012345; role=verloskundige ;;
  esac
  receipt=$(EXPECT=202 api "$token" "$user" "$role" POST /v1/messages -H "Content-Type: application/xml" --data-binary "@$file")
  echo "$(basename "$file"): 202 $(echo "$receipt" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["kind"], r.get("deliveriesPlanned", []))')"
done

step "8. the hospital pulls her record"
EXPECT=200 api "$hospital" uzi:900067890 gynaecoloog GET /v1/clients/999990044/record \
  | python3 -c 'import json,sys; r=json.load(sys.stdin); print("record of BSN", r.get("bsn", "?"), "—", ", ".join(sorted(r)))'

step "9. the PHB referral arrives at JGZ, signed"
phb='"valid": true, "type": "application/xml", "bytes": [0-9]*, "root": "phbaanmelding"'
for _ in $(seq 150); do grep -q "$phb" "$demo/received.jsonl" 2>/dev/null && break; sleep 0.2; done
grep -q "$phb" "$demo/received.jsonl" 2>/dev/null || { cat "$demo/serve.log" >&2; fail "the PHB referral did not reach JGZ, signed"; }
grep -q '"valid": false' "$demo/received.jsonl" && fail "a delivery with a bad signature reached JGZ"
cat "$demo/received.jsonl"

step "10. her own access log (her client portal's credential)"
curl -s "http://127.0.0.1:$port/v1/clients/999990044/access-log" -H "Authorization: Bearer $client_token" -o "$demo/log.json" -w '%{http_code}' \
  | grep -q 200 || fail "access log not 200"
python3 -c 'import json,sys; [print(" ", e["text"]) for e in json.load(open(sys.argv[1]))["entries"][:12]]' "$demo/log.json"

step "11. the audit log verifies against its witness"
"$bin" audit verify --public-key "$("$bin" audit public-key 2>/dev/null)" --witness "$demo/witness/checkpoints.jsonl" || fail "audit verify"

step "done"
echo "console: http://127.0.0.1:$port/console  (login demo / demo-wachtwoord-2026)"
echo "tokens: midwife $midwife"
echo "        hospital $hospital  kraamzorg $kraamzorg  jgz $jgz"
if $exit_after; then
  echo "demo: every step gave the expected answer"
  exit 0
fi
echo "serving until Ctrl-C (demo directory $demo)"
wait "${pids[-1]}"
