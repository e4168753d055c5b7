"""``/healthz``, ``/version`` and ``/metrics``: JSON and text for machines (load balancers, Prometheus).

None of them opens the request's database connection beforehand (``observe.NO_DATABASE``): the health
check asks the database itself and answers 503 in JSON when it is down, instead of an error page.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _

from eschool import __version__
from eschool.auth.permissions import public
from eschool.ops import metrics as metrics_mod
from eschool.ops import services

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
@public
def health():
    """For the load balancer and the monitoring: 200 when the database (with its migrations current), Redis
    (where configured) and the task queue answer; 503 otherwise. Always JSON, never cached."""
    app = current_app
    report = services.health(app.extensions["eschool"], app.extensions.get("eschool_login_limiter"),
                             app.extensions.get("eschool_queue"))
    response = jsonify(report)
    response.status_code = 200 if report["status"] == "ok" else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/version")
@public
def version():
    """The installed version of the portal and of each module the region allows."""
    ext = current_app.extensions["eschool"]
    plugins = {code: info.version for code, info in sorted(ext.plugins.infos.items())
               if not code.startswith("core")}
    return jsonify({"name": "eschool", "version": __version__, "region": ext.region.code, "plugins": plugins})


@bp.get("/metrics")
@public  # its own check: a token or an address allow-list (ESCHOOL_METRICS_TOKEN / ESCHOOL_METRICS_ALLOW)
def metrics():
    """Prometheus metrics (``eschool.ops.metrics``): 404 until a token or an allow-list is configured,
    403 for any other caller."""
    verdict = metrics_mod.access(current_app.config, request.remote_addr, request.headers.get("Authorization", ""))
    if verdict == "off":
        return jsonify({"error": {"code": "not_found", "message": _("Not found."), "fields": {}}}), 404
    if verdict == "refused":
        return jsonify({"error": {"code": "forbidden", "message": _("You do not have permission to do this here."),
                                  "fields": {}}}), 403
    body = current_app.extensions["eschool_metrics"].exposition()
    return body, 200, {"Content-Type": metrics_mod.CONTENT_TYPE, "Cache-Control": "no-store"}
