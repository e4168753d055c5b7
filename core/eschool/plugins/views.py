"""The administrator's page for switching plugins on and off for a municipality or a school."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eschool.auth.permissions import require
from eschool.exports import Sheet, csv_response, xlsx_response
from eschool.plugins import services
from eschool.structure.models import Municipality, School
from eschool.structure.services import search_schools
from eschool.web.converters import stored_int
from eschool.web.errors import PageError

bp = Blueprint("plugins_admin", __name__, url_prefix="/admin/plugins")
PERMISSION = services.MANAGE_PERMISSION
#: Schools a search on the modules page lists at most (a narrower search finds the rest).
SEARCH_LIMIT = 30
#: The page's buttons: (state, enforced) of each.
STATES = {"on": (True, False), "off": (False, False), "enforce-on": (True, True), "enforce-off": (False, True)}


def target_scope(school_id, municipality_id, region: bool = False):
    return services.target_scope(current_user, school_id, municipality_id, region=region)


state_rows = services.state_rows


@bp.get("")
@require(PERMISSION)
def index():
    """One place's modules (a school, a municipality, or the region for a region operator) with their
    states and who decides them; the places offered are only those the user manages: a region operator
    picks a municipality or finds a school by name, a municipal operator finds one of their schools, a
    school administrator sees their school."""
    scope, target = target_scope(request.args.get("school", type=stored_int),
                                 request.args.get("municipality", type=stored_int),
                                 region=request.args.get("region") == "1")
    reach = services.manage_reach(current_user)
    municipalities = []
    if reach["region"] or reach["municipalities"]:
        query = Municipality.select().order_by(Municipality.name_ru)
        if not reach["region"]:
            query = query.where(Municipality.id.in_(sorted(reach["municipalities"])))
        municipalities = list(query)
    q = request.args.get("q", "").strip()[:100]
    found = None
    if q and municipalities:
        found = search_schools(q, None if reach["region"] else reach["municipalities"], limit=SEARCH_LIMIT + 1)
    own = list(School.select().where(School.id.in_(sorted(reach["schools"]))).order_by(School.short_name)) \
        if reach["schools"] and not municipalities else []
    return render_template("plugins/admin.html", rows=state_rows(scope), scope=scope, target=target, reach=reach,
                           municipalities=municipalities, q=q, found=found, limit=SEARCH_LIMIT, own_schools=own)


@bp.post("")
@require(PERMISSION)
def toggle():
    scope_type = request.form.get("scope_type")
    scope_id = services.REGION_ID if scope_type == "region" else request.form.get("scope_id", type=stored_int)
    if scope_type not in services.SCOPE_TYPES or scope_id is None:
        raise PageError(400, _("The request is not valid."))
    target_scope(scope_id if scope_type == "school" else None, scope_id if scope_type == "municipality" else None,
                 region=scope_type == "region")
    registry = current_app.extensions["eschool"].plugins
    plugin, state = request.form.get("plugin", ""), request.form.get("state", "")
    try:
        if state == "default":
            services.clear_toggle(plugin, scope_type, scope_id)
        elif state in STATES:
            enabled, enforced = STATES[state]
            services.set_toggle(registry, plugin, scope_type, scope_id, enabled, actor=current_user.username,
                                enforced=enforced)
        else:
            raise services.ToggleError("state", _("expected on, off, enforce-on, enforce-off or default"))
    except services.ToggleLocked as exc:
        raise PageError(403, exc.reason) from exc
    except services.ToggleError as exc:
        flash(exc.reason, "error")
    else:
        flash(_("Saved. The plugin's data is kept whether it is on or off."), "success")
    where = {"region": 1} if scope_type == "region" else {scope_type: scope_id}
    return redirect(url_for("plugins_admin.index", **where))


# --------------------------------------------------------------------------- the schools × modules overview


def _overview_filters() -> dict:
    registry = current_app.extensions["eschool"].plugins
    plugin = request.args.get("plugin") or None
    state = request.args.get("state") or None
    return {"q": request.args.get("q", "").strip()[:100],
            "municipality_id": request.args.get("municipality", type=stored_int),
            "plugin": plugin if plugin in registry.optional_plugins() else None,
            "state": state if state in services.OVERVIEW_STATES else None}


def overview_sheet(result: services.Overview, title: str) -> Sheet:
    """The overview as one sheet: ids and names, then per module its state (on/off) and its source."""
    header = ["school_id", "short_name", "name", "municipality", "municipality_name"]
    for code, _name in result.plugins:
        header += [code, f"{code}_source"]
    rows = []
    for row in result.rows:
        school, muni = row["school"], row["municipality"]
        line = [school.id, school.short_name, school.name, muni.code, muni.name_ru]
        for code, _name in result.plugins:
            state = row["states"][code]
            line += ["on" if state.enabled else "off", state.source]
        rows.append(line)
    return Sheet(title, header, rows)


@bp.get("/overview")
@require(services.OVERVIEW_PERMISSION)
def overview():
    """Every school the operator oversees × every module: filter by municipality, module and state, search by
    name; all rows on one page (three queries whatever the number of schools); ``format=csv`` or ``xlsx``
    downloads the same rows with ids."""
    filters = _overview_filters()
    result = services.overview(current_user, **filters)
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        sheet = overview_sheet(result, _("Modules of the schools"))
        return csv_response("modules.csv", sheet) if fmt == "csv" else xlsx_response("modules.xlsx", [sheet])
    reach = services.overview_reach(current_user)
    municipalities = Municipality.select().order_by(Municipality.name_ru)
    if reach is not None:
        municipalities = municipalities.where(Municipality.id.in_(sorted(reach)) if reach else Municipality.id < 0)
    return render_template("plugins/overview.html", result=result, filters=filters, municipalities=list(municipalities),
                           states=services.OVERVIEW_STATES)


# --------------------------------------------------------------------------- settings per scope


def _settings_target(code: str, school_id, municipality_id):
    """The scope, its target and the plugin's schema; 404 for a plugin without settings here."""
    from eschool.plugins import settings as plugin_settings

    scope, target = target_scope(school_id, municipality_id)
    schema = plugin_settings.schema_for(code)
    if schema is None:
        raise PageError(404, _("Not found."))
    return scope, target, schema


