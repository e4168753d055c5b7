"""The journal tests' world: the testing kit's world (``eschool.testing.world``, the one builder) built in
the demo school, as the dictionary of ids these tests were written against.

5А (maths kept by 'teacher', class teacher 'classteacher') with a weekday timetable, 6Б kept by 'other',
students enrolled, the demo student and parent linked to 5А's first student; a current year whose second
period covers today."""
from __future__ import annotations

import datetime as dt

from eschool.testing.world import build_world as build_kit_world
from eschool.testing.world import enrol_students


def enrol(school, group, count: int, on: dt.date, start: int = 0):
    """More students in a class (the kit's numbering and names)."""
    return enrol_students(school, group, count, on, start=start)


def build_world(app, demo, students: int = 6) -> dict:
    world = build_kit_world(app, students=students, others=3, school_id=demo["school"].id)
    grid = f"/school/{world.school}/journal/class/{world.c5}/subject/{world.maths}"
    return {"school": world.school, "year": world.year, "c5": world.c5, "c6": world.c6, "maths": world.maths,
            "teacher": world.user_id("teacher"), "other": world.user_id("other"), "students": world.students,
            "today": world.today, "grid": grid, "base": f"/school/{world.school}/journal"}


def recent_lesson(app, world):
    """The latest 5А maths lesson on or before today (made by the grid page from the timetable)."""
    from eschool.journal.models import Lesson

    with app.app_context():
        return (Lesson.select().where((Lesson.class_group == world["c5"]) & (Lesson.date <= world["today"]))
                .order_by(Lesson.date.desc()).first())
