"""The rules of a school's year: what may be entered, and that every reference stays inside the school.

Input comes already shaped by the schemas (``eschool.school.schemas``); these functions check what
needs the database: that a subject, a room, a class or a teacher belongs to this school, that a
past year is not changed, that names are not taken twice.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool.auth.models import RoleAssignment, User
from eschool.auth.roles import ROLES
from eschool.db import db
from eschool.school.models import (
    AcademicYear,
    ClassGroup,
    CurriculumItem,
    Period,
    Room,
    Subgroup,
    Subject,
    TeachingAssignment,
)
from eschool.structure.models import School


class SchoolError(ValueError):
    """Input the rules refuse. ``field`` names what to fix; ``conflict`` means the state forbids it (409)."""

    def __init__(self, field: str | None, message, conflict: bool = False):
        super().__init__(f"{field}: {message}" if field else str(message))
        self.field, self.message, self.conflict = field, message, conflict


STAFF_ROLES = tuple(code for code, role in ROLES.items() if role.staff and role.levels != ("region",)
                    and role.levels != ("municipality",))


# --------------------------------------------------------------------------- lookups inside one school


def _one(model, school: School, object_id, field: str, message):
    """The row ``object_id`` of ``model`` if it belongs to ``school``; else an error naming ``field``."""
    row = model.get_or_none(model.id == object_id) if object_id is not None else None
    owner = row.school_id if row is not None and hasattr(row, "school_id") else None
    if row is None or owner != school.id:
        raise SchoolError(field, message)
    return row


def subject_of(school, subject_id, field="subject_id") -> Subject:
    return _one(Subject, school, subject_id, field, _l("No such subject at this school."))


def room_of(school, room_id, field="room_id") -> Room:
    return _one(Room, school, room_id, field, _l("No such room at this school."))


def class_of(school, class_id, field="class_id") -> ClassGroup:
    return _one(ClassGroup, school, class_id, field, _l("No such class at this school."))


def year_of(school, year_id, field="academic_year_id") -> AcademicYear:
    return _one(AcademicYear, school, year_id, field, _l("No such academic year at this school."))


def subgroup_of(class_group: ClassGroup, subgroup_id, field="subgroup_id") -> Subgroup | None:
    if subgroup_id is None:
        return None
    sub = Subgroup.get_or_none((Subgroup.id == subgroup_id) & (Subgroup.class_group == class_group))
    if sub is None:
        raise SchoolError(field, _l("No such subgroup in this class."))
    return sub


def teacher_of(school, user_id, field="teacher_id") -> User:
    """A person who works at the school (holds a staff role there)."""
    user = User.get_or_none(User.id == user_id) if user_id is not None else None
    works_here = user is not None and RoleAssignment.select().where(
        (RoleAssignment.user == user) & (RoleAssignment.school == school.id)
        & RoleAssignment.role.in_(STAFF_ROLES)).exists()
    if not works_here:
        raise SchoolError(field, _l("This person does not work at this school."))
    return user


def editable(year: AcademicYear) -> AcademicYear:
    """Only an open year is changed: a closed (past) year is read-only."""
    if year.closed:
        raise SchoolError(None, _l("The academic year %(name)s is closed: past years are read-only.", name=year.name),
                          conflict=True)
    return year


def current_year(school: School) -> AcademicYear | None:
    return AcademicYear.get_or_none((AcademicYear.school == school) & AcademicYear.is_current)


# --------------------------------------------------------------------------- creating things


def create_year(school: School, data: dict) -> AcademicYear:
    """A new academic year with its periods; ``is_current`` makes it the one the school works in."""
    if AcademicYear.select().where((AcademicYear.school == school) & (AcademicYear.name == data["name"])).exists():
        raise SchoolError("name", _l("This school already has the year %(name)s.", name=data["name"]))
    for index, period in enumerate(data["periods"]):
        if not (data["starts_on"] <= period["starts_on"] and period["ends_on"] <= data["ends_on"]):
            raise SchoolError(f"periods.{index}", _l("A period must lie inside its academic year."))
    with db.atomic():
        if data["is_current"]:
            AcademicYear.update(is_current=False).where(AcademicYear.school == school).execute()
        year = AcademicYear.create(school=school, name=data["name"], starts_on=data["starts_on"],
                                   ends_on=data["ends_on"], is_current=data["is_current"])
        for period in data["periods"]:
            Period.create(academic_year=year, **period)
    return year


def add_period(year: AcademicYear, data: dict) -> Period:
    editable(year)
    if not (year.starts_on <= data["starts_on"] and data["ends_on"] <= year.ends_on):
        raise SchoolError("starts_on", _l("A period must lie inside its academic year."))
    return Period.create(academic_year=year, **data)


def _unique(query, field: str, message):
    if query.exists():
        raise SchoolError(field, message)


def add_subject(school: School, data: dict) -> Subject:
    _unique(Subject.select().where((Subject.school == school) & (Subject.name == data["name"])), "name",
            _l("This subject already exists."))
    return Subject.create(school=school, **data)


def add_room(school: School, data: dict) -> Room:
    """A room, in one of the school's buildings (``building_id``) or in none.

    A ``building`` text (the older form, still accepted) names the building, created if new.
    """
    from eschool.school import card

    data = dict(data)
    text = data.pop("building", None)
    building_id = data.pop("building_id", None)
    building = (card.building_of(school, building_id) if building_id is not None
                else card.building_for_text(school, text) if text else None)
    _unique(Room.select().where((Room.school == school) & (Room.name == data["name"])
                                & (Room.building == building if building else Room.building.is_null())),
            "name", _l("This room already exists."))
    return Room.create(school=school, building=building, **data)


def create_class(school: School, data: dict) -> ClassGroup:
    """A class of the year; its name defaults to grade and letter ("5А")."""
    year = editable(year_of(school, data["academic_year_id"]))
    teacher = teacher_of(school, data["class_teacher_id"], "class_teacher_id") if data["class_teacher_id"] else None
    letter = data["letter"].strip().upper()
    from eschool.school.schemas import LETTERS

    if letter and (letter not in LETTERS or LETTERS.index(letter) > LETTERS.index(school.max_class_letter)):
        raise SchoolError("letter", _l("Letters go from А to %(max)s at this school (its settings).",
                                       max=school.max_class_letter))
    name = data["name"].strip() or f"{data['grade']}{letter}"
    _unique(ClassGroup.select().where((ClassGroup.academic_year == year) & (ClassGroup.kind == data["kind"])
                                      & (ClassGroup.name == name)), "name",
            _l("The class %(name)s already exists this year.", name=name))
    if len(set(data["subgroups"])) != len(data["subgroups"]):
        raise SchoolError("subgroups", _l("Two subgroups have the same name."))
    with db.atomic():
        group = ClassGroup.create(school=school, academic_year=year, kind=data["kind"], grade=data["grade"],
                                  letter=letter, name=name, shift=data["shift"], class_teacher=teacher)
        for sub in data["subgroups"]:
            Subgroup.create(class_group=group, name=sub.strip())
    return group


def set_curriculum(school: School, class_group: ClassGroup, lines: list[dict]) -> list[CurriculumItem]:
    """Replace the class's curriculum: hours per week per subject."""
    editable(class_group.academic_year)
    subjects = [subject_of(school, line["subject_id"], f"lines.{i}.subject_id") for i, line in enumerate(lines)]
    if len({s.id for s in subjects}) != len(subjects):
        raise SchoolError("lines", _l("A subject appears twice."))
    with db.atomic():
        CurriculumItem.delete().where(CurriculumItem.class_group == class_group).execute()
        return [CurriculumItem.create(class_group=class_group, subject=subject, hours_per_week=line["hours_per_week"])
                for subject, line in zip(subjects, lines, strict=True)]


