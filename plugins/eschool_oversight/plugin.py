"""The deputy director's control of the journal and the class teacher's overview of their class."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool.plugin_api import MenuItem, PluginInfo, __version__, hookimpl, user_assignments

CODE = "oversight"


@hookimpl
def eschool_plugin_info():
    return PluginInfo.for_package(
        __name__, code=CODE, name=_l("Journal control"), version=__version__,
        description=_l("The deputy director's control of journal filling and the class teacher's overview "
                       "of their class's marks and attendance"))


@hookimpl
def eschool_blueprints(app):
    from eschool_oversight.api import bp as api_bp
    from eschool_oversight.views import bp

    return [bp, api_bp]


@hookimpl
def eschool_menu_items(user, scope):
    if user is None or not scope.school_id:
        return []
    own_class = [MenuItem("oversight.class_marks", _l("My class: marks and attendance"), order=11, plugin=CODE,
                          url_kwargs={"school_id": a.school_id, "class_id": a.class_group_id}, group="journal")
                 for a in user_assignments(user) if a.role == "class_teacher" and a.class_group_id
                 and a.school_id == scope.school_id][:1]
    return [*own_class, MenuItem("oversight.control", _l("Journal control"), order=30,
                                 permission="journal.control", url_kwargs={"school_id": scope.school_id},
                                 plugin=CODE, group="journal")]


@hookimpl
def eschool_report_types(scope):
    """The journal's filling as a report (page, XLSX, PDF) in the school's reports."""
    from eschool.plugin_api import ReportType
    from eschool_oversight.reports import filling

    return [ReportType("oversight.filling", _l("Journal filling"), "journal.control", filling, params=("date_range",),
                       order=45, plugin=CODE,
                       description=_l("Per teacher: lessons given, without a topic, filled late, overdue; per class "
                                      "and subject: students without a mark."))]
