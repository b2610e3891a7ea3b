"""docs/clients/spring/ErralertReporter.java compiled with javac 17, Jackson and the servlet API
(Debian's jars) against stubs of the Spring types it uses, called as DispatcherServlet does.

    python3 spring_test.py ERRALERTD_BINARY WORK_DIR
"""
import glob
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(HERE, ".."))
import harness  # noqa: E402

JARS = ["/usr/share/java/jackson-databind.jar", "/usr/share/java/jackson-core.jar",
        "/usr/share/java/jackson-annotations.jar", "/usr/share/java/jakarta-servlet-api.jar"]


def compile_all(work):
    missing = [j for j in JARS if not os.path.exists(j)]
    if missing or not shutil.which("javac"):
        sys.exit(f"FAIL: javac 17 and Debian's libjackson2-databind-java and libjakarta-servlet-api-java are "
                 f"needed (scripts/install-deps.sh installs them); missing: {missing or ['javac']}")
    sources = glob.glob(os.path.join(HERE, "stubs", "**", "*.java"), recursive=True)
    sources += [os.path.join(ROOT, "docs", "clients", "spring", "ErralertReporter.java"),
                os.path.join(HERE, "app", "ClientTest.java")]
    out = os.path.join(work, "classes")
    shutil.rmtree(out, ignore_errors=True)
    started = time.monotonic()
    r = subprocess.run(["javac", "--release", "17", "-Xlint:all,-serial", "-Werror", "-cp", ":".join(JARS), "-d", out] + sources,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("FAIL: javac:\n" + r.stdout + r.stderr)
    print(f"javac: {time.monotonic() - started:.1f} s")
    return ":".join(JARS + [out])


def main(binary, work):
    started = time.monotonic()
    os.makedirs(work, exist_ok=True)
    classpath = compile_all(work)
    with harness.Erralertd(binary) as d:
        env = dict(os.environ, ERRALERT_URL=d.events_url, ERRALERT_SERVICE="payment-api")
        app = subprocess.Popen(["java", "-cp", classpath, "ClientTest"], env=env, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
        try:
            harness.expect(app.stdout.readline().strip() == "four errors reported", "the Java app ran")
            v, c, n, u = harness.check_four_errors(d, "payment-api", "ArithmeticException", "ClientTest.divide")
            harness.expect(v["errors"] == [{"field": "name", "value": "", "reason": "must not be blank"}], f"{v}")
            harness.expect(c["detail"].startswith("ClientTest$FeignException: [502 Bad Gateway]"), f"cause as detail: {c}")
            harness.expect(n["message"] == "No account 7", f"the reason, not Spring's '404 ...': {n}")
            harness.expect(u["request"]["params"]["ids"] == ["1", "2"], f"a list only when there are several: {u}")
            burst_ms = float(app.stdout.readline().split()[1])
            harness.check_burst(d, burst_ms)
            app.stdin.close()
            harness.expect(app.stdout.readline().strip() == "dropped 0", "nothing dropped")
        finally:
            app.kill()
            app.wait(10)
    print(f"spring client: 4 errors and a 300-error burst delivered in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
