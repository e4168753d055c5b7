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
    OverviewQuerySchema,
    OverviewRowSchema,
    PluginStateSchema,
    ScopeQuerySchema,
    SettingsInSchema,
    SettingsOutSchema,
    ToggleInSchema,
)
from eschool.web.errors import PageError

PERMISSION = services.MANAGE_PERMISSION

bp = Blueprint("plugins_api", __name__, url_prefix=f"{API_PREFIX}/plugins")


def _scope(school_id, municipality_id, region: bool = False):
    try:
        return services.target_scope(current_user, school_id, municipality_id, region=region)
    except PageError as exc:
        raise ApiError(exc.status, "not_found" if exc.status == 404 else "forbidden", exc.message) from exc


@bp.get("")
@require(PERMISSION)
@doc(summary="Plugins and whether each is on in a school, a municipality or the region", query=ScopeQuerySchema,
     response=PluginStateSchema, many=True, tags=["plugins"],
     description="Without a place: the place of the role the token's user acts in. `locked_by` says what keeps this "
                 "level from changing a plugin (an enforced toggle above, the profile, a required plugin).")
def list_plugins():
    args = load_query(ScopeQuerySchema())
    scope, _target = _scope(args["school"], args["municipality"], region=args["region"])
    return jsonify(PluginStateSchema().dump(services.state_rows(scope), many=True))


@bp.put("/<code>/toggle")
@require(PERMISSION)
@doc(summary="Switch a plugin on, off, or back to the default for a school, a municipality or the region",
     request=ToggleInSchema, response=PluginStateSchema, many=True, tags=["plugins"],
     description="`enforced: true` (a municipality, the region) holds for every level below: a school's toggle under "
                 "an enforced municipality or region is refused with 403 `enforced`, and so is a municipality's under "
                 "an enforced region. A region-wide toggle (`scope_type: region`, region operators) is always enforced.")
def put_toggle(code: str):
    data = load_json(ToggleInSchema())
    kind = data["scope_type"]
    sid = services.REGION_ID if kind == "region" else data["scope_id"]
    scope, _target = _scope(sid if kind == "school" else None, sid if kind == "municipality" else None,
                            region=kind == "region")
    registry = current_app.extensions["eschool"].plugins
    if code not in registry.optional_plugins():
        raise ApiError(404, "not_found", _("No such plugin here."))
    try:
        if data["state"] == "default":
            services.clear_toggle(code, kind, sid)
        else:
            services.set_toggle(registry, code, kind, sid, data["state"] == "on", actor=current_user.username,
                                enforced=data["enforced"])
    except services.ToggleLocked as exc:
        raise ApiError(403, "enforced", exc.reason, fields={"state": [exc.reason]}) from exc
    except services.ToggleError as exc:
        raise ApiError(409, "conflict", exc.reason, fields={exc.field: [exc.reason]}) from exc
    return jsonify(PluginStateSchema().dump(services.state_rows(scope), many=True))


@bp.get("/overview")
@require(services.OVERVIEW_PERMISSION)
@doc(summary="Every school the operator oversees with each module's state there", query=OverviewQuerySchema,
     response=OverviewRowSchema, paginated=True, tags=["plugins"],
     description="Region operators see every school, municipal operators their municipality's. Filter by "
                 "`municipality` (a code), by `plugin` with `state`, and `q` (words of the name, or the id); the "
                 "query count does not grow with the number of schools.")
def overview():
    from eschool.api.docs import PageQuerySchema
    from eschool.structure.models import Municipality

    args = load_query(OverviewQuerySchema())
    paging = load_query(PageQuerySchema())
    registry = current_app.extensions["eschool"].plugins
    muni_id = None
    if args["municipality"]:
        muni = Municipality.get_or_none(Municipality.code == args["municipality"])
        if muni is None:
            raise ApiError(404, "not_found", _("No municipality with this code."))
        muni_id = muni.id
    if args["plugin"] and args["plugin"] not in registry.optional_plugins():
        raise ApiError(404, "not_found", _("No such plugin here."))
    result = services.overview(current_user, muni_id, args["plugin"], args["state"], args["q"])
    start = (paging["page"] - 1) * paging["size"]
    items = [{"school_id": r["school"].id, "short_name": r["school"].short_name, "name": r["school"].name,
              "municipality": r["municipality"].code, "municipality_id": r["municipality"].id,
              "modules": {code: {"enabled": st.enabled, "source": st.source, "enforced": st.enforced}
                          for code, st in r["states"].items() if code in dict(result.plugins)}}
             for r in result.rows[start:start + paging["size"]]]
    return jsonify({"items": OverviewRowSchema().dump(items, many=True), "total": len(result.rows),
                    "page": paging["page"], "size": paging["size"]})


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
