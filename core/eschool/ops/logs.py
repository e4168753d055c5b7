"""Structured logs: one JSON object per line, with the request's context.

Every line carries ``time`` (UTC, ISO 8601 with milliseconds), ``level``, ``logger`` and ``message``;
inside a request also ``request_id``, ``user_id`` (when someone is logged in), ``ip`` (the client's
address: behind nginx with ``ESCHOOL_PROXY_FIX`` the forwarded one), ``method`` and ``path``; and any
field the caller passed with ``extra=`` (a security event's ``event``, ``login``, ``plugin`` ...). An
exception's traceback travels inside the line as the ``exception`` field, so a line is always one line.

``ESCHOOL_LOG_FORMAT`` chooses ``json`` (the default with ``ESCHOOL_ENV=production``) or ``text`` (the
default in development); ``ESCHOOL_LOG_LEVEL`` the level (``INFO``). ``configure_logging`` installs
the handler on the root logger, once per process: ``eschool.wsgi`` (gunicorn) and ``eschool worker`` /
``eschool serve`` call it; tests and the CLI's one-shot commands leave logging alone.

The request id is the ``X-Request-ID`` header the proxy sent (nginx: ``proxy_set_header X-Request-ID
$request_id``), when it looks like one, else a new one; it is sent back in the response's
``X-Request-ID`` header, so a user's report, nginx's log and the app's lines can be matched.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sys
import threading
import time
import uuid

from flask import g, has_request_context, request

#: The attributes every LogRecord has: anything else on a record came with ``extra=`` and is written out.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}
#: The request's fields, in the order they are written after the message.
CONTEXT_FIELDS = ("request_id", "user_id", "ip", "method", "path")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
_MARK = "_eschool_handler"


def request_id() -> str | None:
    """The current request's id (taken from ``X-Request-ID`` or made now), or None outside a request."""
    if not has_request_context():
        return None
    rid = g.get("request_id")
    if rid is None:
        sent = request.headers.get("X-Request-ID", "")
        rid = g.request_id = sent if _REQUEST_ID.match(sent) else uuid.uuid4().hex
    return rid


def _user_id():
    """The logged-in user's id if Flask-Login has already loaded the user for this request (never a
    query from inside logging: the line may be about the database being down)."""
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "id", None)


class RequestContext(logging.Filter):
    """Adds the request's fields to every record written during a request (unless the caller gave them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            values = {"request_id": request_id(), "user_id": _user_id(), "ip": request.remote_addr,
                      "method": request.method, "path": request.path}
            for key, value in values.items():
                if getattr(record, key, None) is None:
                    setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record (see the module's docstring)."""

    def format(self, record: logging.LogRecord) -> str:
        when = dt.datetime.fromtimestamp(record.created, dt.UTC)
        entry = {"time": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(record.msecs):03d}Z",
                 "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        for key in CONTEXT_FIELDS:
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in entry and not key.startswith("_") and value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The development format: time, level, logger, request id, message (and the extra fields)."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s%(_fields)s")

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = getattr(record, "request_id", None) or "-"
        extra = {k: v for k, v in record.__dict__.items()
                 if k not in _STANDARD and k not in CONTEXT_FIELDS and not k.startswith("_") and v is not None}
        extra.update({k: getattr(record, k) for k in ("user_id", "ip") if getattr(record, k, None) is not None})
        record._fields = "".join(f" {k}={v}" for k, v in extra.items())
        return super().format(record)


def configure_logging(stream=None, fmt: str | None = None, level: str | None = None) -> logging.Handler:
    """Write the process's logs to ``stream`` (stderr) as JSON or text (see the module's docstring);
    replaces the handler an earlier call installed. Returns the handler."""
    fmt = (fmt or os.environ.get("ESCHOOL_LOG_FORMAT")
           or ("json" if os.environ.get("ESCHOOL_ENV") == "production" else "text")).lower()
    if fmt not in ("json", "text"):
        from eschool.config import ConfigError

        raise ConfigError(f"ESCHOOL_LOG_FORMAT: expected json or text, got {fmt!r}")
    level = (level or os.environ.get("ESCHOOL_LOG_LEVEL") or "INFO").upper()
    if not isinstance(logging.getLevelName(level), int):
        from eschool.config import ConfigError

        raise ConfigError(f"ESCHOOL_LOG_LEVEL: expected DEBUG, INFO, WARNING or ERROR, got {level!r}")
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    setattr(handler, _MARK, True)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RequestContext())
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)  # a library's warning is a JSON line too, not a stray plain one
    logging.getLogger("peewee").setLevel(max(logging.INFO, root.level))  # never every SQL statement
    return handler


class Throttled:
    """A warning written at most once per ``interval`` seconds for each key, saying how many were held
    back meanwhile: an outage (Redis down) gives one line a minute, not a traceback per request."""

    def __init__(self, logger: logging.Logger, interval: float = 60.0):
        self.logger, self.interval = logger, interval
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}
        self._lock = threading.Lock()

    def warning(self, key: str, message: str, *args, **extra) -> bool:
        """Write the warning unless one for ``key`` was written less than ``interval`` ago; True if written."""
        now = time.monotonic()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.interval:
                self._held[key] = self._held.get(key, 0) + 1
                return False
            self._last[key], held = now, self._held.pop(key, 0)
        if held:
            message += f" ({held} more like it in the last {int(self.interval)} s)"
        self.logger.warning(message, *args, extra=extra or None)
        return True


def describe(exc: BaseException) -> str:
    """An exception in one short line: its type and first line (no traceback)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:300]}" if text else type(exc).__name__
