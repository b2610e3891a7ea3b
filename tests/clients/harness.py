"""The real erralertd and a fake webhook receiver, for the client handler tests.

    with Erralertd(binary) as d:            # config on 127.0.0.1 port 0, webhook receiver
        post_your_errors(d.events_url)
        e = d.wait_for_event(lambda e: e.get("status") == 400)
        d.wait_for_count(lambda e: e["request"]["route"] == "/v1/burst", 300)

Standard library only, so that every client's test (Django's, Nest's, Java's) runs it with the
same Python. What a test checks is what the webhook receiver took: the notifications erralertd
delivered, each group's latest event redacted, and the count of events each accounts for.
"""

import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

READY = re.compile(r"ready: http 127\.0\.0\.1:(\d+)")


class _Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.server.lock:
            self.server.bodies.append(json.loads(body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class Erralertd:
    """erralertd on a temporary config; `window` is the dedup window (summaries after it);
    `extra` is YAML appended to the config (e.g. an `ingest:` section)."""

    def __init__(self, binary, window="1s", extra=""):
        self.binary = binary
        self.window = window
        self.extra = extra
        self.dir = tempfile.TemporaryDirectory(prefix="erralert-client-")
        self.hook = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
        self.hook.bodies = []
        self.hook.lock = threading.Lock()
        self.proc = None
        self.stderr = []

    def __enter__(self):
        threading.Thread(target=self.hook.serve_forever, daemon=True).start()
        d = self.dir.name
        config = f"""
server:
  http: {{listen: "127.0.0.1:0"}}
  unix: {{path: "{d}/ingest.sock", dgram_path: "{d}/ingest.dgram", mode: "0600"}}
storage: {{dir: "{d}/state"}}
defaults:
  service: unknown
  dedup: {{window: {self.window}, min_count: 1}}
receivers:
  - {{name: hooks, type: webhook, url: "http://127.0.0.1:{self.hook.server_port}/hook"}}
{self.extra}
"""
        path = os.path.join(d, "erralert.yaml")
        with open(path, "w") as f:
            f.write(config)
        self.proc = subprocess.Popen([self.binary, "run", "--config", path], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        port = None
        deadline = time.monotonic() + 20
        for line in self.proc.stderr:
            self.stderr.append(line)
            m = READY.search(line)
            if m:
                port = int(m.group(1))
                break
            if time.monotonic() > deadline:
                break
        if port is None:
            self.proc.kill()
            raise RuntimeError("erralertd did not start:\n" + "".join(self.stderr))
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        self.port = port
        self.events_url = f"http://127.0.0.1:{port}/v1/events"
        return self

    def _drain_stderr(self):
        for line in self.proc.stderr:
            self.stderr.append(line)

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.hook.shutdown()
        self.dir.cleanup()
        return False

    # What the webhook receiver took -----------------------------------------------------------

    def groups(self):
        """Every group of every notification so far, as (count, event)."""
        with self.hook.lock:
            bodies = list(self.hook.bodies)
        return [(g["count"], g["event"]) for b in bodies for g in b["groups"]]

    def wait_for_event(self, match, timeout=15):
        """The latest event of the first group whose event `match`es, waiting for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for _, event in self.groups():
                if match(event):
                    return event
            time.sleep(0.05)
        raise AssertionError("no notification matched; received:\n" + json.dumps(self.groups(), indent=1,
                                                                                  ensure_ascii=False)[:4000])

    def notifications(self):
        """Every notification body the webhook receiver took so far."""
        with self.hook.lock:
            return list(self.hook.bodies)

    def count(self, match):
        return sum(c for c, e in self.groups() if match(e))

    def wait_for_count(self, match, n, timeout=20):
        """Waits until the notifications whose event matches account for exactly `n` events."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.count(match) < n:
            time.sleep(0.05)
        got = self.count(match)
        assert got == n, f"notifications account for {got} events, expected {n}"

    def metric(self, series):
        """The value of one Prometheus series, e.g. 'erralert_events_received_total{transport="http"}'."""
        text = urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5).read().decode()
        for line in text.splitlines():
            if line.startswith(series + " "):
                return float(line.split()[-1])
        return 0.0


def run(cmd, cwd, what):
    """Runs a step of a test's setup (npm ci, tsc, ...); its failure fails the test, saying what."""
    started = time.monotonic()
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        sys.exit(f"FAIL: {what} failed ({' '.join(cmd)}, exit {r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    print(f"{what}: {time.monotonic() - started:.1f} s")


def npm_ci(work, what):
    """`npm ci` of the package-lock.json in `work`, from the npm registry or npm's cache. Without
    npm, or with neither reachable, the test fails (it never passes without having run)."""
    if shutil.which("npm") is None:
        sys.exit(f"FAIL: npm is not installed (Node.js 20 and npm are needed for {what})")
    run(["npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"], work,
        f"npm ci for {what} (the npm registry must be reachable, or every package in npm's cache)")


def call(base, method, path, body=None, headers=None, timeout=10):
    """An HTTP request to an app under test: (status, answer), the answer parsed when it is JSON
    (else its text, as a framework's HTML error page); `body` is sent as JSON."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method, headers=dict(headers or {}))
    if data:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, text = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    try:
        return status, json.loads(text or b"null")
    except ValueError:
        return status, text.decode(errors="replace")


def route_is(route):
    return lambda e: e.get("request", {}).get("route") == route


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def check_four_errors(d, service, unhandled_type, frame_hint):
    """The four errors every client test raises, as erralert delivers them.

    validation  POST /v1/users?password=hunter2&tag=a   400, field errors for `name`
    custom code GET /v1/users/48213/embeddings?model=m  502 FEP-SEC-01001, the seed's message
    client      GET /v1/accounts/7                      404
    unhandled   GET /v1/crash                           500, exception type and in-app frames
    Returns the four events.
    """
    v = d.wait_for_event(route_is("/v1/users"))
    expect(v["service"] == service, f"service: {v}")
    expect(v["status"] == 400 and v["severity"] == "warning", f"validation status/severity: {v}")
    expect(v["request"]["method"] == "POST", f"validation method: {v}")
    params = v["request"].get("params", {})
    expect(params.get("password") == "[redacted]", f"password redacted: {params}")
    expect(params.get("tag") == "a", f"params are plain values: {params}")
    fields = [x.get("field", "") + ": " + x.get("reason", "") for x in v.get("errors", [])]
    expect(any("name" in f for f in fields), f"field errors: {v.get('errors')}")
    expect("hunter2" not in json.dumps(v), "the password never leaves erralertd")

    c = d.wait_for_event(route_is("/v1/users/{id}/embeddings"))
    expect(c["status"] == 502 and c["severity"] == "error", f"custom status: {c}")
    expect(c["code"] == "FEP-SEC-01001", f"custom code: {c}")
    expect(c["message"] == "open AI 연동 오류 : /embeddings", f"custom message: {c}")
    expect(c["request"]["method"] == "GET" and c["request"]["path"] == "/v1/users/48213/embeddings", f"{c}")
    expect(c["request"].get("params", {}).get("model") == "m", f"custom params: {c}")

    n = d.wait_for_event(route_is("/v1/accounts/{id}"))
    expect(n["status"] == 404 and n["severity"] == "warning", f"client error: {n}")
    expect(n["message"], f"client error message: {n}")

    u = d.wait_for_event(route_is("/v1/crash"))
    expect(u["status"] == 500 and u["severity"] == "error", f"unhandled status: {u}")
    x = u.get("exception", {})
    expect(x.get("type", "").endswith(unhandled_type), f"unhandled exception type: {x}")
    expect(frame_hint in x.get("stacktrace", ""), f"in-app frame {frame_hint!r} in stacktrace: {x}")
    expect(u["message"], f"unhandled message: {u}")
    return v, c, n, u


def check_burst(d, burst_ms, n=300):
    """`n` reports of one error handed over in `burst_ms`, all accounted for by the notifications;
    with the four errors before them, erralertd received n + 4 events over HTTP."""
    print(f"{n} reports handed over in {burst_ms:.1f} ms")
    expect(burst_ms < 300, "the handler never waits on erralert")
    d.wait_for_count(route_is("/v1/burst"), n)
    received = d.metric('erralert_events_received_total{transport="http"}')
    expect(received == n + 4, f"erralertd received {received} events, expected {n + 4}")


# Sentry SDKs (tests/clients/sentry/) ------------------------------------------------------------

def sentry_ingest(key, service):
    """The config section that makes erralertd project 1 of a Sentry DSN with `key`."""
    return f"""ingest:
  sentry:
    projects:
      - {{id: 1, key: "{key}", service: {service}}}
"""


SENTRY_SECRETS = ("hunter2", "s3cret-bearer", "s3cret-session")


def drive_sentry_errors(base):
    """The two errors both Sentry apps raise: GET /v1/crash (unhandled, in `divide`), and a
    POST /v1/users that fails validation, sent with a password, a bearer token and a cookie."""
    s, _ = call(base, "GET", "/v1/crash")
    expect(s == 500, f"unhandled: {s}")
    s, _ = call(base, "POST", "/v1/users?tag=a&password=hunter2", {"name": "", "password": "hunter2"},
                {"Authorization": "Bearer s3cret-bearer", "Cookie": "sessionid=s3cret-session"})
    expect(s == 500, f"validation: {s}")


def drive_sentry_storm(base, n):
    """`n` requests that fail with one error: GET /v1/orders/<id>/pay for `n` orders."""
    t0 = time.perf_counter()
    for i in range(n):
        call(base, "GET", f"/v1/orders/{1000 + i}/pay")
    print(f"{n} requests failed in {(time.perf_counter() - t0) * 1000:.0f} ms")


def find_sentry_event(d, route, what):
    """The delivered event of `route`, or a failure that shows what erralertd logged."""
    try:
        return d.wait_for_event(route_is(route))
    except AssertionError as e:
        raise AssertionError(f"{what}: {e}\nerralertd said:\n" + "".join(d.stderr[-40:])) from None


def check_sentry_unhandled(d, service, exception_type, message, environment, host, release):
    """The unhandled error of GET /v1/crash (`divide(1, 0)`), mapped from the SDK's event."""
    u = find_sentry_event(d, "/v1/crash", "the unhandled error")
    expect(u["service"] == service, f"service from the project: {u}")
    expect(u["message"] == message, f"message from the last exception's type and value: {u}")
    expect(u["exception"]["type"] == exception_type, f"exception type: {u}")
    expect(u["exception"]["stacktrace"].startswith("at divide ("), f"innermost in-app frame first: {u}")
    expect(u["severity"] == "error" and u["environment"] == environment and u["host"] == host, f"{u}")
    expect(u["request"]["method"] == "GET" and u["request"]["path"] == "/v1/crash", f"request: {u}")
    expect(u["tags"].get("release") == release, f"release as a tag: {u}")
    expect(len(u.get("trace_id", "")) == 32, f"trace id of the request's transaction: {u}")
    return u


def check_sentry_validation(d, message):
    """The error of drive_sentry_errors()'s POST: params from the query, every secret redacted."""
    v = find_sentry_event(d, "/v1/users", "the validation error")
    expect(v["message"] == message, f"message: {v}")
    expect(v["request"]["method"] == "POST", f"method: {v}")
    params = v["request"].get("params", {})
    expect(params.get("tag") == "a", f"the query as params: {params}")
    expect(params.get("password") == "[redacted]", f"password redacted: {params}")
    headers = {k.lower(): x for k, x in v["request"].get("headers", {}).items()}
    expect(headers.get("cookie") == "[redacted]", f"cookies redacted: {headers}")
    expect(headers.get("authorization", "").endswith("[redacted]"), f"authorization redacted: {headers}")
    delivered = json.dumps(d.notifications())
    for secret in SENTRY_SECRETS:
        expect(secret not in delivered, f"{secret} left the host")
    return v


def check_sentry_storm(d, n, exception_type, events_before, tracing_item):
    """A storm of `n` reports of one error from GET /v1/orders/<id>/pay: one `first`, the rest
    in summaries, and every event the SDK sent (the storm and `events_before`) counted once; the
    requests' tracing (items of type `tracing_item`) skipped, not alerted."""
    storm = route_is("/v1/orders/{id}/pay")
    d.wait_for_count(storm, n)
    firsts = [b for b in d.notifications() if b["kind"] == "first" and any(storm(g["event"]) for g in b["groups"])]
    expect(len(firsts) == 1, f"one first for the storm, got {len(firsts)}")
    expect(firsts[0]["groups"][0]["event"]["exception"]["type"] == exception_type, f"the app's own error: {firsts[0]}")
    expect([b for b in d.notifications() if b["kind"] == "summary"], "the rest of the storm came as summaries")
    received = d.metric('erralert_events_received_total{transport="sentry"}')
    expect(received == n + events_before, f"erralertd received {received} Sentry events, expected {n + events_before}")
    expect(d.count(lambda e: True) == n + events_before, "every event in exactly one notification")
    skipped = d.metric(f'erralert_sentry_items_skipped_total{{type="{tracing_item}"}}')
    expect(skipped >= n, f"the requests' {tracing_item} items skipped, not alerted: {skipped}")
    for reason in ("missing_key", "wrong_key", "unknown_project"):
        expect(d.metric(f'erralert_sentry_requests_refused_total{{reason="{reason}"}}') == 0, f"refused: {reason}")
