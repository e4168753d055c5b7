"""The diary (дневник): what a student and their parents read about the student's school week.

Who: a student sees their own diary, a parent each of their children (Guardian rows), nobody else's
(``visible_students``; a child not theirs is "not found"). A teacher who is also a parent sees, while
acting as a parent, only their own children. A class teacher prints the weekly summaries of their class.

Everything is built for a set of students at once in a fixed number of queries (``weeks``), so one
student's week, a class's printable pack and the mobile API cost the same whatever the size of the
class or the number of lessons.

Figures: ``weighted_average`` and ``forecast`` are ``eschool.results.figures``'s, the same as the grid's,
the class overview's and the final marks sheet's.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from peewee import JOIN, Cast, fn

from eschool.auth.models import User
from eschool.auth.permissions import user_assignments
from eschool.journal.models import (
    Attendance,
    FinalMark,
    Homework,
    HomeworkFile,
    HomeworkStudent,
    Lesson,
    Mark,
    WorkType,
)
from eschool.people.models import ClassMembership, Student, SubgroupMembership
from eschool.results import figures
from eschool.school.models import ClassGroup, CurriculumItem, Period, Subgroup, Subject
from eschool.school.services import SchoolError
from eschool.timetable.models import LessonTime

VIEW, PRINT_CLASS = "diary.view", "diary.print_class"
#: The longest range the API returns at once (a quarter and a bit).
MAX_RANGE_DAYS = 100

#: Short attendance codes as the paper journal writes them (н, б, у, оп) and their full names.
ATTENDANCE_CODES = {"absent": _l("abs"), "ill": _l("sick"), "excused": _l("exc"), "late": _l("late")}
ATTENDANCE_NAMES = {"absent": _l("absent"), "ill": _l("absent, ill"), "excused": _l("absent, excused"),
                    "late": _l("came late")}
FINAL_KINDS = {"period": _l("period"), "year": _l("year"), "exam": _l("exam")}
PERIOD_KINDS = {"quarter": _l("quarter"), "semester": _l("semester"), "trimester": _l("trimester")}


class NotVisible(SchoolError):
    """The student does not exist or is not the user's (their own or their child): 404, never 403."""

    def __init__(self):
        super().__init__("student_id", _l("Not found."))


# --------------------------------------------------------------------------- figures (results.figures)


def weighted_average(marks) -> Decimal | None:
    """The marks' weighted average as ``eschool.results.figures`` computes it for every page (the grid,
    the class overview, the final marks sheet): two places, half up; pass/fail marks do not count."""
    return figures.weighted_average((mark.numeric, mark.weight) for mark in marks)


def forecast(average) -> str | None:
    """The forecast of the period's final mark: the region's rounding rule (``results.figures``)."""
    from eschool.results.services import threshold

    mark = figures.suggest_mark(average, threshold())
    return None if mark is None else str(mark)


# --------------------------------------------------------------------------- who


def visible_students(user) -> list[Student]:
    """The students whose diary the user reads in the role they act in now: themselves as a student,
    their children as a parent (the journal's one rule, ``journal.services.readable_students``)."""
    from eschool.journal.services import readable_students

    return readable_students(user)


def student_for(user, student_id: int | None = None) -> tuple[Student, list[Student]]:
    """The student asked for (default: the first visible) and all the user may switch between.

    A student not theirs raises ``NotVisible`` whether it exists or not.
    """
    students = visible_students(user)
    if student_id is None:
        if not students:
            raise NotVisible()
        return students[0], students
    for student in students:
        if student.id == student_id:
            return student, students
    raise NotVisible()


def may_print_class(user, class_group: ClassGroup) -> bool:
    """The class teacher of this class, or the school's director, deputy director or administrator."""
    from eschool.people.services import is_class_teacher

    if is_class_teacher(user, class_group.id):
        return True
    return any(a.role in ("deputy_director", "director", "school_admin") and a.school_id == class_group.school_id
               for a in user_assignments(user))


