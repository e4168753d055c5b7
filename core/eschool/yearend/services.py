"""Closing a year: the region's window, the checks, the decisions, and the new year, all or nothing.

The window comes from the region profile's ``rules.year_closing``: ``{from, to}`` (Kuzbass: 25 May to 31
October of the year the academic year ends in), ``{not_before}`` (Samara: not before 1 September of that
year), or ``{school_choice = true}`` (whenever the school decides).

What must hold first: every period of the year is closed and every student has a year mark in every
subject with marks (the grade's first year without marks excepted where the region says so). Lessons left
unfilled are listed, not blocking.

The new year: the school's classes move up a grade with their letters and class teachers (5А → 6А); the
11th grades and whoever is decided ``graduated`` or ``left`` leave (a leaving entry in the movement
book); ``repeat`` stays in the same grade; new 1st grades are opened with the letters the old ones had,
and every accepted 1st-grade application of the campaign the new year opens becomes a student of the
new 1st grade chosen for it (by default the first ones in the queue's order fill А, the next Б, ...)
with the applicant's parent login. Each new class gets the curriculum, the teaching assignments,
the subgroups and the timetable of the old class of the same grade and letter (the draft to edit). The
old year becomes closed (read-only everywhere) and ``year_closed`` fires after the commit.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l

from eschool.applications import services as applications
from eschool.applications.models import Application
from eschool.auth.models import RoleAssignment, User
from eschool.auth.permissions import has_permission
from eschool.db import db, utcnow
from eschool.journal.models import FinalMark, Lesson
from eschool.journal.services import local_today
from eschool.people.models import ClassMembership, Movement, Student
from eschool.people.services import write_audit
from eschool.plugins.services import fire_event, scope_for_school
from eschool.results.figures import FAILING
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
from eschool.school.schemas import LETTERS
from eschool.school.services import SchoolError
from eschool.structure.models import School
from eschool.timetable.models import TimetableEntry
from eschool.yearend.models import DECISIONS, YearDecision

CLOSE = "year.close"
#: The kinds of class that go on into the next year (an extended-day group or a camp squad does not).
CARRIED_KINDS = ("regular", "home_schooling")
LAST_GRADE = 11


class YearEndForbidden(Exception):
    """Not this user's to do here (403)."""


def _rules() -> dict:
    return current_app.extensions["eschool"].region.rules["year_closing"]


def _on(month_day: str | None, year: int) -> dt.date | None:
    if not month_day:
        return None
    month, day = (int(x) for x in str(month_day).split("-"))
    try:
        return dt.date(year, month, day)
    except ValueError:  # 29 February in a common year
        return dt.date(year, month, day - 1)


def window(year: AcademicYear, today: dt.date | None = None) -> tuple[bool, str]:
    """Whether the year may be closed today, and the window in words."""
    today = today or local_today()
    rules = _rules()
    end_year = year.ends_on.year
    if rules.get("school_choice"):
        return True, str(_l("whenever the school decides"))
    if rules.get("not_before"):
        start = _on(rules["not_before"], end_year)
        return today >= start, str(_l("not before %(date)s", date=start.strftime("%d.%m.%Y")))
    start, end = _on(rules.get("window_from"), end_year), _on(rules.get("window_to"), end_year)
    return start <= today <= end, str(_l("from %(start)s to %(end)s", start=start.strftime("%d.%m.%Y"), end=end.strftime("%d.%m.%Y")))


def _classes(year: AcademicYear) -> list[ClassGroup]:
    return list(ClassGroup.select().where(ClassGroup.academic_year == year).order_by(ClassGroup.grade, ClassGroup.name))


def _members(year: AcademicYear, classes: list[ClassGroup]) -> dict[int, list[Student]]:
    """The students in each class at the year's end (still studying there), by name: one query."""
    found: dict[int, list[Student]] = {c.id: [] for c in classes}
    for m in (ClassMembership.select(ClassMembership, Student).join(Student)
              .where(ClassMembership.class_group.in_([c.id for c in classes])
                     & (ClassMembership.ends_on.is_null() | (ClassMembership.ends_on >= year.ends_on)))
              .order_by(Student.last_name, Student.first_name, Student.id)):
        found[m.class_group_id].append(m.student)
    return found


