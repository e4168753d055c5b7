"""The region's structure: municipalities and schools, and the operators' pages and API for the schools."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.core_parts import part_info
from eschool.types import MenuItem, Permission


@hookimpl
def eschool_plugin_info():
    return part_info("core.structure", _l("Municipalities and schools"))


@hookimpl
def eschool_models():
    from eschool.structure.models import Municipality, School

    return [Municipality, School]


@hookimpl
def eschool_blueprints(app):
    from eschool.structure.api import bp as api_bp
    from eschool.structure.views import bp

    return [bp, api_bp]


@hookimpl
def eschool_permissions():
    return [Permission("schools.manage", _l("Create schools, change their cards and issue their administrators' logins"),
                       ("region_operator", "municipal_operator"))]


@hookimpl
def eschool_menu_items(user, scope):
    if user is None:
        return []
    return [MenuItem("schools_admin.index", _l("Schools"), order=890, section="admin", permission="schools.manage",
                     plugin="core", group="school")]
