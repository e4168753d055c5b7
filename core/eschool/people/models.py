"""Students, their parents, their classes over time, the movement book, consents and the audit log."""
from __future__ import annotations

import peewee

from eschool.auth.models import User
from eschool.db import BaseModel, utcnow
from eschool.school.models import ClassGroup, Subgroup
from eschool.structure.models import School


class Student(BaseModel):
    """A student's card (карточка обучающегося): personal data under 152-FZ."""

    school = peewee.ForeignKeyField(School, backref="students", on_delete="RESTRICT")
    last_name = peewee.CharField(max_length=100)
    first_name = peewee.CharField(max_length=100)
    middle_name = peewee.CharField(max_length=100, default="")
    birth_date = peewee.DateField(null=True)  # None: to complete (imported from a file without it)
    gender = peewee.CharField(max_length=1)  # m | f; "": to complete
    document_kind = peewee.CharField(max_length=32, default="birth_certificate")  # or passport
    document_number = peewee.CharField(max_length=40, default="")
    snils = peewee.CharField(max_length=14, default="")
    address = peewee.CharField(max_length=300, default="")
    user = peewee.ForeignKeyField(User, null=True, unique=True, on_delete="SET NULL")  # the student's own login
    status = peewee.CharField(max_length=16, default="studying")  # studying | left
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "student"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def to_complete(self) -> list[str]:
        """The card's fields still to fill (an import from a file without them): ``birth_date``, ``gender``."""
        return [name for name, missing in (("birth_date", self.birth_date is None),
                                           ("gender", self.gender not in ("m", "f"))) if missing]


class Guardian(BaseModel):
    """A parent or legal representative (a user with the parent role) linked to a student."""

    student = peewee.ForeignKeyField(Student, backref="guardians", on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, backref="children", on_delete="CASCADE")
    relation = peewee.CharField(max_length=16, default="mother")  # mother | father | guardian | other
    legal_representative = peewee.BooleanField(default=True)

    class Meta:
        table_name = "guardian"
        indexes = ((("student", "user"), True),)


class ClassMembership(BaseModel):
    """A student in a class from ``starts_on`` until ``ends_on`` (open while they are in it)."""

    student = peewee.ForeignKeyField(Student, backref="memberships", on_delete="CASCADE")
    class_group = peewee.ForeignKeyField(ClassGroup, backref="memberships", on_delete="CASCADE")
    starts_on = peewee.DateField()
    ends_on = peewee.DateField(null=True)

    class Meta:
        table_name = "class_membership"


class SubgroupMembership(BaseModel):
    """A student in one of the class's subgroups (a language group, a labour group). A subgroup without
    any members means the whole class (schools that never said who is in which group keep working)."""

    student = peewee.ForeignKeyField(Student, backref="subgroups", on_delete="CASCADE")
    subgroup = peewee.ForeignKeyField(Subgroup, backref="members", on_delete="CASCADE")

    class Meta:
        table_name = "subgroup_membership"
        indexes = ((("subgroup", "student"), True), (("student",), False))


class Movement(BaseModel):
    """An entry of the movement book (книга движения): enrolment, transfer or leaving, with its order."""

    school = peewee.ForeignKeyField(School, on_delete="RESTRICT")
    student = peewee.ForeignKeyField(Student, backref="movements", on_delete="CASCADE")
    kind = peewee.CharField(max_length=16)  # enrolment | transfer | leaving
    date = peewee.DateField()
    order_number = peewee.CharField(max_length=40)
    from_class = peewee.ForeignKeyField(ClassGroup, null=True, on_delete="SET NULL")
    to_class = peewee.ForeignKeyField(ClassGroup, null=True, on_delete="SET NULL")
    other_school = peewee.CharField(max_length=300, default="")  # where from / where to
    reason = peewee.CharField(max_length=300, default="")
    recorded_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    recorded_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "movement"


class Consent(BaseModel):
    """Consent to personal-data processing (152-FZ): who gave it, on which date, who took it."""

    student = peewee.ForeignKeyField(Student, backref="consents", on_delete="CASCADE")
    given_by = peewee.CharField(max_length=300)
    given_on = peewee.DateField()
    taken_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    withdrawn_on = peewee.DateField(null=True)

    class Meta:
        table_name = "consent"


class StaffFile(BaseModel):
    """A staff member's personal file (личное дело): open to the school administrator and HR only."""

    school = peewee.ForeignKeyField(School, on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    position = peewee.CharField(max_length=150)
    birth_date = peewee.DateField(null=True)
    phone = peewee.CharField(max_length=32, default="")
    address = peewee.CharField(max_length=300, default="")
    education = peewee.CharField(max_length=300, default="")
    hired_on = peewee.DateField(null=True)
    order_number = peewee.CharField(max_length=40, default="")

    class Meta:
        table_name = "staff_file"
        indexes = ((("school", "user"), True),)


class AuditEntry(BaseModel):
    """One change of personal data: who, when, which record and field, the old and the new value."""

    school = peewee.ForeignKeyField(School, null=True, on_delete="SET NULL")
    actor = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    at = peewee.DateTimeField(default=utcnow, index=True)
    record = peewee.CharField(max_length=32)  # student, guardian, ...
    record_id = peewee.IntegerField()
    field = peewee.CharField(max_length=64)
    old_value = peewee.TextField(null=True)
    new_value = peewee.TextField(null=True)

    class Meta:
        table_name = "audit_entry"
        indexes = ((("record", "record_id"), False),)