def printable_classes(user, school_id: int | None) -> list[ClassGroup]:
    """The classes of the current year whose printouts the user may make (one or two queries)."""
    from eschool.school.models import AcademicYear

    roles = user_assignments(user)
    query = (ClassGroup.select().join(AcademicYear)
             .where(AcademicYear.is_current).order_by(ClassGroup.grade, ClassGroup.name))
    if school_id is not None and any(a.role in ("deputy_director", "director", "school_admin")
                                     and a.school_id == school_id for a in roles):
        return list(query.where(ClassGroup.school == school_id))
    own = {a.class_group_id for a in roles if a.role == "class_teacher" and a.class_group_id}
    return list(query.where(ClassGroup.id.in_(own) | (ClassGroup.class_teacher == user.id)))


# --------------------------------------------------------------------------- weeks


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the week ``day`` is in."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


@dataclass
class DiaryLesson:
    lesson: Lesson
    starts_at: dt.time | None = None
    ends_at: dt.time | None = None
    marks: list = field(default_factory=list)
    attendance: Attendance | None = None
    homework: list = field(default_factory=list)  # set in this lesson
    due: list = field(default_factory=list)  # set earlier, due on this lesson's day (same subject)
    planned: bool = False  # from the timetable, not in the journal yet (``timetable.planned``)
    subgroup_label: str | None = None  # the subgroup as the diary names it (``shown_subgroup_lessons``)


@dataclass
class DiaryDay:
    date: dt.date
    lessons: list = field(default_factory=list)


@dataclass
class DiaryWeek:
    student: Student
    start: dt.date
    end: dt.date
    days: list = field(default_factory=list)
    class_names: list = field(default_factory=list)

    @property
    def lessons(self):
        return [item for day in self.days for item in day.lessons]

    @property
    def marks(self):
        return [mark for item in self.lessons for mark in item.marks]

    @property
    def absences(self):
        return [item for item in self.lessons if item.attendance is not None]

    @property
    def homework(self):
        return [(item, hw) for item in self.lessons for hw in item.homework]


def shown_subgroup_lessons(student_id: int, lessons, members: dict, own: set) -> dict:
    """Which of a class's lessons a student's diary shows, and the subgroup name each shows: ``{key: label}``
    (``label`` None for a whole-class lesson; a key left out is not the student's).

    ``lessons``: ``(key, date, number, subject_id, subgroup_id, subgroup_name)`` of the student's classes;
    ``members``: each subgroup's students; ``own``: the keys of lessons where the student has a mark or an
    attendance record. The rule (docs/users.md, "The diary"):

    * a whole-class lesson is everyone's;
    * a subgroup's lesson is its members' only;
    * a subgroup nobody is assigned to yet: its lesson is shown to the students who are in no subgroup with a
      lesson at that time, and parallel such lessons of one subject (English, group 1 and group 2, before the
      groups are made) are shown once, named after all of them («group 1, group 2»);
    * a lesson where the student has a mark or an attendance record is always shown (nothing of theirs hides).

    The page (``weeks``) and the API (``answer.week_answer``) both decide through this function."""
    mine = {subgroup for subgroup, students in members.items() if student_id in students}
    parallel: dict[tuple, list] = defaultdict(list)
    for row in lessons:
        if row[4]:
            parallel[(row[1], row[2])].append(row)
    shown = {}
    for key, day, number, subject_id, subgroup_id, name in lessons:
        if not subgroup_id:
            shown[key] = None
        elif key in own:
            shown[key] = name
        elif members.get(subgroup_id):
            if student_id in members[subgroup_id]:
                shown[key] = name
        else:
            slot = parallel[(day, number)]
            if any(row[4] in mine for row in slot):
                continue  # their own group has a lesson then
            same = sorted((row for row in slot if row[3] == subject_id and not members.get(row[4])),
                          key=lambda row: (row[5] or "", str(row[0])))
            if same[0][0] == key:
                shown[key] = ", ".join(dict.fromkeys(row[5] for row in same if row[5]))
    return shown


def lesson_order(number, planned: bool, key) -> tuple:
    """The order of a day's lessons: by number (lessons without one last), the journal's before the timetable's
    at the same number, then by id."""
    return (99 if number is None else number, 1 if planned else 0, key)


def _memberships(student_ids, start: dt.date, end: dt.date) -> list[ClassMembership]:
    return list(ClassMembership.select(ClassMembership, ClassGroup).join(ClassGroup)
                .where(ClassMembership.student.in_(student_ids) & (ClassMembership.starts_on <= end)
                       & (ClassMembership.ends_on.is_null() | (ClassMembership.ends_on >= start)))
                .order_by(ClassMembership.starts_on))


