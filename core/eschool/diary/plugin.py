"""The diary of students and parents, and the class teacher's printouts of it."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.core_parts import part_info
from eschool.types import MenuItem, Permission


@hookimpl
def eschool_plugin_info():
    return part_info("core.diary", _l("Diary"))


@hookimpl
def eschool_blueprints(app):
    from eschool.diary.api import bp as api_bp
    from eschool.diary.views import bp

    return [bp, api_bp]


@hookimpl
def eschool_permissions():
    return [
        Permission("diary.view", _l("Read one's own or one's child's diary"), ("student", "parent")),
        Permission("diary.report_absence", _l("Report in advance that one's child will be away"), ("parent",)),
        Permission("diary.print_class", _l("Print the weekly diary summaries of a class"),
                   ("class_teacher", "deputy_director", "director", "school_admin")),
    ]


@hookimpl
def eschool_menu_items(user, scope):
    if user is None:
        return []
    items = [MenuItem("diary.week", _l("Diary"), order=5, permission="diary.view", plugin="core", group="home"),
             MenuItem("diary.absences", _l("Report an absence"), order=6, permission="diary.report_absence",
                      plugin="core", group="journal")]
    if scope.school_id:
        items.append(MenuItem("diary.class_print_choice", _l("Diary printouts"), order=15,
                              permission="diary.print_class", plugin="core", group="journal"))
    return items


@hookimpl
def eschool_init_app(app):
    """A student or a parent who opens the school's timetable page (its staff's) is taken to their class's
    timetable in the diary instead of a refusal."""
    from flask import redirect, request, url_for
    from flask_login import current_user

    @app.before_request
    def _families_to_their_timetable():
        if request.endpoint != "timetable.week" or not getattr(current_user, "is_authenticated", False):
            return None
        from eschool.auth.permissions import has_permission
        from eschool.plugins.services import scope_for_school
        from eschool.structure.services import school_by_id

        school = school_by_id((request.view_args or {}).get("school_id"))
        if school is None:
            return None
        scope = scope_for_school(school)
        if has_permission(current_user, "school.view", scope) or not has_permission(current_user, "diary.view", scope):
            return None
        return redirect(url_for("diary.timetable"))
