"""A Node.js app reporting with an unmodified @sentry/node (from npm), its DSN on erralertd.

    python3 node_test.py ERRALERTD_BINARY WORK_DIR

Copies the app (node/: package.json, package-lock.json, instrument.js, app.js) into WORK_DIR,
installs the locked @sentry/node with `npm ci` (from the npm registry, or npm's cache), and
starts it with SENTRY_DSN=http://<key>@127.0.0.1:<port>/1. @sentry/node sends envelopes only,
to /api/1/envelope/, with the key in the query, no Content-Type, Transfer-Encoding: chunked, and
gzip over 32 KiB; transactions, sessions and client reports ride along. What the webhook
receiver gets must be the errors, grouped, redacted and with their fields mapped; for a storm
of one error, one `first` and summaries that count every event the SDK sent.
Without npm or its registry the test fails, saying so.
"""
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import harness  # noqa: E402

KEY = "5d2e7a9c41b84f03a6e1c2d3b4a59687"
STORM = 300


def prepare(work):
    os.makedirs(work, exist_ok=True)
    for name in ("package.json", "package-lock.json", "instrument.js", "app.js"):
        shutil.copy(os.path.join(HERE, "node", name), work)
    harness.npm_ci(work, "the @sentry/node client test")


def main(binary, work):
    started = time.monotonic()
    prepare(work)
    with harness.Erralertd(binary, window="3s", extra=harness.sentry_ingest(KEY, "gateway")) as d:
        env = dict(os.environ, SENTRY_DSN=f"http://{KEY}@127.0.0.1:{d.port}/1")
        app = subprocess.Popen(["node", "--import", "./instrument.js", "app.js"], cwd=work, env=env,
                               stdout=subprocess.PIPE, text=True)
        try:
            line = app.stdout.readline()
            harness.expect(line.startswith("listening "), f"the app did not start: {line!r}")
            base = f"http://127.0.0.1:{int(line.split()[1])}"
            harness.drive_sentry_errors(base)
            s, b = harness.call(base, "GET", "/test/flush")
            harness.expect(s == 200 and b["flushed"], f"flush: {s} {b}")

            u = harness.check_sentry_unhandled(d, "gateway", "RangeError", "RangeError: division by zero", "prod",
                                               "node-1", "gateway@2.0.1")
            harness.expect("app.js" in u["exception"]["stacktrace"], f"the app's file: {u}")
            harness.expect("node:internal" not in u["exception"]["stacktrace"], f"only in-app frames: {u}")
            harness.check_sentry_validation(d, "TypeError: name must not be empty")

            # The storm: one error from many orders (one route), every report the SDK sends counted.
            harness.drive_sentry_storm(base, STORM)
            s, b = harness.call(base, "GET", "/test/flush")
            harness.expect(s == 200 and b["flushed"], f"flush: {s} {b}")

            harness.check_sentry_storm(d, STORM, "PaymentDeclined", 2, "span")
        finally:
            app.terminate()
            app.wait(10)
    print(f"node sentry client: 2 errors and a {STORM}-error storm delivered in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
