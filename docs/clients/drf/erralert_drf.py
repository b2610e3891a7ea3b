"""Reports every Django REST framework error to erralertd; the API answers exactly as before.

settings.py:  REST_FRAMEWORK = {"EXCEPTION_HANDLER": "erralert_drf.exception_handler"}
Environment:  ERRALERT_URL (default http://127.0.0.1:9780/v1/events), ERRALERT_SERVICE.
Events wait in a bounded queue that a background thread posts in batches: a request never
waits on erralert, and what must be dropped (queue full, erralert down) is counted in
`dropped` and logged once.
"""
import atexit, json, logging, os, queue, threading, time, traceback, urllib.request
from rest_framework.views import exception_handler as drf_exception_handler

URL = os.environ.get("ERRALERT_URL", "http://127.0.0.1:9780/v1/events")
SERVICE = os.environ.get("ERRALERT_SERVICE", "")
log = logging.getLogger("erralert")
_queue = queue.Queue(maxsize=10000)
_worker_pid = None
dropped = 0


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)  # the answer, as DRF gives it
    try:
        report(exc, context.get("request"), response.status_code if response is not None else 500)
    except Exception:  # never let reporting break the answer
        _drop(1, "could not build the event")
    return response


def report(exc, request, status):
    detail = getattr(exc, "detail", None)
    event = {"service": SERVICE or None, "status": status, "exception": {"type": _type(exc)},
             "message": _text(detail) if not isinstance(detail, (dict, list)) else None}
    if isinstance(detail, dict) and "message" in detail:  # {code, message, detail} bodies
        event.update({k: _text(detail.get(k)) for k in ("code", "message", "detail")})
    elif isinstance(detail, (dict, list)):  # a ValidationError's field map or list
        event["errors"] = _field_errors(detail)
        event["message"] = "Invalid input." if isinstance(detail, dict) or not detail else _text(detail[0])
    if not event.get("code") and hasattr(exc, "get_codes") and isinstance(exc.get_codes(), str):
        event["code"] = exc.get_codes()  # the instance's code, not only default_code
    if not event.get("message"):  # Django's Http404, PermissionDenied, unhandled errors
        event["message"] = str(exc) or type(exc).__name__
    if status >= 500 and detail is None:  # unhandled: Django will answer 500
        event["exception"].update(message=str(exc), stacktrace=_frames(exc))
    if request is not None:
        params = {k: _plain(v) for k, v in request.query_params.lists()}
        if isinstance(getattr(request, "_full_data", None), dict):  # parsed by the view already
            params.update({k: v for k, v in request._full_data.items() if isinstance(v, (str, int, float, bool))})
        event["request"] = {"method": request.method, "path": request.path, "params": params}
    _enqueue({k: v for k, v in event.items() if v not in (None, "", [], {})})


def _type(exc):
    t = type(exc)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _text(value):
    return None if value is None else str(value)  # ErrorDetail is a str: its text, not its repr


def _plain(values):
    return values[0] if len(values) == 1 else values


def _field_errors(detail, prefix=""):
    items = detail.items() if isinstance(detail, dict) else [("", detail)]
    out = []
    for field, messages in items:
        name = f"{prefix}.{field}" if prefix and field else (field or prefix)
        if isinstance(messages, dict):
            out += _field_errors(messages, name)
        else:
            for m in messages if isinstance(messages, list) else [messages]:
                if isinstance(m, dict):
                    out += _field_errors(m, name)
                else:
                    out.append({"field": "" if name == "non_field_errors" else name, "reason": str(m)})
    return out


def _frames(exc, limit=12):
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if "site-packages" not in f.filename and "dist-packages" not in f.filename]
    return "".join(traceback.format_list((mine or frames)[-limit:]))


def _enqueue(event):
    global _worker_pid
    if _worker_pid != os.getpid():  # first report in this process (also after a fork)
        _worker_pid = os.getpid()
        threading.Thread(target=_drain, name="erralert", daemon=True).start()
    try:
        _queue.put_nowait(event)
    except queue.Full:
        _drop(1, "queue full")


def _drain():
    while True:
        batch = [_queue.get()]
        while len(batch) < 500 and not _queue.empty():
            batch.append(_queue.get_nowait())
        body = json.dumps(batch, default=str).encode()
        for attempt in range(3):
            try:
                req = urllib.request.Request(URL, body, {"Content-Type": "application/json"})
                urllib.request.urlopen(req, timeout=2).close()
                break
            except Exception as e:  # 503 back-pressure, erralertd restarting: try again shortly
                if attempt == 2:
                    _drop(len(batch), f"{URL}: {e}")
                time.sleep(0.2 * (attempt + 1))
        for _ in batch:
            _queue.task_done()


def _drop(n, why):
    global dropped
    if dropped == 0:
        log.warning("erralert: dropping error reports (%s); counted in erralert_drf.dropped", why)
    dropped += n


def flush(timeout=2.0):
    """Waits (bounded) until what is queued has been posted; called at exit."""
    deadline = time.monotonic() + timeout
    while _queue.unfinished_tasks and time.monotonic() < deadline:
        time.sleep(0.01)


atexit.register(flush)
