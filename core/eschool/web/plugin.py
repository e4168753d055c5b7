"""The portal's frame: the start page, the language switch, static files."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.core_parts import part_info
from eschool.types import MenuItem


@hookimpl
def eschool_plugin_info():
    return part_info("core.web", _l("Portal pages"))


@hookimpl
def eschool_blueprints(app):
    from eschool.web.views import bp

    return [bp]


@hookimpl
def eschool_menu_items(user, scope):
    if user is None:
        return []
    return [MenuItem("web.dashboard", _l("Start page"), order=0, plugin="core")]
