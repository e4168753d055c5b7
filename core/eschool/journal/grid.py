"""The teacher's journal grid: students down, a period's lessons across, marks and attendance in the cells.

:func:`build` loads everything in a fixed number of SQL queries, whatever the number of students and
lessons (``tests/test_journal_grid.py`` counts them): the lessons, the students, their memberships,
the marks (with their authors), the attendance, the homework, the work types. No query per row or cell.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from peewee import JOIN

from eschool.auth.models import User
from eschool.journal import services
from eschool.journal.models import Attendance, Homework, Lesson, Mark, WorkType
from eschool.people.models import ClassMembership
from eschool.results import figures
from eschool.school.models import AcademicYear, ClassGroup, Period, Subgroup, Subject, TeachingAssignment

#: The one weighted average (results.figures): the grid, the diary, the class overview and the final
#: marks sheet show the same figure for the same student, subject and period.
weighted_average = figures.weighted_average


@dataclass
class Cell:
    marks: list = field(default_factory=list)  # Mark rows by slot
    attendance: Attendance | None = None
    member: bool = True  # the student was in the class on the lesson's date


@dataclass
class Grid:
    class_group: ClassGroup
    subject: Subject
    subgroup: Subgroup | None
    period: Period | None
    periods: list
    start: dt.date
    end: dt.date
    scale: str
    lessons: list
    students: list
    cells: dict  # (student_id, lesson_id) -> Cell
    averages: dict  # student_id -> Decimal | None
    counts: dict  # student_id -> {"marks": n, "absent": n}
    homework: dict  # lesson_id -> Homework
    work_types: dict  # id -> WorkType
    keeper: bool = False  # the user holds the teaching assignment: every lesson is theirs
    editable: dict = field(default_factory=dict)  # lesson_id -> {"marks": bool, "attendance": bool, "topic": bool}
    expected: dict = field(default_factory=dict)  # student_id -> [(first day, last day, reason)] of parents' notices

    def work_type_of(self, lesson: Lesson) -> WorkType | None:
        """The work type the lesson's marks get by default: the lesson's own, else the school's first offered
        (the rule of ``services.set_mark``)."""
        if lesson.work_type_id and lesson.work_type_id in self.work_types:
            return self.work_types[lesson.work_type_id]
        offered = sorted((w for w in self.work_types.values() if w.active), key=lambda w: (w.order, w.id))
        return offered[0] if offered else None

    def expected_on(self, student_id: int, day: dt.date) -> str | None:
        """The reason of a parent's notice covering the day (an expected, excused absence), or None."""
        for first, last, reason in self.expected.get(student_id, ()):
            if first <= day <= last:
                return reason
        return None

    def cell(self, student_id: int, lesson_id: int) -> Cell:
        return self.cells.get((student_id, lesson_id)) or Cell()


def choose_period(periods: list, today: dt.date, period_id=None) -> Period | None:
    """The period asked for, else the one today falls in, else the last one begun, else the first."""
    if period_id:
        for period in periods:
            if period.id == period_id:
                return period
    for period in periods:
        if period.starts_on <= today <= period.ends_on:
            return period
    begun = [p for p in periods if p.starts_on <= today]
    return begun[-1] if begun else (periods[0] if periods else None)


