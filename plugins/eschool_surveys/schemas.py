"""Survey input and output over the API (marshmallow 4): one description of what goes in and out."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from eschool.plugin_api import UtcDateTime


class SurveysSettingsSchema(Schema):
    reminder_every_days = fields.Integer(load_default=3, validate=validate.Range(min=1, max=30),
                                         metadata={"label": _l("Remind those who have not answered every N days")})


class ManagedQuerySchema(Schema):
    school = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    municipality = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))


class ResultsQuerySchema(Schema):
    school = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    class_ = fields.Integer(data_key="class", load_default=None, validate=validate.Range(min=1, max=2**31 - 1))


class QuestionInSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(("single", "multiple", "scale5", "scale10", "text",
                                                                  "matrix")))
    text = fields.String(required=True, validate=validate.Length(min=1, max=500))
    required = fields.Boolean(load_default=True)
    options = fields.List(fields.String(validate=validate.Length(max=200)), load_default=list)
    rows = fields.List(fields.String(validate=validate.Length(max=200)), load_default=list)


class SectionInSchema(Schema):
    title = fields.String(load_default="", validate=validate.Length(max=200))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    questions = fields.List(fields.Nested(QuestionInSchema), load_default=list, validate=validate.Length(max=100))


class AudienceItemSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(("role", "parallel", "class", "school",
                                                                  "municipality", "region")))
    role = fields.String(load_default=None)
    grade = fields.Integer(load_default=None, validate=validate.Range(min=1, max=11))
    class_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    school_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    municipality_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    who = fields.List(fields.String(validate=validate.OneOf(("students", "parents", "teachers", "staff"))),
                      load_default=list)


class SurveyInSchema(Schema):
    school_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    municipality_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    anonymous = fields.Boolean(load_default=True)
    per_child = fields.Boolean(load_default=False)
    reminders = fields.Boolean(load_default=True)
    opens_on = fields.Date(load_default=None, allow_none=True)
    closes_on = fields.Date(load_default=None, allow_none=True)
    audience = fields.List(fields.Nested(AudienceItemSchema), required=True, validate=validate.Length(min=1, max=50))
    sections = fields.List(fields.Nested(SectionInSchema), load_default=None, validate=validate.Length(max=30))


class SurveyUpdateSchema(SurveyInSchema):
    class Meta:
        exclude = ("school_id", "municipality_id")


class ResponseInSchema(Schema):
    answers = fields.Dict(keys=fields.String(), required=True)
    child_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))


class QuestionOutSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    text = fields.String()
    required = fields.Boolean()
    options = fields.List(fields.String(), attribute="option_list")
    rows = fields.List(fields.String(), attribute="row_list")


class SectionOutSchema(Schema):
    id = fields.Integer(allow_none=True)
    title = fields.String()
    description = fields.String()
    questions = fields.List(fields.Nested(QuestionOutSchema))


class SurveyOutSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    description = fields.String()
    level = fields.String()
    school_id = fields.Integer(allow_none=True)
    municipality_id = fields.Integer(allow_none=True)
    anonymous = fields.Boolean()
    per_child = fields.Boolean()
    reminders = fields.Boolean()
    opens_on = fields.Date(allow_none=True)
    closes_on = fields.Date(allow_none=True)
    state = fields.String()
    invited = fields.Integer(attribute="invited_count")
    audience = fields.List(fields.Dict(), attribute="audience_items")
    created_at = UtcDateTime()


class SurveyFullSchema(SurveyOutSchema):
    sections = fields.List(fields.Nested(SectionOutSchema))


class MineOutSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    closes_on = fields.Date(allow_none=True)
    anonymous = fields.Boolean()
    answered = fields.Boolean()
    pending_children = fields.List(fields.Integer())


class SurveyBarSchema(Schema):
    label = fields.String()
    count = fields.Integer()
    pct = fields.Float()


class SurveyCellSchema(Schema):
    count = fields.Integer()
    pct = fields.Float()


class SurveyMatrixRowSchema(Schema):
    label = fields.String()
    cells = fields.List(fields.Nested(SurveyCellSchema))


class QuestionResultSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    text = fields.String()
    respondents = fields.Integer()
    bars = fields.List(fields.Nested(SurveyBarSchema))
    matrix = fields.List(fields.Nested(SurveyMatrixRowSchema))
    average = fields.Float(allow_none=True)
    texts = fields.List(fields.String())


class ResultsOutSchema(Schema):
    survey_id = fields.Integer()
    total = fields.Integer()
    invited = fields.Integer()
    rate = fields.Float(allow_none=True)
    hidden = fields.Boolean()
    questions = fields.List(fields.Nested(QuestionResultSchema))


class SurveySchoolColumnSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    answers = fields.Integer()
    hidden = fields.Boolean()


class SurveySchoolRowSchema(Schema):
    school = fields.String()
    average = fields.Float(allow_none=True)
    cells = fields.List(fields.Float())


class SchoolQuestionSchema(Schema):
    id = fields.Integer()
    text = fields.String()
    kind = fields.String()
    options = fields.List(fields.String())
    rows = fields.List(fields.Nested(SurveySchoolRowSchema))


class BySchoolOutSchema(Schema):
    schools = fields.List(fields.Nested(SurveySchoolColumnSchema))
    questions = fields.List(fields.Nested(SchoolQuestionSchema))


class RespondentSchema(Schema):
    user_id = fields.Integer()
    name = fields.String()
    child_id = fields.Integer(allow_none=True)
    submitted_at = UtcDateTime(allow_none=True)


class ResponseOutSchema(Schema):
    survey_id = fields.Integer()
    accepted = fields.Boolean()
