"""The class teacher's view of their class and the deputy director's control of journal filling.

The class teacher sees every subject's marks of their class for a period (students down, subjects
across, each cell the weighted average and the number of marks) and the day's attendance as each
subject teacher recorded it, and reconciles it: a reason for the whole day or chosen lessons goes
through ``journal.services.set_attendance`` (the journal's own rules, audit and events).

The deputy director sees, for a date range, per teacher: lessons given, without a topic, without
homework, filled late, not filled and overdue, and per class-subject the share of students without
any mark. Every function here runs a fixed number of queries whatever the size of the school:
aggregates are ``GROUP BY`` queries, and the deadline of each date is computed once and put into the
query as a ``CASE`` over the dates.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from peewee import JOIN, Case, Value, fn

from eschool.plugin_api import (
    ATTENDANCE_KINDS,
    Attendance,
    ClassGroup,
    ClassMembership,
    CurriculumItem,
    Homework,
    Lesson,
    Mark,
    Period,
    School,
    SchoolError,
    StaleEdit,
    Student,
    Subgroup,
    Subject,
    User,
    attendance_current,
    class_students_between,
    db,
    deadline,
    ensure_lessons,
    ensure_school_lessons,
    has_permission,
    is_class_teacher,
    lesson_state,
    local_today,
    periods_of,
    scope_for_school,
    set_attendance,
    teacher_of,
    utcnow,
    weighted_average,
)

CONTROL = "journal.control"
#: Kinds that mean the student was not in the lesson (late means they were, but late).
AWAY = ("absent", "ill", "excused")
#: What the reconciliation may set: a kind, or "present" (the row is removed).
RECONCILE_KINDS = (*ATTENDANCE_KINDS, "present")
#: The control table's columns a user may sort by.
TEACHER_SORTS = ("teacher", "given", "no_topic", "no_homework", "late", "overdue")
SUBJECT_SORTS = ("class", "subject", "lessons", "students", "without_marks", "share")
#: The longest range the control page accepts (a whole academic year and a little).
MAX_RANGE_DAYS = 400


class OversightForbidden(SchoolError):
    """The user may not see this class's overview (-> 403)."""

    status = 403


# --------------------------------------------------------------------------- who may


def controls(user, school: School) -> bool:
    """The deputy director, the director and the school administrator (``journal.control``)."""
    return has_permission(user, CONTROL, scope_for_school(school))


def may_oversee(user, school: School, class_group: ClassGroup) -> bool:
    """The class teacher of this class, or whoever controls the school's journal."""
    return is_class_teacher(user, class_group.id) or controls(user, school)


def check_oversee(user, school: School, class_group: ClassGroup) -> None:
    if not may_oversee(user, school, class_group):
        raise OversightForbidden(None, _l("Only the class teacher of %(name)s and the school's administration "
                                          "see this.", name=class_group.name))


# --------------------------------------------------------------------------- periods and students


def class_periods(class_group: ClassGroup) -> list[Period]:
    """The study periods of the class's year that cover its grade, in order."""

    return periods_of(class_group)


def ensure_day(class_group: ClassGroup, day: dt.date) -> None:
    """The timetable's lessons of the class on ``day`` exist (``journal.services.ensure_lessons``), so the
    day shows them even before any teacher opened the journal; not for days far ahead, not in a closed
    year."""

    if day <= local_today() + dt.timedelta(days=7) and not class_group.academic_year.closed:
        ensure_lessons(class_group, day, day)


def choose_range(class_group: ClassGroup, periods: list[Period], period_id=None, start=None, end=None,
                 today: dt.date | None = None) -> tuple[dt.date, dt.date, Period | None]:
    """The dates to show: a chosen period, else explicit dates, else the period covering today (else the
    first period, else the academic year)."""
    today = today or local_today()
    if period_id is not None:
        chosen = next((p for p in periods if p.id == period_id), None)
        if chosen is None:
            raise SchoolError("period", _l("No such period for this class."))
        return chosen.starts_on, chosen.ends_on, chosen
    if start is not None or end is not None:
        year = class_group.academic_year
        start, end = start or year.starts_on, end or year.ends_on
        if end < start:
            raise SchoolError("end", _l("The end date is before the start date."))
        return start, end, None
    current = next((p for p in periods if p.starts_on <= today <= p.ends_on), None)
    if current is None and periods:
        current = next((p for p in periods if p.starts_on > today), periods[-1])
    if current is not None:
        return current.starts_on, current.ends_on, current
    year = class_group.academic_year
    return year.starts_on, year.ends_on, None


