"""Plugin states and toggles over the API."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from eschool.api.docs import API_PREFIX, doc, load_json, load_query
from eschool.api.errors import ApiError
from eschool.auth.permissions import require
from eschool.plugins import services
from eschool.plugins.schemas import PluginStateSchema, ScopeQuerySchema, ToggleInSchema
from eschool.web.errors import PageError

bp = Blueprint("plugins_api", __name__, url_prefix=f"{API_PREFIX}/plugins")


def _scope(school_id, municipality_id):
    try:
        return services.target_scope(current_user, school_id, municipality_id)
    except PageError as exc:
        raise ApiError(exc.status, "not_found" if exc.status == 404 else "forbidden", exc.message) from exc


@bp.get("")
@require(services.MANAGE_PERMISSION)
@doc(summary="Plugins and whether each is on in a school or municipality", query=ScopeQuerySchema,
     response=PluginStateSchema, many=True, tags=["plugins"])
def list_plugins():
    args = load_query(ScopeQuerySchema())
    scope, _target = _scope(args["school"], args["municipality"])
    return jsonify(PluginStateSchema().dump(services.state_rows(scope), many=True))


@bp.put("/<code>/toggle")
@require(services.MANAGE_PERMISSION)
@doc(summary="Switch a plugin on, off, or back to the default for a school or municipality",
     request=ToggleInSchema, response=PluginStateSchema, many=True, tags=["plugins"])
def put_toggle(code: str):
    data = load_json(ToggleInSchema())
    sid = data["scope_id"]
    scope, _target = _scope(sid if data["scope_type"] == "school" else None,
                            sid if data["scope_type"] == "municipality" else None)
    registry = current_app.extensions["eschool"].plugins
    if code not in registry.optional_plugins():
        raise ApiError(404, "not_found", _("No such plugin here."))
    try:
        if data["state"] == "default":
            services.clear_toggle(code, data["scope_type"], sid)
        else:
            services.set_toggle(registry, code, data["scope_type"], sid, data["state"] == "on",
                                actor=current_user.username)
    except services.ToggleError as exc:
        raise ApiError(409, "conflict", str(exc), fields={"state": [str(exc)]}) from exc
    return jsonify(PluginStateSchema().dump(services.state_rows(scope), many=True))
