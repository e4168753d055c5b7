"""The timetable pages: the week (or one day) of a class, a teacher or a room, with the bell times."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _

from eschool.auth.models import User
from eschool.auth.permissions import require
from eschool.school import services as school_services
from eschool.school.models import ClassGroup, Room, TeachingAssignment
from eschool.structure.models import School
from eschool.timetable import services
from eschool.web.errors import PageError

bp = Blueprint("timetable", __name__, url_prefix="/school/<int:school_id>/timetable")


def _arg(name):
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@bp.get("")
@require("school.view")
def week(school_id: int):
    """A grid of weekdays by lesson numbers; ``?day=N`` shows one day (the phone's view)."""
    school = School.get_or_none(School.id == school_id)
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
