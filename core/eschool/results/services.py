"""Final marks, closing periods and the class period report: the rules.

- The teacher of a subject in a class (a teaching assignment) sees every student's weighted average and
  suggested mark and sets the final marks: per period, for the year (suggested from the period marks)
  and for exams. Each change goes to the audit log; an edit that started from an older version is
  refused (409) with the current row. A closed period or a closed year refuses changes.
- The deputy director (``journal.control``) closes a period for the school and reopens it; closing fires
  ``eschool_on_period_closed`` after the commit. The journal refuses marks in a closed period.
- The class period report shows each student's final marks (or the suggestions where none is set) per
  subject with the pass and quality rates, to the class teacher of that class and the school's
  management; a municipal operator sees only the rates per school (:func:`school_rates`).

Every page or endpoint here runs a fixed number of queries whatever the class's size.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from peewee import JOIN, Case, IntegrityError, fn

from eschool.auth.models import User
from eschool.auth.permissions import has_permission
from eschool.db import db, utcnow
from eschool.journal import services as journal
from eschool.journal.models import FinalMark, Lesson, Mark
from eschool.journal.services import JournalForbidden, StaleEdit
from eschool.people.models import ClassMembership, Student
from eschool.people.services import classes_led, is_class_teacher, write_audit
from eschool.plugins.services import scope_for_school
from eschool.results import figures
from eschool.school.models import (
    AcademicYear,
    ClassGroup,
    CurriculumItem,
    Period,
    Subject,
    TeachingAssignment,
)
from eschool.school.services import SchoolError
from eschool.structure.models import Municipality, School

CONTROL = "journal.control"
KINDS = ("period", "year", "exam")


class ResultsForbidden(JournalForbidden):
    """The user may not see or set these final marks, or close periods (403)."""

    def __init__(self, message=None):
        super().__init__(message or _l("You do not have permission to do this here."))


class StaleFinalMark(StaleEdit):
    """Somebody changed the final mark since the edit started (409); ``current`` is the row now."""

    def __init__(self, current: dict | None):
        super().__init__("version", current)


# --------------------------------------------------------------------------- lookups and rules


def threshold() -> Decimal:
    """The region's rounding threshold for the suggested final mark."""
    rules = current_app.extensions["eschool"].region.rules
    return (rules.get("final_mark_rounding") or {}).get("threshold", figures.DEFAULT_THRESHOLD)


def period_of(school: School, period_id, field_name: str = "period_id") -> Period:
    period = (Period.select(Period, AcademicYear).join(AcademicYear)
              .where((Period.id == period_id) & (AcademicYear.school == school)).first()) if period_id else None
    if period is None:
        raise SchoolError(field_name, _l("No such period at this school."))
    return period


def periods_for(class_group: ClassGroup) -> list[Period]:
    """The periods of the class's year that cover its grade, in order."""
    return journal.periods_of(class_group)


def _check_period_covers(period: Period, class_group: ClassGroup) -> None:
    if period.academic_year_id != class_group.academic_year_id or not (
            period.grade_from <= class_group.grade <= period.grade_to):
        raise SchoolError("period_id", _l("This period is not one of the class's periods."))


def teaches(user, class_group: ClassGroup, subject: Subject) -> bool:
    """The user teaches the subject in the class (to the whole class or to one of its subgroups)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return TeachingAssignment.select().where(
        (TeachingAssignment.teacher == user.id) & (TeachingAssignment.class_group == class_group)
        & (TeachingAssignment.subject == subject)).exists()


def controls(user, school: School) -> bool:
    """The school's management: the deputy director, the director, the school administrator."""
    return has_permission(user, CONTROL, scope_for_school(school))


def may_read_class(user, class_group: ClassGroup) -> bool:
    """The class teacher of this class, or the school's management."""
    return is_class_teacher(user, class_group.id) or controls(user, class_group.school)


def scale_of(class_group: ClassGroup, subject: Subject) -> str:
    """five_point | pass_fail | none (the journal's rule)."""
    return journal.scale_of(class_group, subject)


def students_between(class_group: ClassGroup, start: dt.date, end: dt.date) -> list[Student]:
    """Students who were in the class at any time from ``start`` to ``end``, by name."""
    return journal.class_students(class_group, start, end)


def _span(class_group: ClassGroup, kind: str, period: Period | None) -> tuple[dt.date, dt.date]:
    if kind == "period":
        return period.starts_on, period.ends_on
    year = class_group.academic_year
    return year.starts_on, year.ends_on


