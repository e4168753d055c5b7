"""Settings, input and output schemas of the knowledge base (pages and API validate through them)."""
from __future__ import annotations

import datetime as dt
import json

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from eschool.plugin_api import UtcDateTime
from eschool_knowledge_base.models import LEVELS

#: A row id: a positive 32-bit integer (anything larger is no row, and must not reach the database).
ID_RANGE = validate.Range(min=1, max=2**31 - 1)
KIND_CHOICES = ("single", "multiple", "number", "text", "matching", "ordering")


class KnowledgeBaseSettingsSchema(Schema):
    """``[plugins.knowledge_base.settings]``: how a test's share of points becomes a mark, and the grace."""

    percent_for_5 = fields.Integer(load_default=85, validate=validate.Range(min=1, max=100), metadata={
        "label": _l("Share of points for a 5, %")})
    percent_for_4 = fields.Integer(load_default=65, validate=validate.Range(min=1, max=100), metadata={
        "label": _l("Share of points for a 4, %")})
    percent_for_3 = fields.Integer(load_default=45, validate=validate.Range(min=1, max=100), metadata={
        "label": _l("Share of points for a 3 (or a pass), %")})
    grace_seconds = fields.Integer(load_default=30, validate=validate.Range(min=0, max=300), metadata={
        "label": _l("Grace after a test's time limit, seconds"),
        "description": _l("Answers sent later than this are refused (network delays are forgiven).")})


# --------------------------------------------------------------------------- materials


class KbMaterialInSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=3, max=200))
    subject = fields.String(required=True, validate=validate.Length(min=1, max=150))
    grade = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=11))
    topic = fields.String(load_default="", validate=validate.Length(max=300))
    body = fields.String(load_default="", validate=validate.Length(max=100_000))
    level = fields.String(load_default="school", validate=validate.OneOf(LEVELS))


class KbMaterialQuerySchema(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=200))
    subject = fields.String(load_default="", validate=validate.Length(max=150))
    grade = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=11))
    topic = fields.String(load_default="", validate=validate.Length(max=300))


class KbFileOutSchema(Schema):
    id = fields.Integer()
    name = fields.String(attribute="original_name")
    content_type = fields.String()
    size = fields.Integer()
    url = fields.Function(lambda a: f"/files/{a.id}")


class KbMaterialOutSchema(Schema):
    id = fields.Integer()
    school_id = fields.Integer()
    school = fields.Function(lambda m: m.school.short_name)
    author = fields.Function(lambda m: m.author.full_name if m.author_id else "")
    title = fields.String()
    subject = fields.String()
    grade = fields.Integer(allow_none=True)
    topic = fields.String()
    body = fields.String()
    status = fields.String()
    level = fields.String()
    approved_level = fields.String()
    pending = fields.Boolean()
    review_note = fields.String()
    published_at = UtcDateTime(allow_none=True)
    files = fields.List(fields.Nested(KbFileOutSchema), dump_default=list)


class KbReviewInSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(("approve", "reject")))
    note = fields.String(load_default="", validate=validate.Length(max=500))


class KbAssignInSchema(Schema):
    lesson_id = fields.Integer(required=True, validate=ID_RANGE)


class KbAssignOutSchema(Schema):
    id = fields.Integer()
    material_id = fields.Integer()
    lesson_id = fields.Integer()
    class_group_id = fields.Integer()


# --------------------------------------------------------------------------- questions and tests


class KbQuestionInSchema(Schema):
    subject_id = fields.Integer(required=True, validate=ID_RANGE)
    topic = fields.String(load_default="", validate=validate.Length(max=300))
    kind = fields.String(required=True, validate=validate.OneOf(KIND_CHOICES))
    text = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    points = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10))
    options = fields.List(fields.String(validate=validate.Length(max=500)), load_default=list,
                          validate=validate.Length(max=12))
    correct = fields.List(fields.Integer(validate=validate.Range(min=-1, max=100)), load_default=list, validate=validate.Length(max=12),
                          metadata={"description": "indexes of the right options, from 0"})
    value = fields.Float(load_default=None, allow_none=True, allow_nan=False,
                         validate=validate.Range(min=-1e12, max=1e12))
    tolerance = fields.Float(load_default=0, validate=validate.Range(min=0, max=1e12), allow_nan=False)
    accepted = fields.List(fields.String(validate=validate.Length(max=200)), load_default=list,
                           validate=validate.Length(max=20))
    pairs = fields.List(fields.List(fields.String(validate=validate.Length(max=300)), validate=validate.Length(equal=2)),
                        load_default=list, validate=validate.Length(max=12))
    items = fields.List(fields.String(validate=validate.Length(max=300)), load_default=list,
                        validate=validate.Length(max=12), metadata={"description": "in the right order"})


class KbQuestionQuerySchema(Schema):
    subject_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)
    topic = fields.String(load_default="", validate=validate.Length(max=300))


class KbShownQuestionSchema(Schema):
    """A question as a student sees it: no key."""

    id = fields.Integer()
    kind = fields.String()
    text = fields.String()
    points = fields.Integer()
    options = fields.List(fields.String())
    left = fields.List(fields.String())
    right = fields.List(fields.String())
    items = fields.List(fields.String())


