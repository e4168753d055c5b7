"""Reports: the registry (hook ``eschool_report_types``), its pages and API, and the core's reports."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.core_parts import part_info
from eschool.types import MenuItem, Permission


@hookimpl
def eschool_plugin_info():
    return part_info("core.reports", _l("Reports"))


@hookimpl
def eschool_blueprints(app):
    from eschool.reports import api, views

    return [views.bp, views.area, api.bp, api.area]


@hookimpl
def eschool_permissions():
    return [Permission("reports.view", _l("Open the school's reports (attendance, progress, movement, activity)"),
                       ("school_admin", "director", "deputy_director"))]


@hookimpl
def eschool_report_types(scope):
    from eschool.reports.builtin import core_reports

    return core_reports()


@hookimpl
def eschool_menu_items(user, scope):
    """«Reports» for whoever may open at least one report here."""
    if user is None or not (scope.school_id or scope.municipality_id):
        return []
    from eschool.reports import services

    if not services.available(user, scope):
        return []
    if scope.school_id:
        return [MenuItem("reports.index", _l("Reports"), order=34, url_kwargs={"school_id": scope.school_id},
                         plugin="core", group="reports")]
    from eschool.plugins.services import municipality_code

    code = municipality_code(scope.municipality_id)
    return [MenuItem("reports_area.municipality_index", _l("Reports"), order=42,
                     url_kwargs={"municipality_code": code}, plugin="core", group="reports")] if code else []