def _subjects_with_marks(classes: list[ClassGroup]) -> dict[int, set[int]]:
    """Per class, the subjects that get a year mark: taught or in the curriculum, not on the "none" scale,
    and none in a 1st grade without marks where the region says so."""
    first_grade_marks = current_app.extensions["eschool"].region.rules.get("first_grade_marks", False)
    ids = [c.id for c in classes]
    subjects: dict[int, set[int]] = {c.id: set() for c in classes}
    for class_id, subject_id in TeachingAssignment.select(TeachingAssignment.class_group, TeachingAssignment.subject) \
            .where(TeachingAssignment.class_group.in_(ids)).tuples():
        subjects[class_id].add(subject_id)
    unmarked = set()
    for class_id, subject_id, scale in CurriculumItem.select(CurriculumItem.class_group, CurriculumItem.subject,
                                                             CurriculumItem.scale).where(
            CurriculumItem.class_group.in_(ids)).tuples():
        (unmarked.add((class_id, subject_id)) if scale == "none" else subjects[class_id].add(subject_id))
    grades = {c.id: c.grade for c in classes}
    return {c: ({s for s in subs if (c, s) not in unmarked} if grades[c] != 1 or first_grade_marks else set())
            for c, subs in subjects.items()}


@dataclass
class Checks:
    open_periods: list = field(default_factory=list)  # Period
    missing_marks: list = field(default_factory=list)  # (class name, student name, subject name)
    unfilled_lessons: int = 0

    @property
    def blocking(self) -> bool:
        return bool(self.open_periods or self.missing_marks)


def checks(year: AcademicYear) -> Checks:
    """What stands between the year and its closing (a fixed number of queries)."""
    result = Checks()
    result.open_periods = list(Period.select().where((Period.academic_year == year) & ~Period.closed)
                               .order_by(Period.starts_on, Period.grade_from))
    classes = [c for c in _classes(year) if c.kind in CARRIED_KINDS]
    members = _members(year, classes)
    subjects = _subjects_with_marks(classes)
    have = set(FinalMark.select(FinalMark.student, FinalMark.subject).where(
        FinalMark.class_group.in_([c.id for c in classes]) & (FinalMark.kind == "year")).tuples())
    names = dict(Subject.select(Subject.id, Subject.name).where(
        Subject.id.in_(sorted({s for subs in subjects.values() for s in subs}) or [0])).tuples())
    for group in classes:
        for student in members[group.id]:
            for subject_id in sorted(subjects[group.id], key=lambda s: names.get(s, "")):
                if (student.id, subject_id) not in have:
                    result.missing_marks.append((group.name, student.full_name, names.get(subject_id, "")))
    result.unfilled_lessons = Lesson.select().where(
        Lesson.class_group.in_([c.id for c in classes]) & (Lesson.topic == "") & (Lesson.date <= local_today())).count()
    return result


@dataclass
class Row:
    student: Student
    class_group: ClassGroup
    decision: str
    debts: list[str]
    saved: bool


def decisions(year: AcademicYear) -> list[Row]:
    """Each student's decision: the saved one, else the default (the 11th grade graduates; a year mark of
    2 in a subject promotes with an academic debt in it; everyone else is promoted)."""
    classes = [c for c in _classes(year) if c.kind in CARRIED_KINDS]
    members = _members(year, classes)
    saved = {d.student_id: d for d in YearDecision.select().where(YearDecision.academic_year == year)}
    debts: dict[int, list[str]] = {}
    for student_id, name, value in (FinalMark.select(FinalMark.student, Subject.name, FinalMark.value).join(Subject)
                                    .where(FinalMark.class_group.in_([c.id for c in classes])
                                           & (FinalMark.kind == "year")).order_by(Subject.name).tuples()):
        if value in FAILING:
            debts.setdefault(student_id, []).append(name)
    rows = []
    for group in classes:
        for student in members[group.id]:
            if student.id in saved:
                d = saved[student.id]
                rows.append(Row(student, group, d.decision, [x for x in d.debts.split(", ") if x], True))
                continue
            owed = debts.get(student.id, [])
            default = "graduated" if group.grade >= LAST_GRADE else "conditional" if owed else "promoted"
            rows.append(Row(student, group, default, owed, False))
    return rows


def _check_user(user, school: School) -> None:
    if not has_permission(user, CLOSE, scope_for_school(school)):
        raise YearEndForbidden()