class KbQuestionOutSchema(Schema):
    """A question as its school's teachers see it, with the key."""

    id = fields.Integer()
    subject_id = fields.Integer()
    topic = fields.String()
    kind = fields.String()
    text = fields.String()
    points = fields.Integer()
    data = fields.Function(lambda q: json.loads(q.data or "{}"))
    answer = fields.Function(lambda q: json.loads(q.answer or "{}"))


class KbQuizInSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=3, max=200))
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    subject_id = fields.Integer(required=True, validate=ID_RANGE)
    question_ids = fields.List(fields.Integer(validate=ID_RANGE), required=True, validate=validate.Length(min=1, max=200))
    mode = fields.String(load_default="fixed", validate=validate.OneOf(("fixed", "random")))
    draw_count = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=200))
    time_limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=240))
    attempts_allowed = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10))
    opens_at = fields.AwareDateTime(required=True, default_timezone=dt.UTC)
    closes_at = fields.AwareDateTime(required=True, default_timezone=dt.UTC)
    class_ids = fields.List(fields.Integer(validate=ID_RANGE), required=True, validate=validate.Length(min=1, max=60))
    work_type_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)
    review = fields.Boolean(load_default=False)


class KbQuizOutSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    description = fields.String()
    subject_id = fields.Integer()
    subject = fields.Function(lambda q: q.subject.name)
    mode = fields.String()
    draw_count = fields.Integer(allow_none=True)
    time_limit = fields.Integer()
    attempts_allowed = fields.Integer()
    opens_at = UtcDateTime()
    closes_at = UtcDateTime()
    review = fields.Boolean()
    state = fields.Function(lambda q: q.state)


class KbAttemptOutSchema(Schema):
    """An attempt as its student sees it: the questions without their keys; after the end, the score and
    which answers were right (the keys themselves only once the test has closed)."""

    id = fields.Integer()
    quiz_id = fields.Integer()
    number = fields.Integer()
    status = fields.String()
    started_at = UtcDateTime()
    deadline_at = UtcDateTime()
    submitted_at = UtcDateTime(allow_none=True)
    seconds_left = fields.Integer()
    questions = fields.List(fields.Nested(KbShownQuestionSchema))
    answers = fields.Dict()
    results = fields.Dict(allow_none=True)
    score = fields.Integer(allow_none=True)
    max_score = fields.Integer(allow_none=True)
    percent = fields.Integer(allow_none=True)
    mark_value = fields.String()
    mark_state = fields.String()
    keys = fields.Dict(allow_none=True)


class KbAnswersInSchema(Schema):
    answers = fields.Dict(keys=fields.String(validate=validate.Length(max=12)), values=fields.Raw(allow_none=True),
                          load_default=dict, validate=validate.Length(max=200))


class KbResultOutSchema(Schema):
    id = fields.Integer()
    student_id = fields.Integer()
    student = fields.Function(lambda a: f"{a.student.last_name} {a.student.first_name}")
    class_name = fields.Function(lambda a: a.class_group.name)
    number = fields.Integer()
    status = fields.String()
    score = fields.Integer(allow_none=True)
    max_score = fields.Integer(allow_none=True)
    percent = fields.Integer(allow_none=True)
    mark_value = fields.String()
    mark_state = fields.String()
    mark_error = fields.String()


class KbItemOutSchema(Schema):
    question_id = fields.Integer()
    text = fields.String()
    kind = fields.String()
    answered = fields.Integer()
    share_correct = fields.Float(allow_none=True)
    discrimination = fields.Float(allow_none=True)
    common_wrong = fields.String()
    common_wrong_count = fields.Integer()


class KbPublishOutSchema(Schema):
    published = fields.Integer()
    failed = fields.Integer()


# --------------------------------------------------------------------------- textbooks


class KbSectionBriefSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    status = fields.String()


class KbChapterOutSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    sections = fields.List(fields.Nested(KbSectionBriefSchema))


class KbTextbookOutSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    subject = fields.String()
    grade = fields.Integer(allow_none=True)
    description = fields.String()
    chapters = fields.List(fields.Nested(KbChapterOutSchema), dump_default=list)
    resume_section_id = fields.Integer(allow_none=True)


class KbSectionOutSchema(Schema):
    id = fields.Integer()
    textbook_id = fields.Integer()
    title = fields.String()
    body = fields.String()
    tasks = fields.List(fields.Nested(KbShownQuestionSchema))
    tasks_total = fields.Integer()
    tasks_correct = fields.Integer()
    completed = fields.Boolean()
    seconds = fields.Integer()


class KbProgressQuerySchema(Schema):
    class_id = fields.Integer(required=True, validate=ID_RANGE)


class KbCellSchema(Schema):
    student_id = fields.Integer()
    section_id = fields.Integer()
    completed = fields.Boolean()
    tasks_total = fields.Integer()
    tasks_correct = fields.Integer()
    seconds = fields.Integer()


class KbHardSchema(Schema):
    section_id = fields.Integer()
    title = fields.String()
    students = fields.Integer()
    success = fields.Float(allow_none=True)
    avg_seconds = fields.Integer()


class KbProgressOutSchema(Schema):
    students = fields.List(fields.Dict())
    sections = fields.List(fields.Dict())
    cells = fields.List(fields.Nested(KbCellSchema))
    hardest = fields.List(fields.Nested(KbHardSchema))
