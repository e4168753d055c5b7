"""Each student's decision at the end of a year."""
from __future__ import annotations

import peewee

from eschool.auth.models import User
from eschool.db import BaseModel, utcnow
from eschool.people.models import Student
from eschool.school.models import AcademicYear, ClassGroup

#: promoted; promoted with an academic debt (условный перевод); repeats the grade; finished school; left.
DECISIONS = ("promoted", "conditional", "repeat", "graduated", "left")


class YearDecision(BaseModel):
    academic_year = peewee.ForeignKeyField(AcademicYear, on_delete="CASCADE")
    student = peewee.ForeignKeyField(Student, on_delete="CASCADE")
    class_group = peewee.ForeignKeyField(ClassGroup, on_delete="CASCADE")
    decision = peewee.CharField(max_length=16)
    debts = peewee.TextField(default="")  # the subjects of an academic debt, comma-separated
    decided_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    decided_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "year_decision"
        indexes = ((("academic_year", "student"), True),)