def save_decisions(user, school: School, year: AcademicYear, items: list[dict]) -> int:
    """Save decisions ``[{student_id, decision, debts}]`` for students of the year's classes; refuses the
    whole list when one is wrong (naming it)."""
    _check_user(user, school)
    school_services.editable(year)
    rows = {r.student.id: r for r in decisions(year)}
    for index, item in enumerate(items):
        if item.get("student_id") not in rows:
            raise SchoolError(f"decisions.{index}.student_id", _l("Not a student of this year's classes."))
        if item.get("decision") not in DECISIONS:
            raise SchoolError(f"decisions.{index}.decision", _l("Choose one of: %(choices)s.", choices=", ".join(DECISIONS)))
    with db.atomic():
        for item in items:
            row = rows[item["student_id"]]
            debts = ", ".join(d.strip() for d in (item.get("debts") or ", ".join(row.debts)).split(",") if d.strip())
            if item["decision"] != "conditional":
                debts = ""
            YearDecision.insert(academic_year=year, student=row.student.id, class_group=row.class_group.id,
                                decision=item["decision"], debts=debts[:2000], decided_by=user.id,
                                decided_at=utcnow()).on_conflict(
                conflict_target=[YearDecision.academic_year, YearDecision.student],
                update={YearDecision.decision: item["decision"], YearDecision.debts: debts[:2000],
                        YearDecision.decided_by: user.id, YearDecision.decided_at: utcnow()}).execute()
    return len(items)


def _shift(day: dt.date, years: int = 1) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def suggest_next(year: AcademicYear) -> dict:
    """The next year as a draft: the same dates and periods a year later."""
    periods = list(Period.select().where(Period.academic_year == year).order_by(Period.starts_on, Period.grade_from))
    start, end = _shift(year.starts_on), _shift(year.ends_on)
    return {"name": f"{start.year}/{end.year}", "starts_on": start, "ends_on": end, "is_current": True,
            "periods": [{"kind": p.kind, "number": p.number, "starts_on": _shift(p.starts_on),
                         "ends_on": _shift(p.ends_on), "grade_from": p.grade_from, "grade_to": p.grade_to}
                        for p in periods]}


def current_open_year(school: School) -> AcademicYear | None:
    year = school_services.current_year(school)
    return year if year is not None and not year.closed else None