def _allowed_values(scale: str) -> tuple[str, ...]:
    if scale == "pass_fail":
        return (*figures.PASS_FAIL_FINALS, figures.EXEMPT)
    return (*figures.FIVE_POINT_FINALS, figures.EXEMPT)


def _numeric(value: str) -> int | None:
    return int(value) if value in figures.FIVE_POINT_FINALS else None


def _check_kind(kind: str, period: Period | None) -> None:
    if kind not in KINDS:
        raise SchoolError("kind", _l("Choose a period, the year or an exam."))
    if kind == "period" and period is None:
        raise SchoolError("period_id", _l("Choose a period."))


# --------------------------------------------------------------------------- the teacher's sheet


@dataclass
class SheetRow:
    student: Student
    average: Decimal | None = None
    suggestion: str | None = None
    count: int = 0
    few_marks: bool = True
    final: FinalMark | None = None
    periods: dict = field(default_factory=dict)  # period id -> value (the year sheet)


@dataclass
class Sheet:
    class_group: ClassGroup
    subject: Subject
    kind: str
    period: Period | None
    scale: str
    rows: list[SheetRow]
    periods: list[Period]
    can_edit: bool
    closed: bool  # the period (or the year) no longer takes changes
    ended: bool  # the period is over: the suggestion is final, not a forecast


def _final_marks(class_group, subject_ids, kind, period, student_ids) -> list[FinalMark]:
    query = (FinalMark.select(FinalMark, User).join(User, JOIN.LEFT_OUTER, on=FinalMark.set_by == User.id)
             .where((FinalMark.class_group == class_group) & (FinalMark.kind == kind)
                                     & FinalMark.student.in_(student_ids) & FinalMark.subject.in_(subject_ids)))
    if kind == "period":
        query = query.where(FinalMark.period == period)
    return list(query)


def sheet(user, class_group: ClassGroup, subject: Subject, kind: str, period: Period | None = None,
          today: dt.date | None = None) -> Sheet:
    """Every student's average, suggestion and final mark for a class-subject and a period, the year or
    an exam. Open to the subject's teacher (who may edit), the class teacher and the management."""
    _check_kind(kind, period)
    if period is not None:
        _check_period_covers(period, class_group)
    is_teacher = teaches(user, class_group, subject)
    if not (is_teacher or may_read_class(user, class_group)):
        raise ResultsForbidden()
    scale = scale_of(class_group, subject)
    start, end = _span(class_group, kind, period)
    students = students_between(class_group, start, end)
    ids = [s.id for s in students]
    rows = {s.id: SheetRow(s) for s in students}
    rule = threshold()
    all_periods = periods_for(class_group)
    if kind == "period":
        pairs: dict[int, list] = {}
        values: dict[int, list] = {}
        marks = (Mark.select(Mark.student, Mark.numeric, Mark.weight, Mark.value).join(Lesson)
                 .where((Lesson.class_group == class_group) & (Lesson.subject == subject)
                        & (Lesson.date >= start) & (Lesson.date <= end)))
        for mark in marks:
            pairs.setdefault(mark.student_id, []).append((mark.numeric, mark.weight))
            values.setdefault(mark.student_id, []).append(mark.value)
        for sid, row in rows.items():
            guess = figures.forecast(pairs.get(sid, []), rule, scale, values.get(sid, []))
            row.average, row.suggestion, row.count, row.few_marks = (guess.average, guess.mark, guess.count,
                                                                     guess.few_marks)
    elif kind == "year":
        for mark in FinalMark.select().where((FinalMark.class_group == class_group) & (FinalMark.subject == subject)
                                             & (FinalMark.kind == "period") & FinalMark.student.in_(ids)):
            if mark.student_id in rows:
                rows[mark.student_id].periods[mark.period_id] = mark.value
        for row in rows.values():
            ordered = [row.periods[p.id] for p in all_periods if p.id in row.periods]
            row.suggestion = figures.year_suggestion(ordered, rule, scale)
            row.count = len(ordered)
            numeric = [(int(v), 1) for v in ordered if v in figures.FIVE_POINT_FINALS]
            row.average = figures.weighted_average(numeric)
            row.few_marks = False
    for mark in _final_marks(class_group, [subject.id], kind, period, ids):
        rows[mark.student_id].final = mark
    closed = class_group.academic_year.closed or (period is not None and period.closed)
    today = today or dt.date.today()
    return Sheet(class_group, subject, kind, period, scale, list(rows.values()), all_periods,
                 can_edit=is_teacher and not closed and scale != "none", closed=closed,
                 ended=kind != "period" or period.ends_on < today)