def _in_class(memberships, class_id: int, day: dt.date) -> bool:
    return any(m.class_group_id == class_id and m.starts_on <= day and (m.ends_on is None or m.ends_on >= day)
               for m in memberships)


def _planned_rows(class_ids, start: dt.date, end: dt.date, lessons) -> list[Lesson]:
    """The timetable's lessons of the classes not in the journal yet (``timetable.planned``), as unsaved
    ``Lesson`` rows with their subject, teacher, class (shift) and subgroup (``id`` None, ``planned`` True)."""
    from eschool.timetable.planned import planned_lessons

    existing = {(x.timetable_entry_id, x.date) for x in lessons if x.timetable_entry_id}
    rows = []
    for p in planned_lessons(start, end, class_ids=class_ids, existing=existing):
        lesson = Lesson(school=p.school_id, class_group=ClassGroup(id=p.class_group_id, shift=p.shift),
                        subject=Subject(id=p.subject_id, name=p.subject),
                        teacher=User(id=p.teacher_id, full_name=p.teacher),
                        subgroup=Subgroup(id=p.subgroup_id, name=p.subgroup) if p.subgroup_id else None,
                        date=p.date, number=p.number, topic="", timetable_entry=p.entry_id)
        lesson.planned = True
        rows.append(lesson)
    return rows