def close_year(user, school: School, year: AcademicYear, next_year: dict | None = None, order_number: str = "",
               today: dt.date | None = None, admissions: list | None = None, enrolment_order: str = "") -> Closed:
    """Close ``year`` and open the next (``next_year`` as for ``create_year``; default ``suggest_next``),
    enrolling the accepted 1st-grade applications into the new 1st grades (``admissions``:
    ``[{application_id, letter}]`` where a choice differs from :func:`first_graders`'; the enrolment order
    ``enrolment_order``, else ``order_number``). All or nothing: any refusal or failure changes nothing,
    the applicants are told after the commit."""
    _check_user(user, school)
    school_services.editable(year)
    allowed, when = window(year, today)
    if not allowed:
        raise SchoolError(None, _l("The region lets schools close the year %(when)s.", when=when), conflict=True)
    found = checks(year)
    if found.blocking:
        raise SchoolError(None, _l("First close every period and set every year mark (%(periods)s periods open, "
                                   "%(marks)s year marks missing).", periods=len(found.open_periods),
                                   marks=len(found.missing_marks)), conflict=True)
    next_year = next_year or suggest_next(year)
    if next_year["starts_on"] <= year.ends_on:
        raise SchoolError("starts_on", _l("The new year must start after the old one ends."))
    rows = decisions(year)
    old_classes = [c for c in _classes(year) if c.kind in CARRIED_KINDS]
    plan = first_graders(school, year, next_year["starts_on"])
    if plan and not has_permission(user, applications.MANAGE, scope_for_school(school)):
        raise YearEndForbidden()  # enrolling the applications is the applications' managers' to do
    letters = _placements(school, plan, admissions)
    enrolment_order = (enrolment_order or order_number).strip()
    if plan and not enrolment_order:
        raise SchoolError("enrolment_order", _l("The number of the order enrolling the first graders."))
    admitted: list[tuple] = []
    with db.atomic():
        new = school_services.create_year(school, {**next_year, "is_current": True})
        made: dict[tuple, ClassGroup] = {}

        def new_class(kind: str, grade: int, letter: str, teacher_id=None, shift: int = 1) -> ClassGroup:
            key = (kind, grade, letter)
            if key not in made:
                made[key] = ClassGroup.create(school=school, academic_year=new, kind=kind, grade=grade, letter=letter,
                                              name=f"{grade}{letter}", shift=shift, class_teacher=teacher_id)
            return made[key]

        moved_to: dict[int, ClassGroup] = {}
        for group in old_classes:  # the class moves up with its letter and class teacher
            if group.grade < LAST_GRADE:
                moved_to[group.id] = new_class(group.kind, group.grade + 1, group.letter, group.class_teacher_id,
                                               group.shift)
        for group in old_classes:  # new 1st grades with the letters the old ones had
            if group.grade == 1:
                new_class(group.kind, 1, group.letter, None, group.shift)
        by_key = {(c.kind, c.grade, c.letter): c for c in old_classes}
        for row in rows:  # those who repeat need their grade's class too
            if row.decision == "repeat":
                g = row.class_group
                new_class(g.kind, g.grade, g.letter, None, g.shift)
        first_shift = next((c.shift for c in old_classes if c.grade == 1), 1)
        for letter in sorted(set(letters.values())):  # a letter chosen for the newcomers opens its class
            new_class("regular", 1, letter, None, first_shift)
        for key, target in made.items():
            _copy_setup(by_key.get(key), target, new)
        end = year.ends_on
        ClassMembership.update(ends_on=end).where(
            ClassMembership.class_group.in_([c.id for c in old_classes]) & ClassMembership.ends_on.is_null()).execute()
        memberships, leaving = [], []
        for row in rows:
            g = row.class_group
            if row.decision in ("promoted", "conditional") and g.id in moved_to:
                memberships.append({"student": row.student.id, "class_group": moved_to[g.id].id, "starts_on": new.starts_on})
            elif row.decision == "repeat":
                memberships.append({"student": row.student.id, "class_group": made[(g.kind, g.grade, g.letter)].id,
                                    "starts_on": new.starts_on})
            else:  # graduated, left, or promoted out of the last grade
                leaving.append(row)
        for i in range(0, len(memberships), 200):
            ClassMembership.insert_many(memberships[i:i + 200]).execute()
        for row in leaving:
            reason = str(_l("finished school")) if row.decision != "left" else str(_l("left at the end of the year"))
            Movement.create(school=school, student=row.student.id, kind="leaving", date=end,
                            order_number=order_number[:40], from_class=row.class_group.id, reason=reason,
                            recorded_by=user.id)
        if leaving:
            Student.update(status="left").where(Student.id.in_([r.student.id for r in leaving])).execute()
        for row in rows:  # the decisions stay with the closed year
            YearDecision.insert(academic_year=year, student=row.student.id, class_group=row.class_group.id,
                                decision=row.decision, debts=", ".join(row.debts), decided_by=user.id).on_conflict_ignore().execute()
        for old_id, target in moved_to.items():  # class teachers and students act in their new classes
            RoleAssignment.update(class_group_id=target.id).where(RoleAssignment.class_group_id == old_id).execute()
        if plan:  # the first graders from the applications, with their parents' logins
            admitted = applications.admit(user, school, [(a.application, made[("regular", 1, letters[a.application.id])].id)
                                                         for a in plan], enrolment_order[:40], new.starts_on)
        AcademicYear.update(closed=True, is_current=False).where(AcademicYear.id == year.id).execute()
        write_audit(school, user.id, "academic_year", year.id, {"closed": ("no", "yes")})
    year.closed = True
    fire_event("year_closed", scope_for_school(school), academic_year=year, actor=user)
    applications.tell([a[4] for a in admitted], [a[0] for a in admitted])
    return Closed(new, [Admitted(application.id, student, made[("regular", 1, letters[application.id])].name, parent,
                                 password) for application, student, parent, password, _event in admitted])