def class_students(class_group: ClassGroup, start: dt.date, end: dt.date) -> list[Student]:
    """Members of the class at any time between ``start`` and ``end``, by name (one query)."""

    return class_students_between(class_group, start, end)


def _average(pairs) -> float | None:
    """The weighted average of ``(numeric, weight)`` pairs: ``eschool.results.figures``'s, the one the grid,
    the diary and the final marks sheet show (two places, half up)."""
    value = weighted_average(pairs)
    return None if value is None else float(value)


# --------------------------------------------------------------------------- the class teacher: marks


def marks_overview(class_group: ClassGroup, start: dt.date, end: dt.date) -> dict:
    """Every subject's marks of the class between two dates: four queries whatever the class's size.

    ``cells[(student_id, subject_id)]`` is ``{"count", "average"}`` (the weighted average of the
    numeric marks, by each mark's weight); ``subjects`` are the curriculum's and any other subject
    with lessons in the range.
    """
    students = class_students(class_group, start, end)
    in_range = (Lesson.class_group == class_group) & (Lesson.date >= start) & (Lesson.date <= end)
    subjects = {s.id: s for s in Subject.select().join(CurriculumItem).where(
        CurriculumItem.class_group == class_group)}
    subjects.update({s.id: s for s in Subject.select().where(
        Subject.id.in_(Lesson.select(Lesson.subject).where(in_range)))})
    # one row per student, subject, mark and weight with how many times it occurs: the figures come from
    # the exact marks (no sum in floating point), still one query of a bounded number of rows
    rows = (Mark.select(Mark.student, Lesson.subject, Mark.numeric, Mark.weight, fn.COUNT(Mark.id).alias("count"))
            .join(Lesson).where(in_range).group_by(Mark.student, Lesson.subject, Mark.numeric, Mark.weight).tuples())
    totals: dict[tuple[int, int], list] = {}
    for student_id, subject_id, numeric, weight, count in rows:
        total = totals.setdefault((student_id, subject_id), [0, []])
        total[0] += count
        total[1].extend([(numeric, weight)] * count)
    cells = {key: {"count": count, "average": _average(pairs)} for key, (count, pairs) in totals.items()}
    ordered = sorted(subjects.values(), key=lambda s: s.name)
    for subject in ordered:
        subject.marks_count = sum(c["count"] for (_st, sid), c in cells.items() if sid == subject.id)
    return {"students": students, "subjects": ordered, "cells": cells, "start": start, "end": end}


def subject_marks(class_group: ClassGroup, subject: Subject, start: dt.date, end: dt.date) -> dict:
    """One subject's marks of the class, lesson by lesson (read-only): four queries."""
    students = class_students(class_group, start, end)
    lessons = list(Lesson.select(Lesson, User, Subgroup).join(User, on=Lesson.teacher == User.id)
                   .switch(Lesson).join(Subgroup, JOIN.LEFT_OUTER)
                   .where((Lesson.class_group == class_group) & (Lesson.subject == subject)
                          & (Lesson.date >= start) & (Lesson.date <= end))
                   .order_by(Lesson.date, Lesson.number, Lesson.id))
    marks: dict[tuple[int, int], list[Mark]] = {}
    totals: dict[int, list] = {}
    for mark in (Mark.select().where(Mark.lesson.in_([lesson.id for lesson in lessons]))
                 .order_by(Mark.lesson, Mark.student, Mark.slot)):
        marks.setdefault((mark.student_id, mark.lesson_id), []).append(mark)
        total = totals.setdefault(mark.student_id, [0, []])
        total[0] += 1
        total[1].append((mark.numeric, mark.weight))
    summary = {sid: {"count": n, "average": _average(pairs)} for sid, (n, pairs) in totals.items()}
    return {"students": students, "lessons": lessons, "marks": marks, "summary": summary, "start": start,
            "end": end, "subject": subject}


# --------------------------------------------------------------------------- the class teacher: the day


