"""The class journal: lessons, marks, attendance, homework, final marks, the journal's settings."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.core_parts import part_info
from eschool.types import MenuItem, Permission


@hookimpl
def eschool_plugin_info():
    return part_info("core.journal", _l("Class journal"))


@hookimpl
def eschool_models():
    from eschool.journal.models import (
        AbsenceNotice,
        Attendance,
        FinalMark,
        Homework,
        HomeworkFile,
        HomeworkStudent,
        Lesson,
        Mark,
        WorkType,
    )

    return [WorkType, Lesson, Mark, Attendance, Homework, HomeworkStudent, HomeworkFile, FinalMark, AbsenceNotice]


@hookimpl
def eschool_blueprints(app):
    from eschool.journal.api import bp as api_bp
    from eschool.journal.settings import api as settings_api_bp
    from eschool.journal.settings import bp as settings_bp
    from eschool.journal.views import bp

    return [settings_bp, bp, settings_api_bp, api_bp]


@hookimpl
def eschool_permissions():
    return [
        Permission("journal.keep", _l("Keep the class journal of one's own lessons"),
                   ("subject_teacher", "class_teacher", "deputy_director", "director", "school_admin")),
        Permission("journal.control", _l("Oversee every class's journal, close and reopen periods"),
                   ("deputy_director", "director", "school_admin")),
    ]


@hookimpl
def eschool_menu_items(user, scope):
    if user is None or not scope.school_id:
        return []
    school = {"school_id": scope.school_id}
    return [
        MenuItem("journal_settings.page", _l("Journal settings"), order=803, section="admin",
                 permission="school.manage", url_kwargs=school, plugin="core", group="school"),
        MenuItem("journal.index", _l("Journal"), order=15, permission="journal.keep", url_kwargs=school,
                 plugin="core", group="journal"),
    ]