def final_mark_as_dict(mark: FinalMark | None) -> dict | None:
    """The row as a stale edit's ``current`` shows it (value, version, who, when)."""
    if mark is None:
        return None
    author = User.get_or_none(User.id == mark.set_by_id) if mark.set_by_id else None
    return {"id": mark.id, "student_id": mark.student_id, "kind": mark.kind, "period_id": mark.period_id,
            "value": mark.value, "version": mark.version, "by": author.full_name if author else "",
            "updated_at": mark.set_at.isoformat() if mark.set_at else None}


def set_final_mark(user, class_group: ClassGroup, subject: Subject, student_id: int, kind: str,
                   period: Period | None, value: str | None, version: int | None = None) -> FinalMark | None:
    """Set (or with an empty value remove) a student's final mark; ``version`` is the version the edit
    started from (None when the cell was empty). Audited; refused when closed or stale."""
    _check_kind(kind, period)
    if period is not None:
        _check_period_covers(period, class_group)
    if not teaches(user, class_group, subject):
        raise ResultsForbidden(_l("Only the teacher of the subject in this class sets its final marks."))
    year = class_group.academic_year
    if year.closed:
        raise SchoolError(None, _l("The academic year %(name)s is closed: past years are read-only.",
                                   name=year.name), conflict=True)
    if period is not None and period.closed:
        raise SchoolError("period_id", _l("The period is closed: its marks no longer change."), conflict=True)
    scale = scale_of(class_group, subject)
    if scale == "none":
        raise SchoolError("value", _l("This subject is not marked in this class."))
    value = (value or "").strip() or None
    if value is not None and value not in _allowed_values(scale):
        raise SchoolError("value", _l("Not a final mark on this subject's scale: %(value)s.", value=value))
    start, end = _span(class_group, kind, period)
    student = next((s for s in students_between(class_group, start, end) if s.id == student_id), None)
    if student is None:
        raise SchoolError("student_id", _l("The student was not in this class then."))
    row = final_mark_row(student, class_group, subject, kind, period)
    current = row.version if row is not None else None
    if current != version:
        raise StaleFinalMark(final_mark_as_dict(row))
    try:
        return _store_final_mark(user, row, student, class_group, subject, kind, period, value)
    except IntegrityError as exc:  # two saves of one empty cell at once: the unique index refuses the later one
        raise StaleFinalMark(final_mark_as_dict(final_mark_row(student, class_group, subject, kind, period))) from exc


@dataclass
class Accepted:
    """What :func:`accept_suggestions` did: final marks set, and students left for the teacher (a period's
    forecast from fewer than three marks)."""

    count: int
    left: list[Student]


def accept_suggestions(user, class_group: ClassGroup, subject: Subject, kind: str, period: Period | None = None,
                       today: dt.date | None = None) -> Accepted:
    """Make the suggested mark the final mark of every student who has no final mark yet, in one go (the
    teacher's "accept the suggested marks" instead of a dropdown per student). A final mark already set is
    kept; a period's suggestion from fewer than three marks is left for the teacher to decide. All or
    nothing: one refusal (closed, stale, not the teacher) saves none."""
    current = sheet(user, class_group, subject, kind, period, today)
    if not teaches(user, class_group, subject):
        raise ResultsForbidden(_l("Only the teacher of the subject in this class sets its final marks."))
    count, left = 0, []
    with db.atomic():
        for row in current.rows:
            if row.final is not None or not row.suggestion:
                continue
            if kind == "period" and row.few_marks:
                left.append(row.student)
                continue
            set_final_mark(user, class_group, subject, row.student.id, kind, period, row.suggestion, None)
            count += 1
    return Accepted(count, left)


def final_mark_row(student, class_group: ClassGroup, subject: Subject, kind: str,
                   period: Period | None) -> FinalMark | None:
    """The student's final mark of this kind (and period) in the class's subject, if set."""
    query = FinalMark.select().where((FinalMark.student == student) & (FinalMark.class_group == class_group)
                                     & (FinalMark.subject == subject) & (FinalMark.kind == kind))
    query = query.where(FinalMark.period == period) if kind == "period" else query.where(FinalMark.period.is_null())
    return query.first()


