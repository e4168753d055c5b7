"""Each role's "today" on the start page: what a teacher, a class teacher, a family, a school's leadership and an
operator need to see first. The rules only (no Flask); ``home.plugin`` offers them as start-page widgets
through ``eschool_dashboard_widgets``, the hook every plugin uses to add its own.

Each reader runs a fixed number of queries whatever the size of the school, the class or the region
(``tests/test_home.py`` counts them).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from peewee import JOIN, fn

from eschool.auth.models import User
from eschool.auth.permissions import user_assignments
from eschool.db import utcnow
from eschool.journal import services as journal
from eschool.journal.models import AbsenceNotice, Attendance, Homework, Lesson, Mark, WorkType
from eschool.people.models import ClassMembership, Student
from eschool.school.models import AcademicYear, ClassGroup, Period, Subject, TeachingAssignment
from eschool.structure.models import School
from eschool.timetable.models import TimetableEntry
from eschool.timetable.planned import planned_lessons

#: How many days back the start pages look for new marks and absences, and for lessons left unfilled.
RECENT_DAYS = 7
#: How many rows a list on the start page shows before «all ...».
SHOWN = 8


def next_school_day(day: dt.date) -> dt.date:
    """The next weekday after ``day`` (Saturday lessons are rare; Friday's next school day is Monday)."""
    following = day + dt.timedelta(days=1)
    while following.isoweekday() > 5:
        following += dt.timedelta(days=1)
    return following


# --------------------------------------------------------------------------- a teacher


@dataclass
class TeacherLesson:
    """A lesson of the teacher's day: from the journal (``lesson``) or from the timetable, not opened yet."""

    date: dt.date
    number: int | None
    class_id: int
    class_name: str
    subject_id: int
    subject: str
    subgroup_id: int | None = None
    lesson: Lesson | None = None
    state: str = "open"  # filled | late | overdue | open (journal.services.lesson_state)
    has_homework: bool = False
    substitution: bool = False


@dataclass
class TeacherToday:
    today: list = field(default_factory=list)
    overdue: list = field(default_factory=list)
    overdue_total: int = 0
    window: int = RECENT_DAYS


def teacher_today(user, school: School, today: dt.date, now: dt.datetime | None = None) -> TeacherToday:
    """The teacher's lessons of today (their own and those they substitute), each with what is still to fill,
    and the lessons of the edit window before today left without a topic after their deadline, counting the
    timetable's lessons nobody opened yet (``timetable.planned``). Seven queries."""
    window = min(journal.edit_window_days(school), 31) or 1
    start = today - dt.timedelta(days=window)
    assignments = list(TeachingAssignment.select(TeachingAssignment.class_group, TeachingAssignment.subject,
                                                 TeachingAssignment.subgroup)
                       .join(ClassGroup).join(AcademicYear)
                       .where((TeachingAssignment.teacher == user.id) & (ClassGroup.school == school.id)
                              & AcademicYear.is_current & ~AcademicYear.closed).tuples())
    condition = Lesson.teacher == user.id
    for class_id, subject_id, subgroup_id in assignments:
        part = (Lesson.class_group == class_id) & (Lesson.subject == subject_id)
        if subgroup_id is not None:
            part &= Lesson.subgroup == subgroup_id
        condition |= part
    rows = list(Lesson.select(Lesson, ClassGroup.name.alias("class_name"), Subject.name.alias("subject_name"),
                              TimetableEntry.teacher.alias("usual_teacher"))
                .join(ClassGroup).switch(Lesson).join(Subject)
                .switch(Lesson).join(TimetableEntry, JOIN.LEFT_OUTER)
                .where((Lesson.school == school.id) & Lesson.date.between(start, today) & condition)
                .order_by(Lesson.date, fn.COALESCE(Lesson.number, 99), ClassGroup.name).objects())
    with_homework = {h for (h,) in Homework.select(Homework.lesson).where(
        Homework.lesson.in_([r.id for r in rows if r.date == today])).tuples()} if rows else set()
    planned = planned_lessons(start, today, teacher_id=user.id)
    names = dict(ClassGroup.select(ClassGroup.id, ClassGroup.name).where(
        ClassGroup.id.in_(sorted({p.class_group_id for p in planned}))).tuples()) if planned else {}
    now = now or utcnow()
    result = TeacherToday(window=window)
    items = []
    for row in rows:
        row.school = school
        item = TeacherLesson(row.date, row.number, row.class_group_id, row.class_name, row.subject_id,
                             row.subject_name, row.subgroup_id, row, journal.lesson_state(row, now, school),
                             row.id in with_homework,
                             row.usual_teacher is not None and row.teacher_id == user.id and row.usual_teacher != user.id)
        items.append(item)
    for p in planned:
        probe = Lesson(school=school, date=p.date, topic="")
        items.append(TeacherLesson(p.date, p.number, p.class_group_id, names.get(p.class_group_id, ""),
                                   p.subject_id, p.subject, p.subgroup_id, None,
                                   journal.lesson_state(probe, now, school)))
        items[-1].substitution = p.teacher_id == user.id and p.usual_teacher_id != user.id
    items.sort(key=lambda x: (x.date, 99 if x.number is None else x.number, x.class_name))
    result.today = [x for x in items if x.date == today]
    overdue = [x for x in items if x.date < today and x.state == "overdue"]
    overdue.reverse()  # the latest first: still inside the edit window longest
    result.overdue_total = len(overdue)
    result.overdue = overdue[:SHOWN]
    return result


# --------------------------------------------------------------------------- a class teacher


@dataclass
class ClassToday:
    class_group: ClassGroup
    students: int = 0
    absent: list = field(default_factory=list)  # (student name, kind, lesson number, subject)
    notices: int = 0


def led_classes(user, school_id: int | None) -> list[ClassGroup]:
    """The classes of the current year the user leads as class teacher at the school (one query)."""
    own = {a.class_group_id for a in user_assignments(user) if a.role == "class_teacher" and a.class_group_id}
    query = (ClassGroup.select().join(AcademicYear)
             .where(AcademicYear.is_current & (ClassGroup.id.in_(sorted(own)) | (ClassGroup.class_teacher == user.id))))
    if school_id is not None:
        query = query.where(ClassGroup.school == school_id)
    return list(query.order_by(ClassGroup.grade, ClassGroup.name))


def class_today(user, school_id: int | None, today: dt.date) -> list[ClassToday]:
    """For each class the user leads: who is missing today (absent, ill, excused, late: lesson by lesson), the
    size of the class and the parents' notices of absences waiting for review. Four queries."""
    classes = led_classes(user, school_id)
    if not classes:
        return []
    ids = [c.id for c in classes]
    result = {c.id: ClassToday(c) for c in classes}
    for class_id, count in (ClassMembership.select(ClassMembership.class_group, fn.COUNT(ClassMembership.id))
                            .where(ClassMembership.class_group.in_(ids) & (ClassMembership.starts_on <= today)
                                   & (ClassMembership.ends_on.is_null() | (ClassMembership.ends_on >= today)))
                            .group_by(ClassMembership.class_group).tuples()):
        result[class_id].students = count
    for class_id, last, first, kind, number, subject in (
            Attendance.select(Lesson.class_group, Student.last_name, Student.first_name, Attendance.kind,
                              Lesson.number, Subject.name)
            .join(Lesson).join(Subject).switch(Attendance).join(Student)
            .where(Lesson.class_group.in_(ids) & (Lesson.date == today))
            .order_by(Student.last_name, Student.first_name, Lesson.number).tuples()):
        result[class_id].absent.append((f"{last} {first}", kind, number, subject))
    for class_id, count in (AbsenceNotice.select(AbsenceNotice.class_group, fn.COUNT(AbsenceNotice.id))
                            .where(AbsenceNotice.class_group.in_(ids) & (AbsenceNotice.status == "reported"))
                            .group_by(AbsenceNotice.class_group).tuples()):
        result[class_id].notices = count
    return [result[i] for i in ids]


# --------------------------------------------------------------------------- a family


@dataclass
class ChildToday:
    student: Student
    class_names: list = field(default_factory=list)
    today: list = field(default_factory=list)  # DiaryLesson of today
    next_day: dt.date | None = None
    next_lessons: list = field(default_factory=list)  # DiaryLesson of the next school day
    homework: list = field(default_factory=list)  # (subject, Homework) due the next school day
    new_marks: list = field(default_factory=list)  # Mark with lesson and subject, newest first
    absences: list = field(default_factory=list)  # Attendance with lesson and subject, newest first


def family_today(students: list[Student], today: dt.date, now: dt.datetime | None = None) -> list[ChildToday]:
    """For each child: today's lessons with their marks and absences, the next school day's lessons with the
    homework due then, the marks given in the last days and this week's absences. The diary's own reader
    (``diary.services.weeks``, the timetable's lessons included) for today and the next school day, and two
    queries more: the same number whatever the number of children."""
    if not students:
        return []
    from eschool.diary.services import weeks

    following = next_school_day(today)
    built = weeks(students, today, following, all_days=False)
    ids = [s.id for s in students]
    since = (now or utcnow()) - dt.timedelta(days=RECENT_DAYS)
    marks = defaultdict(list)
    for mark in (Mark.select(Mark, Lesson, Subject, WorkType).join(Lesson).join(Subject)
                 .switch(Mark).join(WorkType, JOIN.LEFT_OUTER)
                 .where(Mark.student.in_(ids) & (Mark.created_at >= since) & (Lesson.date <= today))
                 .order_by(Mark.created_at.desc(), Mark.id.desc())):
        marks[mark.student_id].append(mark)
    absences = defaultdict(list)
    week_start = today - dt.timedelta(days=today.weekday())
    for row in (Attendance.select(Attendance, Lesson, Subject).join(Lesson).join(Subject)
                .where(Attendance.student.in_(ids) & Lesson.date.between(min(week_start, today - dt.timedelta(
                    days=RECENT_DAYS - 1)), today))
                .order_by(Lesson.date.desc(), Lesson.number)):
        absences[row.student_id].append(row)
    result = []
    for student in students:
        week = built[student.id]
        child = ChildToday(student, week.class_names, next_day=following)
        for day in week.days:
            if day.date == today:
                child.today = day.lessons
            elif day.date == following:
                child.next_lessons = day.lessons
                child.homework = [(item.lesson.subject.name, hw) for item in day.lessons for hw in item.due]
        child.new_marks = marks[student.id][:SHOWN]
        child.absences = absences[student.id][:SHOWN]
        result.append(child)
    return result


# --------------------------------------------------------------------------- a school's leadership


@dataclass
class Filling:
    """How the journal of a range of days is filled: lessons given (timetable's included), with a topic, late,
    overdue (no topic after the deadline)."""

    start: dt.date
    end: dt.date
    given: int = 0
    filled: int = 0
    late: int = 0
    overdue: int = 0
    teachers: list = field(default_factory=list)  # (teacher name, overdue lessons), the most first

    @property
    def share(self) -> float | None:
        return None if not self.given else self.filled / self.given


def school_filling(school: School, today: dt.date, now: dt.datetime | None = None) -> Filling:
    """The journal of the last days up to today at the school: lessons given (the journal's and the timetable's
    not opened yet), filled, filled late and overdue, and the teachers with the most overdue lessons. The
    deadline of each date is computed once (``journal.services.deadline``). Five queries."""
    now = now or utcnow()
    start = today - dt.timedelta(days=RECENT_DAYS - 1)
    result = Filling(start, today)
    deadlines = {}
    day = start
    while day <= today:
        deadlines[day] = journal.deadline(Lesson(school=school, date=day), school)
        day += dt.timedelta(days=1)
    overdue_by_teacher: dict[int, int] = defaultdict(int)
    for day, teacher_id, has_topic, filled_at, count in (
            Lesson.select(Lesson.date, Lesson.teacher, Lesson.topic != "", Lesson.filled_at, fn.COUNT(Lesson.id))
            .where((Lesson.school == school.id) & Lesson.date.between(start, today))
            .group_by(Lesson.date, Lesson.teacher, Lesson.topic != "", Lesson.filled_at).tuples()):
        day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)[:10])
        result.given += count
        if has_topic:
            result.filled += count
            if filled_at is not None and filled_at > deadlines[day]:
                result.late += count
        elif now > deadlines[day]:
            result.overdue += count
            overdue_by_teacher[teacher_id] += count
    classes = [c for (c,) in ClassGroup.select(ClassGroup.id).join(AcademicYear).where(
        (ClassGroup.school == school.id) & AcademicYear.is_current).tuples()]
    for p in planned_lessons(start, today, class_ids=classes):
        result.given += 1
        if now > deadlines[p.date]:
            result.overdue += 1
            overdue_by_teacher[p.teacher_id] += 1
    top = sorted(overdue_by_teacher.items(), key=lambda kv: -kv[1])[:5]
    names = dict(User.select(User.id, User.full_name).where(User.id.in_([t for t, _n in top])).tuples()) if top else {}
    result.teachers = [(names.get(t, ""), n) for t, n in top]
    return result


