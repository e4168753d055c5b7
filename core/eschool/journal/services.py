"""The rules of keeping the journal.

* A teacher keeps (marks, attendance, topic, homework) only the lessons of their own teaching
  assignments (the class or the subgroup, and the subject) and the lessons they gave as a substitute;
  the class teacher also reconciles attendance of their class's lessons.
* Only inside the edit window (the school's setting, else the region's rule), never for a past
  (closed) year, never marks in a closed period, never marks or attendance for a lesson still to come.
* Every change of a mark or of attendance goes to the audit log with the old and the new value.
* Each row has a ``version``: a save names the version it started from and is refused with the
  current value when somebody saved in between (compare-and-swap in one UPDATE), never overwritten.
* Events (``mark_saved``, ``absence_recorded``, ``homework_set``) are fired after the commit.
"""
from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from pathlib import Path

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from peewee import JOIN, IntegrityError, fn

from eschool.attachments import services as attachments
from eschool.auth.models import User
from eschool.auth.permissions import has_permission, user_assignments
from eschool.db import Compiled, db, utcnow
from eschool.journal.models import (
    ATTENDANCE_KINDS,
    NOTICE_REASONS,
    AbsenceNotice,
    Attendance,
    Homework,
    HomeworkFile,
    HomeworkStudent,
    Lesson,
    Mark,
    WorkType,
)
from eschool.people.models import ClassMembership, Guardian, Student, SubgroupMembership
from eschool.people.services import is_class_teacher, write_audit
from eschool.plugins.services import fire_event, listens, scope_for_school
from eschool.school import services as school_services
from eschool.school.models import (
    AcademicYear,
    ClassGroup,
    CurriculumItem,
    Period,
    Subgroup,
    Subject,
    TeachingAssignment,
)
from eschool.school.services import SchoolError
from eschool.structure.models import School
from eschool.timetable.models import Substitution, TimetableEntry

KEEP, CONTROL, DIARY = "journal.keep", "journal.control", "diary.view"

#: The edit window where neither the school nor the region sets one (days after the lesson).
DEFAULT_EDIT_WINDOW_DAYS = 7
#: Homework uploads: at most this many bytes (``HOMEWORK_MAX_BYTES`` in the config overrides it).
HOMEWORK_MAX_BYTES = 10 * 1024 * 1024
#: The homework files' folder under the uploads (``attachments.services``): ``<instance>/uploads/homework``.
HOMEWORK_OWNER = "homework"
#: File types a homework may carry (by extension), with the content type they are served with: the
#: attachments' own list (documents, pictures, sound and video, archives).
HOMEWORK_TYPES = attachments.DEFAULT_TYPES

#: The work types every school starts with: code, label, weight (a region may change the weights).
DEFAULT_WORK_TYPES = (
    ("oral", _l("Oral answer"), "1"),
    ("classwork", _l("Classwork"), "1"),
    ("homework", _l("Homework"), "1"),
    ("independent", _l("Independent work"), "1.5"),
    ("dictation", _l("Dictation"), "1.5"),
    ("lab", _l("Lab work"), "1.5"),
    ("test", _l("Test"), "2"),
)
_DEFAULT_LABELS = {code: label for code, label, _w in DEFAULT_WORK_TYPES}
#: The default types' abbreviations in a grid's column head (УО, КР ... in Russian).
_DEFAULT_ABBREVIATIONS = {"oral": lazy_pgettext("work type", "OA"), "classwork": lazy_pgettext("work type", "CW"),
                          "homework": lazy_pgettext("work type", "HW"), "independent": lazy_pgettext("work type", "IW"),
                          "dictation": lazy_pgettext("work type", "D"), "lab": lazy_pgettext("work type", "LW"),
                          "test": lazy_pgettext("work type", "T")}

FIVE_POINT = {"5": 5, "4": 4, "3": 3, "2": 2, "1": 1}
PASS_FAIL = {"pass": "pass", "зач": "pass", "зачёт": "pass", "зачет": "pass",
             "fail": "fail", "незач": "fail", "н/з": "fail", "незачёт": "fail", "незачет": "fail"}
#: Letters teachers type for attendance (Russian journal letters and English ones).
ATTENDANCE_LETTERS = {"н": "absent", "б": "ill", "у": "excused", "оп": "late", "п": "late",
                      "a": "absent", "i": "ill", "e": "excused", "l": "late"}


class JournalForbidden(SchoolError):
    """The user may not keep this lesson (403)."""

    status = 403

    def __init__(self, message=None):
        super().__init__(None, message or _l("This is not your lesson: you do not teach this class and subject."))


class StaleEdit(SchoolError):
    """Somebody saved this cell after the edit started (409); ``current`` is what is there now."""

    def __init__(self, field: str, current: dict | None):
        if current is None:
            message = _l("Somebody else cleared this in the meantime; look again before saving.")
        else:
            message = _l("Changed in the meantime by %(who)s: now %(value)s. Your change was not saved.",
                         who=current.get("by") or "?", value=current.get("value") or "-")
        super().__init__(field, message, conflict=True)
        self.current = current


# --------------------------------------------------------------------------- time


def region_tz() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(current_app.extensions["eschool"].region.timezone)


def local_now() -> dt.datetime:
    return dt.datetime.now(region_tz())


def local_today() -> dt.date:
    return local_now().date()


def _to_utc(local: dt.datetime) -> dt.datetime:
    return local.replace(tzinfo=region_tz()).astimezone(dt.UTC).replace(tzinfo=None)


# --------------------------------------------------------------------------- lookups


def lesson_of(school: School, lesson_id, field: str = "lesson_id") -> Lesson:
    lesson = (Lesson.select(Lesson, ClassGroup, Subject).join(ClassGroup).switch(Lesson).join(Subject)
              .where((Lesson.id == lesson_id) & (Lesson.school == school)).first()) if lesson_id else None
    if lesson is None:
        raise SchoolError(field, _l("No such lesson at this school."))
    return lesson


def student_in_lesson(lesson: Lesson, student_id, field: str = "student_id") -> Student:
    """A student who was in the lesson's class on its date and, for a subgroup's lesson, is in that
    subgroup (when the subgroup has members at all: one without is the whole class)."""
    student = (Student.select().join(ClassMembership)
               .where((Student.id == student_id) & (ClassMembership.class_group == lesson.class_group_id)
                      & (ClassMembership.starts_on <= lesson.date)
                      & (ClassMembership.ends_on.is_null() | (ClassMembership.ends_on >= lesson.date)))
               .first()) if student_id else None
    if student is None:
        raise SchoolError(field, _l("The student was not in this class on the lesson's date."))
    if lesson.subgroup_id is not None:
        members = {row.student_id for row in SubgroupMembership.select(SubgroupMembership.student)
                   .where(SubgroupMembership.subgroup == lesson.subgroup_id)}
        if members and student.id not in members:
            raise SchoolError(field, _l("The student is not in this lesson's subgroup."))
    return student


def _in_subgroup(subgroup):
    """Students of a subgroup, or everybody when the subgroup has no members (the whole class)."""
    members = SubgroupMembership.select(SubgroupMembership.student).where(SubgroupMembership.subgroup == subgroup)
    return Student.id.in_(members) | ~fn.EXISTS(members)


def period_of(class_group: ClassGroup, date: dt.date) -> Period | None:
    return (Period.select().where((Period.academic_year == class_group.academic_year_id)
                                  & (Period.grade_from <= class_group.grade) & (Period.grade_to >= class_group.grade)
                                  & (Period.starts_on <= date) & (Period.ends_on >= date))
            .order_by(Period.starts_on.desc()).first())


