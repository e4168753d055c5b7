"""Who a user is at one school, for deciding what they read and whom they may address.

One small record per request: the roles the user acts in at the school, the classes of their family
(their own class as a student, their children's as a parent) and the classes they lead or teach.
Four queries at most, whatever the school's size.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from eschool.plugin_api import (
    ClassGroup,
    ClassMembership,
    Guardian,
    RoleAssignment,
    Student,
    TeachingAssignment,
    user_assignments,
)

ADMINISTRATION = ("school_admin", "director", "deputy_director", "secretary")
STAFF = ("school_admin", "director", "deputy_director", "class_teacher", "subject_teacher", "secretary",
         "hr_specialist", "medical_worker", "psychologist", "technical_staff")


@dataclass
class Reader:
    user_id: int | None
    school_id: int
    roles: set = field(default_factory=set)
    family_classes: set = field(default_factory=set)  # class ids of the student / the parent's children
    family_grades: set = field(default_factory=set)
    led: set = field(default_factory=set)  # classes the user is the class teacher of
    taught: set = field(default_factory=set)  # classes the user teaches or leads
    taught_grades: set = field(default_factory=set)

    @property
    def staff(self) -> bool:
        return bool(self.roles & set(STAFF))

    @property
    def administration(self) -> bool:
        return bool(self.roles & set(ADMINISTRATION))

    @property
    def student(self) -> bool:
        return "student" in self.roles

    @property
    def parent(self) -> bool:
        return "parent" in self.roles

    @property
    def anyone(self) -> bool:
        return bool(self.roles)


def reader_for(user, school_id: int, all_roles: bool = False) -> Reader:
    """The user at ``school_id``: in the role they act in now (pages), or in all of them (``all_roles``:
    a calendar feed read by a phone, with nobody logged in)."""
    if user is None or not getattr(user, "is_authenticated", True) or getattr(user, "is_device", False):
        return Reader(None, school_id)
    if all_roles:
        assignments = list(RoleAssignment.select().where(RoleAssignment.user == user.id))
    else:
        assignments = user_assignments(user)
    roles = {a.role for a in assignments if a.school_id == school_id}
    reader = Reader(user.id, school_id, roles)
    if roles & {"student", "parent"}:
        conditions = []
        if "student" in roles:
            conditions.append(Student.user == user.id)
        if "parent" in roles:
            conditions.append(Student.id.in_(Guardian.select(Guardian.student).where(Guardian.user == user.id)))
        where = conditions[0] if len(conditions) == 1 else conditions[0] | conditions[1]
        rows = (ClassMembership.select(ClassMembership.class_group, ClassGroup.grade)
                .join(ClassGroup)
                .where(ClassMembership.student.in_(Student.select(Student.id).where(where))
                       & ClassMembership.ends_on.is_null() & (ClassGroup.school == school_id))
                .tuples())
        for class_id, grade in rows:
            reader.family_classes.add(class_id)
            reader.family_grades.add(grade)
    if reader.staff:
        for class_id, grade in (ClassGroup.select(ClassGroup.id, ClassGroup.grade)
                                .where((ClassGroup.school == school_id) & (ClassGroup.class_teacher == user.id))
                                .tuples()):
            reader.led.add(class_id)
            reader.taught.add(class_id)
            reader.taught_grades.add(grade)
        for class_id, grade in (TeachingAssignment.select(TeachingAssignment.class_group, ClassGroup.grade)
                                .join(ClassGroup)
                                .where((TeachingAssignment.teacher == user.id) & (ClassGroup.school == school_id))
                                .tuples()):
            reader.taught.add(class_id)
            reader.taught_grades.add(grade)
    return reader


def user_school_ids(user, all_roles: bool = False) -> list[int]:
    """The schools where the user holds a role (acting role on pages), in a stable order."""
    if user is None or not getattr(user, "is_authenticated", True):
        return []
    if all_roles:
        assignments = list(RoleAssignment.select().where(RoleAssignment.user == user.id))
    else:
        assignments = user_assignments(user)
    return sorted({a.school_id for a in assignments if a.school_id})
