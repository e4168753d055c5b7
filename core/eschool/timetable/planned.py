"""Lessons the timetable gives that are not in the journal yet: what the diary and the start pages show of the
days nobody has opened the journal grid for.

The journal makes a lesson row when a teacher opens the grid (``journal.services.ensure_lessons``); until then
a parent would see «no lessons» on a school day. These readers never write: they take the weekly timetable
(``TimetableEntry``) of the classes, keep the days inside the class's study periods (as ``ensure_lessons``
does; closed years give none), put the substitute in as the teacher (``Substitution``), and leave out what the
journal already holds (a lesson made from the same entry on the same date). A fixed number of statements
(three), whatever the classes and the range.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from eschool.db import db, row_date, row_hhmm


@dataclass
class PlannedLesson:
    """A lesson of the timetable on a date, not in the journal yet (no id, no topic, no marks)."""

    entry_id: int
    date: dt.date
    number: int
    class_group_id: int
    school_id: int
    shift: int
    subject_id: int
    subject: str
    teacher_id: int
    teacher: str
    subgroup_id: int | None
    subgroup: str | None
    starts_at: str | None = None  # the bell schedule's "HH:MM" of the class's shift, when set
    ends_at: str | None = None
    usual_teacher_id: int | None = None  # the timetable's teacher (``teacher_id`` is the substitute's, if any)


def _in(values) -> str:
    return ", ".join([db.obj.param] * len(values))


def planned_lessons(start: dt.date, end: dt.date, *, class_ids=None, teacher_id: int | None = None,
                    existing: set | None = None) -> list[PlannedLesson]:
    """The timetable's lessons from ``start`` to ``end`` of the classes ``class_ids`` (or those ``teacher_id``
    gives: their own entries and those they substitute in), minus those in the journal: ``existing`` is the
    set of ``(timetable_entry_id, date)`` the caller already read from ``lesson``, else it is read here.
    Sorted by date, number and entry."""
    if end < start or (class_ids is not None and not class_ids) or (class_ids is None and teacher_id is None):
        return []
    p = db.obj.param
    s, e = start.isoformat(), end.isoformat()
    columns = ("SELECT te.id, te.class_group_id, cg.school_id, cg.shift, cg.grade, te.academic_year_id, te.weekday, "
               "te.number, te.subject_id, sj.name, te.teacher_id, u.full_name, te.subgroup_id, sg.name, lt.starts_at, "
               "lt.ends_at FROM timetable_entry te JOIN class_group cg ON cg.id = te.class_group_id "
               "JOIN academic_year ay ON ay.id = te.academic_year_id JOIN subject sj ON sj.id = te.subject_id "
               "JOIN user_account u ON u.id = te.teacher_id LEFT JOIN subgroup sg ON sg.id = te.subgroup_id "
               "LEFT JOIN lesson_time lt ON lt.school_id = cg.school_id AND lt.shift = cg.shift AND lt.number = te.number "
               "WHERE te.academic_year_id = cg.academic_year_id AND ay.closed = " + ("FALSE" if _pg() else "0"))
    if class_ids is not None:
        ids = sorted(set(class_ids))
        entries = db.obj.execute_sql(f"{columns} AND te.class_group_id IN ({_in(ids)})", ids).fetchall()
    else:
        entries = db.obj.execute_sql(
            f"{columns} AND (te.teacher_id = {p} OR te.id IN (SELECT entry_id FROM substitution "
            f"WHERE teacher_id = {p} AND date BETWEEN {p} AND {p}))", (teacher_id, teacher_id, s, e)).fetchall()
    if not entries:
        return []
    entry_ids = [row[0] for row in entries]
    years = sorted({row[5] for row in entries})
    # the study periods (the days lessons are given) and the substitutions of the range, in one statement
    rows = db.obj.execute_sql(
        f"SELECT 'p', academic_year_id, starts_on, ends_on, grade_from, grade_to, NULL FROM period "
        f"WHERE academic_year_id IN ({_in(years)}) AND starts_on <= {p} AND ends_on >= {p} UNION ALL "
        f"SELECT 's', s.entry_id, s.date, NULL, s.teacher_id, NULL, u.full_name FROM substitution s "
        f"JOIN user_account u ON u.id = s.teacher_id WHERE s.entry_id IN ({_in(entry_ids)}) "
        f"AND s.date BETWEEN {p} AND {p}", [*years, e, s, *entry_ids, s, e]).fetchall()
    periods: dict[int, list] = {}
    substitutes = {}
    for kind, key, a, b, c, d, name in rows:
        if kind == "p":
            periods.setdefault(key, []).append((row_date(a), row_date(b), c, d))
        else:
            substitutes[(key, row_date(a))] = (c, name)
    if existing is None:
        existing = {(entry_id, row_date(day)) for entry_id, day in db.obj.execute_sql(
            f"SELECT timetable_entry_id, date FROM lesson WHERE timetable_entry_id IN ({_in(entry_ids)}) "
            f"AND date BETWEEN {p} AND {p}", [*entry_ids, s, e]).fetchall()}
    by_weekday: dict[int, list] = {}
    for row in entries:
        by_weekday.setdefault(row[6], []).append(row)
    found = []
    day = start
    while day <= end:
        for (entry_id, class_id, school_id, shift, grade, year, _weekday, number, subject_id, subject, teacher,
             teacher_name, subgroup_id, subgroup, starts_at, ends_at) in by_weekday.get(day.isoweekday(), ()):
            if (entry_id, day) in existing:
                continue
            if not any(a <= day <= b and lo <= grade <= hi for a, b, lo, hi in periods.get(year, ())):
                continue
            sub_teacher, sub_name = substitutes.get((entry_id, day), (teacher, teacher_name))
            if teacher_id is not None and class_ids is None and sub_teacher != teacher_id:
                continue  # their lesson given by a substitute that day, or another's lesson they do not give
            found.append(PlannedLesson(entry_id, day, number, class_id, school_id, shift, subject_id, subject,
                                       sub_teacher, sub_name, subgroup_id, subgroup, row_hhmm(starts_at), row_hhmm(ends_at),
                                       teacher))
        day += dt.timedelta(days=1)
    found.sort(key=lambda x: (x.date, x.number, x.entry_id))
    return found


def _pg() -> bool:
    import peewee

    return not isinstance(db.obj, peewee.SqliteDatabase)
