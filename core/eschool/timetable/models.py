"""The bell schedule, the weekly timetable of each class, and substitutions by date."""
from __future__ import annotations

import peewee

from eschool.auth.models import User
from eschool.db import BaseModel
from eschool.school.models import AcademicYear, ClassGroup, Room, Subgroup, Subject
from eschool.structure.models import School


class LessonTime(BaseModel):
    """When lesson ``number`` of a shift starts and ends (расписание звонков)."""

    school = peewee.ForeignKeyField(School, backref="lesson_times", on_delete="CASCADE")
    shift = peewee.SmallIntegerField(default=1)
    number = peewee.SmallIntegerField()
    starts_at = peewee.TimeField()
    ends_at = peewee.TimeField()

    class Meta:
        table_name = "lesson_time"
        indexes = ((("school", "shift", "number"), True),)


class TimetableEntry(BaseModel):
    """A weekly lesson: on ``weekday`` (1 = Monday), lesson ``number`` of the class's shift."""

    academic_year = peewee.ForeignKeyField(AcademicYear, on_delete="CASCADE")
    class_group = peewee.ForeignKeyField(ClassGroup, backref="timetable", on_delete="CASCADE")
    subgroup = peewee.ForeignKeyField(Subgroup, null=True, on_delete="CASCADE")
    weekday = peewee.SmallIntegerField()
    number = peewee.SmallIntegerField()
    subject = peewee.ForeignKeyField(Subject, on_delete="RESTRICT")
    teacher = peewee.ForeignKeyField(User, on_delete="RESTRICT")
    room = peewee.ForeignKeyField(Room, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "timetable_entry"
        indexes = ((("academic_year", "weekday", "number"), False),)


class Substitution(BaseModel):
    """On ``date`` another teacher (and maybe another room) gives a timetable lesson (замена)."""

    entry = peewee.ForeignKeyField(TimetableEntry, backref="substitutions", on_delete="CASCADE")
    date = peewee.DateField()
    teacher = peewee.ForeignKeyField(User, on_delete="RESTRICT")
    room = peewee.ForeignKeyField(Room, null=True, on_delete="SET NULL")
    note = peewee.CharField(max_length=200, default="")

    class Meta:
        table_name = "substitution"
        indexes = ((("entry", "date"), True),)
