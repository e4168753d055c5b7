"""Input and output of final marks, periods, the class period report and the rates per school."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from eschool.fields import Number, UtcDateTime

FINAL_VALUES = ("5", "4", "3", "2", "pass", "fail", "exempt")


class SheetQuerySchema(Schema):
    kind = fields.String(load_default="period", validate=validate.OneOf(["period", "year", "exam"]))
    period_id = fields.Integer(load_default=None, metadata={"description": "required when kind is period"})

    @validates_schema
    def _period(self, data, **kwargs):
        if data["kind"] == "period" and data["period_id"] is None:
            raise ValidationError("Choose a period.", field_name="period_id")


class ReportQuerySchema(SheetQuerySchema):
    kind = fields.String(load_default="period", validate=validate.OneOf(["period", "year"]))


class FinalMarkInSchema(Schema):
    student_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["period", "year", "exam"]))
    period_id = fields.Integer(load_default=None)
    value = fields.String(load_default=None, allow_none=True,
                          validate=validate.OneOf(["", *FINAL_VALUES]),
                          metadata={"description": "5, 4, 3, 2, pass, fail or exempt; empty or null removes"})
    version = fields.Integer(load_default=None, allow_none=True,
                             metadata={"description": "the version the edit started from; null for an empty cell"})

    @validates_schema
    def _period(self, data, **kwargs):
        if data["kind"] == "period" and data["period_id"] is None:
            raise ValidationError("Choose a period.", field_name="period_id")


class FinalMarkSchema(Schema):
    id = fields.Integer()
    student_id = fields.Integer()
    kind = fields.String()
    period_id = fields.Integer(allow_none=True)
    value = fields.String()
    version = fields.Integer()
    set_by = fields.Function(lambda m: m.set_by.full_name if m.set_by_id else None, allow_none=True)
    set_at = UtcDateTime()


class SheetRowSchema(Schema):
    student_id = fields.Function(lambda r: r.student.id)
    student = fields.Function(lambda r: r.student.full_name)
    average = Number(allow_none=True)
    suggestion = fields.String(allow_none=True)
    marks_counted = fields.Integer(attribute="count")
    few_marks = fields.Boolean(metadata={"description": "fewer than 3 marks back the suggestion"})
    final = fields.Function(lambda r: FinalMarkSchema().dump(r.final) if r.final else None, allow_none=True)
    periods = fields.Function(lambda r: {str(k): v for k, v in r.periods.items()},
                              metadata={"description": "the year sheet: period id -> period mark"})


class PeriodBriefSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    number = fields.Integer()
    starts_on = fields.Date()
    ends_on = fields.Date()
    grade_from = fields.Integer()
    grade_to = fields.Integer()
    closed = fields.Boolean()


class SheetSchema(Schema):
    class_id = fields.Function(lambda s: s.class_group.id)
    subject_id = fields.Function(lambda s: s.subject.id)
    kind = fields.String()
    period = fields.Nested(PeriodBriefSchema, allow_none=True)
    scale = fields.String()
    can_edit = fields.Boolean()
    closed = fields.Boolean()
    ended = fields.Boolean(metadata={"description": "false: the suggestion is a forecast, the period goes on"})
    rows = fields.List(fields.Nested(SheetRowSchema))


class RatesSchema(Schema):
    students = fields.Integer()
    passed = fields.Integer()
    good = fields.Integer()
    pass_rate = Number(allow_none=True, metadata={"description": "per cent"})
    quality_rate = Number(allow_none=True, metadata={"description": "per cent"})


class ReportSubjectSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    rates = fields.Nested(RatesSchema)


class ReportStudentSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    marks = fields.Dict(keys=fields.String(), values=fields.Dict(),
                        metadata={"description": "subject id -> {value, suggested}"})


class ClassReportSchema(Schema):
    class_id = fields.Integer()
    class_name = fields.String()
    kind = fields.String()
    period = fields.Nested(PeriodBriefSchema, allow_none=True)
    provisional = fields.Boolean(metadata={"description": "some values are suggestions, not final marks"})
    rates = fields.Nested(RatesSchema)
    subjects = fields.List(fields.Nested(ReportSubjectSchema))
    students = fields.List(fields.Nested(ReportStudentSchema))


class RatesQuerySchema(Schema):
    kind = fields.String(load_default="quarter", validate=validate.OneOf(["quarter", "semester", "trimester", "year"]))
    number = fields.Integer(load_default=1, validate=validate.Range(min=1, max=4))


class SchoolRatesSchema(Schema):
    school_id = fields.Function(lambda r: r.school.id)
    school = fields.Function(lambda r: r.school.short_name)
    rates = fields.Nested(RatesSchema)


def report_as_dict(report) -> dict:
    """The class report in the shape of :class:`ClassReportSchema`."""
    return {
        "class_id": report.class_group.id, "class_name": report.class_group.name, "kind": report.kind,
        "period": report.period, "provisional": report.provisional, "rates": report.rates,
        "subjects": [{"id": s.id, "name": s.name, "rates": report.subject_rates[s.id]} for s in report.subjects],
        "students": [{"id": st.id, "name": st.full_name, "marks": {
            str(s.id): {"value": report.cells[(st.id, s.id)].value, "suggested": report.cells[(st.id, s.id)].suggested}
            for s in report.subjects if (st.id, s.id) in report.cells}} for st in report.students],
    }