def _year_and_period(class_group: ClassGroup, date: dt.date, with_period: bool) -> tuple[AcademicYear, Period | None]:
    """The class's academic year and (``with_period``) the study period of ``date`` (:func:`period_of`), in
    one statement: every mark saved asks both."""
    if not with_period:
        return AcademicYear.get_by_id(class_group.academic_year_id), None
    on = ((Period.academic_year == AcademicYear.id) & (Period.grade_from <= class_group.grade)
          & (Period.grade_to >= class_group.grade) & (Period.starts_on <= date) & (Period.ends_on >= date))
    year = (AcademicYear.select(AcademicYear, Period).join(Period, JOIN.LEFT_OUTER, on=on, attr="found")
            .where(AcademicYear.id == class_group.academic_year_id).order_by(Period.starts_on.desc()).first())
    if year is None:
        raise AcademicYear.DoesNotExist(f"academic year {class_group.academic_year_id}")
    found = getattr(year, "found", None)
    return year, found if found is not None and found.id is not None else None


def periods_of(class_group: ClassGroup) -> list[Period]:
    """The study periods of the class's grade, in order (quarters, or semesters for grades 10-11)."""
    return list(Period.select().where((Period.academic_year == class_group.academic_year_id)
                                      & (Period.grade_from <= class_group.grade)
                                      & (Period.grade_to >= class_group.grade)).order_by(Period.starts_on))


def lessons_of(class_group: ClassGroup, subject, start: dt.date, end: dt.date, subgroup=None,
               any_subgroup: bool = False) -> list[Lesson]:
    """A class-subject's lessons in a date range; whole-class lessons, one subgroup's, or all."""
    query = Lesson.select().where((Lesson.class_group == class_group) & (Lesson.subject == subject)
                                  & (Lesson.date >= start) & (Lesson.date <= end))
    if not any_subgroup:
        query = query.where(Lesson.subgroup.is_null() if subgroup is None else (Lesson.subgroup == subgroup))
    return list(query.order_by(Lesson.date, Lesson.number, Lesson.id))


def class_students(class_group: ClassGroup, start: dt.date, end: dt.date, subgroup=None) -> list[Student]:
    """Students who were in the class at any time between ``start`` and ``end``, by name (one query).

    With a ``subgroup``: only its members (``SubgroupMembership``); a subgroup nobody was put into is
    taught to the whole class, so schools that never said who is in which group keep working.
    """
    query = (Student.select().join(ClassMembership)
             .where((ClassMembership.class_group == class_group) & (ClassMembership.starts_on <= end)
                    & (ClassMembership.ends_on.is_null() | (ClassMembership.ends_on >= start))))
    if subgroup is not None:
        query = query.where(_in_subgroup(subgroup))
    return list(query.order_by(Student.last_name, Student.first_name, Student.middle_name, Student.id).distinct())


def homework_allowed(class_group: ClassGroup) -> bool:
    """Whether the class gets homework: not the 1st grade where the region says so (Kuzbass)."""
    return class_group.grade != 1 or current_app.extensions["eschool"].region.rules.get("first_grade_homework", True)


def reads_every_journal(user, school: School) -> bool:
    """Where the region lets every teacher read every class's journal (Samara), a teacher of the school
    reads any class's grid, lessons and marks; keeping stays with the lesson's own teacher."""
    return bool(current_app.extensions["eschool"].region.rules.get("teachers_read_all_journals")) and \
        has_permission(user, KEEP, scope_for_school(school))


def scale_of(class_group: ClassGroup, subject) -> str:
    """The mark scale of a class's subject: none in the 1st grade where the region says so."""
    rules = current_app.extensions["eschool"].region.rules
    if class_group.grade == 1 and not rules.get("first_grade_marks", False):
        return "none"
    item = CurriculumItem.get_or_none((CurriculumItem.class_group == class_group)
                                      & (CurriculumItem.subject == subject))
    return item.scale if item is not None else "five_point"


# --------------------------------------------------------------------------- work types


def work_types(school: School) -> list[WorkType]:
    """The school's active work types, by their order. A pure read: the defaults are made when the school
    is created (:func:`set_up_work_types`), or by ``eschool db upgrade`` for older schools."""
    rows = WorkType.select().where((WorkType.school == school) & (WorkType.active == True))  # noqa: E712
    return list(rows.order_by(WorkType.order, WorkType.id))


def region_work_type_weights() -> dict:
    """The region's weights of the default work types (``rules.work_type_weights``), where an app runs."""
    if not has_app_context():
        return {}
    return dict(current_app.extensions["eschool"].region.rules.get("work_type_weights") or {})


def default_work_type_rows(school_id: int, weights: dict | None = None) -> list[dict]:
    """The rows of a school's default work types: the core's list with the region's weights."""
    weights = region_work_type_weights() if weights is None else weights
    return [{"school": school_id, "code": code, "name": "", "weight": Decimal(str(weights.get(code, weight))),
             "order": order * 10, "active": True} for order, (code, _label, weight) in enumerate(DEFAULT_WORK_TYPES)]


def set_up_work_types(school: School | int, weights: dict | None = None) -> int:
    """Give a school the default work types (part of setting a school up: ``structure.create_school``
    calls it). Idempotent and safe beside a concurrent call: a code the school has is left as it is.
    Returns how many were made."""
    school_id = school if isinstance(school, int) else school.id
    have = {code for (code,) in WorkType.select(WorkType.code).where(WorkType.school == school_id).tuples()}
    rows = [r for r in default_work_type_rows(school_id, weights) if r["code"] not in have]
    if rows:
        WorkType.insert_many(rows).on_conflict_ignore().execute()
    return len(rows)


def set_up_missing_work_types(weights: dict | None = None) -> int:
    """The default work types for every school that has none at all: schools made before the defaults
    became part of a school's setup (they were made on a school's first mark, a write hidden in a read).

    Not a migration: a migration runs on the database alone, and the weights are the region's, which the
    database does not record (the region profile is chosen when the app starts). ``eschool db upgrade``
    and ``eschool init`` call this after the migrations (``EschoolState.upgrade``), with the region's
    weights; it is idempotent, one query when there is nothing to do. Returns how many schools got them."""
    weights = region_work_type_weights() if weights is None else weights
    bare = [school_id for (school_id,) in School.select(School.id).where(~fn.EXISTS(
        WorkType.select(WorkType.id).where(WorkType.school == School.id))).tuples()]
    for school_id in bare:
        with db.atomic():
            set_up_work_types(school_id, weights)
    return len(bare)


def work_type_label(work_type: WorkType | None) -> str:
    """A default type's name in the user's language; a school's own type by the name it was given."""
    if work_type is None:
        return ""
    if not work_type.name and work_type.code in _DEFAULT_LABELS:
        return str(_DEFAULT_LABELS[work_type.code])
    return work_type.name or work_type.code


def work_type_abbreviation(work_type: WorkType | None) -> str:
    """A short name for a grid's column head: a default type's abbreviation in the user's language, a school's
    own type by the first letters of its words («Проектная работа» -> «ПР») or, one word, its first three."""
    if work_type is None:
        return ""
    if not work_type.name and work_type.code in _DEFAULT_ABBREVIATIONS:
        return str(_DEFAULT_ABBREVIATIONS[work_type.code])
    words = (work_type.name or work_type.code).split()
    return "".join(w[0] for w in words).upper()[:4] if len(words) > 1 else words[0][:3]


def save_work_type(school: School, data: dict, work_type_id: int | None = None) -> WorkType:
    """Add a school's own work type or change one's name, weight, order or whether it is offered."""
    if work_type_id is None:
        if WorkType.select().where((WorkType.school == school) & (WorkType.code == data["code"])).exists():
            raise SchoolError("code", _l("The school already has a work type with this code."))
        return WorkType.create(school=school, **data)
    row = WorkType.get_or_none((WorkType.id == work_type_id) & (WorkType.school == school))
    if row is None:
        raise SchoolError("work_type_id", _l("No such work type at this school."))
    for key, value in data.items():
        if key != "code":
            setattr(row, key, value)
    row.save()
    return row


