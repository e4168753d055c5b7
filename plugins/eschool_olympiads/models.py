"""Olympiads: the catalogue (one olympiad = one subject at one stage), registrations with consent, results."""
from __future__ import annotations

import peewee

from eschool.plugin_api import BaseModel, Municipality, School, Student, User, utcnow

STAGES = ("school", "municipal", "regional", "final")
RESULTS = ("winner", "prize_winner", "participant")


class Olympiad(BaseModel):
    """An olympiad's stage in one subject, organised by a school, a municipality or (neither) the region."""

    title = peewee.CharField(max_length=200)
    series = peewee.CharField(max_length=100, default="")  # "ВсОШ", ...
    subject = peewee.CharField(max_length=100)
    grade_from = peewee.SmallIntegerField(default=1)
    grade_to = peewee.SmallIntegerField(default=11)
    stage = peewee.CharField(max_length=16, default="school")
    year = peewee.IntegerField(index=True)  # the school year's first calendar year (2026 for 2026/2027)
    starts_on = peewee.DateField(null=True)
    ends_on = peewee.DateField(null=True)
    place = peewee.CharField(max_length=300, default="")
    description = peewee.TextField(default="")
    school = peewee.ForeignKeyField(School, null=True, on_delete="CASCADE", index=True)
    municipality = peewee.ForeignKeyField(Municipality, null=True, on_delete="CASCADE", index=True)
    self_apply = peewee.BooleanField(default=False)  # students may apply themselves
    quota = peewee.IntegerField(null=True)  # registrations per school
    max_score = peewee.FloatField(null=True)
    passing_score = peewee.FloatField(null=True)  # to the next stage
    next_stage = peewee.ForeignKeyField("self", null=True, on_delete="SET NULL")
    promoted_at = peewee.DateTimeField(null=True)  # the municipality confirmed the move to the next stage
    promoted_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "olympiads_olympiad"

    @property
    def organiser(self) -> str:
        return "school" if self.school_id else "municipality" if self.municipality_id else "region"


class Registration(BaseModel):
    """A student entered for an olympiad: by a teacher or by themselves; final once a parent consented
    (152-FZ: to publish the results); then a score and a result."""

    olympiad = peewee.ForeignKeyField(Olympiad, backref="registrations", on_delete="CASCADE")
    student = peewee.ForeignKeyField(Student, on_delete="CASCADE", index=True)
    school = peewee.ForeignKeyField(School, on_delete="CASCADE", index=True)
    grade = peewee.SmallIntegerField()
    nominated_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", index=True)
    self_applied = peewee.BooleanField(default=False)
    consent_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    consent_at = peewee.DateTimeField(null=True)
    score = peewee.FloatField(null=True)
    result = peewee.CharField(max_length=16, default="")
    promoted_from = peewee.IntegerField(null=True)  # the registration of the previous stage
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "olympiads_registration"
        indexes = ((("olympiad", "student"), True),)

    @property
    def final(self) -> bool:
        return self.consent_at is not None


MODELS = [Olympiad, Registration]