def teaches(user, class_group: ClassGroup, subject_id: int, subgroup_id: int | None) -> bool:
    """Does the user hold the teaching assignment of this class (or subgroup) and subject? One query."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    query = TeachingAssignment.select().where((TeachingAssignment.teacher == user.id)
                                              & (TeachingAssignment.class_group == class_group.id)
                                              & (TeachingAssignment.subject == subject_id))
    if subgroup_id is None:
        query = query.where(TeachingAssignment.subgroup.is_null())
    else:
        query = query.where(TeachingAssignment.subgroup.is_null() | (TeachingAssignment.subgroup == subgroup_id))
    return query.exists()


def build(class_group: ClassGroup, subject: Subject, *, subgroup: Subgroup | None = None,
          period: Period | None = None, periods: list | None = None, start: dt.date | None = None,
          end: dt.date | None = None, user=None, today: dt.date | None = None, keeper: bool | None = None,
          school=None) -> Grid:
    """The grid of a class (or subgroup) and subject over a period (or ``start``..``end``)."""
    today = today or services.local_today()
    if periods is None:
        periods = services.periods_of(class_group)
    if period is None and start is None:
        period = choose_period(periods, today)
    if start is None or end is None:
        if period is not None:
            start, end = period.starts_on, period.ends_on
        else:
            start, end = today - dt.timedelta(days=30), today + dt.timedelta(days=7)
    lessons = services.lessons_of(class_group, subject, start, end, subgroup)
    students = services.class_students(class_group, start, end, subgroup)
    lesson_ids = [lesson.id for lesson in lessons]
    student_ids = [s.id for s in students]
    spans: dict[int, list] = {}
    for row in ClassMembership.select(ClassMembership.student, ClassMembership.starts_on, ClassMembership.ends_on) \
            .where((ClassMembership.class_group == class_group) & ClassMembership.student.in_(student_ids)):
        spans.setdefault(row.student_id, []).append((row.starts_on, row.ends_on))

    cells: dict = {}

    def cell_of(student_id, lesson_id):
        key = (student_id, lesson_id)
        if key not in cells:
            cells[key] = Cell()
        return cells[key]

    author = User.alias()
    # only the columns the page shows or saves with (the timestamps, parsed per row, were a fifth of the build)
    marks = list(Mark.select(Mark.id, Mark.lesson, Mark.student, Mark.slot, Mark.value, Mark.numeric, Mark.weight,
                             Mark.work_type, Mark.version, author.full_name.alias("author_name"))
                 .join(author, join_type=JOIN.LEFT_OUTER, on=(Mark.author == author.id))
                 .where(Mark.lesson.in_(lesson_ids)).order_by(Mark.slot).objects())
    pairs: dict[int, list] = {}
    counts = {sid: {"marks": 0, "absent": 0} for sid in student_ids}
    for mark in marks:
        cell_of(mark.student_id, mark.lesson_id).marks.append(mark)
        pairs.setdefault(mark.student_id, []).append((mark.numeric, mark.weight))
        if mark.student_id in counts:
            counts[mark.student_id]["marks"] += 1
    recorder = User.alias()
    for row in (Attendance.select(Attendance.id, Attendance.lesson, Attendance.student, Attendance.kind,
                                  Attendance.version, recorder.full_name.alias("recorder_name"))
                .join(recorder, join_type=JOIN.LEFT_OUTER, on=(Attendance.recorded_by == recorder.id))
                .where(Attendance.lesson.in_(lesson_ids)).objects()):
        cell_of(row.student_id, row.lesson_id).attendance = row
        if row.student_id in counts and row.kind != "late":
            counts[row.student_id]["absent"] += 1
    for lesson in lessons:
        for sid in student_ids:
            member = any(s <= lesson.date and (e is None or e >= lesson.date) for s, e in spans.get(sid, ()))
            if not member:
                cell_of(sid, lesson.id).member = False
    homework = {}
    for row in Homework.select().where(Homework.lesson.in_(lesson_ids)).order_by(Homework.id):
        homework.setdefault(row.lesson_id, row)
    types = {w.id: w for w in WorkType.select().where(WorkType.school == class_group.school_id)}
    grid = Grid(class_group=class_group, subject=subject, subgroup=subgroup, period=period, periods=periods,
                start=start, end=end, scale=services.scale_of(class_group, subject),
                lessons=lessons, students=students, cells=cells,
                averages={sid: weighted_average(pairs.get(sid, ())) for sid in student_ids},
                counts=counts, homework=homework, work_types=types,
                expected=services.expected_absences(student_ids, start, end))
    if user is not None:
        grid.keeper = keeper if keeper is not None else teaches(user, class_group, subject.id,
                                                                subgroup.id if subgroup else None)
        grid.editable = _editable(grid, user, today, school)
    return grid


def cache_key(user, class_group: ClassGroup, subject: Subject, subgroup, period, periods: list, today: dt.date,
              keeper: bool, school, variant: tuple) -> tuple:
    """What the user's grid is built from, for ``eschool.cache``: the class's journal stamp and the sum of
    its members' own stamps (``journal.stamps.grid_stamp``: moved by the database on every lesson, homework
    or membership change, and on every mark or absence of any student of the class), the day, the periods'
    closing and the edit window (what the page lets the user change). One query."""
    from eschool.db import db
    from eschool.journal import stamps

    stamp = stamps.grid_stamp(db.obj, class_group.id)
    return ("grid", user.id, class_group.id, subject.id, subgroup.id if subgroup else None,
            period.id if period else None, today, bool(keeper), services.edit_window_days(school),
            tuple((p.id, bool(p.closed)) for p in periods), variant, stamp)


def _editable(grid: Grid, user, today: dt.date, school=None) -> dict:
    """Which lessons the user may change now, and why not (a hint for the page; the services check every
    save with the same rule, ``services.keep_refusal``): lesson id -> ``{"marks": bool, "attendance": bool,
    "topic": bool, "why": message or None}``, ``why`` the reason its cells are locked."""
    from eschool.auth.permissions import has_permission
    from eschool.people.services import is_class_teacher
    from eschool.plugins.services import scope_for_school
    from eschool.structure.models import School

    school = school or School.get_by_id(grid.class_group.school_id)
    keeps = has_permission(user, services.KEEP, scope_for_school(school))
    year = AcademicYear.get_by_id(grid.class_group.academic_year_id)
    window = services.edit_window_days(school)
    closed = [(p.starts_on, p.ends_on) for p in grid.periods if p.closed]
    reconciles = keeps and is_class_teacher(user, grid.class_group)  # the class teacher fixes attendance too
    no_marks = ("closed", services.NO_MARKS)
    result = {}
    for lesson in grid.lessons:
        mine = grid.keeper or lesson.teacher_id == user.id
        facts = {"keeps": keeps, "mine": mine, "reconciles": reconciles, "year": year, "window_days": window,
                 "period_closed": any(s <= lesson.date <= e for s, e in closed)}
        marks = services.keep_refusal("marks", lesson.date, today, **facts)
        attendance = services.keep_refusal("attendance", lesson.date, today, **facts)
        topic = services.keep_refusal("topic", lesson.date, today, **facts)
        if marks is None and grid.scale == "none":
            marks = no_marks
        result[lesson.id] = {"marks": marks is None, "attendance": attendance is None, "topic": topic is None,
                             # the whole cell is locked: why (attendance's reason: the broader one)
                             "why": str(attendance[1]) if marks and attendance else None,
                             # only marks are locked (a closed period, a subject without marks, the class
                             # teacher's attendance in another's lesson): why a typed mark is not saved
                             "why_marks": str(marks[1]) if marks else None}
    return result


def lesson_label(lesson: Lesson) -> str:
    return f"{lesson.date.day:02d}.{lesson.date.month:02d}"


def my_lessons(user, start: dt.date, end: dt.date, school=None, ensure: bool = True) -> list[Lesson]:
    """The lessons a teacher keeps between two dates: those of their teaching assignments (current
    years) and those they gave as a substitute; made from the timetable first (``ensure``)."""
    from eschool.timetable.models import Substitution, TimetableEntry

    query = (TeachingAssignment.select(TeachingAssignment, ClassGroup).join(ClassGroup).join(AcademicYear)
             .where((TeachingAssignment.teacher == user.id) & (AcademicYear.is_current == True)))  # noqa: E712
    if school is not None:
        query = query.where(ClassGroup.school == school.id)
    assignments = list(query)
    classes = {a.class_group_id: a.class_group for a in assignments}
    subs = (Substitution.select(Substitution, TimetableEntry, ClassGroup).join(TimetableEntry).join(ClassGroup)
            .where((Substitution.teacher == user.id) & (Substitution.date >= start) & (Substitution.date <= end)))
    if school is not None:
        subs = subs.where(ClassGroup.school == school.id)
    for sub in subs:
        classes.setdefault(sub.entry.class_group_id, sub.entry.class_group)
    if ensure:
        for group in classes.values():
            services.ensure_lessons(group, start, end)
    condition = Lesson.teacher == user.id
    for a in assignments:
        part = (Lesson.class_group == a.class_group_id) & (Lesson.subject == a.subject_id)
        if a.subgroup_id is not None:
            part &= Lesson.subgroup == a.subgroup_id
        condition |= part
    lessons = (Lesson.select(Lesson, ClassGroup, Subject, TimetableEntry).join(ClassGroup).switch(Lesson).join(Subject)
               .switch(Lesson).join(TimetableEntry, JOIN.LEFT_OUTER)
               .where((Lesson.date >= start) & (Lesson.date <= end) & condition))
    if school is not None:
        lessons = lessons.where(Lesson.school == school.id)
    rows = list(lessons.order_by(Lesson.date, Lesson.number, ClassGroup.name))
    from eschool.structure.models import School

    schools = {s.id: s for s in School.select().where(School.id.in_({row.school_id for row in rows}))}
    for row in rows:  # the deadline rule reads the school's edit window: no query per lesson
        row.school = schools[row.school_id]
    return rows
