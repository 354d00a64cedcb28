#!/usr/bin/env python3
"""Attack benchmark (issue 18, item 9), driven by scripts/attack-bench.sh.

Each attack runs against a fresh `perigate serve` (release build) on 127.0.0.1 with a copy of a
prepared SQLite database. For each attack: legitimate traffic (paced partner POSTs of a valid
message, each with a fresh berichtId, from 127.0.0.1, in a separate process so the attack's
threads do not share its interpreter) is measured first alone (baseline) and then during the
attack, which comes from 127.0.0.2. The serve process's RSS is read from /proc before, during
(peak) and after. Only loopback addresses are ever used. Python 3 standard library only.

Usage: attack_bench.py run --bin PATH --db PREPARED.sqlite --token TOKEN --operator ID [--seconds S]
       attack_bench.py legit --url URL --token TOKEN --seconds S [--clients N --interval I]
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid

LEGIT_SOURCE = "127.0.0.1"
ATTACK_SOURCE = "127.0.0.2"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(ROOT, "Samples/valid/verwijzing-1-hypertensie-regulier.xml")
USER_HEADERS = {"Perigate-User": "uzi:900012345", "Perigate-User-Name": "A. de Vries",
                "Perigate-User-Role": "verloskundige", "Content-Type": "application/xml"}


def fresh_message(template):
    """The sample with a new berichtId, so every request is a new message."""
    start = template.index(b"<berichtId>") + len(b"<berichtId>")
    end = template.index(b"</berichtId>", start)
    return template[:start] + str(uuid.uuid4()).encode() + template[end:]


def attributes_message(count):
    """One element with `count` attributes of 16 bytes each (the quadratic-parse attack; 100,000 make 1.6 MB)."""
    return ("<verwijzing " + " ".join('a%05d="xxxxxx"' % i for i in range(count)) + "/>").encode()


def worst_legal_message():
    """The largest shape the default limits allow for the duplicate check: 3,000 elements of 256
    attributes (768,000 attributes, ~7 MiB); parses for seconds, so a small request timeout cancels it."""
    element = "<e " + " ".join('a%d="%d"' % (i, i) for i in range(256)) + "/>"
    return ("<r>\n" + (element + "\n") * 3000 + "</r>").encode()


def outcome(status, body):
    """The status, with the problem code of a problem+json answer: "503 request.timeout"."""
    if status >= 400 and body.startswith(b"{"):
        try:
            return "%d %s" % (status, json.loads(body).get("code", ""))
        except ValueError:
            pass
    return str(status) if status else "closed without an answer"


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Partner:
    """A keep-alive HTTP/1.1 connection from `source` posting as the partner."""

    def __init__(self, port, token, source, timeout=30):
        self.port, self.token, self.source, self.timeout = port, token, source, timeout
        self.connection = None

    def request(self, method, path, body=None, headers=None):
        """(status, body bytes, content type); status 0 for a transport failure."""
        all_headers = dict(USER_HEADERS, Authorization="Bearer " + self.token)
        all_headers.update(headers or {})
        all_headers = {name: value for name, value in all_headers.items() if value is not None}
        for attempt in range(2):
            reused = self.connection is not None
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout,
                                                             source_address=(self.source, 0))
            try:
                self.connection.request(method, path, body=body, headers=all_headers)
                response = self.connection.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status, data, response.getheader("Content-Type", "")
            except (OSError, http.client.HTTPException):
                # A keep-alive connection the server closed after its last answer: once more on a
                # new one (re-sending a message is idempotent); a new connection that fails is 0.
                self.close()
                if not reused or attempt == 1:
                    return 0, b"", ""
        return 0, b"", ""

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


# ---- legitimate traffic (own process) ----

def legit_main(args):
    template = open(SAMPLE, "rb").read()
    latencies, statuses, lock = [], {}, threading.Lock()
    deadline = time.monotonic() + args.seconds

    def client(index):
        partner = Partner(args.port, args.token, LEGIT_SOURCE, timeout=args.timeout)
        next_at = time.monotonic() + index * args.interval / args.clients
        while True:
            now = time.monotonic()
            if now >= deadline:
                break
            if next_at > now:
                time.sleep(next_at - now)
            next_at += args.interval
            body = fresh_message(template)
            start = time.monotonic()
            status, data, _ = partner.request("POST", "/v1/messages", body)
            elapsed = (time.monotonic() - start) * 1000
            with lock:
                latencies.append(elapsed)
                key = outcome(status, data)
                statuses[key] = statuses.get(key, 0) + 1
        partner.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ok = statuses.get("202", 0)
    print(json.dumps({"count": len(latencies), "ok": ok, "p50": percentile(latencies, 0.50),
                      "p99": percentile(latencies, 0.99), "max": max(latencies) if latencies else float("nan"),
                      "statuses": dict(sorted(statuses.items()))}))


# ---- the server under test ----

class Server:
    def __init__(self, binary, prepared_db, work, extra):
        self.db = os.path.join(work, "gateway-%s.sqlite" % uuid.uuid4().hex[:8])
        shutil.copy(prepared_db, self.db)
        self.err = open(self.db + ".err", "wb")
        self.process = subprocess.Popen([binary, "serve", "--db", self.db, "--port", "0", "--log-level", "warning"] + extra,
                                        cwd=ROOT, stdout=subprocess.PIPE, stderr=self.err)
        line = self.process.stdout.readline().decode()
        if "listening" not in line:
            raise SystemExit("perigate serve did not start: " + line)
        self.port = int(line.rsplit(":", 1)[1])
        self.samples, self.sampling = [], True
        self.sampler = threading.Thread(target=self._sample, daemon=True)
        self.sampler.start()

    def status_field(self, field):
        try:
            with open("/proc/%d/status" % self.process.pid) as status:
                for line in status:
                    if line.startswith(field + ":"):
                        return int(line.split()[1]) // 1024
        except OSError:
            pass
        return 0

    def rss(self):
        return self.status_field("VmRSS")

    def reset_peak(self):
        """Resets VmHWM (Linux: writing 5 to clear_refs) and the sampled peak."""
        try:
            with open("/proc/%d/clear_refs" % self.process.pid, "w") as refs:
                refs.write("5")
        except OSError:
            pass
        self.samples = []

    def peak(self):
        return max([self.status_field("VmHWM")] + self.samples)

    def _sample(self):
        while self.sampling and self.process.poll() is None:
            self.samples.append(self.rss())
            time.sleep(0.2)

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        self.sampling = False
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.err.close()
        return self.process.returncode


def run_legit(args, port, seconds):
    output = subprocess.run([sys.executable, os.path.abspath(__file__), "legit", "--port", str(port), "--token", args.token,
                             "--seconds", str(seconds), "--clients", str(args.clients), "--interval", str(args.interval)],
                            check=True, capture_output=True, text=True).stdout
    return json.loads(output)


def get(port, path, source=LEGIT_SOURCE, timeout=10):
    """(status, body, content type) of an unauthenticated GET."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("Content-Type", "")
    except (OSError, http.client.HTTPException):
        return 0, b"", ""
    finally:
        connection.close()


