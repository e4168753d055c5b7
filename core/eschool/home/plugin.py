"""The start pages: each role's "today", offered as start-page widgets through ``eschool_dashboard_widgets``, the
hook plugins use for theirs (the core's come first: their ``order`` is below 50).

Which widgets a person sees follows the face they act in now (``auth.permissions.user_assignments``): a teacher's
lessons, a class teacher's class, a family's children, a school's journal filling and tasks, an operator's
schools needing attention. Everything a widget reads is read when it is shown (``Widget.context``).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.core_parts import part_info
from eschool.types import Widget

TEACHING = {"subject_teacher", "class_teacher"}
LEADERSHIP = {"school_admin", "director", "deputy_director"}


@hookimpl
def eschool_plugin_info():
    return part_info("core.home", _l("Start pages"))


def _roles(user) -> set[str]:
    from eschool.auth.permissions import user_assignments

    return {a.role for a in user_assignments(user)}


@hookimpl
def eschool_dashboard_widgets(user, scope):
    if user is None or getattr(user, "is_device", False):
        return []
    roles = _roles(user)
    widgets = []
    if roles & {"student", "parent"}:
        widgets.append(Widget("home_family", _l("Today"), "home/family.html", context=lambda: _family(user),
                              order=5, plugin="core", wide=True))
    if scope.school_id is not None and roles & TEACHING:
        widgets.append(Widget("home_teacher", _l("My lessons today"), "home/teacher.html",
                              context=lambda: _teacher(user, scope), order=10, permission="journal.keep",
                              plugin="core", wide=True))
    if scope.school_id is not None and "class_teacher" in roles:
        widgets.append(Widget("home_class", _l("My class today"), "home/class.html",
                              context=lambda: _class(user, scope), order=12, plugin="core", wide=True))
    if scope.school_id is not None and roles & LEADERSHIP:
        widgets.append(Widget("home_school", _l("The school today"), "home/school.html",
                              context=lambda: _school(user, scope), order=20, plugin="core", wide=True))
    if roles & {"municipal_operator", "region_operator"} and scope.school_id is None:
        widgets.append(Widget("home_operator", _l("Schools needing attention"), "home/operator.html",
                              context=lambda: _operator(scope), order=20, plugin="core", wide=True))
    return widgets


def _today():
    from eschool.journal.services import local_today

    return local_today()


def _family(user) -> dict:
    from eschool.diary.services import ATTENDANCE_CODES, ATTENDANCE_NAMES, visible_students
    from eschool.home import services

    children = services.family_today(visible_students(user), _today())
    return {"children": children, "today": _today(), "codes": ATTENDANCE_CODES, "names": ATTENDANCE_NAMES}


def _school_row(scope):
    from eschool.structure.services import school_by_id

    return school_by_id(scope.school_id)


def _teacher(user, scope) -> dict:
    from eschool.home import services

    school = _school_row(scope)
    return {"data": services.teacher_today(user, school, _today()), "school": school, "today": _today()}


def _class(user, scope) -> dict:
    from eschool.diary.services import ATTENDANCE_NAMES
    from eschool.home import services

    return {"classes": services.class_today(user, scope.school_id, _today()), "school_id": scope.school_id,
            "names": ATTENDANCE_NAMES}


def _school(user, scope) -> dict:
    from eschool.auth.permissions import has_permission
    from eschool.home import services
    from eschool.plugins.services import is_enabled

    school = _school_row(scope)
    may_apply = has_permission(user, "applications.manage", scope)
    return {"filling": services.school_filling(school, _today()), "school": school,
            "tasks": services.school_tasks(school, applications=may_apply, notices=True),
            "may_apply": may_apply, "may_setup": has_permission(user, "school.manage", scope),
            "control": is_enabled("oversight", scope) and has_permission(user, "journal.control", scope)}


def _operator(scope) -> dict:
    from eschool.home import services
    from eschool.plugins.services import municipality_code

    ranked, flagged = services.schools_needing_attention(scope.municipality_id, _today())
    code = municipality_code(scope.municipality_id) if scope.municipality_id is not None else None
    return {"schools": ranked[:services.SHOWN * 2], "flagged": flagged, "total": len(ranked),
            "municipality_code": code}
