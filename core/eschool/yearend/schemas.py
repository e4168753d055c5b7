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


class AdmissionInSchema(Schema):
    application_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    letter = fields.String(required=True, validate=validate.Length(min=1, max=1))


class YearCloseInSchema(Schema):
    """The next year (default: the same dates a year later), the order number for the leavers, and the
    first graders: the enrolment order's number and, where wanted, another new 1st grade than the one
    suggested for an accepted application."""

    name = fields.String(validate=validate.Length(min=1, max=20))
    starts_on = fields.Date()
    ends_on = fields.Date()
    order_number = fields.String(load_default="", validate=validate.Length(max=40))
    enrolment_order = fields.String(load_default="", validate=validate.Length(max=40),
                                    metadata={"description": "the order enrolling the first graders "
                                                             "(default: order_number)"})
    admissions = fields.List(fields.Nested(AdmissionInSchema), load_default=list, validate=validate.Length(max=2000))

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


class FirstGraderSchema(Schema):
    application_id = fields.Integer()
    child = fields.String()
    priority_group = fields.Integer()
    letter = fields.String()


class YearEndSchema(Schema):
    year = fields.String()
    window_open = fields.Boolean()
    window = fields.String()
    open_periods = fields.Integer()
    missing_marks = fields.List(fields.List(fields.String()))
    unfilled_lessons = fields.Integer()
    decisions = fields.List(fields.Nested(DecisionSchema))
    first_graders = fields.List(fields.Nested(FirstGraderSchema),
                                metadata={"description": "the accepted 1st-grade applications the closing enrols, "
                                                         "each with its suggested new 1st grade"})


class AdmittedSchema(Schema):
    application_id = fields.Integer()
    student_id = fields.Integer()
    class_name = fields.String(data_key="class")
    parent_username = fields.String()
    parent_password = fields.String()


class NewYearSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    admitted = fields.List(fields.Nested(AdmittedSchema),
                           metadata={"description": "the first graders enrolled, with their parents' logins (the "
                                                    "passwords are shown this once)"})