def _store_final_mark(user, row, student, class_group, subject, kind, period, value) -> FinalMark | None:
    """The writes of ``set_final_mark`` in one transaction (a savepoint inside an outer one); each is a
    compare-and-swap on the version read, and a new row meeting the unique index raises IntegrityError
    with nothing written."""
    school_id = class_group.school_id
    with db.atomic():
        if value is None:
            if row is not None:
                if not FinalMark.delete().where((FinalMark.id == row.id)
                                                & (FinalMark.version == row.version)).execute():
                    raise StaleFinalMark(final_mark_as_dict(FinalMark.get_or_none(FinalMark.id == row.id)))
                write_audit(school_id, user.id, "final_mark", row.id, {_audit_field(row): (row.value, None)})
            return None
        if row is None:
            row = FinalMark.create(student=student, class_group=class_group, subject=subject, kind=kind,
                                   period=period, value=value, numeric=_numeric(value), set_by=user.id)
            write_audit(school_id, user.id, "final_mark", row.id, {_audit_field(row): (None, value)})
            return row
        if row.value == value:
            return row
        old = row.value
        changed = (FinalMark.update(value=value, numeric=_numeric(value), set_by=user.id, set_at=utcnow(),
                                    version=FinalMark.version + 1)
                   .where((FinalMark.id == row.id) & (FinalMark.version == row.version)).execute())
        if not changed:  # somebody saved between our read and our write
            raise StaleFinalMark(final_mark_as_dict(FinalMark.get_or_none(FinalMark.id == row.id)))
        write_audit(school_id, user.id, "final_mark", row.id, {_audit_field(row): (old, value)})
        return FinalMark.get_by_id(row.id)


def _audit_field(row: FinalMark) -> str:
    """``value`` with what the mark is for: ``subject 3, period 7`` reads well in the audit log."""
    where = f"period {row.period_id}" if row.kind == "period" else row.kind
    return f"subject {row.subject_id}, {where}"


# --------------------------------------------------------------------------- periods


def close_period(user, school: School, period_id: int) -> Period:
    """Close a period for the school: its marks and final marks no longer change. Fires
    ``period_closed`` after the commit."""
    from eschool.plugins.services import fire_event

    period = _period_to_toggle(user, school, period_id, closed=True)
    fire_event("period_closed", scope_for_school(school), period=period, actor=user)
    return period


def reopen_period(user, school: School, period_id: int) -> Period:
    """Open a closed period again (to correct a mistake); audited like the closing."""
    return _period_to_toggle(user, school, period_id, closed=False)


def _period_to_toggle(user, school: School, period_id: int, closed: bool) -> Period:
    if not controls(user, school):
        raise ResultsForbidden()
    period = period_of(school, period_id)
    year = period.academic_year
    if year.closed:
        raise SchoolError(None, _l("The academic year %(name)s is closed: past years are read-only.",
                                   name=year.name), conflict=True)
    if period.closed == closed:
        raise SchoolError("period_id", _l("The period is closed already.") if closed
                          else _l("The period is open already."), conflict=True)
    with db.atomic():
        Period.update(closed=closed).where(Period.id == period.id).execute()
        write_audit(school, user.id, "period", period.id, {"closed": (not closed, closed)})
    period.closed = closed
    return period


def school_periods(school: School, year: AcademicYear | None) -> list[Period]:
    if year is None:
        return []
    return list(Period.select().where(Period.academic_year == year)
                .order_by(Period.kind, Period.grade_from, Period.number))


# --------------------------------------------------------------------------- the class period report


@dataclass
class Cell:
    value: str | None
    suggested: bool = False  # no final mark is set: the value is the suggestion


@dataclass
class ClassReport:
    class_group: ClassGroup
    kind: str
    period: Period | None
    subjects: list[Subject]
    students: list[Student]
    cells: dict  # (student id, subject id) -> Cell
    subject_rates: dict  # subject id -> figures.Rates
    rates: figures.Rates
    provisional: bool  # some values are suggestions, not final marks
    periods: list[Period] = field(default_factory=list)


def class_report(user, class_group: ClassGroup, kind: str = "period", period: Period | None = None) -> ClassReport:
    """Each student's final marks (or suggestions) per subject, with the pass and quality rates per
    subject and over all subjects. For the class teacher of the class and the school's management."""
    return class_reports(user, [class_group], kind, period)[class_group.id]