# ---- attacks: each returns (start, stop) callables; stop returns a dict of findings ----

class Looping:
    """`workers` threads calling `body(index)` until stopped; counts the statuses they return."""

    def __init__(self, workers, body):
        self.stopping = threading.Event()
        self.statuses, self.lock = {}, threading.Lock()
        self.threads = [threading.Thread(target=self._loop, args=(i, body), daemon=True) for i in range(workers)]

    def _loop(self, index, body):
        while not self.stopping.is_set():
            status = body(index)
            with self.lock:
                self.statuses[status] = self.statuses.get(status, 0) + 1

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self, join_timeout=60):
        self.stopping.set()
        for thread in self.threads:
            thread.join(join_timeout)
        return {str(k): v for k, v in sorted(self.statuses.items(), key=lambda kv: str(kv[0]))}


def storm(heavy_body):
    """Three attackers posting `heavy_body` in a loop and eight posting valid messages, from 127.0.0.2."""
    def make(server, args):
        template = open(SAMPLE, "rb").read()
        heavy = [Partner(server.port, args.token, ATTACK_SOURCE, timeout=120) for _ in range(3)]
        valid = [Partner(server.port, args.token, ATTACK_SOURCE, timeout=60) for _ in range(8)]
        heavy_loop = Looping(3, lambda i: outcome(*heavy[i].request("POST", "/v1/messages", heavy_body)[:2]))
        valid_loop = Looping(8, lambda i: outcome(*valid[i].request("POST", "/v1/messages", fresh_message(template))[:2]))

        def start():
            heavy_loop.start()
            valid_loop.start()

        def stop():
            found = {"heavy answers": heavy_loop.stop(), "attack-side valid answers": valid_loop.stop()}
            found.update(after_storm(server, args, template))
            return found
        return start, stop
    return make


