"""docs/clients/nest/erralert.filter.ts in a fresh Nest app, compiled with `tsc --strict`, over HTTP.

    python3 nest_test.py ERRALERTD_BINARY WORK_DIR

Copies the app (package.json, package-lock.json, tsconfig.json, src/) and the filter into
WORK_DIR, installs the locked packages with `npm ci` (from the npm registry, or npm's cache),
compiles, starts the app on port 0 and drives the four errors and a 300-error burst through it.
Without npm or its registry the test fails, saying so.
"""
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(HERE, ".."))
import harness  # noqa: E402


def prepare(work):
    os.makedirs(os.path.join(work, "src"), exist_ok=True)
    for name in ("package.json", "package-lock.json", "tsconfig.json"):
        shutil.copy(os.path.join(HERE, name), work)
    shutil.copy(os.path.join(HERE, "src", "main.ts"), os.path.join(work, "src"))
    shutil.copy(os.path.join(ROOT, "docs", "clients", "nest", "erralert.filter.ts"), os.path.join(work, "src"))
    harness.npm_ci(work, "the Nest client test")
    harness.run([os.path.join("node_modules", ".bin", "tsc"), "-p", "tsconfig.json", "--strict"], work, "tsc --strict")


def main(binary, work):
    started = time.monotonic()
    prepare(work)
    with harness.Erralertd(binary) as d:
        env = dict(os.environ, ERRALERT_URL=d.events_url, ERRALERT_SERVICE="gateway")
        app = subprocess.Popen(["node", "dist/main.js"], cwd=work, env=env, stdout=subprocess.PIPE, text=True)
        try:
            line = app.stdout.readline()
            harness.expect(line.startswith("listening "), f"the Nest app did not start: {line!r}")
            base = f"http://127.0.0.1:{int(line.split()[1])}"

            # Nest's own answers, as without the filter.
            s, b = harness.call(base, "POST", "/v1/users?tag=a&password=hunter2", {"name": ""})
            harness.expect((s, b) == (400, {"message": ["name should not be empty", "name must be a string"],
                                            "error": "Bad Request", "statusCode": 400}), f"validation answer: {s} {b}")
            s, b = harness.call(base, "GET", "/v1/users/48213/embeddings?model=m")
            harness.expect(s == 502 and b["code"] == "FEP-SEC-01001", f"custom answer: {s} {b}")
            s, b = harness.call(base, "GET", "/v1/accounts/7")
            harness.expect((s, b) == (404, {"message": "No account 7", "error": "Not Found", "statusCode": 404}),
                           f"404 answer: {s} {b}")
            s, b = harness.call(base, "GET", "/v1/crash")
            harness.expect((s, b) == (500, {"statusCode": 500, "message": "Internal server error"}),
                           f"unhandled answer: {s} {b}")

            v, c, n, u = harness.check_four_errors(d, "gateway", "Error", "divide")
            harness.expect([e["reason"] for e in v["errors"]] == ["name should not be empty", "name must be a string"],
                           f"Nest's message array as errors[]: {v}")
            harness.expect(c.get("detail", "").startswith("feign.FeignException$BadGateway"), f"detail kept: {c}")
            harness.expect(n["message"] == "No account 7" and n["exception"]["type"] == "NotFoundException", f"{n}")

            s, b = harness.call(base, "GET", "/test/burst")
            harness.check_burst(d, b['ms'])
            s, b = harness.call(base, "GET", "/test/stats")
            harness.expect(b["dropped"] == 0, f"dropped: {b}")
        finally:
            app.terminate()
            app.wait(10)
    print(f"nest client: 4 errors and a 300-error burst delivered in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