def add_assignment(school: School, data: dict) -> TeachingAssignment:
    """A teacher teaches a subject to a class (or to one of its subgroups)."""
    class_group = class_of(school, data["class_id"])
    editable(class_group.academic_year)
    teacher = teacher_of(school, data["teacher_id"])
    subject = subject_of(school, data["subject_id"])
    subgroup = subgroup_of(class_group, data["subgroup_id"])
    _unique(TeachingAssignment.select().where(
        (TeachingAssignment.teacher == teacher) & (TeachingAssignment.class_group == class_group)
        & (TeachingAssignment.subject == subject)
        & (TeachingAssignment.subgroup == subgroup if subgroup else TeachingAssignment.subgroup.is_null())),
        "subject_id", _l("This teacher already teaches this subject here."))
    return TeachingAssignment.create(teacher=teacher, class_group=class_group, subgroup=subgroup, subject=subject)


# --------------------------------------------------------------------------- reading


def years(school: School) -> list[AcademicYear]:
    rows = list(AcademicYear.select().where(AcademicYear.school == school).order_by(AcademicYear.starts_on.desc()))
    periods = {}
    for period in Period.select().where(Period.academic_year.in_([y.id for y in rows])).order_by(
            Period.grade_from, Period.number):
        periods.setdefault(period.academic_year_id, []).append(period)
    for year in rows:
        year.periods = periods.get(year.id, [])
    return rows


