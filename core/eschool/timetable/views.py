"""The timetable pages: the week (or one day) of a class, a teacher or a room, with the bell times."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _

from eschool.auth.models import User
from eschool.auth.permissions import require
from eschool.school import services as school_services
from eschool.school.models import ClassGroup, Room, TeachingAssignment
from eschool.structure.services import school_by_id
from eschool.timetable import services
from eschool.web.converters import query_number
from eschool.web.errors import PageError

bp = Blueprint("timetable", __name__, url_prefix="/school/<int:school_id>/timetable")


def _arg(name):
    return query_number(name)


@bp.get("")
@require("school.view")
def week(school_id: int):
    """A grid of weekdays by lesson numbers; ``?day=N`` shows one day (the phone's view)."""
    school = school_by_id(school_id)
    if school is None:
        abort(404)
    year = school_services.current_year(school)
    if year is None:
        raise PageError(404, _("The school has no current academic year."))
    classes = school_services.classes(school, year)
    teachers = list(User.select().join(TeachingAssignment, on=TeachingAssignment.teacher == User.id)
                    .join(ClassGroup).where(ClassGroup.academic_year == year).distinct().order_by(User.full_name))
    rooms = list(Room.select().where(Room.school == school).order_by(Room.building, Room.name))
    class_id, teacher_id, room_id = _arg("class"), _arg("teacher"), _arg("room")
    if class_id is None and teacher_id is None and room_id is None and classes:
        class_id = classes[0].id
    entries = services.week(school, year, class_id, teacher_id, room_id)
    day = _arg("day")
    saturday = any(e.weekday == 6 for e in entries)  # a five-day school shows five columns
    days = [d for d in services.WEEKDAYS if (day is None and (d < 6 or saturday)) or d == day]
    numbers = sorted({e.number for e in entries}) or [1]
    grid = {}
    for entry in entries:
        grid.setdefault((entry.weekday, entry.number), []).append(entry)
    times = services.lesson_times(school)
    title = (next((c.name for c in classes if c.id == class_id), "") or
             next((t.full_name for t in teachers if t.id == teacher_id), "") or
             next((r.name for r in rooms if r.id == room_id), ""))
    return render_template("timetable/week.html", school=school, year=year, classes=classes, teachers=teachers,
                           rooms=rooms, class_id=class_id, teacher_id=teacher_id, room_id=room_id, days=days,
                           day=day, numbers=numbers, grid=grid, times=times, weekdays=services.WEEKDAYS,
                           title=title, shift=next((c.shift for c in classes if c.id == class_id), 1))


def _substitutions_page(school, day, errors=None, status=200):
    from flask_login import current_user

    from eschool.auth.permissions import has_permission

    year = school_services.current_year(school)
    lessons = [e for e in services.week(school, year) if e.weekday == day.isoweekday()] if year else []
    return render_template("timetable/substitutions.html", school=school, day=day,
                           rows=services.substitutions(school, day), lessons=lessons,
                           staff=school_services.staff(school), errors=errors or {}, values=request.form,
                           can_edit=has_permission(current_user, "timetable.manage")), status


def _school_and_day(school_id: int):
    import datetime as dt

    school = school_by_id(school_id)
    if school is None:
        abort(404)
    try:
        day = dt.date.fromisoformat(request.values.get("date", "")) if request.values.get("date") else dt.date.today()
    except ValueError:
        day = dt.date.today()
    return school, day


@bp.get("/substitutions")
@require("school.view")
def substitutions(school_id: int):
    """Substitutions of a day (``?date=``), for everyone who works at the school."""
    school, day = _school_and_day(school_id)
    return _substitutions_page(school, day)


@bp.post("/substitutions")
@require("timetable.manage")
def add_substitution(school_id: int):
    """The deputy director adds a substitution; a busy substitute is refused with the lesson in the way."""
    from flask import flash, redirect, url_for
    from marshmallow import ValidationError

    from eschool.school.services import SchoolError
    from eschool.timetable.schemas import SubstitutionInSchema
    from eschool.validation import as_text

    school, day = _school_and_day(school_id)
    raw = {k: v for k, v in request.form.items() if k != "csrf_token" and v.strip() != ""}
    try:
        services.substitute(school, SubstitutionInSchema().load(raw))
    except ValidationError as exc:
        return _substitutions_page(school, day, as_text(exc.messages), 400)
    except SchoolError as exc:
        return _substitutions_page(school, day, {exc.field or "_form": [str(exc.message)]},
                                   409 if exc.conflict else 400)
    flash(_("Saved."), "success")
    return redirect(url_for("timetable.substitutions", school_id=school.id, date=day.isoformat()))


@bp.post("/substitutions/<int:substitution_id>/delete")
@require("timetable.manage")
def delete_substitution(school_id: int, substitution_id: int):
    """Cancel a substitution from the substitutions page."""
    from flask import flash, redirect, url_for

    from eschool.school.services import SchoolError

    school, day = _school_and_day(school_id)
    try:
        row = services.remove_substitution(school, substitution_id)
    except SchoolError as exc:
        if not exc.conflict:
            abort(404)
        flash(str(exc.message), "error")
    else:
        day = row.date
        flash(_("The substitution was cancelled."), "success")
    return redirect(url_for("timetable.substitutions", school_id=school.id, date=day.isoformat()))
