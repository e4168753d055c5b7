"""The modules page: switching plugins on and off per municipality and school."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.core_parts import part_info
from eschool.types import MenuItem, Permission


@hookimpl
def eschool_plugin_info():
    return part_info("core.plugins", _l("Modules"))


@hookimpl
def eschool_models():
    from eschool.plugins.models import PluginSetting, PluginToggle

    return [PluginToggle, PluginSetting]


@hookimpl
def eschool_blueprints(app):
    from eschool.plugins.api import bp as api_bp
    from eschool.plugins.views import bp

    return [bp, api_bp]


@hookimpl
def eschool_permissions():
    return [Permission("plugins.manage", _l("Switch modules on and off"),
                       ("region_operator", "municipal_operator", "school_admin")),
            Permission("plugins.overview", _l("See every school's modules (the schools × modules overview)"),
                       ("region_operator", "municipal_operator"))]


@hookimpl
def eschool_menu_items(user, scope):
    if user is None:
        return []
    return [MenuItem("plugins_admin.index", _l("Modules"), order=900, section="admin",
                     permission="plugins.manage", plugin="core", group="modules"),
            MenuItem("plugins_admin.overview", _l("Modules of the schools"), order=901, section="admin",
                     permission="plugins.overview", plugin="core", group="modules")]
