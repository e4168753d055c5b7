"""Final marks, period reports and the municipalities' pass and quality rates."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.core_parts import part_info
from eschool.types import MenuItem, Permission


@hookimpl
def eschool_plugin_info():
    return part_info("core.results", _l("Final marks and reports"))


@hookimpl
def eschool_blueprints(app):
    from eschool.results.api import bp as api_bp
    from eschool.results.views import area, bp

    return [bp, area, api_bp]


@hookimpl
def eschool_permissions():
    return [Permission("results.rates", _l("See the pass and quality rates of the schools"),
                       ("region_operator", "municipal_operator"))]


@hookimpl
def eschool_menu_items(user, scope):
    """Final marks and reports (a school); the rates per school (a municipality's operator)."""
    if user is None:
        return []
    if scope.school_id:
        return [MenuItem("results.index", _l("Final marks and reports"), order=32, permission="journal.keep",
                         url_kwargs={"school_id": scope.school_id}, plugin="core", group="journal")]
    if scope.municipality_id:
        from eschool.plugins.services import municipality_code

        code = municipality_code(scope.municipality_id)
        if code is not None:
            return [MenuItem("results_area.school_rates", _l("Pass and quality rates"), order=40,
                             permission="results.rates", url_kwargs={"municipality_code": code},
                             plugin="core", group="reports")]
    return []
