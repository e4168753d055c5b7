"""A school's lesson plans (КТП), their numbered topics, and which lesson took which topic."""
from __future__ import annotations

import peewee

from eschool.plugin_api import BaseModel, Lesson, School, Subject, User, utcnow


class LessonPlan(BaseModel):
    """A calendar-thematic plan (КТП) of a subject for a grade: numbered topics."""

    school = peewee.ForeignKeyField(School, backref="lesson_plans", on_delete="CASCADE")
    subject = peewee.ForeignKeyField(Subject, on_delete="CASCADE")
    grade = peewee.SmallIntegerField()
    name = peewee.CharField(max_length=200)
    created_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "lesson_plans_plan"


class LessonPlanItem(BaseModel):
    """One numbered topic of a lesson plan (how many hours, what homework is planned)."""

    plan = peewee.ForeignKeyField(LessonPlan, backref="items", on_delete="CASCADE")
    number = peewee.SmallIntegerField()
    topic = peewee.CharField(max_length=500)
    hours = peewee.SmallIntegerField(default=1)
    homework = peewee.TextField(default="")

    class Meta:
        table_name = "lesson_plans_item"
        indexes = ((("plan", "number"), True),)


class LessonTopic(BaseModel):
    """A lesson given to a plan's item (at most one item a lesson): the plugin's own link, so the core's
    lesson table points at nothing of a plugin's."""

    lesson = peewee.ForeignKeyField(Lesson, on_delete="CASCADE", unique=True)
    item = peewee.ForeignKeyField(LessonPlanItem, backref="lessons", on_delete="CASCADE")

    class Meta:
        table_name = "lesson_plans_lesson"
