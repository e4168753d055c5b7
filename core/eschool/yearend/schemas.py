"""The year-end API's shapes."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from eschool.yearend.models import DECISIONS


class DecisionInSchema(Schema):
    student_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))
    debts = fields.String(load_default="", validate=validate.Length(max=2000))


class DecisionsInSchema(Schema):
    decisions = fields.List(fields.Nested(DecisionInSchema), required=True, validate=validate.Length(max=5000))


class CloseInSchema(Schema):
    """The next year (default: the same dates a year later) and the order number for the leavers."""

    name = fields.String(validate=validate.Length(min=1, max=20))
    starts_on = fields.Date()
    ends_on = fields.Date()
    order_number = fields.String(load_default="", validate=validate.Length(max=40))

    @validates_schema
    def _dates(self, data, **kwargs):
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] <= data["starts_on"]:
            raise ValidationError("The end must come after the start.", field_name="ends_on")


class DecisionSchema(Schema):
    student_id = fields.Integer()
    student = fields.String()
    class_name = fields.String(data_key="class")
    decision = fields.String()
    debts = fields.List(fields.String())
    saved = fields.Boolean()


class YearEndSchema(Schema):
    year = fields.String()
    window_open = fields.Boolean()
    window = fields.String()
    open_periods = fields.Integer()
    missing_marks = fields.List(fields.List(fields.String()))
    unfilled_lessons = fields.Integer()
    decisions = fields.List(fields.Nested(DecisionSchema))


class NewYearSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
