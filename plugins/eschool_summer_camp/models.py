"""The summer camp's tables: sessions, squads, priority categories, applications, attendance, plans (camp meals are
nutrition's daily orders of the squads: see ``services.meal_groups``)."""
from __future__ import annotations

import peewee

from eschool.plugin_api import BaseModel, ClassGroup, School, Student, User, utcnow

#: Application states: the queue (submitted), the decisions, and the parent's withdrawal.
STATUSES = ("submitted", "confirmed", "waitlisted", "rejected", "withdrawn")
#: A child's day at the camp.
DAY_MARKS = ("present", "absent", "ill")


class CampSession(BaseModel):
    """One session (смена) of a school's day camp: dates, capacity, whether parents may apply."""

    school = peewee.ForeignKeyField(School, on_delete="CASCADE", index=True)
    name = peewee.CharField(max_length=100)
    starts_on = peewee.DateField()
    ends_on = peewee.DateField()
    capacity = peewee.IntegerField()
    applications_open = peewee.BooleanField(default=True)
    head = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    age_from = peewee.SmallIntegerField(default=6)
    age_to = peewee.SmallIntegerField(default=17)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "summer_camp_session"


class Squad(BaseModel):
    """A squad (отряд) of a session: a class group of kind ``summer_camp`` and its leader."""

    session = peewee.ForeignKeyField(CampSession, backref="squads", on_delete="CASCADE", index=True)
    class_group = peewee.ForeignKeyField(ClassGroup, on_delete="CASCADE", unique=True)
    name = peewee.CharField(max_length=60)
    leader = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", index=True)

    class Meta:
        table_name = "summer_camp_squad"


class Category(BaseModel):
    """A priority category of a school's camp queue; a lower ``rank`` comes first."""

    school = peewee.ForeignKeyField(School, on_delete="CASCADE", index=True)
    code = peewee.CharField(max_length=32)
    name = peewee.CharField(max_length=200)
    rank = peewee.SmallIntegerField(default=10)
    active = peewee.BooleanField(default=True)

    class Meta:
        table_name = "summer_camp_category"
        indexes = ((("school", "code"), True),)


class Application(BaseModel):
    """A child's application for a place in a session; one per child and session."""

    session = peewee.ForeignKeyField(CampSession, backref="applications", on_delete="CASCADE")
    student = peewee.ForeignKeyField(Student, on_delete="CASCADE", index=True)
    status = peewee.CharField(max_length=16, default="submitted")
    category = peewee.ForeignKeyField(Category, null=True, on_delete="SET NULL")
    source = peewee.CharField(max_length=8, default="portal")  # portal | paper
    applied_at = peewee.DateTimeField(default=utcnow)
    applied_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    contact_phone = peewee.CharField(max_length=32, default="")
    note = peewee.CharField(max_length=500, default="")
    squad = peewee.ForeignKeyField(Squad, null=True, on_delete="SET NULL", index=True)
    reason = peewee.CharField(max_length=500, default="")
    decided_at = peewee.DateTimeField(null=True)
    decided_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "summer_camp_application"
        indexes = ((("session", "student"), True), (("session", "status"), False))


class DayMark(BaseModel):
    """A child's day at the camp, marked by the squad leader."""

    application = peewee.ForeignKeyField(Application, on_delete="CASCADE")
    date = peewee.DateField()
    mark = peewee.CharField(max_length=8)
    marked_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    marked_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "summer_camp_day_mark"
        indexes = ((("application", "date"), True),)


class PlanItem(BaseModel):
    """One activity of a camp day; ``squad`` empty: for the whole camp."""

    session = peewee.ForeignKeyField(CampSession, on_delete="CASCADE")
    squad = peewee.ForeignKeyField(Squad, null=True, on_delete="CASCADE")
    date = peewee.DateField()
    time = peewee.CharField(max_length=5, default="")
    title = peewee.CharField(max_length=200)
    place = peewee.CharField(max_length=200, default="")

    class Meta:
        table_name = "summer_camp_plan_item"
        indexes = ((("session", "date"), False),)


#: The table ``summer_camp_meal_count`` (the squads' portions counted before camp meals moved to nutrition)
#: stays, unread: nutrition's migration 0002 made its rows the squads' daily orders.
MODELS = [CampSession, Squad, Category, Application, DayMark, PlanItem]