@dataclass
class Tasks:
    """What waits for the school's staff: applications to decide, parents' absence notices to review."""

    applications: int | None = None
    notices: int | None = None
    no_year: bool = False
    no_timetable: bool = False


def school_tasks(school: School, applications: bool, notices: bool) -> Tasks:
    """Counts of what waits at the school (only those asked for: the caller knows who may act on them), and
    whether the current year or its timetable is missing. Three queries at most."""
    from eschool.applications.models import Application

    tasks = Tasks()
    if applications:
        tasks.applications = Application.select().where(
            (Application.school == school.id) & Application.status.in_(("received", "documents_needed"))).count()
    if notices:
        tasks.notices = AbsenceNotice.select().where(
            (AbsenceNotice.school == school.id) & (AbsenceNotice.status == "reported")).count()
    year = AcademicYear.get_or_none((AcademicYear.school == school.id) & AcademicYear.is_current)
    tasks.no_year = year is None
    tasks.no_timetable = year is not None and not TimetableEntry.select().where(
        TimetableEntry.academic_year == year.id).exists()
    return tasks


# --------------------------------------------------------------------------- operators


@dataclass
class SchoolAttention:
    school_id: int
    name: str
    expected: int = 0  # lessons the timetables give on the days up to yesterday
    filled: int = 0  # lessons of those days with a topic
    no_year: bool = False
    no_timetable: bool = False
    applications: int = 0

    @property
    def share(self) -> float | None:
        return None if not self.expected else min(self.filled / self.expected, 1.0)

    @property
    def needs_attention(self) -> bool:
        return self.no_year or self.no_timetable or (self.share is not None and self.share < 0.8)