def _work_type(school_id: int, work_type_id) -> WorkType | None:
    if work_type_id in (None, ""):
        return None
    row = WorkType.get_or_none((WorkType.id == work_type_id) & (WorkType.school == school_id))
    if row is None:
        raise SchoolError("work_type_id", _l("No such work type at this school."))
    return row


# --------------------------------------------------------------------------- lessons


def ensure_lessons(class_group: ClassGroup, start: dt.date, end: dt.date, periods: list | None = None) -> int:
    """Make the lessons the weekly timetable gives between ``start`` and ``end`` (inside the class's
    study periods: ``periods_of``, passed when the caller has them), with the substitute as the teacher
    where there is one. Idempotent; returns how many were made. A fixed number of queries whatever the range."""
    periods = periods_of(class_group) if periods is None else periods
    if not periods:
        return 0
    start, end = max(start, periods[0].starts_on), min(end, periods[-1].ends_on)
    if start > end:
        return 0
    entries = list(TimetableEntry.select().where((TimetableEntry.class_group == class_group)
                                                 & (TimetableEntry.academic_year == class_group.academic_year_id)))
    if not entries:
        return 0
    by_day: dict[int, list[TimetableEntry]] = {}
    for entry in entries:
        by_day.setdefault(entry.weekday, []).append(entry)
    # (id, teacher) only, as tuples: every grid view calls this over a whole period (bench/run)
    existing = {(entry_id, date): (lesson_id, teacher_id) for lesson_id, entry_id, date, teacher_id in Lesson.select(
        Lesson.id, Lesson.timetable_entry, Lesson.date, Lesson.teacher).where(
        (Lesson.class_group == class_group) & (Lesson.date >= start) & (Lesson.date <= end)
        & Lesson.timetable_entry.is_null(False)).tuples()}
    subs = {(s.entry_id, s.date): s.teacher_id for s in Substitution.select().where(
        Substitution.entry.in_([e.id for e in entries]) & (Substitution.date >= start) & (Substitution.date <= end))}
    new_rows = []
    day = start
    while day <= end:
        if any(p.starts_on <= day <= p.ends_on for p in periods):
            for entry in by_day.get(day.isoweekday(), ()):
                teacher = subs.get((entry.id, day), entry.teacher_id)
                lesson = existing.get((entry.id, day))
                if lesson is None:
                    new_rows.append({"school": class_group.school_id, "class_group": class_group.id,
                                     "subgroup": entry.subgroup_id, "subject": entry.subject_id, "date": day,
                                     "number": entry.number, "timetable_entry": entry.id, "teacher": teacher})
                elif lesson[1] != teacher and (entry.id, day) in subs:
                    Lesson.update(teacher=teacher).where(Lesson.id == lesson[0]).execute()
        day += dt.timedelta(days=1)
    if new_rows:
        with db.atomic():
            for i in range(0, len(new_rows), 200):
                Lesson.insert_many(new_rows[i:i + 200]).execute()
        if listens("lessons_created"):  # the rows are read back only for a plugin that listens
            made = {(row["timetable_entry"], row["date"]) for row in new_rows}
            lessons = [lesson for lesson in Lesson.select().where(
                (Lesson.class_group == class_group) & (Lesson.date >= start) & (Lesson.date <= end)
                & Lesson.timetable_entry.is_null(False)).order_by(Lesson.date, Lesson.number)
                if (lesson.timetable_entry_id, lesson.date) in made]
            fire_event("lessons_created", scope_for_school(class_group.school), class_group=class_group,
                       lessons=lessons)
    return len(new_rows)


def ensure_school_lessons(school: School, start: dt.date, end: dt.date) -> int:
    """``ensure_lessons`` for every class of the school at once, in a fixed number of queries: the lessons
    the timetable gave between ``start`` and ``end`` (inside each class's study periods; the substitute
    as the teacher) exist, so lessons nobody opened count as not filled (the deputy's control pages).
    Open years only. Returns how many were made; ``lessons_created`` fires once per class that got
    some (the rows are read back only when a plugin listens)."""
    years = [y.id for y in AcademicYear.select().where(
        (AcademicYear.school == school) & ~AcademicYear.closed & (AcademicYear.starts_on <= end)
        & (AcademicYear.ends_on >= start))]
    if not years or end < start:
        return 0
    grades = dict(ClassGroup.select(ClassGroup.id, ClassGroup.grade).where(ClassGroup.academic_year.in_(years))
                  .tuples())
    periods = list(Period.select().where(Period.academic_year.in_(years)))
    entries = list(TimetableEntry.select().where(TimetableEntry.academic_year.in_(years)))
    if not entries:
        return 0
    existing = {(entry, day): (lesson_id, teacher) for lesson_id, entry, day, teacher in Lesson.select(
        Lesson.id, Lesson.timetable_entry, Lesson.date, Lesson.teacher).where(
        (Lesson.school == school) & (Lesson.date >= start) & (Lesson.date <= end)
        & Lesson.timetable_entry.is_null(False)).tuples()}
    subs = {(entry, day): teacher for entry, day, teacher in Substitution.select(
        Substitution.entry, Substitution.date, Substitution.teacher).join(TimetableEntry).where(
        TimetableEntry.academic_year.in_(years) & (Substitution.date >= start) & (Substitution.date <= end)).tuples()}
    by_day: dict[int, list[TimetableEntry]] = {}
    for entry in entries:
        by_day.setdefault(entry.weekday, []).append(entry)
    rows, moved = [], []
    day = start
    while day <= end:
        for entry in by_day.get(day.isoweekday(), ()):
            grade = grades.get(entry.class_group_id)
            if not any(p.academic_year_id == entry.academic_year_id and p.grade_from <= grade <= p.grade_to
                       and p.starts_on <= day <= p.ends_on for p in periods):
                continue
            teacher = subs.get((entry.id, day), entry.teacher_id)
            found = existing.get((entry.id, day))
            if found is None:
                rows.append({"school": school.id, "class_group": entry.class_group_id, "subgroup": entry.subgroup_id,
                             "subject": entry.subject_id, "date": day, "number": entry.number,
                             "timetable_entry": entry.id, "teacher": teacher})
            elif found[1] != teacher and (entry.id, day) in subs:
                moved.append((found[0], teacher))
        day += dt.timedelta(days=1)
    if rows or moved:
        with db.atomic():
            for i in range(0, len(rows), 200):
                Lesson.insert_many(rows[i:i + 200]).execute()
            for lesson_id, teacher in moved:
                Lesson.update(teacher=teacher).where(Lesson.id == lesson_id).execute()
    if rows and listens("lessons_created"):
        made = {(row["timetable_entry"], row["date"]) for row in rows}
        by_class: dict[int, list[Lesson]] = {}
        for lesson in Lesson.select().where(
                (Lesson.school == school) & (Lesson.date >= start) & (Lesson.date <= end)
                & Lesson.timetable_entry.is_null(False)).order_by(Lesson.date, Lesson.number):
            if (lesson.timetable_entry_id, lesson.date) in made:
                by_class.setdefault(lesson.class_group_id, []).append(lesson)
        classes = {c.id: c for c in ClassGroup.select().where(ClassGroup.id.in_(list(by_class)))}
        scope = scope_for_school(school)
        for class_id, lessons in by_class.items():
            fire_event("lessons_created", scope, class_group=classes[class_id], lessons=lessons)
    return len(rows)




def add_lesson(user, class_group: ClassGroup, data: dict) -> Lesson:
    """A lesson added by hand (an extra lesson, a lesson moved): by a teacher of that class-subject."""
    school = class_group.school
    subject = school_services.subject_of(school, data["subject_id"])
    subgroup = school_services.subgroup_of(class_group, data.get("subgroup_id"))
    school_services.editable(class_group.academic_year)
    if period_of(class_group, data["date"]) is None:
        raise SchoolError("date", _l("The date is outside the class's study periods."))
    probe = Lesson(school=school, class_group=class_group, subgroup=subgroup, subject=subject, date=data["date"],
                   number=data.get("number"), teacher=user)
    if not _teaches(user, probe) and not has_permission(user, CONTROL, scope_for_school(school)):
        raise JournalForbidden()
    if not has_permission(user, KEEP, scope_for_school(school)):
        raise JournalForbidden()
    probe.save()
    fire_event("lessons_created", scope_for_school(school), class_group=class_group, lessons=[probe], actor=user)
    return probe


