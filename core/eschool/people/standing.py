"""Who a user is at one school: the record a module reads to decide what a user sees and whom they
may address (the announcement board, the calendar, ...), so that each module does not rebuild it.

One small record per request: the roles the user acts in at the school, the classes of their family
(their own class as a student, their children's as a parent) and the classes they lead or teach.
Four queries at most, whatever the school's size. In ``eschool.plugin_api`` as ``school_standing``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from eschool.auth.models import RoleAssignment
from eschool.auth.permissions import user_assignments
from eschool.core_plugin import SCHOOL_STAFF as STAFF
from eschool.people.models import ClassMembership, Guardian, Student
from eschool.school.models import ClassGroup, TeachingAssignment

#: The roles that run a school's affairs (and address all of it).
ADMINISTRATION = ("school_admin", "director", "deputy_director", "secretary")


@dataclass
class SchoolStanding:
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


def school_standing(user, school_id: int, all_roles: bool = False) -> SchoolStanding:
    """The user at ``school_id``: in the role they act in now (pages), or in all of them (``all_roles``:
    a calendar feed read by a phone, with nobody logged in)."""
    if user is None or not getattr(user, "is_authenticated", True) or getattr(user, "is_device", False):
        return SchoolStanding(None, school_id)
    if all_roles:
        assignments = list(RoleAssignment.select().where(RoleAssignment.user == user.id))
    else:
        assignments = user_assignments(user)
    roles = {a.role for a in assignments if a.school_id == school_id}
    reader = SchoolStanding(user.id, school_id, roles)
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
