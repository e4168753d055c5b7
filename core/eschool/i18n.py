"""Languages: Flask-Babel with Russian as the default and English complete.

The locale is the user's choice (stored on the account, or in the session), then the browser's,
then the region's. Catalogs merge core -> plugins -> theme -> region (later wins), all in the one
``messages`` domain.
"""
from __future__ import annotations

from pathlib import Path

from flask import current_app, has_request_context, request, session
from flask_babel import Babel
from flask_login import current_user

LOCALES = ("ru", "en")


def translation_dirs(core_root: Path, plugin_dirs: list[Path], theme_chain: list[Path], region_folder: Path):
    dirs = [core_root / "translations", *plugin_dirs]
    dirs += [p / "translations" for p in reversed(theme_chain)]
    dirs.append(region_folder / "translations")
    return [str(d) for d in dirs if d.is_dir()]


def select_locale() -> str:
    if not has_request_context():
        return current_app.extensions["eschool"].region.locale
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in LOCALES:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    if request.accept_languages:
        best = request.accept_languages.best_match(LOCALES)
        if best:
            return best
    return current_app.extensions["eschool"].region.locale


def select_timezone() -> str:
    return current_app.extensions["eschool"].region.timezone


def init_babel(app, dirs: list[str]) -> None:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(dirs)
    app.config["BABEL_DEFAULT_LOCALE"] = app.extensions["eschool"].region.locale
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.extensions["eschool"].region.timezone
    Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