def _teaches(user, lesson: Lesson) -> bool:
    """The user holds the teaching assignment the lesson belongs to (the class or its subgroup)."""
    query = TeachingAssignment.select().where(
        (TeachingAssignment.teacher == user.id) & (TeachingAssignment.class_group == lesson.class_group_id)
        & (TeachingAssignment.subject == lesson.subject_id))
    if lesson.subgroup_id is None:
        query = query.where(TeachingAssignment.subgroup.is_null())
    else:
        query = query.where(TeachingAssignment.subgroup.is_null() | (TeachingAssignment.subgroup == lesson.subgroup_id))
    return query.exists()


def may_keep(user, lesson: Lesson) -> bool:
    """The teacher who gave the lesson (a substitute too) or who holds its teaching assignment."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return lesson.teacher_id == user.id or _teaches(user, lesson)


def edit_window_days(school: School) -> int:
    """How many days after a lesson its records may still be changed."""
    if school.journal_edit_days is not None:
        return school.journal_edit_days
    rule = current_app.extensions["eschool"].region.rules.get("journal_deadline") or {}
    if rule.get("edit_window_days") is not None:
        return rule["edit_window_days"]
    return DEFAULT_EDIT_WINDOW_DAYS


def deadline(lesson: Lesson, school: School | None = None) -> dt.datetime:
    """When the lesson must be filled (UTC): the region's time on the lesson's day ("by 19:00"), the
    end of that day, or, where the region gives an edit window, the end of the window's last day."""
    rule = current_app.extensions["eschool"].region.rules.get("journal_deadline") or {}
    if rule.get("kind") == "edit_window":
        school = school or lesson.school
        last = lesson.date + dt.timedelta(days=edit_window_days(school))
        return _to_utc(dt.datetime.combine(last, dt.time(23, 59, 59)))
    if rule.get("time"):
        return _to_utc(dt.datetime.combine(lesson.date, dt.time.fromisoformat(rule["time"])))
    return _to_utc(dt.datetime.combine(lesson.date, dt.time(23, 59, 59)))


def lesson_state(lesson: Lesson, now: dt.datetime | None = None, school: School | None = None) -> str:
    """``filled`` in time, filled ``late``, ``overdue`` (no topic after the deadline) or still ``open``."""
    limit = deadline(lesson, school)
    if lesson.topic:
        return "late" if lesson.filled_at is not None and lesson.filled_at > limit else "filled"
    return "overdue" if (now or utcnow()) > limit else "open"


def keep_refusal(what: str, lesson_date: dt.date, today: dt.date, *, keeps: bool, mine: bool, reconciles: bool,
                 year: AcademicYear, period_closed: bool, window_days: int) -> tuple[str, object] | None:
    """Why ``what`` (marks, attendance, topic, homework) of a lesson on ``lesson_date`` may not be changed
    now, or None: ``("forbidden", message)`` (403: not the user's lesson) or ``("closed", message)`` (409:
    the year or period is closed, the day has not come, the edit window has ended).

    The one rule: :func:`check_keep` refuses a save with it, and the grid tells a locked cell's reason with
    it before anything is typed (``grid._editable``, from facts it loads once for every lesson).
    ``keeps``: the user holds ``journal.keep`` in the school; ``mine``: the user gave the lesson or holds
    its teaching assignment; ``reconciles``: the user is the class teacher (who fixes attendance too).
    """
    if not keeps:
        return "forbidden", _l("You do not keep the journal in this school.")
    if not (mine or (what == "attendance" and reconciles)):
        return "forbidden", _l("This is not your lesson: you do not teach this class and subject.")
    if year.closed:
        return "closed", _l("The academic year %(name)s is closed: past years are read-only.", name=year.name)
    if what in ("marks", "attendance") and lesson_date > today:
        return "closed", _l("The lesson has not taken place yet: marks and attendance come on its day.")
    if what == "marks" and period_closed:
        return "closed", _l("The period is closed: ask the deputy director to reopen it.")
    if lesson_date < today - dt.timedelta(days=window_days):
        return "closed", _l("The edit window has ended: lessons are kept for %(days)s days after the lesson.",
                            days=window_days)
    return None


def check_keep(user, lesson: Lesson, what: str) -> None:
    """Refuse unless ``user`` may change ``what`` (marks, attendance, topic, homework) of ``lesson`` now
    (the rule of :func:`keep_refusal`)."""
    school = lesson.school
    keeps = has_permission(user, KEEP, scope_for_school(school))
    mine = keeps and may_keep(user, lesson)
    reconciles = keeps and not mine and what == "attendance" and is_class_teacher(user, lesson.class_group_id)
    year = period = None
    if keeps and (mine or reconciles):
        year, period = _year_and_period(lesson.class_group, lesson.date, what == "marks")
    refused = keep_refusal(what, lesson.date, local_today(), keeps=keeps, mine=mine, reconciles=reconciles,
                           year=year, period_closed=bool(period is not None and period.closed),
                           window_days=edit_window_days(school) if year is not None else 0)
    if refused is None:
        return
    kind, message = refused
    if kind == "forbidden":
        raise JournalForbidden(message)
    raise SchoolError(None if year.closed else "date", message, conflict=True)


def not_filled_in_time(lessons: list[Lesson], school: School | None = None, now: dt.datetime | None = None) -> list[Lesson]:
    """The lessons of ``lessons`` not filled by their deadline (:func:`lesson_state` ``overdue``): the
    teacher's «not filled by the deadline» list shows the same lessons the grid flags, today's included
    once its deadline (19:00 in Kemerovo) has passed."""
    now = now or utcnow()
    return [lesson for lesson in lessons if lesson_state(lesson, now=now, school=school) == "overdue"]


def set_lesson(user, lesson: Lesson, data: dict, version: int | None = None) -> Lesson:
    """Change a lesson's topic or default work type (the lesson plans plugin keeps its own link to the
    lesson and sets the topic through here)."""
    check_keep(user, lesson, "topic")
    changes = {}
    if "topic" in data:
        changes["topic"] = (data["topic"] or "").strip()
        if changes["topic"] and not lesson.topic and lesson.filled_at is None:
            changes["filled_at"] = utcnow()
    if "work_type_id" in data:
        work_type = _work_type(lesson.school_id, data["work_type_id"])
        changes["work_type"] = work_type.id if work_type else None
    if not changes:
        return lesson
    expected = lesson.version if version is None else version
    updated = (Lesson.update(**changes, updated_at=utcnow(), version=Lesson.version + 1)
               .where((Lesson.id == lesson.id) & (Lesson.version == expected)).execute())
    if not updated:
        now = Lesson.get_by_id(lesson.id)
        raise StaleEdit("topic", {"value": now.topic, "version": now.version, "by": "",
                                  "updated_at": now.updated_at.isoformat()})
    return Lesson.get_by_id(lesson.id)


# --------------------------------------------------------------------------- marks


NO_MARKS = _l("No marks are given in this class for this subject.")


def _mark_value(scale: str, value: str) -> tuple[str, int | None]:
    text = str(value).strip().lower()
    if scale == "none":
        raise SchoolError("value", NO_MARKS)
    if scale == "pass_fail":
        if text not in PASS_FAIL:
            raise SchoolError("value", _l("Pass or fail is expected here."))
        return PASS_FAIL[text], None
    if text not in FIVE_POINT:
        raise SchoolError("value", _l("A mark from 1 to 5 is expected here."))
    return text, FIVE_POINT[text]


