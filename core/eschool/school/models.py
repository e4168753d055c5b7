"""A school's year: academic years and periods, subjects, rooms, classes, curriculum, teaching assignments.

Everything a school enters before the first lesson; the timetable (``eschool.timetable``) and the
journal build on it.
"""
from __future__ import annotations

import peewee

from eschool.auth.models import User
from eschool.db import BaseModel
from eschool.structure.models import School


class AcademicYear(BaseModel):
    """A school's academic year (учебный год); only the current one is edited, past ones are read-only."""

    school = peewee.ForeignKeyField(School, backref="years", on_delete="CASCADE")
    name = peewee.CharField(max_length=20)  # "2026/2027"
    starts_on = peewee.DateField()
    ends_on = peewee.DateField()
    is_current = peewee.BooleanField(default=False)
    closed = peewee.BooleanField(default=False)

    class Meta:
        table_name = "academic_year"
        indexes = ((("school", "name"), True),)


class Period(BaseModel):
    """A study period (четверть, полугодие, триместр) for a range of grades."""

    academic_year = peewee.ForeignKeyField(AcademicYear, backref="periods", on_delete="CASCADE")
    kind = peewee.CharField(max_length=16)  # quarter | semester | trimester
    number = peewee.SmallIntegerField()
    starts_on = peewee.DateField()
    ends_on = peewee.DateField()
    grade_from = peewee.SmallIntegerField(default=1)
    grade_to = peewee.SmallIntegerField(default=11)
    closed = peewee.BooleanField(default=False)

    class Meta:
        table_name = "period"


class Subject(BaseModel):
    school = peewee.ForeignKeyField(School, backref="subjects", on_delete="CASCADE")
    name = peewee.CharField(max_length=150)
    short_name = peewee.CharField(max_length=30, default="")

    class Meta:
        table_name = "subject"
        indexes = ((("school", "name"), True),)


class Building(BaseModel):
    """One of the school's buildings (корпус, здание) at its own address; rooms belong to one."""

    school = peewee.ForeignKeyField(School, backref="buildings", on_delete="CASCADE")
    name = peewee.CharField(max_length=150)  # "Главный корпус", "Корпус 2"
    address = peewee.CharField(max_length=500, default="")

    class Meta:
        table_name = "building"
        indexes = ((("school", "name"), True),)


class CatchmentStreet(BaseModel):
    """A street (and which of its houses) assigned to the school: its catchment area (закреплённая территория).

    ``houses`` is kept as entered after checking ("1-15, 17, 19к2", "2-20 чёт", "все");
    ``street_key`` is the street's name normalised for look-ups (case, ё, "улица"/"ул.", word order).
    """

    school = peewee.ForeignKeyField(School, backref="catchment", on_delete="CASCADE")
    street = peewee.CharField(max_length=200)
    street_key = peewee.CharField(max_length=200, index=True)
    houses = peewee.CharField(max_length=1000)

    class Meta:
        table_name = "catchment_street"
        indexes = ((("school", "street_key"), True),)


class Room(BaseModel):
    school = peewee.ForeignKeyField(School, backref="rooms", on_delete="CASCADE")
    name = peewee.CharField(max_length=60)  # "204", "Спортзал"
    building = peewee.ForeignKeyField(Building, backref="rooms", null=True, on_delete="SET NULL")
    capacity = peewee.SmallIntegerField(null=True)

    class Meta:
        table_name = "room"
        indexes = ((("school", "building", "name"), True),)


class ClassGroup(BaseModel):
    """A class of any kind: regular ("5А"), extended-day group, summer camp squad, home schooling."""

    school = peewee.ForeignKeyField(School, backref="class_groups", on_delete="CASCADE")
    academic_year = peewee.ForeignKeyField(AcademicYear, backref="class_groups", on_delete="CASCADE")
    kind = peewee.CharField(max_length=16, default="regular")
    grade = peewee.SmallIntegerField()
    letter = peewee.CharField(max_length=4, default="")
    name = peewee.CharField(max_length=40)
    shift = peewee.SmallIntegerField(default=1)
    class_teacher = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "class_group"
        indexes = ((("academic_year", "kind", "name"), True),)


class Subgroup(BaseModel):
    """Part of a class taught separately (languages, labour); its teacher keeps its own records."""

    class_group = peewee.ForeignKeyField(ClassGroup, backref="subgroups", on_delete="CASCADE")
    name = peewee.CharField(max_length=60)

    class Meta:
        table_name = "subgroup"
        indexes = ((("class_group", "name"), True),)


class CurriculumItem(BaseModel):
    """Hours per week of a subject in a class (учебный план)."""

    class_group = peewee.ForeignKeyField(ClassGroup, backref="curriculum", on_delete="CASCADE")
    subject = peewee.ForeignKeyField(Subject, on_delete="RESTRICT")
    hours_per_week = peewee.DecimalField(max_digits=4, decimal_places=1)
    scale = peewee.CharField(max_length=16, default="five_point")  # five_point | pass_fail | none (journal)

    class Meta:
        table_name = "curriculum_item"
        indexes = ((("class_group", "subject"), True),)


class TeachingAssignment(BaseModel):
    """A teacher teaches a subject to a class or to one of its subgroups."""

    teacher = peewee.ForeignKeyField(User, backref="teaching", on_delete="CASCADE")
    class_group = peewee.ForeignKeyField(ClassGroup, backref="assignments", on_delete="CASCADE")
    subgroup = peewee.ForeignKeyField(Subgroup, null=True, on_delete="CASCADE")
    subject = peewee.ForeignKeyField(Subject, on_delete="RESTRICT")

    class Meta:
        table_name = "teaching_assignment"
        indexes = ((("teacher", "class_group", "subgroup", "subject"), True),)