def day_attendance(class_group: ClassGroup, day: dt.date) -> dict:
    """Every lesson of the class on ``day`` with its exceptions, and where the teachers disagree.

    ``rows[(student_id, lesson_id)]`` is the Attendance row. A subgroup's lesson counts for a student
    only when its teacher recorded something for them (the journal does not know subgroup members).
    ``disagreements[student_id]`` lists the lessons where the student was away next to lessons where
    they were present, or were recorded away with different kinds (ill in one, absent in another).
    Three queries.
    """
    students = class_students(class_group, day, day)
    lessons = list(Lesson.select(Lesson, Subject, User, Subgroup).join(Subject).switch(Lesson)
                   .join(User, on=Lesson.teacher == User.id).switch(Lesson).join(Subgroup, JOIN.LEFT_OUTER)
                   .where((Lesson.class_group == class_group) & (Lesson.date == day))
                   .order_by(fn.COALESCE(Lesson.number, 99), Lesson.id))
    rows = {(a.student_id, a.lesson_id): a for a in Attendance.select(Attendance, User)
            .join(User, JOIN.LEFT_OUTER, on=Attendance.recorded_by == User.id)
            .where(Attendance.lesson.in_([lesson.id for lesson in lessons]))}
    disagreements = {}
    for student in students:
        seen = [(lesson, rows.get((student.id, lesson.id))) for lesson in lessons
                if lesson.subgroup_id is None or (student.id, lesson.id) in rows]
        away = [(lesson, row) for lesson, row in seen if row is not None and row.kind in AWAY]
        if not away:
            continue
        present = [lesson for lesson, row in seen if row is None or row.kind not in AWAY]
        kinds = {row.kind for _lesson, row in away}
        if present or len(kinds) > 1:
            disagreements[student.id] = {"away": [lesson for lesson, _row in away], "present": present,
                                         "kinds": sorted(kinds)}
    return {"students": students, "lessons": lessons, "rows": rows, "disagreements": disagreements, "day": day}


def reconcile(user, school: School, class_group: ClassGroup, day: dt.date, student_id: int, kind: str,
              reason: str = "", lesson_ids=None, versions: dict | None = None) -> list[Lesson]:
    """The class teacher records the reason of a student's absence for the whole day (``lesson_ids``
    None) or chosen lessons: each lesson's attendance is set through the journal's services, all or
    nothing. ``kind`` "present" removes the exception. ``versions[lesson_id]`` is the version each row
    had when the page was shown (None: there was no row); a change made since is refused (409).

    The whole day means every lesson of the class that day, except another subgroup's lessons: a
    subgroup's lesson is included only when the student already has a record in it. Returns the
    lessons whose record changed.
    """

    check_oversee(user, school, class_group)
    ensure_day(class_group, day)
    if kind not in RECONCILE_KINDS:
        raise SchoolError("kind", _l("Choose what to record."))
    if kind == "late":
        raise SchoolError("kind", _l("Lateness is recorded by the lesson's teacher, with the minutes."))
    students = {s.id: s for s in class_students(class_group, day, day)}
    student = students.get(student_id)
    if student is None:
        raise SchoolError("student_id", _l("No such student in this class on that day."))
    today = day_attendance(class_group, day)
    if not today["lessons"]:
        raise SchoolError("date", _l("The class has no lessons on that day."))
    by_id = {lesson.id: lesson for lesson in today["lessons"]}
    if lesson_ids is None:
        chosen = [lesson for lesson in today["lessons"]
                  if lesson.subgroup_id is None or (student.id, lesson.id) in today["rows"]]
    else:
        unknown = [i for i in lesson_ids if i not in by_id]
        if unknown:
            raise SchoolError("lesson_ids", _l("A chosen lesson is not a lesson of this class on that day."))
        if not lesson_ids:
            raise SchoolError("lesson_ids", _l("Choose at least one lesson."))
        chosen = [by_id[i] for i in dict.fromkeys(lesson_ids)]
    expected = {}
    for lesson in chosen:  # every version is checked before anything is written (events go out per row)
        row = today["rows"].get((student.id, lesson.id))
        version = versions.get(lesson.id, row.version if row else None) if versions else (row.version if row else None)
        if (row.version if row else None) != version:
            raise StaleEdit("kind", attendance_current(row))
        expected[lesson.id] = version
    changed = []
    with db.atomic():
        for lesson in chosen:
            row = today["rows"].get((student.id, lesson.id))
            if kind == "present":
                if row is None:
                    continue
                set_attendance(user, lesson, student, None, version=expected[lesson.id])
            else:
                if row is not None and row.kind == kind and row.reason == reason:
                    continue
                set_attendance(user, lesson, student, kind, reason=reason, version=expected[lesson.id])
            changed.append(lesson)
    return changed