def mark_current(mark: Mark | None) -> dict | None:
    """A mark as a stale-edit answer shows it."""
    if mark is None:
        return None
    author = User.get_or_none(User.id == mark.author_id) if mark.author_id else None
    return {"id": mark.id, "value": mark.value, "version": mark.version, "comment": mark.comment,
            "work_type_id": mark.work_type_id, "by": author.full_name if author else "",
            "updated_at": mark.updated_at.isoformat()}


def set_mark(user, lesson: Lesson, student, slot: int, value, *, work_type_id=None, comment=None,
             version: int | None = None) -> Mark | None:
    """Put, change or (``value`` empty) clear the mark in slot ``slot`` of a student in a lesson.

    ``version`` is the mark's version when the edit started (None for an empty cell): a mark saved by
    somebody else in between makes a :class:`StaleEdit` with the current mark.
    """
    check_keep(user, lesson, "marks")
    if not isinstance(student, Student):
        student = student_in_lesson(lesson, student)
    else:
        student = student_in_lesson(lesson, student.id)
    if not isinstance(slot, int) or not 0 <= slot < 10:
        raise SchoolError("slot", _l("A lesson holds at most ten marks per student."))
    existing = Mark.get_or_none((Mark.lesson == lesson) & (Mark.student == student) & (Mark.slot == slot))
    if existing is not None and version != existing.version or existing is None and version is not None:
        raise StaleEdit("value", mark_current(existing))
    if value in (None, ""):
        if existing is None:
            return None
        with db.atomic():
            deleted = Mark.delete().where((Mark.id == existing.id) & (Mark.version == existing.version)).execute()
            if not deleted:
                raise StaleEdit("value", mark_current(Mark.get_or_none(Mark.id == existing.id)))
            write_audit(lesson.school_id, user, "mark", existing.id, {"value": (existing.value, None)})
        fire_event("mark_deleted", scope_for_school(lesson.school), mark=existing, actor=user)
        return None
    text, numeric = _mark_value(scale_of(lesson.class_group, lesson.subject_id), value)
    work_type = _work_type(lesson.school_id, work_type_id) if work_type_id not in (None, "") else None
    if work_type is None:
        work_type = (WorkType.get_or_none(WorkType.id == existing.work_type_id) if existing and work_type_id is None
                     and existing.work_type_id else None)
    if work_type is None and lesson.work_type_id:
        work_type = WorkType.get_or_none(WorkType.id == lesson.work_type_id)
    if work_type is None:
        offered = work_types(lesson.school)
        if not offered:
            raise SchoolError("work_type_id", _l("The school offers no work type: its journal settings must "
                                                 "offer at least one."))
        work_type = offered[0]
    comment = (existing.comment if existing else "") if comment is None else comment.strip()[:500]
    now = utcnow()
    try:
        with db.atomic():
            if existing is None:
                mark = Mark.create(lesson=lesson, student=student, slot=slot, value=text, numeric=numeric,
                                   work_type=work_type, weight=work_type.weight, comment=comment, author=user,
                                   created_at=now, updated_at=now)
                write_audit(lesson.school_id, user, "mark", mark.id, {"value": (None, text)})
            else:
                updated = (Mark.update(value=text, numeric=numeric, work_type=work_type, weight=work_type.weight,
                                       comment=comment, author=user, updated_at=now, version=Mark.version + 1)
                           .where((Mark.id == existing.id) & (Mark.version == existing.version)).execute())
                if not updated:
                    raise StaleEdit("value", mark_current(Mark.get_or_none(Mark.id == existing.id)))
                mark = Mark.get_by_id(existing.id)
                changes = {"value": (existing.value, text)} if existing.value != text else {}
                if existing.comment != comment:
                    changes["comment"] = (existing.comment, comment)
                if existing.work_type_id != work_type.id:
                    changes["work_type"] = (existing.work_type_id, work_type.id)
                write_audit(lesson.school_id, user, "mark", mark.id, changes)
    except IntegrityError as exc:  # two saves of one empty cell at once: the later one loses
        raise StaleEdit("value", mark_current(Mark.get_or_none(
            (Mark.lesson == lesson) & (Mark.student == student) & (Mark.slot == slot)))) from exc
    fire_event("mark_saved", scope_for_school(lesson.school), mark=mark, created=existing is None, actor=user)
    return mark


# --------------------------------------------------------------------------- attendance


def attendance_kind(value) -> str | None:
    """``absent`` / ``ill`` / ``excused`` / ``late`` from a code or a journal letter; '' means present."""
    if value in (None, ""):
        return None
    text = str(value).strip().lower()
    if text in ATTENDANCE_KINDS:
        return text
    if text in ATTENDANCE_LETTERS:
        return ATTENDANCE_LETTERS[text]
    raise SchoolError("kind", _l("Attendance is one of: absent (н), ill (б), excused (у), late (оп)."))


def attendance_current(row: Attendance | None) -> dict | None:
    if row is None:
        return None
    who = User.get_or_none(User.id == row.recorded_by_id) if row.recorded_by_id else None
    return {"id": row.id, "value": row.kind, "kind": row.kind, "reason": row.reason, "version": row.version,
            "by": who.full_name if who else "", "updated_at": row.updated_at.isoformat()}


def set_attendance(user, lesson: Lesson, student, kind, *, reason: str = "", minutes_late=None,
                   version: int | None = None) -> Attendance | None:
    """Record an absence, illness, excuse or lateness (``kind`` empty: the student was there)."""
    check_keep(user, lesson, "attendance")
    student = student_in_lesson(lesson, student.id if isinstance(student, Student) else student)
    kind = attendance_kind(kind)
    existing = Attendance.get_or_none((Attendance.lesson == lesson) & (Attendance.student == student))
    if existing is not None and version != existing.version or existing is None and version is not None:
        raise StaleEdit("kind", attendance_current(existing))
    if kind is None:
        if existing is None:
            return None
        with db.atomic():
            if not Attendance.delete().where((Attendance.id == existing.id)
                                             & (Attendance.version == existing.version)).execute():
                raise StaleEdit("kind", attendance_current(Attendance.get_or_none(Attendance.id == existing.id)))
            write_audit(lesson.school_id, user, "attendance", existing.id, {"kind": (existing.kind, None)})
        fire_event("absence_deleted", scope_for_school(lesson.school), attendance=existing, actor=user)
        return None
    if kind == "late" and minutes_late not in (None, ""):
        try:
            minutes_late = int(minutes_late)
        except (TypeError, ValueError):
            minutes_late = -1
        if not 0 < minutes_late <= 240:
            raise SchoolError("minutes_late", _l("Minutes late: a number from 1 to 240."))
    else:
        minutes_late = None
    reason = (reason or "").strip()[:300]
    now = utcnow()
    try:
        with db.atomic():
            if existing is None:
                row = Attendance.create(lesson=lesson, student=student, kind=kind, reason=reason,
                                        minutes_late=minutes_late, recorded_by=user, created_at=now, updated_at=now)
                write_audit(lesson.school_id, user, "attendance", row.id, {"kind": (None, kind)})
            else:
                if not (Attendance.update(kind=kind, reason=reason, minutes_late=minutes_late, recorded_by=user,
                                          updated_at=now, version=Attendance.version + 1)
                        .where((Attendance.id == existing.id) & (Attendance.version == existing.version)).execute()):
                    raise StaleEdit("kind", attendance_current(Attendance.get_or_none(Attendance.id == existing.id)))
                row = Attendance.get_by_id(existing.id)
                changes = {"kind": (existing.kind, kind)} if existing.kind != kind else {}
                if existing.reason != reason:
                    changes["reason"] = (existing.reason, reason)
                write_audit(lesson.school_id, user, "attendance", row.id, changes)
    except IntegrityError as exc:
        raise StaleEdit("kind", attendance_current(Attendance.get_or_none(
            (Attendance.lesson == lesson) & (Attendance.student == student)))) from exc
    fire_event("absence_recorded", scope_for_school(lesson.school), attendance=row, created=existing is None,
               actor=user)
    return row


