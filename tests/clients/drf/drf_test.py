"""docs/clients/drf/erralert_drf.py inside a real Django + DRF app, driven by Django's test client.

    python3 drf_test.py ERRALERTD_BINARY

The four errors (validation, custom code, client error, unhandled) go through DRF's request
cycle; the answers must be what DRF gives without the handler; erralertd must deliver them with
the right fields; and 300 reports in a burst from this process must all be accounted for.
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path[:0] = [os.path.join(ROOT, "docs", "clients", "drf"), os.path.join(HERE, "..")]

try:
    import django
    import rest_framework  # noqa: F401
except ImportError as e:
    sys.exit(f"FAIL: {e}: Debian's python3-django and python3-djangorestframework are needed "
             "(scripts/install-deps.sh installs them)")

import harness  # noqa: E402


def configure():
    from django.conf import settings
    settings.configure(
        DEBUG=False, SECRET_KEY="test", ALLOWED_HOSTS=["testserver"], ROOT_URLCONF=__name__,
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"],
        DATABASES={}, MIDDLEWARE=[],
        REST_FRAMEWORK={"EXCEPTION_HANDLER": "erralert_drf.exception_handler",
                        "DEFAULT_AUTHENTICATION_CLASSES": [], "UNAUTHENTICATED_USER": None},
        LOGGING_CONFIG=None)
    django.setup()


# The app: four views, each failing as real DRF apps do ------------------------------------------
configure()

from django.urls import path  # noqa: E402
from rest_framework import serializers, status  # noqa: E402
from rest_framework.exceptions import APIException, NotFound  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402


class UserSerializer(serializers.Serializer):
    name = serializers.CharField()
    age = serializers.IntegerField(required=False)


class CustomAPIException(APIException):  # seed 004's error standard: {code, message, detail}
    status_code = 400

    def __init__(self, code, message, detail):
        super().__init__({"code": code, "message": message, "detail": detail})


class ExternalServerError(CustomAPIException):
    status_code = status.HTTP_502_BAD_GATEWAY


class Users(APIView):
    def post(self, request):
        UserSerializer(data=request.data).is_valid(raise_exception=True)
        return Response(status=201)


class Embeddings(APIView):
    def get(self, request, user_id):
        raise ExternalServerError("FEP-SEC-01001", "open AI 연동 오류 : /embeddings",
                                  "feign.FeignException$BadGateway: [502 Bad Gateway] during [POST]")


class Accounts(APIView):
    def get(self, request, account_id):
        raise NotFound(f"No account {account_id}.", code="account_not_found")


def divide(a, b):
    return a / b


class Crash(APIView):
    def get(self, request):
        return Response({"ratio": divide(1, 0)})


urlpatterns = [
    path("v1/users", Users.as_view()),
    path("v1/users/<int:user_id>/embeddings", Embeddings.as_view()),
    path("v1/accounts/<int:account_id>", Accounts.as_view()),
    path("v1/crash", Crash.as_view()),
]


def main(binary):
    started = time.monotonic()
    with harness.Erralertd(binary) as d:
        import erralert_drf
        erralert_drf.URL = d.events_url
        erralert_drf.SERVICE = "securities-api"
        from django.test import Client
        client = Client(raise_request_exception=False)

        r = client.post("/v1/users?tag=a&password=hunter2", {"name": ""}, content_type="application/json")
        harness.expect(r.status_code == 400 and r.json() == {"name": ["This field may not be blank."]},
                       f"validation answer unchanged: {r.status_code} {r.content}")
        r = client.get("/v1/users/48213/embeddings?model=m")
        harness.expect(r.status_code == 502 and r.json()["code"] == "FEP-SEC-01001", f"custom answer: {r.content}")
        r = client.get("/v1/accounts/7")
        harness.expect(r.status_code == 404 and r.json() == {"detail": "No account 7."}, f"404 answer: {r.content}")
        r = client.get("/v1/crash")
        harness.expect(r.status_code == 500, f"unhandled answer: {r.status_code}")

        v, c, n, u = harness.check_four_errors(d, "securities-api", "ZeroDivisionError", "divide")
        harness.expect((v["errors"][0]["field"], v["errors"][0]["reason"]) == ("name", "This field may not be blank."),
                       f"DRF's field map as plain errors: {v['errors']}")
        harness.expect("ErrorDetail" not in str(v), "no Python repr in the event")
        harness.expect(c.get("detail", "").startswith("feign.FeignException$BadGateway"), f"detail kept: {c}")
        harness.expect(n["code"] == "account_not_found" and n["message"] == "No account 7.",
                       f"the instance's code, not default_code: {n}")

        # The burst: 300 reports in one go from this process, as a failing endpoint under load.
        from rest_framework.test import APIRequestFactory
        from rest_framework.request import Request
        request = Request(APIRequestFactory().get("/v1/burst?page=1"))
        exc = APIException("upstream timed out")
        t0 = time.perf_counter()
        for _ in range(300):
            erralert_drf.exception_handler(exc, {"request": request})
        burst_ms = (time.perf_counter() - t0) * 1000
        harness.check_burst(d, burst_ms)
        harness.expect(erralert_drf.dropped == 0, f"dropped: {erralert_drf.dropped}")
        dead_url = d.events_url

    # erralertd gone: reports are dropped after three tries, counted, and logged once.
    import logging
    warnings = []
    handler = logging.Handler()
    handler.emit = lambda record: warnings.append(record.getMessage())
    erralert_drf.log.addHandler(handler)
    erralert_drf.URL = dead_url
    for _ in range(5):
        erralert_drf.exception_handler(exc, {"request": request})
    deadline = time.monotonic() + 10
    while erralert_drf.dropped < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    harness.expect(erralert_drf.dropped == 5, f"dropped {erralert_drf.dropped}, expected 5")
    harness.expect(len(warnings) == 1 and "dropping error reports" in warnings[0], f"logged once: {warnings}")
    print(f"drf client: 4 errors and a 300-error burst delivered in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1])