def weeks(students: list[Student], start: dt.date, end: dt.date, all_days: bool = True) -> dict[int, DiaryWeek]:
    """The diary of each student from ``start`` to ``end``: each day's lessons in order with the bell
    times, subject, teacher and topic, the student's own marks, attendance, the homework set in the
    lesson and the homework due that day (the homework for chosen students only to them), with files.
    Days whose lessons are not in the journal yet show the timetable's (with substitutions:
    ``timetable.planned``), so a family sees the whole week at once. Subgroups: ``shown_subgroup_lessons``.
    Twelve queries, whatever the number of students and lessons. ``all_days`` lists the days without lessons
    too (Monday to Saturday; Sunday if any)."""
    ids = [s.id for s in students]
    memberships = _memberships(ids, start, end)
    by_student = defaultdict(list)
    for m in memberships:
        by_student[m.student_id].append(m)
    class_ids = sorted({m.class_group_id for m in memberships})
    lessons = list(Lesson.select(Lesson, Subject, User, Subgroup, ClassGroup)
                   .join(Subject).switch(Lesson).join(User, on=Lesson.teacher == User.id)
                   .switch(Lesson).join(Subgroup, JOIN.LEFT_OUTER)
                   .switch(Lesson).join(ClassGroup, on=Lesson.class_group == ClassGroup.id)
                   .where(Lesson.class_group.in_(class_ids) & Lesson.date.between(start, end))
                   .order_by(Lesson.date, fn.COALESCE(Lesson.number, 99), Lesson.id))
    lesson_ids = [x.id for x in lessons]
    for x in lessons:
        x.planned = False
    lessons = sorted(lessons + _planned_rows(class_ids, start, end, lessons),
                     key=lambda x: (x.date, lesson_order(x.number, x.planned,
                                                         x.timetable_entry_id if x.planned else x.id)))
    # a subgroup's lessons belong to its members (shown_subgroup_lessons)
    members = defaultdict(set)
    for subgroup_id, student_id in (SubgroupMembership.select(SubgroupMembership.subgroup, SubgroupMembership.student)
                                    .where(SubgroupMembership.subgroup.in_(sorted({x.subgroup_id for x in lessons
                                                                                   if x.subgroup_id}) or [0]))
                                    .tuples()):
        members[subgroup_id].add(student_id)
    school_ids = sorted({s.school_id for s in students})
    times = {(t.school_id, t.shift, t.number): t for t in LessonTime.select().where(LessonTime.school.in_(school_ids))}
    marks = defaultdict(list)
    for mark in (Mark.select(Mark, WorkType).join(WorkType, JOIN.LEFT_OUTER)
                 .where(Mark.lesson.in_(lesson_ids) & Mark.student.in_(ids)).order_by(Mark.slot)):
        marks[(mark.lesson_id, mark.student_id)].append(mark)
    attendance = {(a.lesson_id, a.student_id): a for a in
                  Attendance.select().where(Attendance.lesson.in_(lesson_ids) & Attendance.student.in_(ids))}
    homework, due = defaultdict(list), defaultdict(list)
    # Two queries rather than one with "set in these lessons OR due in the range": the OR made the database
    # read every homework of every school (0.5-0.9 s at municipality scale, bench/run). Homework due in the
    # range and shown on a lesson day was set in an earlier lesson (due_on > lesson date), so the second
    # query reads the classes' lessons up to ``end`` through the (class_group, date) index.
    set_here = list(Homework.select(Homework, Lesson, Subject).join(Lesson).join(Subject)
                    .where(Homework.lesson.in_(lesson_ids)))
    due_here = list(Homework.select(Homework, Lesson, Subject).join(Lesson).join(Subject)
                    .where(Lesson.class_group.in_(class_ids) & (Lesson.date < end)
                           & Homework.due_on.between(start, end)))
    seen_hw = {h.id for h in set_here}
    hw_rows = sorted(set_here + [h for h in due_here if h.id not in seen_hw], key=lambda h: (h.lesson.date, h.id))
    hw_ids = [h.id for h in hw_rows]
    chosen = defaultdict(set)
    for row in HomeworkStudent.select(HomeworkStudent.homework, HomeworkStudent.student).where(
            HomeworkStudent.homework.in_(hw_ids) & HomeworkStudent.student.in_(ids)):
        chosen[row.homework_id].add(row.student_id)
    files = defaultdict(list)
    for f in HomeworkFile.select().where(HomeworkFile.homework.in_(hw_ids)).order_by(HomeworkFile.id):
        files[f.homework_id].append(f)
    for h in hw_rows:
        h.file_list = files[h.id]
        h.link_list = [line.strip() for line in (h.links or "").splitlines() if line.strip()]
        if start <= h.lesson.date <= end:
            homework[h.lesson_id].append(h)
        if h.due_on is not None and start <= h.due_on <= end and h.due_on > h.lesson.date:
            due[(h.lesson.class_group_id, h.lesson.subject_id, h.due_on)].append(h)

    def key_of(lesson):
        return ("p", lesson.timetable_entry_id, lesson.date) if lesson.planned else lesson.id

    rows = [(key_of(x), x.date, x.number, x.subject_id, x.subgroup_id, x.subgroup.name if x.subgroup_id else None)
            for x in lessons]
    result = {}
    for student in students:
        own = by_student[student.id]
        week = DiaryWeek(student=student, start=start, end=end,
                         class_names=list(dict.fromkeys(m.class_group.name for m in own)))
        days: dict[dt.date, DiaryDay] = {}
        shown_due = set()
        if all_days:
            day = start
            while day <= end:
                if day.weekday() < 6:
                    days[day] = DiaryDay(day)
                day += dt.timedelta(days=1)
        records = {lesson_id for lesson_id, student_id in list(marks) + list(attendance) if student_id == student.id}
        shown = shown_subgroup_lessons(student.id, [r for r, x in zip(rows, lessons, strict=True)
                                                    if _in_class(own, x.class_group_id, x.date)], members, records)
        for lesson in lessons:
            key = key_of(lesson)
            if key not in shown or not _in_class(own, lesson.class_group_id, lesson.date):
                continue
            t = times.get((student.school_id, lesson.class_group.shift, lesson.number))
            item = DiaryLesson(lesson, t.starts_at if t else None, t.ends_at if t else None,
                               marks[(lesson.id, student.id)] if not lesson.planned else [],
                               attendance.get((lesson.id, student.id)) if not lesson.planned else None,
                               [h for h in homework[lesson.id] if h.for_all or student.id in chosen[h.id]]
                               if not lesson.planned else [],
                               planned=lesson.planned, subgroup_label=shown[key])
            due_key = (lesson.class_group_id, lesson.subject_id, lesson.date)
            if due_key not in shown_due:  # the first lesson of the subject that day
                shown_due.add(due_key)
                item.due = [h for h in due[due_key] if (h.for_all or student.id in chosen[h.id])
                            and _in_class(own, h.lesson.class_group_id, h.lesson.date)]
            days.setdefault(lesson.date, DiaryDay(lesson.date)).lessons.append(item)
        week.days = [days[d] for d in sorted(days)]
        result[student.id] = week
    return result