# --------------------------------------------------------------------------- homework


def class_attendance(class_group: ClassGroup, day: dt.date) -> list[Attendance]:
    """What the journal recorded of a class's presence on a day: its absences and latenesses (only
    exceptions are stored), each with its lesson (one query). For plugins such as nutrition."""
    return list(Attendance.select(Attendance, Lesson).join(Lesson)
                .where((Lesson.class_group == class_group) & (Lesson.date == day))
                .order_by(Lesson.number, Attendance.student))


def next_lesson_date(lesson: Lesson) -> dt.date | None:
    """The date of the class-subject's next lesson: homework is due then by default."""
    nxt = (Lesson.select(Lesson.date).where((Lesson.class_group == lesson.class_group_id)
                                            & (Lesson.subject == lesson.subject_id) & (Lesson.date > lesson.date))
           .order_by(Lesson.date).first())
    if nxt is not None:
        return nxt.date
    entries = TimetableEntry.select(TimetableEntry.weekday).where(
        (TimetableEntry.class_group == lesson.class_group_id) & (TimetableEntry.subject == lesson.subject_id))
    weekdays = {e.weekday for e in entries}
    for days in range(1, 15):
        day = lesson.date + dt.timedelta(days=days)
        if day.isoweekday() in weekdays:
            return day
    return None


def homework_of(lesson: Lesson) -> Homework | None:
    return Homework.select().where(Homework.lesson == lesson).order_by(Homework.id).first()


def _links(value) -> str:
    items = value if isinstance(value, list | tuple) else str(value or "").splitlines()
    links = [str(item).strip() for item in items if str(item).strip()]
    for index, link in enumerate(links):
        if not link.lower().startswith(("http://", "https://")) or len(link) > 1000 or " " in link:
            raise SchoolError(f"links.{index}", _l("A link must start with http:// or https://."))
    return "\n".join(links)


def set_homework(user, lesson: Lesson, data: dict, version: int | None = None) -> Homework:
    """Set or change the lesson's homework: text, links, time needed, due date, for all or chosen students."""
    check_keep(user, lesson, "homework")
    text = (data.get("text") or "").strip()
    if text and not homework_allowed(lesson.class_group):
        raise SchoolError("text", _l("The 1st grade gets no homework in this region."))
    links = _links(data.get("links"))
    minutes = data.get("minutes_needed")
    if minutes not in (None, ""):
        try:
            minutes = int(minutes)
        except (TypeError, ValueError):
            minutes = -1
        if not 1 <= minutes <= 600:
            raise SchoolError("minutes_needed", _l("Time needed: minutes from 1 to 600."))
    else:
        minutes = None
    due_on = data.get("due_on") or next_lesson_date(lesson)
    if due_on is not None and due_on < lesson.date:
        raise SchoolError("due_on", _l("Homework cannot be due before the lesson it is set in."))
    student_ids = [int(s) for s in data.get("student_ids") or []]
    students = [student_in_lesson(lesson, sid, f"student_ids.{i}") for i, sid in enumerate(student_ids)]
    existing = homework_of(lesson)
    if existing is not None and version is not None and version != existing.version or \
            existing is None and version is not None:
        raise StaleEdit("text", None if existing is None else {"value": existing.text, "version": existing.version,
                                                               "by": "", "updated_at": existing.updated_at.isoformat()})
    now = utcnow()
    try:
        homework = _store_homework(user, lesson, existing, text, links, minutes, due_on, students, now)
    except IntegrityError as exc:  # two saves of a lesson's first homework at once: the later one loses
        raise StaleEdit("text", homework_current(homework_of(lesson))) from exc
    fire_event("homework_set", scope_for_school(lesson.school), homework=homework, created=existing is None,
               actor=user)
    return homework


def homework_current(homework: Homework | None) -> dict | None:
    """The homework as a stale-edit answer shows it."""
    if homework is None:
        return None
    author = User.get_or_none(User.id == homework.created_by_id) if homework.created_by_id else None
    return {"id": homework.id, "value": homework.text, "version": homework.version,
            "by": author.full_name if author else "", "updated_at": homework.updated_at.isoformat()}


def _store_homework(user, lesson, existing, text, links, minutes, due_on, students, now) -> Homework:
    """The writes of ``set_homework`` in one transaction (a savepoint inside an outer one): a new row
    meeting the one-per-lesson index raises IntegrityError with nothing written."""
    with db.atomic():
        if existing is None:
            homework = Homework.create(lesson=lesson, text=text, links=links, minutes_needed=minutes, due_on=due_on,
                                       for_all=not students, created_by=user, created_at=now, updated_at=now)
        else:
            if not (Homework.update(text=text, links=links, minutes_needed=minutes, due_on=due_on,
                                    for_all=not students, updated_at=now, version=Homework.version + 1)
                    .where((Homework.id == existing.id) & (Homework.version == existing.version)).execute()):
                raise StaleEdit("text", {"value": existing.text, "version": existing.version, "by": "",
                                         "updated_at": existing.updated_at.isoformat()})
            homework = Homework.get_by_id(existing.id)
            HomeworkStudent.delete().where(HomeworkStudent.homework == homework).execute()
        if students:
            HomeworkStudent.insert_many([{"homework": homework.id, "student": s.id} for s in students]).execute()
    return homework


def delete_homework(user, homework: Homework, version: int | None = None) -> None:
    """Take the lesson's homework away: the row, the students it was for and its files (the stored files
    too). Kept by the same rules as setting it (``check_keep``); ``version`` is the version the edit
    started from (None: the current one), a stale one is refused. Not audited (homework never is); fires
    ``homework_deleted``."""
    lesson = Lesson.select(Lesson, ClassGroup).join(ClassGroup).where(Lesson.id == homework.lesson_id).get()
    check_keep(user, lesson, "homework")
    current = Homework.get_or_none(Homework.id == homework.id)
    if current is None:
        raise StaleEdit("text", None)
    expected = current.version if version is None else version
    stored = [row.stored_name for row in HomeworkFile.select(HomeworkFile.stored_name)
              .where(HomeworkFile.homework == current.id)]
    with db.atomic():  # children first; a stale version rolls their removal back
        HomeworkFile.delete().where(HomeworkFile.homework == current.id).execute()
        HomeworkStudent.delete().where(HomeworkStudent.homework == current.id).execute()
        if not Homework.delete().where((Homework.id == current.id) & (Homework.version == expected)).execute():
            raise StaleEdit("text", {"value": current.text, "version": current.version, "by": "",
                                     "updated_at": current.updated_at.isoformat()})
    fire_event("homework_deleted", scope_for_school(lesson.school), homework=current, actor=user)
    attachments.remove_stored(HOMEWORK_OWNER, stored)


def _upload_dir() -> Path:
    """The homework files' folder, ``<instance>/uploads/homework`` (the attachments' layout, owner "homework")."""
    return attachments.stored_path(HOMEWORK_OWNER, "x").parent


def add_homework_file(user, homework: Homework, storage) -> HomeworkFile:
    """Attach a file: checked for size and type, stored outside the web root under a generated name
    (the attachments' shared functions; the homework keeps its own table)."""
    lesson = Lesson.get_by_id(homework.lesson_id)
    check_keep(user, lesson, "homework")
    limit = current_app.config.get("HOMEWORK_MAX_BYTES", HOMEWORK_MAX_BYTES)
    try:
        name, content_type, data = attachments.read_upload(storage, HOMEWORK_TYPES, limit)
    except attachments.AttachmentError as exc:
        raise SchoolError(exc.field, exc.message) from exc
    stored = attachments.store_bytes(HOMEWORK_OWNER, data)
    return HomeworkFile.create(homework=homework, stored_name=stored, original_name=name,
                               content_type=content_type, size=len(data), uploaded_by=user)


