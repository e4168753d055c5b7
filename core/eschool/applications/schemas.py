"""The applications' shapes: the public form and the school's API."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from eschool.applications.models import KINDS, STATUSES
from eschool.fields import UtcDateTime

NAME = validate.Length(min=1, max=100)


class ApplicationInSchema(Schema):
    kind = fields.String(load_default="first_grade", validate=validate.OneOf(KINDS))
    grade = fields.Integer(load_default=1, validate=validate.Range(min=1, max=11))
    child_last_name = fields.String(required=True, validate=NAME)
    child_first_name = fields.String(required=True, validate=NAME)
    child_middle_name = fields.String(load_default="", validate=validate.Length(max=100))
    child_birth_date = fields.Date(required=True)
    child_gender = fields.String(required=True, validate=validate.OneOf(("m", "f")))
    child_document = fields.String(load_default="", validate=validate.Length(max=40))
    applicant_name = fields.String(required=True, validate=validate.Length(min=3, max=300))
    applicant_email = fields.Email(required=True, validate=validate.Length(max=254))
    applicant_phone = fields.String(load_default="", validate=validate.Length(max=32))
    relation = fields.String(load_default="mother", validate=validate.OneOf(("mother", "father", "guardian", "other")))
    street = fields.String(required=True, validate=validate.Length(min=2, max=200))
    house = fields.String(required=True, validate=validate.Length(min=1, max=40))
    flat = fields.String(load_default="", validate=validate.Length(max=20))
    claimed_priority = fields.String(load_default="general", validate=validate.OneOf(("priority", "sibling", "general")))
    priority_documents = fields.String(load_default="", validate=validate.Length(max=2000))
    consent = fields.Boolean(required=True)


class StatusInSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


class EnrolInSchema(Schema):
    class_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    order_number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    date = fields.Date()


class QueueQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    kind = fields.String(validate=validate.OneOf(KINDS))


class ApplicationSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    grade = fields.Integer()
    campaign = fields.Integer()
    child_name = fields.String()
    child_birth_date = fields.Date()
    applicant_name = fields.String()
    applicant_email = fields.String()
    in_catchment = fields.Boolean()
    claimed_priority = fields.String()
    priority_group = fields.Integer()
    status = fields.String()
    reason = fields.String()
    submitted_at = UtcDateTime()
    student_id = fields.Integer(allow_none=True)


class SubmittedSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    follow_url = fields.String()


class EnrolledSchema(Schema):
    student_id = fields.Integer()
    parent_username = fields.String()
    parent_password = fields.String()