def _copy_setup(source: ClassGroup | None, target: ClassGroup, year: AcademicYear) -> None:
    """The old class of the same grade and letter gives the new one its subgroups, curriculum, teaching
    assignments and timetable (a draft the school edits)."""
    if source is None:
        return
    subgroups = {s.id: Subgroup.create(class_group=target, name=s.name).id
                 for s in Subgroup.select().where(Subgroup.class_group == source)}
    curriculum = [{"class_group": target.id, "subject": c.subject_id, "hours_per_week": c.hours_per_week,
                   "scale": c.scale} for c in CurriculumItem.select().where(CurriculumItem.class_group == source)]
    if curriculum:
        CurriculumItem.insert_many(curriculum).execute()
    assignments = [{"teacher": a.teacher_id, "class_group": target.id, "subject": a.subject_id,
                    "subgroup": subgroups.get(a.subgroup_id)} for a in
                   TeachingAssignment.select().where(TeachingAssignment.class_group == source)]
    if assignments:
        TeachingAssignment.insert_many(assignments).execute()
    entries = [{"academic_year": year.id, "class_group": target.id, "subgroup": subgroups.get(e.subgroup_id),
                "weekday": e.weekday, "number": e.number, "subject": e.subject_id, "teacher": e.teacher_id,
                "room": e.room_id} for e in TimetableEntry.select().where(TimetableEntry.class_group == source)]
    if entries:
        TimetableEntry.insert_many(entries).execute()


@dataclass
class Admission:
    """An accepted application to the 1st grade and the letter of the new 1st grade it goes into."""

    application: Application
    letter: str


def letters_of(school: School) -> str:
    """The class letters the school uses (its settings: А to the highest letter)."""
    return LETTERS[:LETTERS.index(school.max_class_letter) + 1] if school.max_class_letter in LETTERS else LETTERS


def first_grade_letters(year: AcademicYear) -> list[str]:
    """The letters the new 1st grades open with: this year's 1st grades' (А if the school has none)."""
    letters = sorted({c.letter for c in _classes(year) if c.grade == 1 and c.kind == "regular"},
                     key=lambda x: LETTERS.index(x) if x in LETTERS else 99)
    return letters or [LETTERS[0]]


def first_graders(school: School, year: AcademicYear, starts_on: dt.date | None = None) -> list[Admission]:
    """The accepted 1st-grade applications of the campaign the next year opens (the calendar year it
    starts in), in the queue's order, each with its default class: the letters share them out in turn of
    the queue, the first ones into А, the next into Б, as evenly as the number allows."""
    campaign = (starts_on or suggest_next(year)["starts_on"]).year
    found = applications.first_grade_admissions(school, campaign)
    letters = first_grade_letters(year)
    return [Admission(a, letters[i * len(letters) // len(found)]) for i, a in enumerate(found)]


@dataclass
class Admitted:
    """A first grader enrolled by the closing, with the parent's login handed out this once."""

    application_id: int
    student: Student
    class_name: str
    parent: User
    password: str


@dataclass
class Closed:
    """What closing a year made: the new year and the first graders enrolled from the applications."""

    year: AcademicYear
    admitted: list = field(default_factory=list)


def _placements(school: School, plan: list[Admission], chosen: dict | list | None) -> dict[int, str]:
    """Each planned application's letter: the one chosen (``[{application_id, letter}]``), else its
    default; a choice naming another application or a letter the school has not is refused, named."""
    letters = {a.application.id: a.letter for a in plan}
    allowed = letters_of(school)
    for index, item in enumerate(chosen or []):
        if item.get("application_id") not in letters:
            raise SchoolError(f"admissions.{index}.application_id",
                              _l("Not an accepted application to the 1st grade of the new year."))
        letter = str(item.get("letter") or "").strip().upper()
        if letter not in allowed:
            raise SchoolError(f"admissions.{index}.letter", _l("Letters go from А to %(max)s at this school (its "
                                                              "settings).", max=allowed[-1]))
        letters[item["application_id"]] = letter
    return letters


@dataclass
class SchoolProgress:
    school: School
    year: AcademicYear | None
    decided: int
    closed_last: AcademicYear | None


def municipality_progress(municipality) -> list[SchoolProgress]:
    """Per school of the municipality: its current year, the decisions saved, its last closed year
    (three queries)."""
    schools = list(School.select().where(School.municipality == municipality).order_by(School.short_name))
    ids = [s.id for s in schools]
    years = list(AcademicYear.select().where(AcademicYear.school.in_(ids)).order_by(AcademicYear.starts_on))
    current = {y.school_id: y for y in years if y.is_current}
    closed = {}
    for y in years:
        if y.closed:
            closed[y.school_id] = y
    from peewee import fn

    decided = dict(YearDecision.select(AcademicYear.school, fn.COUNT(YearDecision.id)).join(AcademicYear)
                   .where(AcademicYear.school.in_(ids) & AcademicYear.is_current).group_by(AcademicYear.school).tuples())
    return [SchoolProgress(s, current.get(s.id), decided.get(s.id, 0), closed.get(s.id)) for s in schools]