@bp.route("/<code>/settings", methods=["GET", "POST"])
@require(PERMISSION)
def settings(code: str):
    """A plugin's settings for a municipality or a school: a form generated from the plugin's schema."""
    from eschool.plugins import settings as plugin_settings

    source = request.form if request.method == "POST" else request.args
    scope, target, schema = _settings_target(code, source.get("school", type=int),
                                             source.get("municipality", type=int))
    errors, entered, status = {}, None, 200
    if request.method == "POST":
        if target is None or scope.level == "region":
            raise PageError(400, _("The request is not valid."))
        names = [f.name for f in plugin_settings.form_fields(schema)]
        entered = {name: request.form.get(name, "").strip() for name in names}
        try:
            plugin_settings.set_settings(current_app.extensions["eschool"].plugins, code, scope.level,
                                         scope.school_id or scope.municipality_id, entered,
                                         actor=current_user.username)
        except plugin_settings.SettingsError as exc:
            errors, status = exc.fields, 400
            flash(_("Nothing was saved: correct the fields marked below."), "error")
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("plugins_admin.settings", code=code, **{scope.level: target.id}))
    view = plugin_settings.settings_view(code, scope)
    info = current_app.extensions["eschool"].plugins.infos[code]
    return render_template("plugins/settings.html", info=info, code=code, view=view, scope=scope, target=target,
                           fields=plugin_settings.form_fields(schema), errors=errors,
                           entered=entered if entered is not None else view.overrides), status
