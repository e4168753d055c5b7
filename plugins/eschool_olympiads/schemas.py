"""Olympiad input and output over the API (marshmallow 4)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from eschool.plugin_api import UtcDateTime

STAGES = ("school", "municipal", "regional", "final")
ID = validate.Range(min=1, max=2**31 - 1)


class CatalogueQuerySchema(Schema):
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))
    stage = fields.String(load_default=None, validate=validate.OneOf(STAGES))
    subject = fields.String(load_default=None, validate=validate.Length(max=100))


class StatsQuerySchema(CatalogueQuerySchema):
    by = fields.String(load_default="school", validate=validate.OneOf(("school", "subject", "grade", "year", "stage")))
    grade = fields.Integer(load_default=None, validate=validate.Range(min=1, max=11))
    school = fields.Integer(load_default=None, validate=ID)


class OlympiadInSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    series = fields.String(load_default="", validate=validate.Length(max=100))
    subject = fields.String(required=True, validate=validate.Length(min=1, max=100))
    stage = fields.String(load_default="school", validate=validate.OneOf(STAGES))
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))
    grade_from = fields.Integer(load_default=1, validate=validate.Range(min=1, max=11))
    grade_to = fields.Integer(load_default=11, validate=validate.Range(min=1, max=11))
    starts_on = fields.Date(load_default=None, allow_none=True)
    ends_on = fields.Date(load_default=None, allow_none=True)
    place = fields.String(load_default="", validate=validate.Length(max=300))
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    self_apply = fields.Boolean(load_default=False)
    quota = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=10000))
    max_score = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=10000))
    passing_score = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=10000))
    next_stage_id = fields.Integer(load_default=None, allow_none=True, validate=ID)
    school_id = fields.Integer(load_default=None, allow_none=True, validate=ID)
    municipality_id = fields.Integer(load_default=None, allow_none=True, validate=ID)


class OlympiadOutSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    series = fields.String()
    subject = fields.String()
    stage = fields.String()
    year = fields.Integer()
    grade_from = fields.Integer()
    grade_to = fields.Integer()
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    place = fields.String()
    description = fields.String()
    organiser = fields.String()
    school_id = fields.Integer(allow_none=True)
    municipality_id = fields.Integer(allow_none=True)
    self_apply = fields.Boolean()
    quota = fields.Integer(allow_none=True)
    max_score = fields.Float(allow_none=True)
    passing_score = fields.Float(allow_none=True)
    next_stage_id = fields.Integer(allow_none=True)
    promoted_at = UtcDateTime(allow_none=True)


class NominateInSchema(Schema):
    student_ids = fields.List(fields.Integer(validate=ID), load_default=list, validate=validate.Length(max=500))


class ResultInSchema(Schema):
    score = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=10000))
    result = fields.String(load_default="participant", validate=validate.OneOf(("winner", "prize_winner",
                                                                              "participant")))


class RegistrationOutSchema(Schema):
    id = fields.Integer()
    olympiad_id = fields.Integer()
    student_id = fields.Integer()
    student_name = fields.String()
    school_id = fields.Integer()
    grade = fields.Integer()
    self_applied = fields.Boolean()
    final = fields.Boolean()
    consent_at = UtcDateTime(allow_none=True)
    score = fields.Float(allow_none=True)
    result = fields.String()


class ImportLineErrorSchema(Schema):
    line = fields.Integer()
    column = fields.String()
    message = fields.String()


class ImportOutSchema(Schema):
    imported = fields.Integer()


class PromoteOutSchema(Schema):
    moved = fields.Integer()


class StatsRowSchema(Schema):
    rank = fields.Integer()
    key = fields.Raw()
    label = fields.String()
    participants = fields.Integer()
    winners = fields.Integer()
    prize_winners = fields.Integer()
    average = fields.Float(allow_none=True)


class PortfolioRowSchema(Schema):
    registration_id = fields.Integer()
    olympiad_id = fields.Integer()
    title = fields.String()
    subject = fields.String()
    stage = fields.String()
    year = fields.Integer()
    starts_on = fields.Date(allow_none=True)
    final = fields.Boolean()
    score = fields.Float(allow_none=True)
    result = fields.String()
