"""Plugin states and toggles over the API."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from eschool.api.docs import API_PREFIX, doc, load_json, load_query
from eschool.api.errors import ApiError
from eschool.auth.permissions import require
from eschool.plugins import services
from eschool.plugins.schemas import (
    PluginStateSchema,
    ScopeQuerySchema,
    SettingsInSchema,
    SettingsOutSchema,
    ToggleInSchema,
)
from eschool.web.errors import PageError

PERMISSION = services.MANAGE_PERMISSION

bp = Blueprint("plugins_api", __name__, url_prefix=f"{API_PREFIX}/plugins")


def _scope(school_id, municipality_id):
    try:
        return services.target_scope(current_user, school_id, municipality_id)
    except PageError as exc:
        raise ApiError(exc.status, "not_found" if exc.status == 404 else "forbidden", exc.message) from exc


@bp.get("")
@require(PERMISSION)
@doc(summary="Plugins and whether each is on in a school or municipality", query=ScopeQuerySchema,
     response=PluginStateSchema, many=True, tags=["plugins"])
def list_plugins():
    args = load_query(ScopeQuerySchema())
    scope, _target = _scope(args["school"], args["municipality"])
    return jsonify(PluginStateSchema().dump(services.state_rows(scope), many=True))


@bp.put("/<code>/toggle")
@require(PERMISSION)
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


def _settings_out(code: str, scope) -> dict:
    from eschool.plugins import settings as plugin_settings

    view = plugin_settings.settings_view(code, scope)
    schema = plugin_settings.schema_for(code)
    return SettingsOutSchema().dump({"plugin": code, "level": view.level, "values": schema.dump(view.values),
                                     "overrides": view.overrides, "inherited": view.inherited,
                                     "sources": view.sources})


@bp.get("/<code>/settings")
@require(PERMISSION)
@doc(summary="A plugin's settings in a school, a municipality or the region, and where each comes from",
     query=ScopeQuerySchema, response=SettingsOutSchema, tags=["plugins"])
def get_settings(code: str):
    from eschool.plugins import settings as plugin_settings

    args = load_query(ScopeQuerySchema())
    scope, _target = _scope(args["school"], args["municipality"])
    if plugin_settings.schema_for(code) is None:
        raise ApiError(404, "not_found", _("No such plugin here."))
    return jsonify(_settings_out(code, scope))


@bp.put("/<code>/settings")
@require(PERMISSION)
@doc(summary="Set a plugin's settings for a municipality or a school (keys left out are inherited)",
     request=SettingsInSchema, response=SettingsOutSchema, tags=["plugins"])
def put_settings(code: str):
    from eschool.plugins import settings as plugin_settings

    data = load_json(SettingsInSchema())
    sid = data["scope_id"]
    scope, _target = _scope(sid if data["scope_type"] == "school" else None,
                            sid if data["scope_type"] == "municipality" else None)
    if plugin_settings.schema_for(code) is None:
        raise ApiError(404, "not_found", _("No such plugin here."))
    try:
        plugin_settings.set_settings(current_app.extensions["eschool"].plugins, code, data["scope_type"], sid,
                                     data["values"], actor=current_user.username)
    except plugin_settings.SettingsError as exc:
        raise ApiError(400, "invalid", _("Some fields are not valid."), fields=exc.fields) from exc
    return jsonify(_settings_out(code, scope))