def classes(school: School, year: AcademicYear | None = None) -> list[ClassGroup]:
    query = ClassGroup.select().where(ClassGroup.school == school)
    if year is not None:
        query = query.where(ClassGroup.academic_year == year)
    rows = list(query.order_by(ClassGroup.grade, ClassGroup.letter, ClassGroup.name))
    subs = {}
    for sub in Subgroup.select().where(Subgroup.class_group.in_([c.id for c in rows])).order_by(Subgroup.name):
        subs.setdefault(sub.class_group_id, []).append(sub)
    for row in rows:
        row.subgroups = subs.get(row.id, [])
    return rows


def assignments(school: School, year: AcademicYear | None = None):
    query = (TeachingAssignment.select(TeachingAssignment, User).join(User).switch(TeachingAssignment)
             .join(ClassGroup).where(ClassGroup.school == school))
    if year is not None:
        query = query.where(ClassGroup.academic_year == year)
    return list(query.order_by(ClassGroup.grade, ClassGroup.name, TeachingAssignment.id))


def set_curriculum_line(school: School, class_group: ClassGroup, subject_id: int, hours) -> CurriculumItem:
    """Set (or change) the hours of one subject in a class's curriculum."""
    editable(class_group.academic_year)
    subject = subject_of(school, subject_id)
    item = CurriculumItem.get_or_none((CurriculumItem.class_group == class_group) & (CurriculumItem.subject == subject))
    if item is None:
        return CurriculumItem.create(class_group=class_group, subject=subject, hours_per_week=hours)
    item.hours_per_week = hours
    item.save()
    return item


def curriculum(school: School, year: AcademicYear | None = None) -> list[CurriculumItem]:
    query = (CurriculumItem.select(CurriculumItem, ClassGroup, Subject).join(ClassGroup)
             .switch(CurriculumItem).join(Subject).where(ClassGroup.school == school))
    if year is not None:
        query = query.where(ClassGroup.academic_year == year)
    return list(query.order_by(ClassGroup.grade, ClassGroup.name, Subject.name))


def staff(school: School) -> list[User]:
    """Everyone holding a staff role at the school, by name."""
    return list(User.select().join(RoleAssignment).where(
        (RoleAssignment.school == school.id) & RoleAssignment.role.in_(STAFF_ROLES)).distinct()
        .order_by(User.full_name))


def update_settings(school: School, data: dict) -> School:
    """Save the school's settings; classes already above a lowered letter are not touched."""
    for name, value in data.items():
        setattr(school, name, value)
    school.save(only=[School.max_class_letter, School.medal_average, School.session_idle_minutes])
    return school
