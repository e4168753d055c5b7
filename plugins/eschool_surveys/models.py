"""Surveys: the questionnaire, who is asked, who took part, and the answers.

Anonymity is kept by the schema itself: a ``Response`` (one filled questionnaire) and its ``Answer`` rows
have no column pointing to a person, no time, and random ids (so neither their ids nor their order in the
table follow the order people answered). Who took part is a ``Participation`` row; only a named survey's
participation points to its response.
"""
from __future__ import annotations

import json
import secrets

import peewee

from eschool.plugin_api import BaseModel, Municipality, School, User, utcnow

KINDS = ("single", "multiple", "scale5", "scale10", "text", "matrix")


def random_id() -> int:
    """A random positive 63-bit id: rows carry no order of insertion."""
    return secrets.randbits(62) + 1


class Survey(BaseModel):
    """A questionnaire run by a school, a municipality (``school`` empty) or the region (both empty)."""

    school = peewee.ForeignKeyField(School, null=True, on_delete="CASCADE", index=True)
    municipality = peewee.ForeignKeyField(Municipality, null=True, on_delete="CASCADE", index=True)
    title = peewee.CharField(max_length=200)
    description = peewee.TextField(default="")
    anonymous = peewee.BooleanField(default=True)
    per_child = peewee.BooleanField(default=False)  # parents answer once for each child
    audience = peewee.TextField(default="[]")  # JSON: the chosen audience items
    opens_on = peewee.DateField(null=True)
    closes_on = peewee.DateField(null=True)
    published = peewee.BooleanField(default=False)
    closed = peewee.BooleanField(default=False)  # closed early by hand
    reminders = peewee.BooleanField(default=True)
    last_reminded_on = peewee.DateField(null=True)
    invited_count = peewee.IntegerField(default=0)
    created_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "surveys_survey"

    @property
    def audience_items(self) -> list[dict]:
        try:
            return json.loads(self.audience or "[]")
        except ValueError:
            return []

    @property
    def level(self) -> str:
        return "school" if self.school_id else "municipality" if self.municipality_id else "region"


class Section(BaseModel):
    survey = peewee.ForeignKeyField(Survey, backref="sections", on_delete="CASCADE")
    position = peewee.IntegerField(default=0)
    title = peewee.CharField(max_length=200)
    description = peewee.TextField(default="")

    class Meta:
        table_name = "surveys_section"


class Question(BaseModel):
    survey = peewee.ForeignKeyField(Survey, backref="questions", on_delete="CASCADE")
    section = peewee.ForeignKeyField(Section, null=True, backref="questions", on_delete="SET NULL")
    position = peewee.IntegerField(default=0)
    kind = peewee.CharField(max_length=16)
    text = peewee.CharField(max_length=500)
    required = peewee.BooleanField(default=True)
    options = peewee.TextField(default="[]")  # JSON list: choices, or a matrix's columns
    rows = peewee.TextField(default="[]")  # JSON list: a matrix's rows

    class Meta:
        table_name = "surveys_question"

    @property
    def option_list(self) -> list[str]:
        return json.loads(self.options or "[]")

    @property
    def row_list(self) -> list[str]:
        return json.loads(self.rows or "[]")

    @property
    def scale_max(self) -> int:
        return 10 if self.kind == "scale10" else 5


class Invitee(BaseModel):
    """Someone the audience named when it was last resolved (response rate, reminders, "my surveys")."""

    survey = peewee.ForeignKeyField(Survey, on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, on_delete="CASCADE", index=True)

    class Meta:
        table_name = "surveys_invitee"
        indexes = ((("survey", "user"), True),)


class Response(BaseModel):
    """One filled questionnaire: the group it came from, nothing about who or when."""

    id = peewee.BigIntegerField(primary_key=True, default=random_id)
    survey = peewee.ForeignKeyField(Survey, on_delete="CASCADE", index=True)
    school_id = peewee.IntegerField(null=True, index=True)
    class_id = peewee.IntegerField(null=True)

    class Meta:
        table_name = "surveys_response"


class Answer(BaseModel):
    """One answer to one question (a choice, a scale value, a matrix cell or a text)."""

    id = peewee.BigIntegerField(primary_key=True, default=random_id)
    response = peewee.ForeignKeyField(Response, on_delete="CASCADE", index=True)
    question = peewee.ForeignKeyField(Question, on_delete="CASCADE", index=True)
    row = peewee.SmallIntegerField(null=True)  # a matrix's row
    choice = peewee.SmallIntegerField(null=True)  # an option's index, or a scale's value
    text = peewee.TextField(null=True)
    school_id = peewee.IntegerField(null=True)  # the response's school, repeated: schools side by side in one pass

    class Meta:
        table_name = "surveys_answer"
        indexes = ((("question", "choice", "row"), False), (("question", "school_id", "choice"), False))


class Participation(BaseModel):
    """Who took part (and for which child). Only a named survey's participation names its response."""

    survey = peewee.ForeignKeyField(Survey, on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, on_delete="CASCADE", index=True)
    child = peewee.IntegerField(default=0)  # the child's student id when parents answer per child, else 0
    response = peewee.ForeignKeyField(Response, null=True, on_delete="SET NULL")  # named surveys only
    submitted_at = peewee.DateTimeField(null=True)  # named surveys only

    class Meta:
        table_name = "surveys_participation"
        indexes = ((("survey", "user", "child"), True),)


MODELS = [Survey, Section, Question, Invitee, Response, Answer, Participation]
