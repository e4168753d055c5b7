"""The request hooks of the production tools, installed by ``create_app`` before any other hook.

Before each request: the start time and the request id. After it (last of all, so that the time covers
every other hook): the request counted and timed in the metrics, a 403 or 429 that no code logged as a
security event logged as one, the ``X-Request-ID`` header, and the access log line (logger
``eschool.access``, INFO, with ``status``, ``duration_ms`` and ``endpoint``; ``ESCHOOL_ACCESS_LOG=0``
leaves it out).
"""
from __future__ import annotations

import logging
import time

from flask import g, request

from eschool.ops import metrics as metrics_mod
from eschool.ops.logs import request_id
from eschool.ops.security import logged_in_this_request, security_event

#: Endpoints that answer without the request's database connection (they check the database themselves).
NO_DATABASE = frozenset({"ops.health", "ops.version", "ops.metrics"})
REFUSALS = {403: "permission_refused", 429: "rate_limited"}

access_log = logging.getLogger("eschool.access")


def init_app(app) -> None:
    metrics = metrics_mod.init_app(app)
    app.config["METRICS_ALLOW_NETWORKS"] = metrics_mod.parse_allow(app.config.get("METRICS_ALLOW", ""))
    access = bool(app.config.get("ACCESS_LOG", True))

    def _start():
        g._started = time.perf_counter()
        request_id()

    app.before_request_funcs.setdefault(None, []).insert(0, _start)

    @app.after_request
    def _finish(response):
        started = g.get("_started")
        seconds = time.perf_counter() - started if started is not None else None
        endpoint, status = request.endpoint or "unmatched", response.status_code
        metrics.observe(endpoint, request.method, status, seconds)
        if status in REFUSALS and not logged_in_this_request():
            security_event(REFUSALS[status], endpoint=endpoint, status=status)
        response.headers["X-Request-ID"] = request_id()
        if access and access_log.isEnabledFor(logging.INFO):
            access_log.info("%s %s %s", request.method, request.path, status,
                            extra={"status": status, "endpoint": endpoint,
                                   "duration_ms": round(seconds * 1000, 1) if seconds is not None else None})
        return response
