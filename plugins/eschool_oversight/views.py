"""The class teacher's overview of their class (all subjects' marks, the day's attendance and its
reconciliation) and the deputy director's control of journal filling."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.routing import BuildError

from eschool.plugin_api import PageError, School, SchoolError, class_of, require, school_by_id, subject_of
from eschool_oversight import services

bp = Blueprint("oversight", __name__, url_prefix="/school/<int:school_id>")
KEEP, CONTROL = "journal.keep", services.CONTROL
KIND_LABELS = {"absent": _l("absent"), "ill": _l("ill"), "excused": _l("excused"), "late": _l("late"),
               "present": _l("present")}
#: Short marks as the paper journal writes them (н, б, у, оп).
KIND_SHORT = {"absent": _l("abs."), "ill": _l("ill."), "excused": _l("exc."), "late": _l("late.")}
STATE_LABELS = {"filled": _l("filled"), "late": _l("filled late"), "overdue": _l("overdue"), "open": _l("open")}


def _school(school_id: int) -> School:
    school = school_by_id(school_id)
    if school is None:
        abort(404)
    return school


def _class(school: School, class_id: int):
    try:
        group = class_of(school, class_id)
    except SchoolError:
        abort(404)
    if not services.may_oversee(current_user, school, group):
        raise PageError(403, _("Only the class teacher of %(name)s and the school's administration see this.",
                               name=group.name))
    return group


def _date(name: str, default=None):
    value = request.values.get(name, "").strip()
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PageError(400, _("Not a date: %(value)s", value=value)) from None


def _int(name: str):
    value = request.values.get(name, "").strip()
    return int(value) if value.isdigit() else None


def grid_link(lesson, period=None) -> str | None:
    """A link to the lesson's class-subject in the journal grid (``journal.grid``), when this portal has
    the grid; ``period`` opens the grid on that period (else the grid's default, the current one)."""
    if "journal.grid" not in current_app.view_functions:
        return None
    args = {"subgroup": lesson.subgroup_id} if lesson.subgroup_id else {}
    if period is not None:
        args["period"] = period.id
    try:
        return url_for("journal.grid", school_id=lesson.school_id, class_id=lesson.class_group_id,
                       subject_id=lesson.subject_id, **args)
    except BuildError:
        return None


# --------------------------------------------------------------------------- the class teacher


def _range(group):
    periods = services.class_periods(group)
    try:
        start, end, period = services.choose_range(group, periods, _int("period"), _date("start"), _date("end"))
    except SchoolError as exc:
        raise PageError(400, str(exc.message)) from exc
    return periods, start, end, period


@bp.get("/classes/<int:class_id>/overview")
@require(KEEP)
def class_marks(school_id: int, class_id: int):
    """Students down, subjects across: each student's weighted average and number of marks."""
    school = _school(school_id)
    group = _class(school, class_id)
    periods, start, end, period = _range(group)
    data = services.marks_overview(group, start, end)
    return render_template("oversight/class_marks.html", school=school, group=group, periods=periods,
                           period=period, **data)


@bp.get("/classes/<int:class_id>/overview/subjects/<int:subject_id>")
@require(KEEP)
def subject_marks(school_id: int, class_id: int, subject_id: int):
    """One subject's marks, lesson by lesson, read-only."""
    school = _school(school_id)
    group = _class(school, class_id)
    try:
        subject = subject_of(school, subject_id)
    except SchoolError:
        abort(404)
    periods, start, end, period = _range(group)
    data = services.subject_marks(group, subject, start, end)
    return render_template("oversight/subject_marks.html", school=school, group=group, periods=periods,
                           period=period, grid_link=grid_link, **data)


def _day_page(school, group, day, errors=None, values=None, status=200):
    data = services.day_attendance(group, day)
    return render_template("oversight/day.html", school=school, group=group, kinds=KIND_LABELS, short=KIND_SHORT,
                           errors=errors or {}, values=values or {}, grid_link=grid_link,
                           previous=day - dt.timedelta(days=1), following=day + dt.timedelta(days=1),
                           **data), status


@bp.get("/classes/<int:class_id>/day")
@require(KEEP)
def day(school_id: int, class_id: int):
    """The day's attendance of the class, lesson by lesson, with the reconciliation form."""
    school = _school(school_id)
    group = _class(school, class_id)
    day_ = _date("date", services.local_today())
    services.ensure_day(group, day_)
    return _day_page(school, group, day_)


@bp.post("/classes/<int:class_id>/day")
@require(KEEP)
def reconcile(school_id: int, class_id: int):
    """Record the reason of a student's absence for the whole day or the chosen lessons."""
    school = _school(school_id)
    group = _class(school, class_id)
    day_ = _date("date", services.local_today())
    form = request.form
    student_id = _int("student_id")
    lesson_ids = None
    if form.get("scope") == "chosen":
        lesson_ids = [int(v) for v in form.getlist("lesson_ids") if v.isdigit()]
    versions = {}  # the versions the page showed, when it showed this student's rows
    if student_id is not None and form.get("versions_for") == str(student_id):
        for key, value in form.items():
            if key.startswith("v_") and key[2:].isdigit():
                versions[int(key[2:])] = int(value) if value.isdigit() else None
    try:
        saved = services.reconcile(current_user, school, group, day_, student_id or 0, form.get("kind", ""),
                                   form.get("reason", "").strip()[:300], lesson_ids, versions or None)
    except SchoolError as exc:
        if getattr(exc, "status", None) == 403:
            raise PageError(403, str(exc.message)) from exc
        return _day_page(school, group, day_, {exc.field or "_form": [str(exc.message)]}, form,
                         409 if exc.conflict else 400)
    flash(_("Saved. Lessons changed: %(count)s.", count=len(saved)), "success")
    return redirect(url_for("oversight.day", school_id=school.id, class_id=group.id, date=day_.isoformat()))


# --------------------------------------------------------------------------- the deputy director


def _control_range():
    start, end = services.month_range(services.local_today())
    start, end = _date("start", start), _date("end", end)
    try:
        services.check_range(start, end)
    except SchoolError as exc:
        raise PageError(400, str(exc.message)) from exc
    return start, end


@bp.get("/control")
@require(CONTROL)
def control(school_id: int):
    """Per teacher: lessons given, without topic or homework, filled late, overdue; per class-subject:
    the share of students without a mark. Sortable by any column (``?sort=late&dir=desc``)."""
    school = _school(school_id)
    start, end = _control_range()
    data = services.control(school, start, end)
    sort = request.args.get("sort", "teacher")
    sort = sort if sort in services.TEACHER_SORTS else "teacher"
    ssort = request.args.get("ssort", "class")
    ssort = ssort if ssort in services.SUBJECT_SORTS else "class"
    descending, sdescending = request.args.get("dir") == "desc", request.args.get("sdir") == "desc"
    teachers = services.sort_rows(data["teachers"], sort, descending, "teacher")
    subjects = (services.sort_rows(data["subjects"], ssort, sdescending, "class") if ssort != "class"
                else sorted(data["subjects"], key=lambda r: (r["grade"], r["class"], r["subject"]),
                            reverse=sdescending))
    return render_template("oversight/control.html", school=school, start=start, end=end, teachers=teachers,
                           subjects=subjects, sort=sort, descending=descending, ssort=ssort,
                           sdescending=sdescending)


@bp.get("/control/teachers/<int:user_id>")
@require(CONTROL)
def teacher(school_id: int, user_id: int):
    """A teacher's problem lessons in the range, each linked to the journal grid."""
    school = _school(school_id)
    start, end = _control_range()
    try:
        user = services.teacher_of_lessons(school, user_id)
    except SchoolError:
        abort(404)
    every = request.args.get("all") == "1"
    lessons = services.teacher_lessons(school, user, start, end, only_problems=not every)
    return render_template("oversight/teacher.html", school=school, teacher=user, start=start, end=end,
                           lessons=lessons, every=every, problems=services.PROBLEMS, states=STATE_LABELS,
                           grid_link=grid_link)
