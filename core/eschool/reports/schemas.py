"""The reports API's shapes."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

FORMATS = ("json", "xlsx", "pdf")


class ReportInfoSchema(Schema):
    key = fields.String()
    title = fields.String()
    description = fields.String()
    params = fields.List(fields.String())
    required = fields.List(fields.String())


class ReportQuerySchema(Schema):
    """The parameters every report may take (each report reads those it asks for) and the format."""

    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))
    period_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    class_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    grade = fields.Integer(validate=validate.Range(min=1, max=11))
    subject_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    date_from = fields.Date()
    date_to = fields.Date()
    kind = fields.String(validate=validate.Length(max=16))
    number = fields.Integer(validate=validate.Range(min=1, max=4))


class ReportColumnSchema(Schema):
    key = fields.String()
    label = fields.String()
    kind = fields.String()


class ReportTableSchema(Schema):
    title = fields.String()
    columns = fields.List(fields.Nested(ReportColumnSchema))
    rows = fields.List(fields.List(fields.Raw()))
    totals = fields.List(fields.Raw(), allow_none=True)


class ReportSchema(Schema):
    key = fields.String()
    title = fields.String()
    caption = fields.List(fields.String())
    notes = fields.List(fields.String())
    tables = fields.List(fields.Nested(ReportTableSchema))
