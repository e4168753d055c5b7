"""Core pages."""
from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_login import current_user
from werkzeug.utils import safe_join

from eschool.auth.permissions import AUTHENTICATED, public, require
from eschool.i18n import LOCALES
from eschool.web import services

bp = Blueprint("web", __name__)


@bp.get("/")
@public
def index():
    """The start page: a dashboard when logged in, the portal's front page otherwise."""
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    return render_template("web/index.html")


@bp.get("/dashboard")
@require(AUTHENTICATED)
def dashboard():
    return render_template("web/dashboard.html", widgets=services.widgets(current_user, g.scope))


@bp.post("/language")
@public
def set_language():
    """Remember the chosen language (on the account when logged in)."""
    locale = request.form.get("locale", "")
    if locale in LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            current_user.save(only=["locale"])
    target = request.form.get("next") or url_for("web.index")
    if not services.is_local_path(target):
        target = url_for("web.index")
    return redirect(target)


@bp.get("/static/<path:filename>")
@public
def static(filename: str):
    """Theme and core static files: the region's, the theme chain's, then the core's."""
    for folder in current_app.config["ESCHOOL_STATIC_DIRS"]:
        path = safe_join(folder, filename)
        if path and Path(path).is_file():
            return send_from_directory(folder, filename, max_age=3600)
    abort(404)


@bp.get("/static/plugins/<plugin>/<path:filename>")
@public
def plugin_static(plugin: str, filename: str):
    info = current_app.extensions["eschool"].plugins.infos.get(plugin)
    folder = info.folder("static") if info else None
    if folder is None:
        abort(404)
    return send_from_directory(folder, filename, max_age=3600)


@bp.app_context_processor
def _layout_context():
    """Portal name, language, and the menu for every page."""
    from flask_babel import get_locale

    ext = current_app.extensions["eschool"]
    locale = str(get_locale() or ext.region.locale)
    scope = getattr(g, "scope", None)
    user = current_user if current_user and current_user.is_authenticated else None

    def my_roles():
        """The user's roles for the role switcher: (assignment id, label, acting now)."""
        from eschool.auth.permissions import acting_assignment, all_assignments
        from eschool.auth.roles import ROLES
        from eschool.structure.models import School

        assignments = all_assignments(user) if user else []
        if len(assignments) < 2:
            return []
        acting = acting_assignment(user)
        schools = {s.id: s.short_name for s in School.select(School.id, School.short_name).where(
            School.id.in_([a.school_id for a in assignments if a.school_id]))}
        return [(a.id, f"{ROLES[a.role].label}" + (f" · {schools.get(a.school_id, '')}" if a.school_id else ""),
                 a.id == acting.id) for a in assignments if a.role in ROLES]

    def nav():
        if scope is None:
            return {s: [] for s in services.SECTIONS}
        return services.menu(user, scope)

    return {
        "portal_name": ext.region.name("portal", locale),
        "region_name": ext.region.name("region", locale),
        "region_code": ext.region.code,
        "theme_name": ext.region.theme,
        "portal_logo": ext.region.logo,
        "current_locale": locale,
        "locales": LOCALES,
        "nav": nav,
        "my_roles": my_roles,
    }