def class_reports(user, classes: list[ClassGroup], kind: str = "period",
                  period: Period | None = None) -> dict[int, ClassReport]:
    """:func:`class_report` of many classes of one school at once (the school-wide reports): the class
    id -> its report, in a fixed number of queries whatever the number of classes and students. Every
    class must be the user's to read (the school's management, or the class teacher of each)."""
    if kind not in ("period", "year"):
        raise SchoolError("kind", _l("Choose a period or the year."))
    _check_kind(kind, period)
    if not classes:
        return {}
    for group in classes:
        if period is not None:
            _check_period_covers(period, group)
    if not controls(user, classes[0].school) and classes_led(user, [c.id for c in classes]) != {c.id for c in classes}:
        raise ResultsForbidden()
    ids = [c.id for c in classes]
    years = {y.id: y for y in AcademicYear.select().where(
        AcademicYear.id.in_(sorted({c.academic_year_id for c in classes})))}
    spans = {c.id: ((period.starts_on, period.ends_on) if kind == "period" else
                    (years[c.academic_year_id].starts_on, years[c.academic_year_id].ends_on)) for c in classes}
    first, last = min(s for s, _e in spans.values()), max(e for _s, e in spans.values())
    students: dict[int, list[Student]] = {c.id: [] for c in classes}
    seen: set = set()
    for membership in (ClassMembership.select(ClassMembership, Student).join(Student)
                       .where(ClassMembership.class_group.in_(ids) & (ClassMembership.starts_on <= last)
                              & (ClassMembership.ends_on.is_null() | (ClassMembership.ends_on >= first)))
                       .order_by(Student.last_name, Student.first_name, Student.middle_name, Student.id)):
        start, end = spans[membership.class_group_id]
        key = (membership.class_group_id, membership.student_id)
        if membership.starts_on <= end and (membership.ends_on is None or membership.ends_on >= start) \
                and key not in seen:
            seen.add(key)
            students[membership.class_group_id].append(membership.student)
    scales = _scales_of(classes)
    finals_query = FinalMark.select(FinalMark).where(
        FinalMark.class_group.in_(ids) & (((FinalMark.kind == "period") & (FinalMark.period == period))
                                          if kind == "period" else FinalMark.kind.in_(["period", "year"])))
    finals: dict[int, list[FinalMark]] = {c.id: [] for c in classes}
    members = {(c_id, st.id) for c_id, people in students.items() for st in people}
    for mark in finals_query:
        if (mark.class_group_id, mark.student_id) in members:
            finals[mark.class_group_id].append(mark)
    subject_ids = {s for per_class in scales.values() for s in per_class} | {
        f.subject_id for marks in finals.values() for f in marks}
    all_subjects = list(Subject.select().where(Subject.id.in_(sorted(subject_ids) or [0])).order_by(Subject.name))
    rule = threshold()
    pairs: dict = {}
    values: dict = {}
    if kind == "period":
        for student_id, numeric, weight, value, subject_id, class_id in (
                Mark.select(Mark.student, Mark.numeric, Mark.weight, Mark.value, Lesson.subject, Lesson.class_group)
                .join(Lesson).where(Lesson.class_group.in_(ids) & (Lesson.date >= period.starts_on)
                                    & (Lesson.date <= period.ends_on)).tuples()):
            key = (class_id, student_id, subject_id)
            pairs.setdefault(key, []).append((numeric, weight))
            values.setdefault(key, []).append(value)
        all_periods: list[Period] = []
    else:
        all_periods = list(Period.select().where(Period.academic_year.in_(sorted(years))).order_by(Period.starts_on))
    reports = {}
    for group in classes:
        own_scales = scales[group.id]
        own_finals = finals[group.id]
        marked = own_scales.keys() | {f.subject_id for f in own_finals}
        subjects = [s for s in all_subjects if s.id in marked and own_scales.get(s.id, "five_point") != "none"]
        people = students[group.id]
        cells: dict = {}
        if kind == "period":
            for mark in own_finals:
                cells[(mark.student_id, mark.subject_id)] = Cell(mark.value)
            for student in people:
                for subject in subjects:
                    key = (student.id, subject.id)
                    marks_key = (group.id, student.id, subject.id)
                    if key not in cells and marks_key in pairs:
                        guess = figures.forecast(pairs[marks_key], rule, own_scales.get(subject.id, "five_point"),
                                                 values[marks_key])
                        if guess.mark is not None:
                            cells[key] = Cell(guess.mark, suggested=True)
        else:
            period_order = {p.id: i for i, p in enumerate(
                p for p in all_periods if p.academic_year_id == group.academic_year_id
                and p.grade_from <= group.grade <= p.grade_to)}
            by_key: dict = {}
            for mark in sorted((f for f in own_finals if f.kind == "period"),
                               key=lambda f: period_order.get(f.period_id, 99)):
                by_key.setdefault((mark.student_id, mark.subject_id), []).append(mark.value)
            for mark in own_finals:
                if mark.kind == "year":
                    cells[(mark.student_id, mark.subject_id)] = Cell(mark.value)
            for key, period_values in by_key.items():
                if key not in cells:
                    guess = figures.year_suggestion(period_values, rule, own_scales.get(key[1], "five_point"))
                    if guess is not None:
                        cells[key] = Cell(guess, suggested=True)
        subject_rates = {s.id: figures.rates([[cells[(st.id, s.id)].value] for st in people if (st.id, s.id) in cells])
                         for s in subjects}
        overall = figures.rates([[cells[(st.id, s.id)].value for s in subjects if (st.id, s.id) in cells]
                                 for st in people])
        shown = {s.id for s in subjects}
        provisional = any(c.suggested for (sid, subj), c in cells.items() if subj in shown)
        reports[group.id] = ClassReport(group, kind, period, subjects, people, cells, subject_rates, overall,
                                        provisional)
    return reports


