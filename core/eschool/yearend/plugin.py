"""Closing the academic year and opening the next."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.core_parts import part_info
from eschool.types import MenuItem, Permission


@hookimpl
def eschool_plugin_info():
    return part_info("core.yearend", _l("Year closing"))


@hookimpl
def eschool_models():
    from eschool.yearend.models import YearDecision

    return [YearDecision]


@hookimpl
def eschool_blueprints(app):
    from eschool.yearend import api, views

    return [views.bp, views.area, api.bp]


@hookimpl
def eschool_permissions():
    return [Permission("year.close", _l("Close the school's academic year and open the next"),
                       ("school_admin", "director")),
            Permission("year.progress", _l("See the year closing of the municipality's schools"),
                       ("municipal_operator", "region_operator"))]


@hookimpl
def eschool_menu_items(user, scope):
    if user is None:
        return []
    if scope.school_id:
        return [MenuItem("yearend.index", _l("Year closing"), order=830, section="admin", permission="year.close",
                         url_kwargs={"school_id": scope.school_id}, plugin="core", group="school")]
    if scope.municipality_id:
        from eschool.plugins.services import municipality_code

        code = municipality_code(scope.municipality_id)
        if code:
            return [MenuItem("yearend_area.progress", _l("Year closing"), order=44, permission="year.progress",
                             url_kwargs={"municipality_code": code}, plugin="core", group="reports")]
    return []