def schools_needing_attention(municipality_id: int | None, today: dt.date) -> tuple[list[SchoolAttention], int]:
    """The schools of a municipality (or of the region, ``None``), those needing an operator's attention first,
    the worst first: no current academic year, no timetable, or a journal filled for less than 80 % of the
    lessons the timetable gave on the last days before today (holidays count no lessons). Returns the ranked
    schools and how many need attention. Five queries, whatever the number of schools."""
    schools = School.select(School.id, School.short_name)
    if municipality_id is not None:
        schools = schools.where(School.municipality == municipality_id)
    found = {sid: SchoolAttention(sid, name) for sid, name in schools.order_by(School.short_name).tuples()}
    if not found:
        return [], 0
    start, end = today - dt.timedelta(days=RECENT_DAYS), today - dt.timedelta(days=1)
    in_scope = School.id.in_(list(found)) if municipality_id is None else (School.municipality == municipality_id)
    years = dict(AcademicYear.select(AcademicYear.id, AcademicYear.school).join(School)
                 .where(AcademicYear.is_current & in_scope).tuples())
    for item in found.values():
        item.no_year = item.school_id not in years.values()
    per_weekday: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    if years:
        for school_id, weekday, count in (TimetableEntry.select(ClassGroup.school, TimetableEntry.weekday,
                                                                fn.COUNT(TimetableEntry.id))
                                          .join(ClassGroup).where(TimetableEntry.academic_year.in_(list(years)))
                                          .group_by(ClassGroup.school, TimetableEntry.weekday).tuples()):
            per_weekday[school_id][weekday] += count
        terms = defaultdict(list)
        for year_id, starts, ends in (Period.select(Period.academic_year, Period.starts_on, Period.ends_on)
                                      .where(Period.academic_year.in_(list(years)) & (Period.starts_on <= end)
                                             & (Period.ends_on >= start)).tuples()):
            terms[years[year_id]].append((_day(starts), _day(ends)))
        for item in found.values():
            if item.no_year:
                continue
            item.no_timetable = not per_weekday.get(item.school_id)
            day = start
            while day <= end:
                if any(a <= day <= b for a, b in terms.get(item.school_id, ())):
                    item.expected += per_weekday[item.school_id].get(day.isoweekday(), 0)
                day += dt.timedelta(days=1)
        for school_id, count in (Lesson.select(Lesson.school, fn.COUNT(Lesson.id))
                                 .where(Lesson.school.in_(list(found)) & Lesson.date.between(start, end)
                                        & (Lesson.topic != "")).group_by(Lesson.school).tuples()):
            found[school_id].filled = count
    from eschool.applications.models import Application

    for school_id, count in (Application.select(Application.school, fn.COUNT(Application.id))
                             .where(Application.school.in_(list(found))
                                    & Application.status.in_(("received", "documents_needed")))
                             .group_by(Application.school).tuples()):
        found[school_id].applications = count
    ranked = sorted(found.values(), key=lambda s: (not s.needs_attention, not s.no_year, not s.no_timetable,
                                                    s.share if s.share is not None else 1.0, s.name))
    return ranked, sum(1 for s in ranked if s.needs_attention)


def _day(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