def _scales_of(classes: list[ClassGroup]) -> dict[int, dict[int, str]]:
    """Per class, subject id -> scale for its curriculum (one query for all the classes)."""
    rules = current_app.extensions["eschool"].region.rules
    found: dict[int, dict[int, str]] = {c.id: {} for c in classes}
    grades = {c.id: c.grade for c in classes}
    for class_id, subject_id, scale in CurriculumItem.select(
            CurriculumItem.class_group, CurriculumItem.subject, CurriculumItem.scale).where(
            CurriculumItem.class_group.in_([c.id for c in classes])).tuples():
        found[class_id][subject_id] = "none" if grades[class_id] == 1 and not rules.get("first_grade_marks") else scale
    return found


# --------------------------------------------------------------------------- rates per school (municipality)


@dataclass
class SchoolRates:
    school: School
    rates: figures.Rates


def school_rates(municipality: Municipality, kind: str, number: int | None = None) -> list[SchoolRates]:
    """Pass and quality rates of each school of the municipality from the final marks set in its current
    year: ``kind`` quarter | semester | trimester with the period ``number``, or ``year``. Only
    aggregates: never a student's row. Two queries, whatever the number of schools and students."""
    schools = list(School.select().where(School.municipality == municipality).order_by(School.short_name))
    failing = fn.SUM(Case(None, [(FinalMark.value.in_(sorted(figures.FAILING)), 1)], 0))
    weak = fn.SUM(Case(None, [(FinalMark.value.not_in(sorted(figures.GOOD)), 1)], 0))
    per_student = (FinalMark.select(ClassGroup.school.alias("school_id"), FinalMark.student,
                                    failing.alias("fails"), weak.alias("weak"))
                   .join(ClassGroup, on=FinalMark.class_group == ClassGroup.id)
                   .join(AcademicYear, on=ClassGroup.academic_year == AcademicYear.id)
                   .join(School, on=ClassGroup.school == School.id)
                   .switch(FinalMark).join(Period, JOIN.LEFT_OUTER, on=FinalMark.period == Period.id)
                   .where((School.municipality == municipality) & AcademicYear.is_current
                          & (FinalMark.value != figures.EXEMPT)))
    if kind == "year":
        per_student = per_student.where(FinalMark.kind == "year")
    else:
        per_student = per_student.where((FinalMark.kind == "period") & (Period.kind == kind)
                                        & (Period.number == number))
    per_student = per_student.group_by(ClassGroup.school, FinalMark.student)
    inner = per_student.alias("per_student")
    totals = (inner.select_from(inner.c.school_id, fn.COUNT(inner.c.student_id).alias("students"),
                                fn.SUM(Case(None, [(inner.c.fails == 0, 1)], 0)).alias("passed"),
                                fn.SUM(Case(None, [((inner.c.fails == 0) & (inner.c.weak == 0), 1)], 0)).alias("good"))
              .group_by(inner.c.school_id).dicts())
    found = {row["school_id"]: row for row in totals}
    result = []
    for school in schools:
        row = found.get(school.id) or {}
        result.append(SchoolRates(school, figures.Rates(int(row.get("students") or 0), int(row.get("passed") or 0),
                                                        int(row.get("good") or 0))))
    return result