def after_storm(server, args, template):
    """A valid POST and a read of that message; /ready; and whether the database takes a write lock."""
    deadline = time.monotonic() + 5
    partner = Partner(server.port, args.token, LEGIT_SOURCE, timeout=5)
    start = time.monotonic()
    status, body, _ = partner.request("POST", "/v1/messages", fresh_message(template))
    posted = time.monotonic() - start
    read = 0
    if status == 202:
        message_id = json.loads(body).get("messageId", "")
        read = partner.request("GET", "/v1/messages/" + message_id, headers={"Content-Type": None})[0]
    partner.close()
    ready = get(server.port, "/ready")[0]
    try:
        connection = sqlite3.connect(server.db, timeout=2)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        connection.close()
        lock = "BEGIN IMMEDIATE ok"
    except sqlite3.Error as error:
        lock = "BEGIN IMMEDIATE: %s" % error
    return {"after: POST": "%d in %.2f s" % (status, posted), "after: GET message": read, "after: /ready": ready,
            "after: database": lock, "after: within 5 s": time.monotonic() < deadline}


def too_complex(server, args):
    body = attributes_message(100_000)
    first = {}

    def send(index):
        partner = Partner(server.port, args.token, ATTACK_SOURCE, timeout=300)
        start = time.monotonic()
        status, data, _ = partner.request("POST", "/v1/messages", body)
        elapsed = time.monotonic() - start
        partner.close()
        if not first:
            code = json.loads(data).get("code", "") if data.startswith(b"{") else ""
            detail = json.loads(data).get("detail", "") if data.startswith(b"{") else ""
            first.update({"first refusal": "%d %s in %.3f s (%d bytes)" % (status, code, elapsed, len(body)),
                          "detail": detail[:120]})
        return status
    loop = Looping(1, send)

    def stop():
        found = dict(first)
        found["answers"] = loop.stop()
        return found
    return loop.start, stop


def raw_socket(port, text=b""):
    connection = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    connection.bind((ATTACK_SOURCE, 0))
    connection.settimeout(5)
    connection.connect(("127.0.0.1", port))
    if text:
        connection.sendall(text)
    return connection


def drain(connections):
    """What each socket has been answered so far (first status line), without waiting."""
    answers = {}
    for connection in connections:
        connection.setblocking(False)
        try:
            data = connection.recv(256)
            key = data.split(b"\r\n", 1)[0].decode(errors="replace") if data else "closed by server"
        except BlockingIOError:
            key = "no answer yet"
        except OSError as error:
            key = type(error).__name__
        answers[key] = answers.get(key, 0) + 1
    return answers


def stalled_logins(server, args):
    head = (b"POST /console/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 16000\r\n\r\ngebruiker=beheer&wachtwoord=")
    sockets, found = [], {}

    def start():
        for _ in range(260):
            try:
                sockets.append(raw_socket(server.port, head))
            except OSError:
                pass
        found["sockets open"] = len(sockets)
        time.sleep(1)
        found["GET /console/login during"] = get(server.port, "/console/login")[0]
        found["GET /health during"] = get(server.port, "/health")[0]

    def stop():
        found["what the stalled sockets got"] = drain(sockets)
        for connection in sockets:
            connection.close()
        return found
    return start, stop