def week_key(student_id: int, start: dt.date, end: dt.date) -> tuple:
    """What a student's diary between two dates is built from: the classes they are in then (with the
    dates), each with its journal stamp (``journal.stamps``, moved by the database on every change the
    class shares: lessons, topics, homework, the timetable ...), and the student's own stamp (moved on
    every change of their marks and attendance). One query. A new homework, a move to another class, or
    the student's own new mark or absence gives another key; a classmate's mark does not."""
    from eschool.db import db

    param = db.obj.param
    rows = db.obj.execute_sql(
        "SELECT cm.class_group_id, COALESCE(js.version, 0), cm.starts_on, cm.ends_on, "
        f"(SELECT ss.version FROM journal_student_stamp ss WHERE ss.student_id = {param}) FROM class_membership cm "
        "LEFT JOIN journal_stamp js ON js.class_group_id = cm.class_group_id "
        f"WHERE cm.student_id = {param} AND cm.starts_on <= {param} "
        f"AND (cm.ends_on IS NULL OR cm.ends_on >= {param}) ORDER BY cm.class_group_id, cm.starts_on",
        (student_id, student_id, end.isoformat(), start.isoformat())).fetchall()
    own = int(rows[0][4] or 0) if rows else 0
    return (student_id, start, end, tuple((int(c), int(v), str(a), None if b is None else str(b))
                                          for c, v, a, b, _own in rows), own)


def built_week_rows(cache, student: Student, start: dt.date, end: dt.date, variant: tuple, build, render,
                    size=len):
    """``render(build(student, start, end, memberships, shared=...))`` kept in ``cache`` (``eschool.cache``)
    under ``week_key``, so that it is built again only when one of the student's classes' journal or the
    student's own marks and attendance changed. ``build`` is ``answer.week_answer`` (the API) or
    ``answer.week_page`` (the page), with the file URL bound; ``variant`` holds whatever else the result
    depends on (the form, the language, the day).

    What the week shares with the class's other students (``answer.class_rows``: lessons, topics, homework,
    files) is kept in the same cache under the classes' stamps alone, so after a topic or homework change the
    class's 25 weeks read it from the database once, and each adds only its own marks and attendance."""
    from eschool.diary import answer

    key = (variant, week_key(student.id, start, end))
    memberships = key[1][3]

    def shared(school_id, class_ids, first, last):
        stamps = tuple(sorted({(c, v) for c, v, _a, _b in memberships}))
        return cache.get_or_build(("week-classes", school_id, stamps, first, last),
                                  lambda: answer.class_rows(school_id, class_ids, first, last),
                                  size=answer.class_rows_size)

    return cache.get_or_build(key, lambda: render(build(student, start, end, memberships, shared=shared)),
                              size=size)


def week(student: Student, day: dt.date) -> DiaryWeek:
    start, end = week_of(day)
    return weeks([student], start, end)[student.id]


def class_members(class_group: ClassGroup, start: dt.date, end: dt.date) -> list[Student]:
    """Students in the class at any time between ``start`` and ``end``, by name (one query)."""
    return list(Student.select().join(ClassMembership)
                .where((ClassMembership.class_group == class_group) & (ClassMembership.starts_on <= end)
                       & (ClassMembership.ends_on.is_null() | (ClassMembership.ends_on >= start)))
                .distinct().order_by(Student.last_name, Student.first_name, Student.id))


def class_weeks(class_group: ClassGroup, day: dt.date) -> list[DiaryWeek]:
    """Every student's week in the class: the class teacher's printable pack (nine queries)."""
    start, end = week_of(day)
    students = class_members(class_group, start, end)
    built = weeks(students, start, end)
    return [built[s.id] for s in students]


# --------------------------------------------------------------------------- ranges for the API


