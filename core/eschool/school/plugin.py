"""The school year: years and periods, classes, subjects, rooms, the curriculum."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.core_parts import part_info
from eschool.core_plugin import SCHOOL_STAFF
from eschool.types import MenuItem, Permission


@hookimpl
def eschool_plugin_info():
    return part_info("core.school", _l("The school year"))


@hookimpl
def eschool_models():
    from eschool.school.models import (
        AcademicYear,
        Building,
        CatchmentStreet,
        ClassGroup,
        CurriculumItem,
        Period,
        Room,
        Subgroup,
        Subject,
        TeachingAssignment,
    )

    return [AcademicYear, Period, Subject, Room, ClassGroup, Subgroup, CurriculumItem, TeachingAssignment,
            Building, CatchmentStreet]


@hookimpl
def eschool_blueprints(app):
    from eschool.school.api import bp as api_bp
    from eschool.school.api import municipalities as municipality_api_bp
    from eschool.school.views import bp

    return [bp, api_bp, municipality_api_bp]


@hookimpl
def eschool_permissions():
    return [
        Permission("school.view", _l("See the school's classes, subjects, rooms and timetable"), SCHOOL_STAFF),
        Permission("school.manage", _l("Set up the school year: years, classes, subjects, rooms, curriculum"),
                   ("school_admin", "deputy_director")),
    ]


@hookimpl
def eschool_menu_items(user, scope):
    if user is None or not scope.school_id:
        return []
    return [MenuItem("school_setup.section", _l("The school year"), order=800, section="admin",
                     permission="school.manage", url_kwargs={"school_id": scope.school_id, "key": "years"},
                     plugin="core", group="school")]
