"""The bell schedule, the week's timetable and substitutions."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.core_parts import part_info
from eschool.types import MenuItem, Permission


@hookimpl
def eschool_plugin_info():
    return part_info("core.timetable", _l("Timetable"))


@hookimpl
def eschool_models():
    from eschool.timetable.models import LessonTime, Substitution, TimetableEntry

    return [LessonTime, TimetableEntry, Substitution]


@hookimpl
def eschool_blueprints(app):
    from eschool.timetable.api import bp as api_bp
    from eschool.timetable.import_page import bp as import_bp
    from eschool.timetable.views import bp

    return [bp, api_bp, import_bp]


@hookimpl
def eschool_permissions():
    return [Permission("timetable.manage", _l("Make the timetable and substitutions"),
                       ("school_admin", "deputy_director"))]


@hookimpl
def eschool_menu_items(user, scope):
    if user is None or not scope.school_id:
        return []
    return [MenuItem("timetable.week", _l("Timetable"), order=20, permission="school.view",
                     url_kwargs={"school_id": scope.school_id}, plugin="core", group="school"),
            MenuItem("timetable_import.index", _l("Import the timetable"), order=813, section="admin",
                     permission="timetable.manage", url_kwargs={"school_id": scope.school_id}, plugin="core",
                     group="school")]