def check_range(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise SchoolError("end", _l("The end comes before the start."))
    if (end - start).days > MAX_RANGE_DAYS:
        raise SchoolError("end", _l("Ask for at most %(days)s days at once.", days=MAX_RANGE_DAYS))


def homework_between(student: Student, start: dt.date, end: dt.date) -> list[tuple[Lesson, Homework]]:
    """Homework set in the student's lessons between two dates or due between them."""
    check_range(start, end)
    memberships = _memberships([student.id], start - dt.timedelta(days=MAX_RANGE_DAYS), end)
    class_ids = sorted({m.class_group_id for m in memberships})
    rows = list(Homework.select(Homework, Lesson, Subject, User).join(Lesson).join(Subject)
                .switch(Lesson).join(User, on=Lesson.teacher == User.id)
                .where(Lesson.class_group.in_(class_ids)
                       & (Lesson.date.between(start, end) | Homework.due_on.between(start, end)))
                .order_by(Lesson.date, fn.COALESCE(Lesson.number, 99), Homework.id))
    ids = [h.id for h in rows]
    chosen = {r.homework_id for r in HomeworkStudent.select(HomeworkStudent.homework)
              .where(HomeworkStudent.homework.in_(ids) & (HomeworkStudent.student == student.id))}
    files = defaultdict(list)
    for f in HomeworkFile.select().where(HomeworkFile.homework.in_(ids)).order_by(HomeworkFile.id):
        files[f.homework_id].append(f)
    result = []
    for h in rows:
        if not _in_class(memberships, h.lesson.class_group_id, h.lesson.date):
            continue
        if not (h.for_all or h.id in chosen):
            continue
        h.file_list = files[h.id]
        h.link_list = [line.strip() for line in (h.links or "").splitlines() if line.strip()]
        result.append((h.lesson, h))
    return result


# --------------------------------------------------------------------------- periods


def current_class(student: Student, day: dt.date) -> ClassGroup | None:
    row = (ClassMembership.select(ClassMembership, ClassGroup).join(ClassGroup)
           .where((ClassMembership.student == student) & (ClassMembership.starts_on <= day)
                  & (ClassMembership.ends_on.is_null() | (ClassMembership.ends_on >= day)))
           .order_by(ClassMembership.starts_on.desc()).first())
    if row is None:  # before the year or after leaving: the latest class
        row = (ClassMembership.select(ClassMembership, ClassGroup).join(ClassGroup)
               .where(ClassMembership.student == student).order_by(ClassMembership.starts_on.desc()).first())
    return row.class_group if row else None


def periods_of(class_group: ClassGroup | None) -> list[Period]:
    """The periods of the class's academic year that cover its grade (quarters for 5th grade ...)."""
    if class_group is None:
        return []
    return list(Period.select().where((Period.academic_year == class_group.academic_year_id)
                                      & (Period.grade_from <= class_group.grade)
                                      & (Period.grade_to >= class_group.grade))
                .order_by(Period.starts_on, Period.number))


def choose_period(periods: list[Period], period_id: int | None, today: dt.date) -> Period | None:
    """The period asked for (``SchoolError`` if it is not one of the class's), else the one ``today`` is
    in, else the last one begun, else the first."""
    if period_id is not None:
        for p in periods:
            if p.id == period_id:
                return p
        raise SchoolError("period_id", _l("No such period for this student's class."))
    for p in periods:
        if p.starts_on <= today <= p.ends_on:
            return p
    begun = [p for p in periods if p.starts_on <= today]
    return begun[-1] if begun else (periods[0] if periods else None)


@dataclass
class SubjectSummary:
    subject: Subject
    marks: list = field(default_factory=list)
    average: float | None = None
    class_average: float | None = None
    forecast: str | None = None
    final: FinalMark | None = None
    chart: list = field(default_factory=list)  # [(week's Sunday, running average)]
    absences: int = 0


@dataclass
class PeriodSummary:
    student: Student
    class_group: ClassGroup | None
    periods: list
    period: Period | None
    subjects: list = field(default_factory=list)
    year_finals: list = field(default_factory=list)
    weeks: list = field(default_factory=list)  # the chart's x axis: each week's Sunday


def student_marks(student: Student, start: dt.date, end: dt.date) -> list[Mark]:
    """The student's marks in lessons between two dates, with lesson, subject and work type (one query)."""
    return list(Mark.select(Mark, Lesson, Subject, WorkType).join(Lesson).join(Subject)
                .switch(Mark).join(WorkType, JOIN.LEFT_OUTER)
                .where((Mark.student == student) & Lesson.date.between(start, end))
                .order_by(Lesson.date, fn.COALESCE(Lesson.number, 99), Mark.slot))


def class_averages(class_ids, start: dt.date, end: dt.date) -> dict[int, float]:
    """Per subject, the mean of the students' weighted averages in the classes' lessons between two
    dates: an aggregate only, computed by the database (no student's mark leaves it)."""
    if not class_ids:
        return {}
    per_student = (Mark.select(Lesson.subject.alias("subject_id"), Mark.student,
                               (Cast(fn.SUM(Mark.numeric * Mark.weight), "DOUBLE PRECISION")
                                / Cast(fn.SUM(Mark.weight), "DOUBLE PRECISION")).alias("avg"))
                   .join(Lesson)
                   .where(Lesson.class_group.in_(class_ids) & Lesson.date.between(start, end)
                          & Mark.numeric.is_null(False) & (Mark.weight > 0))
                   .group_by(Lesson.subject, Mark.student))
    inner = per_student.alias("per_student")
    query = (Mark.select(inner.c.subject_id, fn.AVG(inner.c.avg).alias("avg"))
             .from_(inner).group_by(inner.c.subject_id))
    return {row["subject_id"]: round(float(row["avg"]), 2) for row in query.dicts() if row["avg"] is not None}


def _sundays(start: dt.date, end: dt.date) -> list[dt.date]:
    first = week_of(start)[1]
    result = []
    while first <= end + dt.timedelta(days=6):
        result.append(first)
        first += dt.timedelta(days=7)
    return result


def period_summary(student: Student, today: dt.date, period_id: int | None = None) -> PeriodSummary:
    """Per subject: the student's marks in the period, their weighted average next to the class
    average, the final marks and the forecast, and the weekly running average for the chart.
    A fixed number of queries (about eight)."""
    group = current_class(student, today)
    periods = periods_of(group)
    period = choose_period(periods, period_id, today)
    summary = PeriodSummary(student, group, periods, period)
    year_id = group.academic_year_id if group else None
    summary.year_finals = list(FinalMark.select(FinalMark, Subject).join(Subject)
                               .where((FinalMark.student == student) & (FinalMark.kind != "period")
                                      & FinalMark.class_group.in_(ClassGroup.select(ClassGroup.id).where(
                                          ClassGroup.academic_year == year_id)))
                               .order_by(Subject.name))
    if period is None:
        return summary
    start, end = period.starts_on, period.ends_on
    memberships = _memberships([student.id], start, end)
    class_ids = sorted({m.class_group_id for m in memberships} | ({group.id} if group else set()))
    subjects: dict[int, SubjectSummary] = {}
    for item in (CurriculumItem.select(CurriculumItem, Subject).join(Subject)
                 .where(CurriculumItem.class_group.in_(class_ids)).order_by(Subject.name)):
        subjects.setdefault(item.subject_id, SubjectSummary(item.subject))
    marks = student_marks(student, start, end)
    for mark in marks:
        subjects.setdefault(mark.lesson.subject_id, SubjectSummary(mark.lesson.subject)).marks.append(mark)
    finals = {f.subject_id: f for f in FinalMark.select().where(
        (FinalMark.student == student) & (FinalMark.kind == "period") & (FinalMark.period == period))}
    absences = defaultdict(int)
    for row in (Attendance.select(Lesson.subject, fn.COUNT(Attendance.id).alias("n")).join(Lesson)
                .where((Attendance.student == student) & Lesson.date.between(start, end)
                       & (Attendance.kind != "late"))
                .group_by(Lesson.subject).dicts()):
        absences[row["subject"]] = row["n"]
    averages = class_averages(class_ids, start, end)
    last = min(end, today)
    summary.weeks = _sundays(start, last) if last >= start else []
    for subject_id, item in subjects.items():
        item.average = weighted_average(item.marks)
        item.class_average = averages.get(subject_id)
        item.forecast = forecast(item.average)
        item.final = finals.get(subject_id)
        item.absences = absences.get(subject_id, 0)
        for sunday in summary.weeks:
            value = weighted_average([m for m in item.marks if m.lesson.date <= sunday])
            if value is not None:
                item.chart.append((sunday, float(value)))
    summary.subjects = sorted(subjects.values(), key=lambda s: s.subject.name)
    return summary


def attendance_between(student: Student, start: dt.date, end: dt.date) -> list[Attendance]:
    return list(Attendance.select(Attendance, Lesson, Subject).join(Lesson).join(Subject)
                .where((Attendance.student == student) & Lesson.date.between(start, end))
                .order_by(Lesson.date, fn.COALESCE(Lesson.number, 99)))


def final_marks(student: Student) -> list[FinalMark]:
    """Every final mark of the student (periods, years, exams), newest year first."""
    return list(FinalMark.select(FinalMark, Subject, ClassGroup, Period)
                .join(Subject).switch(FinalMark).join(ClassGroup)
                .switch(FinalMark).join(Period, JOIN.LEFT_OUTER)
                .where(FinalMark.student == student)
                .order_by(ClassGroup.academic_year.desc(), Subject.name, FinalMark.kind, Period.number))


# --------------------------------------------------------------------------- the chart


def chart_points(points, sundays, width: int = 300, height: int = 80, pad: int = 8) -> dict:
    """Coordinates of a small SVG line chart of the running average (y from 2 to 5; lower values sit
    on the bottom line), drawn by the template: no chart library, no script."""
    if not points or not sundays:
        return {"width": width, "height": height, "points": [], "line": "", "grid": []}
    index = {d: i for i, d in enumerate(sundays)}
    span = max(len(sundays) - 1, 1)

    left = pad + 12  # room for the axis labels

    def x(i):
        return round(left + (width - left - pad) * i / span, 1)

    def y(v):
        return round(pad + (height - 2 * pad) * (5 - max(2.0, min(5.0, v))) / 3, 1)

    dots = [{"x": x(index[d]), "y": y(v), "date": d, "value": v} for d, v in points]
    return {"width": width, "height": height, "points": dots,
            "line": " ".join(f"{p['x']},{p['y']}" for p in dots),
            "grid": [{"y": y(v), "label": v} for v in (5, 4, 3, 2)]}


@dataclass
class ClassTimetable:
    """The weekly timetable of a student's class as the diary shows it (``class_timetable``)."""

    class_group: ClassGroup | None
    days: list = field(default_factory=list)  # weekday numbers shown (1 = Monday)
    numbers: list = field(default_factory=list)  # lesson numbers
    grid: dict = field(default_factory=dict)  # (weekday, number) -> [(TimetableEntry, subgroup label)]
    times: dict = field(default_factory=dict)  # number -> LessonTime of the class's shift


def class_timetable(student: Student, today: dt.date) -> ClassTimetable:
    """The weekly timetable of the student's class now: each lesson with its subject, teacher and room, the
    subgroups as the diary shows them (``shown_subgroup_lessons``), the bell times. Four queries."""
    from eschool.auth.models import User as Teacher
    from eschool.school.models import Room
    from eschool.timetable.models import TimetableEntry

    group = current_class(student, today)
    result = ClassTimetable(group)
    if group is None:
        return result
    entries = list(TimetableEntry.select(TimetableEntry, Subject, Teacher, Room, Subgroup)
                   .join(Subject).switch(TimetableEntry).join(Teacher, on=TimetableEntry.teacher == Teacher.id)
                   .switch(TimetableEntry).join(Room, JOIN.LEFT_OUTER)
                   .switch(TimetableEntry).join(Subgroup, JOIN.LEFT_OUTER)
                   .where((TimetableEntry.class_group == group.id)
                          & (TimetableEntry.academic_year == group.academic_year_id))
                   .order_by(TimetableEntry.weekday, TimetableEntry.number, TimetableEntry.id))
    members = defaultdict(set)
    subgroups = sorted({e.subgroup_id for e in entries if e.subgroup_id})
    if subgroups:
        for subgroup_id, student_id in (SubgroupMembership.select(SubgroupMembership.subgroup,
                                                                  SubgroupMembership.student)
                                        .where(SubgroupMembership.subgroup.in_(subgroups)).tuples()):
            members[subgroup_id].add(student_id)
    shown = shown_subgroup_lessons(student.id, [(e.id, e.weekday, e.number, e.subject_id, e.subgroup_id,
                                                 e.subgroup.name if e.subgroup_id else None) for e in entries],
                                   members, set())
    for e in entries:
        if e.id in shown:
            result.grid.setdefault((e.weekday, e.number), []).append((e, shown[e.id]))
    result.days = [d for d in range(1, 7) if d < 6 or any(k[0] == 6 for k in result.grid)]
    result.numbers = sorted({k[1] for k in result.grid})
    result.times = {t.number: t for t in LessonTime.select().where(
        (LessonTime.school == group.school_id) & (LessonTime.shift == group.shift))}
    return result


def period_for(student: Student, today: dt.date, period_id: int | None = None) -> Period | None:
    """The period asked for among the student's class's periods, else the current one."""
    return choose_period(periods_of(current_class(student, today)), period_id, today)
