"""The administrator's page for switching plugins on and off for a municipality or a school."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eschool.auth.permissions import has_permission, require
from eschool.plugins import services
from eschool.structure.models import Municipality, School
from eschool.structure.services import school_by_id
from eschool.types import Scope
from eschool.web.converters import stored_int
from eschool.web.errors import PageError

bp = Blueprint("plugins_admin", __name__, url_prefix="/admin/plugins")
PERMISSION = "plugins.manage"


def target_scope(school_id, municipality_id) -> tuple[Scope, object]:
    """The scope being managed, and its school or municipality; 404 if unknown, 403 if not yours."""
    region = current_app.extensions["eschool"].region.code
    if school_id:
        school = school_by_id(school_id)
        if school is None:
            raise PageError(404, _("Not found."))
        scope, target = Scope(region, school.municipality_id, school.id), school
    elif municipality_id:
        muni = Municipality.get_or_none(Municipality.id == municipality_id)
        if muni is None:
            raise PageError(404, _("Not found."))
        scope, target = Scope(region, muni.id, None), muni
    else:
        scope = g.scope
        target = (School.get_or_none(School.id == scope.school_id) if scope.school_id
                  else Municipality.get_or_none(Municipality.id == scope.municipality_id)
                  if scope.municipality_id else None)
    if not has_permission(current_user, PERMISSION, scope):
        raise PageError(403, _("You do not have permission to do this here."))
    return scope, target


def state_rows(scope: Scope) -> list[dict]:
    registry = current_app.extensions["eschool"].plugins
    states = services.plugin_states(registry, scope)
    rows = []
    for code in registry.plugin_names(include_core=False):
        info = registry.infos[code]
        rows.append({"code": code, "name": str(info.name), "description": str(info.description),
                     "version": info.version, "required": info.required, "enabled": states[code].enabled,
                     "source": states[code].source})
    return rows


@bp.get("")
@require(PERMISSION)
def index():
    scope, target = target_scope(request.args.get("school", type=stored_int),
                                   request.args.get("municipality", type=stored_int))
    return render_template("plugins/admin.html", rows=state_rows(scope), scope=scope, target=target,
                           municipalities=Municipality.select().order_by(Municipality.name_ru),
                           schools=School.select().order_by(School.short_name).limit(500))


@bp.post("")
@require(PERMISSION)
def toggle():
    scope_type = request.form.get("scope_type")
    scope_id = request.form.get("scope_id", type=stored_int)
    if scope_type not in ("school", "municipality") or scope_id is None:
        raise PageError(400, _("The request is not valid."))
    scope, _target = target_scope(scope_id if scope_type == "school" else None,
                                  scope_id if scope_type == "municipality" else None)
    registry = current_app.extensions["eschool"].plugins
    plugin, state = request.form.get("plugin", ""), request.form.get("state", "")
    try:
        if state == "default":
            services.clear_toggle(plugin, scope_type, scope_id)
        elif state in ("on", "off"):
            services.set_toggle(registry, plugin, scope_type, scope_id, state == "on", actor=current_user.username)
        else:
            raise services.ToggleError("state: expected on, off or default")
    except services.ToggleError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Saved. The plugin's data is kept whether it is on or off."), "success")
    return redirect(url_for("plugins_admin.index", **{scope_type: scope_id}))
