"""The administrator's page for switching plugins on and off for a municipality or a school."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eschool.auth.permissions import require
from eschool.plugins import services
from eschool.structure.models import Municipality, School
from eschool.web.converters import stored_int
from eschool.web.errors import PageError

bp = Blueprint("plugins_admin", __name__, url_prefix="/admin/plugins")
PERMISSION = services.MANAGE_PERMISSION


def target_scope(school_id, municipality_id):
    return services.target_scope(current_user, school_id, municipality_id)


state_rows = services.state_rows


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