# --------------------------------------------------------------------------- the deputy director's control


def deadline_of(school: School, day: dt.date) -> dt.datetime:
    """When a lesson of ``day`` must be filled (the journal's region rule), UTC."""

    return deadline(Lesson(school=school, date=day), school)


def check_range(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise SchoolError("end", _l("The end date is before the start date."))
    if (end - start).days > MAX_RANGE_DAYS:
        raise SchoolError("end", _l("Choose at most %(days)s days.", days=MAX_RANGE_DAYS))


def month_range(today: dt.date) -> tuple[dt.date, dt.date]:
    """This month: its first day to its last."""
    first = today.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def _given(school: School, start: dt.date, end: dt.date, today: dt.date):
    """Lessons of the school given in the range: dated between start and the earlier of end and today."""
    return ((Lesson.school == school) & (Lesson.date >= start) & (Lesson.date <= min(end, today)))


def _homework_lessons(where):
    return Homework.select(Homework.lesson).join(Lesson).where(where)


def _deadline_case(school: School, start: dt.date, last: dt.date):
    """``CASE lesson.date WHEN d THEN deadline(d) ... END`` for every date of the range (None if empty)."""
    days = [start + dt.timedelta(days=i) for i in range((last - start).days + 1)]
    if not days:
        return None, {}
    deadlines = {d: deadline_of(school, d) for d in days}
    return Case(Lesson.date, [(d, Value(deadlines[d], converter=Lesson.filled_at.db_value)) for d in days]), deadlines


def control(school: School, start: dt.date, end: dt.date, now: dt.datetime | None = None,
            today: dt.date | None = None) -> dict:
    """The control table: per teacher and per class-subject; six queries whatever the school's size.

    A lesson is filled when its topic is entered, late when that was after the deadline of its date
    (``filled_at``), overdue when it has no topic after the deadline: ``journal.services.lesson_state``
    put into SQL, with each date's deadline computed once."""
    check_range(start, end)
    now, today = now or utcnow(), today or local_today()
    ensure_school_lessons(school, start, min(end, today))
    given = _given(school, start, end, today)
    last = min(end, today)
    case, deadlines = _deadline_case(school, start, last)
    teachers = []
    if case is not None:
        overdue_days = [d for d, limit in deadlines.items() if now > limit]
        no_homework = Lesson.id.not_in(_homework_lessons(given))
        query = (Lesson.select(User.id, User.full_name, fn.COUNT(Lesson.id),
                               fn.SUM(Case(None, [(Lesson.topic == "", 1)], 0)),
                               fn.SUM(Case(None, [(no_homework, 1)], 0)),
                               fn.SUM(Case(None, [((Lesson.topic != "") & (Lesson.filled_at > case), 1)], 0)),
                               fn.SUM(Case(None, [((Lesson.topic == "") & Lesson.date.in_(overdue_days), 1)], 0)))
                 .join(User, on=Lesson.teacher == User.id).where(given)
                 .group_by(User.id, User.full_name).tuples())
        for user_id, name, count, no_topic, no_hw, late, overdue in query:
            teachers.append({"id": user_id, "teacher": name, "given": count, "no_topic": int(no_topic or 0),
                             "no_homework": int(no_hw or 0), "late": int(late or 0), "overdue": int(overdue or 0)})
    return {"teachers": teachers, "subjects": class_subjects(school, start, end, today), "start": start, "end": end}


def class_subjects(school: School, start: dt.date, end: dt.date, today: dt.date) -> list[dict]:
    """Per class and subject with lessons given in the range: its teachers, the class's students, how many
    of them have no mark at all, and that share (None where the subject has no marks: scale "none")."""
    given = _given(school, start, end, today)
    lessons = list(Lesson.select(Lesson.class_group, ClassGroup.name, ClassGroup.grade, Lesson.subject, Subject.name,
                                 fn.COUNT(Lesson.id))
                   .join(ClassGroup).switch(Lesson).join(Subject).where(given)
                   .group_by(Lesson.class_group, ClassGroup.name, ClassGroup.grade, Lesson.subject, Subject.name)
                   .tuples())
    if not lessons:
        return []
    teachers: dict[tuple, list[str]] = {}
    for class_id, subject_id, name in (Lesson.select(Lesson.class_group, Lesson.subject, User.full_name)
                                       .join(User, on=Lesson.teacher == User.id).where(given).distinct()
                                       .order_by(User.full_name).tuples()):
        teachers.setdefault((class_id, subject_id), []).append(name)
    marked = dict(((c, s), n) for c, s, n in Mark.select(Lesson.class_group, Lesson.subject,
                                                         fn.COUNT(Mark.student.distinct()))
                  .join(Lesson).where(given).group_by(Lesson.class_group, Lesson.subject).tuples())
    class_ids = {row[0] for row in lessons}
    last = min(end, today)
    members = dict(ClassMembership.select(ClassMembership.class_group, fn.COUNT(ClassMembership.student.distinct()))
                   .where(ClassMembership.class_group.in_(class_ids) & (ClassMembership.starts_on <= last)
                          & (ClassMembership.ends_on.is_null() | (ClassMembership.ends_on >= start)))
                   .group_by(ClassMembership.class_group).tuples())
    unmarked_scale = set(CurriculumItem.select(CurriculumItem.class_group, CurriculumItem.subject)
                         .where(CurriculumItem.class_group.in_(class_ids) & (CurriculumItem.scale == "none"))
                         .tuples())
    rows = []
    for class_id, class_name, grade, subject_id, subject_name, count in lessons:
        students = members.get(class_id, 0)
        no_marks = (class_id, subject_id) in unmarked_scale
        without = None if no_marks else max(students - marked.get((class_id, subject_id), 0), 0)
        share = None if no_marks or not students else round(without / students, 3)
        rows.append({"class_id": class_id, "class": class_name, "grade": grade, "subject_id": subject_id,
                     "subject": subject_name, "teachers": teachers.get((class_id, subject_id), []),
                     "lessons": count, "students": students, "without_marks": without, "share": share})
    return sorted(rows, key=lambda r: (r["grade"], r["class"], r["subject"]))


def sort_rows(rows: list[dict], key: str, descending: bool, name_key: str) -> list[dict]:
    """Sort the control table by a column; names alphabetically, numbers with None last."""
    if key in (name_key, "class", "subject", "teacher"):
        return sorted(rows, key=lambda r: (str(r.get(key) or "").lower(), r.get(name_key) or ""), reverse=descending)
    present = sorted([r for r in rows if r.get(key) is not None], key=lambda r: (r[key], str(r.get(name_key))),
                     reverse=descending)
    return present + [r for r in rows if r.get(key) is None]


PROBLEMS = {
    "no_topic": _l("no topic"),
    "no_homework": _l("no homework"),
    "late": _l("filled late"),
    "overdue": _l("not filled, overdue"),
}


def teacher_lessons(school: School, teacher: User, start: dt.date, end: dt.date, now: dt.datetime | None = None,
                    today: dt.date | None = None, only_problems: bool = True) -> list[Lesson]:
    """A teacher's lessons given in the range with what is wrong with each (``lesson.problems``,
    ``lesson.state`` from ``journal.services.lesson_state``, ``lesson.deadline``): one query."""

    check_range(start, end)
    now, today = now or utcnow(), today or local_today()
    ensure_school_lessons(school, start, min(end, today))
    given = _given(school, start, end, today)
    mine = given & (Lesson.teacher == teacher)
    has_homework = Case(None, [(Lesson.id.in_(_homework_lessons(mine)), 1)], 0)
    lessons = list(Lesson.select(Lesson, ClassGroup, Subject, Subgroup, has_homework.alias("has_homework"))
                   .join(ClassGroup).switch(Lesson).join(Subject).switch(Lesson).join(Subgroup, JOIN.LEFT_OUTER)
                   .where(mine).order_by(Lesson.date, fn.COALESCE(Lesson.number, 99), Lesson.id))
    result = []
    for lesson in lessons:
        lesson.deadline = deadline(lesson, school)
        lesson.state = lesson_state(lesson, now, school)
        problems = []
        if not lesson.topic:
            problems.append("no_topic")
        if not lesson.has_homework:
            problems.append("no_homework")
        if lesson.state in ("late", "overdue"):
            problems.append(lesson.state)
        lesson.problems = problems
        if problems or not only_problems:
            result.append(lesson)
    return result


def teacher_of_lessons(school: School, teacher_id: int) -> User:
    """A person who gave lessons at the school (or works there)."""

    user = User.get_or_none(User.id == teacher_id)
    if user is not None and Lesson.select().where((Lesson.school == school) & (Lesson.teacher == user)).exists():
        return user
    return teacher_of(school, teacher_id)