def remove_homework_file(user, file_id: int) -> None:
    row = HomeworkFile.get_or_none(HomeworkFile.id == file_id)
    if row is None:
        raise SchoolError("file_id", _l("No such file."))
    check_keep(user, Lesson.get_by_id(row.homework.lesson_id), "homework")
    row.delete_instance()
    attachments.remove_stored(HOMEWORK_OWNER, [row.stored_name])


def can_read_homework(user, homework: Homework) -> bool:
    """Who sees a homework: the lesson's keepers and the school's staff; the students it is for and
    their parents."""
    lesson = Lesson.get_by_id(homework.lesson_id)
    if can_read_class(user, lesson.class_group, lesson) or may_keep(user, lesson):
        return True
    students = _own_students(user)
    if not students:
        return False
    if homework.for_all:
        return (ClassMembership.select().where((ClassMembership.class_group == lesson.class_group_id)
                                               & ClassMembership.student.in_(students)
                                               & (ClassMembership.starts_on <= lesson.date)
                                               & (ClassMembership.ends_on.is_null()
                                                  | (ClassMembership.ends_on >= lesson.date))).exists())
    return HomeworkStudent.select().where((HomeworkStudent.homework == homework)
                                          & HomeworkStudent.student.in_(students)).exists()


def open_homework_file(user, file_id: int) -> tuple[HomeworkFile, Path]:
    row = HomeworkFile.get_or_none(HomeworkFile.id == file_id)
    if row is None or not can_read_homework(user, Homework.get_by_id(row.homework_id)):
        raise JournalForbidden(_l("No such file, or it is not yours to see."))
    return row, attachments.stored_path(HOMEWORK_OWNER, row.stored_name)


# --------------------------------------------------------------------------- who reads


def _own_students(user) -> list[int]:
    """The students the user reads as a student (themselves) or a parent (their children), acting in
    those roles now."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    acting = {a.role for a in user_assignments(user)}
    ids = []
    if "student" in acting:
        ids += [s.id for s in Student.select(Student.id).where(Student.user == user.id)]
    if "parent" in acting:
        ids += [g.student_id for g in Guardian.select(Guardian.student).where(Guardian.user == user.id)]
    return ids


def can_read_class(user, class_group: ClassGroup, lesson: Lesson | None = None) -> bool:
    """The whole class's journal: its class teacher, its teachers, and the school's leadership."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    school = School.get_by_id(class_group.school_id)
    if has_permission(user, CONTROL, scope_for_school(school)):
        return True
    if not has_permission(user, KEEP, scope_for_school(school)):
        return False
    if is_class_teacher(user, class_group.id) or reads_every_journal(user, school):
        return True
    return TeachingAssignment.select().where((TeachingAssignment.teacher == user.id)
                                             & (TeachingAssignment.class_group == class_group.id)).exists()


def can_read_student(user, student: Student) -> bool:
    """A student's marks: the student, their parents, the teachers and class teacher of their class
    now, the school's leadership. Nobody else (another family, another class's teacher)."""
    if student.id in _own_students(user):
        return True
    membership = (ClassMembership.select().where((ClassMembership.student == student)
                                                 & ClassMembership.ends_on.is_null()).first())
    if membership is not None:
        return can_read_class(user, ClassGroup.get_by_id(membership.class_group_id))
    return has_permission(user, CONTROL, scope_for_school(School.get_by_id(student.school_id)))


def readable_students(user) -> list[Student]:
    """The children a parent (or the student themselves) may open in the diary, by name (one query, the
    same rule as ``_own_students``)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    acting = {a.role for a in user_assignments(user)}
    shape = ("student" in acting, "parent" in acting)
    if not any(shape):
        return []
    return _READABLE[shape].run(user.id)


def _readable(as_student: bool, as_parent: bool) -> Compiled:
    """The query of ``readable_students`` for one combination of roles (every diary request: ``db.Compiled``)."""
    def build(user_id):
        conditions = []
        if as_student:
            conditions.append(Student.user == user_id)
        if as_parent:
            conditions.append(Student.id.in_(Guardian.select(Guardian.student).where(Guardian.user == user_id)))
        where = conditions[0] if len(conditions) == 1 else conditions[0] | conditions[1]
        return Student.select().where(where).order_by(Student.last_name, Student.first_name)
    return Compiled(build, "int")


_READABLE = {shape: _readable(*shape) for shape in ((True, False), (False, True), (True, True))}


def subgroup_of_lesson(lesson: Lesson) -> Subgroup | None:
    return Subgroup.get_or_none(Subgroup.id == lesson.subgroup_id) if lesson.subgroup_id else None


# --------------------------------------------------------------------------- absence notices (issue 14)

NOTICE_OWNER = "core"  # the owner of a notice's file in the core's attachments (core_plugin answers who reads it)
NOTICE_MAX_DAYS = 31
NOTICE_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}


def _guarded_children(user) -> list[int]:
    """The children the user reports for: their own, acting as a parent now."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    if "parent" not in {a.role for a in user_assignments(user)}:
        return []
    return [g.student_id for g in Guardian.select(Guardian.student).where(Guardian.user == user.id)]


def _date(value, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or ""))
    except ValueError:
        raise SchoolError(field, _l("Enter a date.")) from None


def report_absence(user, student_id, data: dict, file=None) -> AbsenceNotice:
    """A parent says in advance that their child will be away: ``starts_on``, ``ends_on`` (local dates,
    at most a month, from today on), ``reason`` (illness, family, other), an optional ``note`` and file.
    Only for one's own child (anybody else's: ``SchoolError`` on ``student_id``, nothing stored); fires
    ``eschool_on_absence_reported`` after the commit."""
    try:
        student_id = int(student_id)
    except (TypeError, ValueError):
        raise SchoolError("student_id", _l("Choose your child.")) from None
    if student_id not in _guarded_children(user):
        raise SchoolError("student_id", _l("Choose your child."))
    student = Student.get_by_id(student_id)
    starts_on = _date(data.get("starts_on"), "starts_on")
    ends_on = _date(data.get("ends_on") or starts_on, "ends_on")
    today = local_today()
    if starts_on < today:
        raise SchoolError("starts_on", _l("An absence is reported in advance: from today on."))
    if ends_on < starts_on:
        raise SchoolError("ends_on", _l("The last day comes after the first."))
    if (ends_on - starts_on).days >= NOTICE_MAX_DAYS:
        raise SchoolError("ends_on", _l("At most %(days)s days at once.", days=NOTICE_MAX_DAYS))
    reason = str(data.get("reason") or "")
    if reason not in NOTICE_REASONS:
        raise SchoolError("reason", _l("Choose the reason: illness, family circumstances or other."))
    note = str(data.get("note") or "").strip()
    if len(note) > 1000:
        raise SchoolError("note", _l("At most 1000 characters."))
    membership = (ClassMembership.select().where((ClassMembership.student == student)
                                                 & ClassMembership.ends_on.is_null()).first())
    if membership is None:
        raise SchoolError("student_id", _l("Your child is not in a class now."))
    with db.atomic():
        notice = AbsenceNotice.create(school=student.school_id, class_group=membership.class_group_id,
                                      student=student, starts_on=starts_on, ends_on=ends_on, reason=reason,
                                      note=note, reported_by=user.id)
        if file is not None and getattr(file, "filename", ""):
            try:
                row = attachments.save(NOTICE_OWNER, file, record_id=notice.id, school_id=student.school_id,
                                       user=user, types=NOTICE_TYPES)
            except attachments.AttachmentError as exc:
                raise SchoolError("file", exc.message) from exc
            notice.attachment_id = row.id
            notice.save()
    fire_event("absence_reported", scope_for_school(School.get_by_id(student.school_id)), notice=notice, actor=user)
    return notice


