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
    from eschool.journal.services import local_today

    return render_template("web/dashboard.html", widgets=services.widgets(current_user, g.scope), today=local_today())


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


@bp.get("/manifest.webmanifest")
@public
def manifest():
    """The web app manifest: a parent puts the portal on the phone's home screen and it opens like an app, on
    the start page (their children's today, the diary a tap away), in the region's colours. Browsers fetch it
    without the session, so it is the same for everyone; the icons come from the theme's ``static/img/``."""
    from flask_babel import force_locale

    ext = current_app.extensions["eschool"]
    locale = ext.region.locale

    def icon(name, size, purpose="any"):
        return {"src": url_for("web.static", filename=f"img/{name}"), "sizes": f"{size}x{size}", "type": "image/png",
                "purpose": purpose}

    with force_locale(locale):
        from flask_babel import gettext as _

        body = {
            "name": ext.region.name("portal", locale), "short_name": _short_name(ext.region.name("portal", locale)),
            "description": _("The class journal, the diary and the school's records of %(region)s in one place.",
                             region=ext.region.name("region", locale)),
            "lang": locale, "dir": "ltr", "id": url_for("web.dashboard"), "start_url": url_for("web.dashboard"),
            "scope": url_for("web.index"), "display": "standalone", "orientation": "any",
            "theme_color": _theme_color(), "background_color": "#ffffff",
            "icons": [icon("icon-192.png", 192), icon("icon-512.png", 512),
                      icon("icon-maskable-512.png", 512, "maskable")],
            "shortcuts": [{"name": _("Diary"), "url": url_for("diary.week")}],
        }
    import json

    response = current_app.response_class(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")
    response.cache_control.max_age = 3600
    return response


def _short_name(name: str) -> str:
    """A home-screen label fits about 12 characters: the portal's name when short, else its first words."""
    if len(name) <= 12:
        return name
    words, short = name.split(), ""
    for word in words:
        if len(short) + len(word) + (1 if short else 0) > 12:
            break
        short = f"{short} {word}".strip()
    return short.rstrip(" —–-,.:;") or name[:12]


def _theme_color() -> str:
    """The theme's ``color`` (theme.toml), read once per app."""
    color = current_app.config.get("ESCHOOL_THEME_COLOR")
    if color is None:
        from eschool.themes import theme_setting

        color = current_app.config["ESCHOOL_THEME_COLOR"] = str(
            theme_setting(current_app.extensions["eschool"].theme_chain, "color", "#1f5fa8"))
    return color


@bp.app_context_processor
def _layout_context():
    """Portal name, language, and the menu for every page."""
    from flask_babel import get_locale

    ext = current_app.extensions["eschool"]
    locale = str(get_locale() or ext.region.locale)
    scope = getattr(g, "scope", None)
    user = current_user if current_user and current_user.is_authenticated else None

    faces_cache = []

    def my_faces():
        """The user's faces for the header (``auth.permissions.personas``): ``[{"id", "label", "acting"}]``,
        ``id`` being an assignment of the face (what the switch posts); computed once per page."""
        if faces_cache or user is None:
            return faces_cache
        from eschool.auth.permissions import acting_persona, personas

        faces = personas(user)
        if not faces:
            return faces_cache
        acting = acting_persona(user)[0]
        faces_cache.extend({"id": assignments[0].id, "label": label, "acting": key == acting,
                            "family": key[0] == "family"}
                           for (key, assignments), label in zip(faces, services.face_labels(faces), strict=True))
        return faces_cache

    def my_roles():
        """The user's faces as (assignment id, label, acting now) when there are several (themes of earlier
        versions call it)."""
        faces = my_faces()
        return [(f["id"], f["label"], f["acting"]) for f in faces] if len(faces) > 1 else []

    nav_cache = {}

    def nav():
        """The menu by section and, for a user, by task group; computed once per page (the header, the
        footer's public pages and a start page's tiles all read it)."""
        if nav_cache:
            return nav_cache
        if scope is None:
            return {**{s: [] for s in services.SECTIONS}, "groups": []}
        menu = services.menu(user, scope)
        family = user is not None and any(f["acting"] and f["family"] for f in my_faces())
        menu["groups"] = services.menu_groups(menu["main"] + menu["admin"], family=family) if user is not None else []
        nav_cache.update(menu)
        return nav_cache

    return {
        "portal_name": ext.region.name("portal", locale),
        "region_name": ext.region.name("region", locale),
        "region_code": ext.region.code,
        "theme_name": ext.region.theme,
        "portal_logo": ext.region.logo,
        "theme_color": _theme_color(),
        "current_locale": locale,
        "locales": LOCALES,
        "nav": nav,
        "my_roles": my_roles,
        "my_faces": my_faces,
    }