def login_flood(server, args):
    form = ("gebruiker=%s&wachtwoord=verkeerd-wachtwoord-123" % args.operator).encode()
    before = audit_count(server.db)

    def attempt(index):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60, source_address=(ATTACK_SOURCE, 0))
        try:
            connection.request("POST", "/console/login", body=form,
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
            response = connection.getresponse()
            answer = outcome(response.status, response.read())
        except (OSError, http.client.HTTPException):
            answer = "0"
        connection.close()
        return answer
    loop = Looping(32, attempt)

    def stop():
        answers = loop.stop()
        time.sleep(0.5)
        lines = audit_count(server.db)
        return {"login answers": answers, "console.login refused audit lines": lines[0] - before[0],
                "auth.refused audit lines": lines[1] - before[1]}
    return loop.start, stop


def audit_count(db):
    """(console.login refused lines, auth.refused lines) in the audit log so far (read-only)."""
    connection = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
    rows = connection.execute(
        "SELECT json_extract(line, '$.event'), count(*) FROM audit_log WHERE json_extract(line, '$.outcome') = 'refused' "
        "AND json_extract(line, '$.event') IN ('console.login', 'auth.refused') GROUP BY 1").fetchall()
    connection.close()
    counts = dict(rows)
    return counts.get("console.login", 0), counts.get("auth.refused", 0)


def slowloris(server, args):
    stopping, sockets, found = threading.Event(), [], {}
    head = b"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "

    def drip():
        while not stopping.wait(1.0):
            for connection in list(sockets):
                try:
                    connection.send(b"a")
                except OSError:
                    sockets.remove(connection)
                    found["dropped by server"] = found.get("dropped by server", 0) + 1
    dripper = threading.Thread(target=drip, daemon=True)

    def start():
        for _ in range(args.slowloris):
            try:
                connection = raw_socket(server.port, head)
                connection.setblocking(False)
                sockets.append(connection)
            except OSError as error:
                found["connect failed"] = found.get("connect failed", 0) + 1
                found["connect error"] = type(error).__name__
        found["sockets open"] = len(sockets)
        dripper.start()
        time.sleep(2)

    def stop():
        found["RSS during (MiB)"] = server.rss()
        stopping.set()
        dripper.join()
        found["still open at the end"] = len(sockets)
        for connection in sockets:
            connection.close()
        time.sleep(args.settle)
        found["RSS %d s after close (MiB)" % args.settle] = server.rss()
        return found
    return start, stop


SMUGGLING = [
    ("header of 100 KB", b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n"),
    ("2,000 headers", b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(2000)) + b"\r\n"),
    ("Content-Length + Transfer-Encoding (CL.TE)",
     b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("two different Content-Lengths",
     b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 40\r\n\r\nhello"),
    ("Transfer-Encoding: xchunked + Content-Length",
     b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n"),
    ("Transfer-Encoding: chunked, identity",
     b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n"),
    ("bad chunk size", b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"),
    ("space before colon", b"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\nhello"),
]


def authorized(request, token):
    """A POST of the smuggling list with the partner's credential (its body is then read)."""
    if not request.startswith(b"POST"):
        return request
    line, rest = request.split(b"\r\n", 1)
    headers = "".join("%s: %s\r\n" % item for item in dict(USER_HEADERS, Authorization="Bearer " + token).items())
    return line + b"\r\n" + headers.encode() + rest


def smuggling_case(port, request):
    """(first status line, its Content-Type, number of responses on the connection)."""
    try:
        connection = raw_socket(port)
        connection.sendall(request)
        connection.settimeout(2)
        data = b""
        while True:
            try:
                chunk = connection.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            data += chunk
        connection.close()
    except OSError as error:
        return type(error).__name__, "", 0
    if not data:
        return "closed without an answer", "", 0
    first = data.split(b"\r\n", 1)[0].decode(errors="replace")
    head = data.split(b"\r\n\r\n", 1)[0].decode(errors="replace").lower()
    content_type = next((line.split(":", 1)[1].strip() for line in head.split("\r\n") if line.startswith("content-type:")), "none")
    return first, content_type, data.count(b"HTTP/1.1 ")


def smuggling(server, args):
    found = {}
    requests = [(name, authorized(request, args.token)) for name, request in SMUGGLING]
    for name, request in requests:
        status, content_type, responses = smuggling_case(server.port, request)
        found[name] = "%s, Content-Type %s, %d response(s)" % (status, content_type, responses)
    cases = iter(range(10**9))

    def again(index):
        first = smuggling_case(server.port, requests[next(cases) % len(requests)][1])[0]
        return first.split(" ")[1] if first.startswith("HTTP/") else first
    loop = Looping(2, again)

    def stop():
        found["answers in the loop"] = loop.stop()
        return found
    return loop.start, stop


ATTACKS = [
    ("a", "cancellation storm: 3 × 30,000 attributes + 8 valid clients, --request-timeout 5",
     ["--request-timeout", "5"], storm(attributes_message(30_000))),
    ("a'", "cancellation storm: 3 × worst legal shape (768,000 attributes, 7 MiB) + 8 valid clients, --request-timeout 1",
     ["--request-timeout", "1"], storm(worst_legal_message())),
    ("b", "100,000 attributes on one element (1.6 MB), posted in a loop", [], too_complex),
    ("c", "260 stalled POST /console/login (Content-Length 16000, then silence)", [], stalled_logins),
    ("d", "login flood: 32 threads posting wrong passwords to /console/login", [], login_flood),
    ("e", "slowloris: header bytes at 1 byte/s on many connections", [], slowloris),
    ("f", "huge headers and request smuggling attempts, in a loop", [], smuggling),
]


def run_main(args):
    work = tempfile.mkdtemp(prefix="perigate-attack-")
    rows, details = [], []
    try:
        for key, title, extra, make in ATTACKS:
            if args.only and key not in args.only.split(","):
                continue
            print("attack %s: %s" % (key, title), file=sys.stderr, flush=True)
            server = Server(args.bin, args.db, work, extra)
            try:
                get(server.port, "/health")
                baseline = run_legit(args, server.port, args.baseline)
                rss_before = server.rss()
                server.reset_peak()
                start, stop = make(server, args)
                start()
                during = run_legit(args, server.port, args.seconds)
                found = stop()
                rss_after, peak = server.rss(), server.peak()
                found["server still running"] = server.alive()
                rows.append((key, baseline, during, rss_before, peak, rss_after))
                details.append((key, title, found))
            finally:
                code = server.stop()
                if code not in (0, None):
                    details.append((key, "serve exit status", {"exit status": code}))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table(args, rows, details)


def print_table(args, rows, details):
    print("legitimate traffic: %d clients from 127.0.0.1, one valid POST /v1/messages every %.0f ms each "
          "(fresh berichtId), %g s baseline then %g s during the attack; attack from 127.0.0.2"
          % (args.clients, args.interval * 1000, args.baseline, args.seconds))
    print(("%-3s %-16s %-16s %-16s %7s %7s  %-20s" % ("", "baseline", "during attack", "", "p50", "p99", "RSS MiB")).rstrip())
    print("%-3s %6s %4s %5s %6s %4s %5s %7s %7s %7s %7s  %6s %6s %6s" % (
        "", "p50 ms", "p99", "ok %", "p50 ms", "p99", "ok %", "max ms", "n", "ratio", "ratio", "before", "peak", "after"))
    for key, base, during, before, peak, after in rows:
        def ok(run):
            return 100.0 * run["ok"] / run["count"] if run["count"] else 0.0
        print("%-3s %6.1f %4.0f %5.1f %6.1f %4.0f %5.1f %7.0f %7d %7.1f %7.1f  %6d %6d %6d" % (
            key, base["p50"], base["p99"], ok(base), during["p50"], during["p99"], ok(during), during["max"], during["count"],
            during["p50"] / base["p50"], during["p99"] / base["p99"], before, peak, after))
        if set(during["statuses"]) != {"202"} or set(base["statuses"]) != {"202"}:
            print("    legitimate answers: baseline %s, during the attack %s" % (base["statuses"], during["statuses"]))
    for key, title, found in details:
        print("%s) %s" % (key, title))
        for name, value in found.items():
            print("    %s: %s" % (name, value))


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run")
    run.add_argument("--bin", required=True)
    run.add_argument("--db", required=True, help="prepared database (partner, operator) copied for every attack")
    run.add_argument("--token", required=True)
    run.add_argument("--operator", required=True)
    run.add_argument("--seconds", type=float, default=10)
    run.add_argument("--baseline", type=float, default=5)
    run.add_argument("--clients", type=int, default=4)
    run.add_argument("--interval", type=float, default=0.025)
    run.add_argument("--slowloris", type=int, default=2000, help="slowloris connections")
    run.add_argument("--settle", type=int, default=10, help="seconds to wait after the slowloris sockets close")
    run.add_argument("--only", default="", help="comma-separated attack keys")
    legit = commands.add_parser("legit")
    legit.add_argument("--port", type=int, required=True)
    legit.add_argument("--token", required=True)
    legit.add_argument("--seconds", type=float, required=True)
    legit.add_argument("--clients", type=int, default=4)
    legit.add_argument("--interval", type=float, default=0.025)
    legit.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()
    (run_main if args.command == "run" else legit_main)(args)


if __name__ == "__main__":
    main()
