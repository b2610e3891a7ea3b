"""An unmodified Django app reporting with Debian's sentry-python (1.9.10), its DSN on erralertd.

    python3 python_test.py ERRALERTD_BINARY

The app does what the Sentry docs tell a Django app to do, `sentry_sdk.init(dsn=...)` with the
Django integration, and nothing for erralert: its DSN names erralertd's project 1. sentry-python
1.9.10 posts each error to /api/1/store/ as gzip JSON, and transactions and sessions to
/api/1/envelope/. What the webhook receiver gets must be the errors, grouped, redacted and with
their fields mapped; never a notification for a transaction or a session; and for a storm of
one error, one `first` and summaries that count every event the SDK sent.
"""
import json
import logging
import os
import sys
import threading
import time
import wsgiref.simple_server

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

try:
    import django
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
except ImportError as e:
    sys.exit(f"FAIL: {e}: Debian's python3-sentry-sdk and python3-django are needed "
             "(scripts/install-deps.sh installs them)")

import harness  # noqa: E402

KEY = "0f3c9a61d2b84e7c9e21b5a6f7d8c9e0"


def configure():
    from django.conf import settings
    settings.configure(
        DEBUG=False, SECRET_KEY="test", ALLOWED_HOSTS=["127.0.0.1"], ROOT_URLCONF=__name__,
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"], DATABASES={}, MIDDLEWARE=[],
        LOGGING_CONFIG=None)
    django.setup()


# The app: views failing as Django views do ---------------------------------------------------
configure()

from django.http import JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402

log = logging.getLogger("payments")
# Django logs each 500 with its traceback; the storm would print 300 of them.
logging.getLogger("django.request").addHandler(logging.NullHandler())
logging.getLogger("django.request").propagate = False


class PaymentDeclined(Exception):
    pass


def divide(a, b):
    return a / b


def crash(request):
    return JsonResponse({"ratio": divide(1, 0)})


def users(request):
    body = json.loads(request.body)
    if not body.get("name"):
        raise ValueError("name must not be empty")
    return JsonResponse({}, status=201)


def pay(request, order_id):
    raise PaymentDeclined(f"card declined for order {order_id}")


def settle(request):
    log.error("Settlement of batch %s failed after %d tries", "B-7", 3)
    return JsonResponse({"settled": False}, status=202)


urlpatterns = [
    path("v1/crash", crash),
    path("v1/users", users),
    path("v1/orders/<int:order_id>/pay", pay),
    path("v1/settle", settle),
]

STORM = 300


class QuietHandler(wsgiref.simple_server.WSGIRequestHandler):
    def log_message(self, *args):
        pass


def serve():
    """The app under Django's WSGI handler, as a WSGI server runs it (the Sentry integration
    hooks in there), on 127.0.0.1 and a free port; its base URL."""
    from django.core.wsgi import get_wsgi_application
    server = wsgiref.simple_server.make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def main(binary):
    started = time.monotonic()
    with harness.Erralertd(binary, window="3s", extra=harness.sentry_ingest(KEY, "payment-api")) as d:
        dsn = f"http://{KEY}@127.0.0.1:{d.port}/1"
        # What an app's settings.py has, and only that; send_default_pii sends cookies and the
        # Authorization header too, so erralert's own redaction is what keeps them in.
        sentry_sdk.init(dsn=dsn, integrations=[DjangoIntegration()], environment="prod",
                        release="payment-api@1.4.2", server_name="web-3", send_default_pii=True,
                        traces_sample_rate=1.0, transport_queue_size=1000)
        base = serve()
        harness.drive_sentry_errors(base)
        s, _ = harness.call(base, "GET", "/v1/settle")
        harness.expect(s == 202, f"logged: {s}")
        sentry_sdk.flush(timeout=10)

        u = harness.check_sentry_unhandled(d, "payment-api", "ZeroDivisionError", "ZeroDivisionError: division by zero",
                                           "prod", "web-3", "payment-api@1.4.2")
        harness.expect("crash" in u["exception"]["stacktrace"], f"its caller: {u}")
        harness.expect("django/" not in u["exception"]["stacktrace"], f"only in-app frames: {u}")
        v = harness.check_sentry_validation(d, "ValueError: name must not be empty")
        harness.expect(v["request"]["params"].get("name") == "", f"the body as params: {v}")

        s = d.wait_for_event(lambda e: e.get("message", "").startswith("Settlement"))
        harness.expect(s["message"] == "Settlement of batch B-7 failed after 3 tries", f"log message formatted: {s}")
        harness.expect(s["severity"] == "error" and "exception" not in s, f"a log event, no exception: {s}")

        # The storm: one error from many orders (one route), every report the SDK sends counted.
        harness.drive_sentry_storm(base, STORM)
        sentry_sdk.flush(timeout=20)

        harness.check_sentry_storm(d, STORM, "__main__.PaymentDeclined", 3, "transaction")
    print(f"python sentry client: 3 errors and a {STORM}-error storm delivered in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1])