def parent_notices(user, limit: int = 50) -> list[AbsenceNotice]:
    """The notices of the user's children, newest first (one query)."""
    ids = _guarded_children(user)
    if not ids:
        return []
    return list(AbsenceNotice.select(AbsenceNotice, Student).join(Student)
                .where(AbsenceNotice.student.in_(ids)).order_by(AbsenceNotice.starts_on.desc()).limit(limit))


class NoticeNotFound(SchoolError):
    """A notice that is not there for this user (another family's, another class's): 404."""

    def __init__(self):
        super().__init__("notice", _l("Not found."))


def withdraw_notice(user, notice_id) -> AbsenceNotice:
    """The parent takes a notice back (the child goes to school after all); only while not yet confirmed."""
    notice = AbsenceNotice.get_or_none(AbsenceNotice.id == notice_id)
    if notice is None or notice.student_id not in _guarded_children(user):
        raise NoticeNotFound()
    if notice.status != "reported":
        raise SchoolError("status", _l("The class teacher has already handled this notice."), conflict=True)
    AbsenceNotice.update(status="withdrawn", reviewed_at=utcnow()).where(AbsenceNotice.id == notice.id).execute()
    return AbsenceNotice.get_by_id(notice.id)


def notice_file_readable(attachment, user) -> bool | None:
    """A notice's file: the parents of its child and whoever sees the class's notices."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "is_device", False):
        return None
    notice = AbsenceNotice.get_or_none(AbsenceNotice.id == attachment.record_id)
    if notice is None or notice.attachment_id != attachment.id:
        return None
    if notice.student_id in _guarded_children(user):
        return True
    group = ClassGroup.get_or_none(ClassGroup.id == notice.class_group_id)
    return True if group is not None and may_see_notices(user, group) else None


def may_see_notices(user, class_group: ClassGroup) -> bool:
    """A class's notices: its class teacher, its teachers, the school's leadership (``can_read_class``)."""
    return can_read_class(user, class_group)


def may_review_notices(user, class_group: ClassGroup) -> bool:
    """Confirming or correcting: the class teacher, or the leadership (``journal.control``)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    school = School.get_by_id(class_group.school_id)
    return is_class_teacher(user, class_group.id) or has_permission(user, CONTROL, scope_for_school(school))


def notice_classes(user, school: School) -> set[int] | None:
    """The classes whose notices the user sees in a school: ``None`` for all (the leadership, with
    ``journal.control``), else the classes they lead or teach (two queries)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    if has_permission(user, CONTROL, scope_for_school(school)):
        return None
    if not has_permission(user, KEEP, scope_for_school(school)):
        return set()
    ids = {a.class_group_id for a in user_assignments(user) if a.role == "class_teacher" and a.class_group_id}
    ids |= {c.id for c in ClassGroup.select(ClassGroup.id).where((ClassGroup.school == school.id)
                                                                  & (ClassGroup.class_teacher == user.id))}
    ids |= {t.class_group_id for t in TeachingAssignment.select(TeachingAssignment.class_group)
            .where(TeachingAssignment.teacher == user.id)}
    return ids


def notices_seen_by(user, school: School, class_id=None, since: dt.date | None = None,
                    until: dt.date | None = None) -> list[AbsenceNotice]:
    """The notices the user sees in a school, still running on ``since`` or later (default: a week back),
    starting by ``until`` if given, one class if ``class_id``; with the student and class (three queries)."""
    classes = notice_classes(user, school)
    since = since or local_today() - dt.timedelta(days=7)
    query = (AbsenceNotice.select(AbsenceNotice, Student, ClassGroup).join(Student)
             .switch(AbsenceNotice).join(ClassGroup)
             .where((AbsenceNotice.school == school.id) & (AbsenceNotice.ends_on >= since)))
    if until is not None:
        query = query.where(AbsenceNotice.starts_on <= until)
    if class_id is not None:
        query = query.where(AbsenceNotice.class_group == class_id)
    if classes is not None:
        if not classes:
            return []
        query = query.where(AbsenceNotice.class_group.in_(sorted(classes)))
    return list(query.order_by(AbsenceNotice.starts_on, Student.last_name, Student.first_name))


def notice_of(user, school: School, notice_id) -> AbsenceNotice:
    """One notice the user sees (else ``NoticeNotFound``)."""
    notice = AbsenceNotice.get_or_none((AbsenceNotice.id == notice_id) & (AbsenceNotice.school == school.id))
    if notice is None:
        raise NoticeNotFound()
    classes = notice_classes(user, school)
    if classes is not None and notice.class_group_id not in classes:
        raise NoticeNotFound()
    return notice


def expected_absences(student_ids, start: dt.date, end: dt.date) -> dict[int, list[tuple]]:
    """Student id -> the (first day, last day, reason) of their notices in force (reported or confirmed)
    that touch ``start``..``end``: the journal shows those days as expected, excused absences. One query."""
    ids = list(student_ids)
    if not ids:
        return {}
    found: dict[int, list[tuple]] = {}
    for n in (AbsenceNotice.select(AbsenceNotice.student, AbsenceNotice.starts_on, AbsenceNotice.ends_on,
                                   AbsenceNotice.reason)
              .where(AbsenceNotice.student.in_(ids) & AbsenceNotice.status.in_(("reported", "confirmed"))
                     & (AbsenceNotice.starts_on <= end) & (AbsenceNotice.ends_on >= start))):
        found.setdefault(n.student_id, []).append((n.starts_on, n.ends_on, n.reason))
    return found


def absent_by_notice(student_ids, day: dt.date) -> set[int]:
    """The students a notice in force says are away on ``day`` (one query): for plugins (nutrition)."""
    return set(expected_absences(student_ids, day, day))


def review_notice(user, notice: AbsenceNotice, action: str, note: str = "") -> AbsenceNotice:
    """The class teacher (or the leadership) handles a notice.

    ``confirm``: the absence is recorded in the journal for the notice's lessons that have taken place
    (``ill`` for illness, else ``excused``; a lesson that already has an attendance row keeps it);
    later days stay expected and are recorded when confirmed again. ``correct``: the notice does not
    hold (the child came): the journal stops showing the days as expected; what the teacher records
    in the cells stands. Fires the journal's attendance events for every absence recorded."""
    group = ClassGroup.get_or_none(ClassGroup.id == notice.class_group_id)
    if group is None or not may_review_notices(user, group):
        raise JournalForbidden(_l("Only the class teacher confirms or corrects a notice."))
    if action not in ("confirm", "correct"):
        raise SchoolError("action", _l("Choose: confirm or correct."))
    if notice.status == "withdrawn":
        raise SchoolError("status", _l("The parent has withdrawn this notice."), conflict=True)
    note = (note or "").strip()[:300]
    with db.atomic():
        if action == "confirm":
            kind = "ill" if notice.reason == "illness" else "excused"
            last = min(notice.ends_on, local_today())
            lessons = list(Lesson.select().where((Lesson.class_group == group.id)
                                                 & (Lesson.date >= notice.starts_on) & (Lesson.date <= last))
                           .order_by(Lesson.date, Lesson.number))
            have = {a.lesson_id for a in Attendance.select(Attendance.lesson)
                    .where((Attendance.student == notice.student_id)
                           & Attendance.lesson.in_([lesson.id for lesson in lessons]))} if lessons else set()
            for lesson in lessons:
                if lesson.id in have:
                    continue
                try:
                    set_attendance(user, lesson, notice.student_id, kind, reason=note or str(_l("Reported by the parent")))
                except (SchoolError, JournalForbidden):
                    continue  # a subgroup lesson without the student, a lesson out of the edit window
        AbsenceNotice.update(status="confirmed" if action == "confirm" else "corrected", reviewed_by=user.id,
                             reviewed_at=utcnow(), review_note=note).where(AbsenceNotice.id == notice.id).execute()
    return AbsenceNotice.get_by_id(notice.id)
