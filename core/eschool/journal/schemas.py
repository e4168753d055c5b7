"""Input and output of the journal: lessons, marks, attendance, homework, work types.

Every editable row is shown with its ``version``; a change sends back the version it started from
(``null`` for an empty cell) and gets 409 ``stale`` with the current value when it is out of date.
The one set of journal schemas: the teacher's API (``journal/api.py``) and the OpenAPI document use these
(component names: the class names without "Schema").
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from eschool.fields import Number, UtcDateTime


class WorkTypeSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.Function(lambda w: _label(w))
    weight = Number()
    order = fields.Integer()
    active = fields.Boolean()


class WorkTypeInSchema(Schema):
    code = fields.String(required=True, validate=[validate.Length(min=1, max=32),
                                                  validate.Regexp(r"^[a-z0-9_]+$")])
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    weight = Number(required=True, validate=validate.Range(min=0.1, max=10), places=2)
    order = fields.Integer(load_default=100)
    active = fields.Boolean(load_default=True)


def _label(work_type):
    from eschool.journal.services import work_type_label

    return work_type_label(work_type)


def _state(lesson):
    from eschool.journal.services import lesson_state

    return lesson_state(lesson)


class LessonsQuerySchema(Schema):
    start = fields.Date(required=True, data_key="from", metadata={"description": "first date (ISO 8601)"})
    end = fields.Date(required=True, data_key="to", metadata={"description": "last date, at most 62 days on"})


class LessonSchema(Schema):
    id = fields.Integer()
    school_id = fields.Integer()
    date = fields.Date()
    number = fields.Integer(allow_none=True)
    class_id = fields.Integer(attribute="class_group_id")
    class_name = fields.Function(lambda lesson: lesson.class_group.name)
    subgroup_id = fields.Integer(allow_none=True)
    subject_id = fields.Integer()
    subject = fields.Function(lambda lesson: lesson.subject.name)
    teacher_id = fields.Integer()
    topic = fields.String()
    work_type_id = fields.Integer(allow_none=True)
    version = fields.Integer()
    state = fields.Function(_state, metadata={"description": "filled | late | overdue | open"})


class MarkSchema(Schema):
    id = fields.Integer()
    student_id = fields.Integer()
    slot = fields.Integer()
    value = fields.String(metadata={"description": "5..1, pass or fail"})
    numeric = fields.Integer(allow_none=True)
    weight = Number()
    work_type_id = fields.Integer(allow_none=True)
    comment = fields.String()
    version = fields.Integer()
    updated_at = UtcDateTime()


class AttendanceSchema(Schema):
    id = fields.Integer()
    student_id = fields.Integer()
    kind = fields.String(metadata={"description": "absent | ill | excused | late"})
    reason = fields.String()
    minutes_late = fields.Integer(allow_none=True)
    version = fields.Integer()
    updated_at = UtcDateTime()


class HomeworkFileSchema(Schema):
    id = fields.Integer()
    name = fields.String(attribute="original_name")
    content_type = fields.String()
    size = fields.Integer()


class HomeworkSchema(Schema):
    id = fields.Integer()
    text = fields.String()
    links = fields.Function(lambda h: [line for line in h.links.splitlines() if line.strip()])
    minutes_needed = fields.Integer(allow_none=True)
    due_on = fields.Date(allow_none=True)
    for_all = fields.Boolean()
    student_ids = fields.List(fields.Integer())
    files = fields.List(fields.Nested(HomeworkFileSchema))
    version = fields.Integer()


class StudentRowSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    marks = fields.List(fields.Nested(MarkSchema))
    attendance = fields.Nested(AttendanceSchema, allow_none=True)


class LessonDetailSchema(LessonSchema):
    scale = fields.String(metadata={"description": "five_point | pass_fail | none"})
    can_edit = fields.Boolean()
    students = fields.List(fields.Nested(StudentRowSchema))
    homework = fields.Nested(HomeworkSchema, allow_none=True)


class LessonInSchema(Schema):
    topic = fields.String(validate=validate.Length(max=500))
    work_type_id = fields.Integer(allow_none=True)
    version = fields.Integer(required=True, metadata={"description": "the lesson's version the edit started from"})


class NewLessonSchema(Schema):
    class_id = fields.Integer(required=True)
    subject_id = fields.Integer(required=True)
    date = fields.Date(required=True)
    number = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=12))
    subgroup_id = fields.Integer(load_default=None, allow_none=True)


class MarkInSchema(Schema):
    student_id = fields.Integer(required=True)
    slot = fields.Integer(load_default=None, validate=validate.Range(min=0, max=9),
                          metadata={"description": "POST: default the next free slot"})
    value = fields.String(required=True, validate=validate.Length(min=1, max=8))
    work_type_id = fields.Integer(load_default=None, allow_none=True)
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    version = fields.Integer(load_default=None, allow_none=True,
                             metadata={"description": "the mark's version the edit started from; null for an empty slot"})


class MarkDeleteQuerySchema(Schema):
    student_id = fields.Integer(required=True)
    slot = fields.Integer(required=True, validate=validate.Range(min=0, max=9))
    version = fields.Integer(required=True)


class AttendanceInSchema(Schema):
    student_id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "absent | ill | excused | late (or н б у оп)"})
    reason = fields.String(load_default="", validate=validate.Length(max=300))
    minutes_late = fields.Integer(load_default=None, allow_none=True)
    version = fields.Integer(load_default=None, allow_none=True)


class AttendanceDeleteQuerySchema(Schema):
    student_id = fields.Integer(required=True)
    version = fields.Integer(required=True)


class HomeworkDeleteQuerySchema(Schema):
    version = fields.Integer(required=True)


class HomeworkInSchema(Schema):
    text = fields.String(load_default="", validate=validate.Length(max=10000))
    links = fields.List(fields.String(validate=validate.Length(max=1000)), load_default=list)
    minutes_needed = fields.Integer(load_default=None, allow_none=True)
    due_on = fields.Date(load_default=None, allow_none=True)
    student_ids = fields.List(fields.Integer(), load_default=list,
                              metadata={"description": "empty: for the whole class"})
    version = fields.Integer(load_default=None, allow_none=True)


# --------------------------------------------------------------------------- absence notices (issue 14)


class AbsenceNoticeSchema(Schema):
    id = fields.Integer()
    student_id = fields.Integer()
    student_name = fields.Function(lambda n: f"{n.student.last_name} {n.student.first_name}")
    class_id = fields.Integer(attribute="class_group_id", allow_none=True)
    starts_on = fields.Date()
    ends_on = fields.Date()
    reason = fields.String(metadata={"description": "illness, family or other"})
    note = fields.String()
    attachment_id = fields.Integer(allow_none=True)
    status = fields.String(metadata={"description": "reported, confirmed, corrected or withdrawn"})
    review_note = fields.String()
    created_at = UtcDateTime()


class AbsenceNoticeListSchema(Schema):
    items = fields.List(fields.Nested(AbsenceNoticeSchema))


class AbsenceNoticeInSchema(Schema):
    student_id = fields.Integer(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(load_default=None, allow_none=True)
    reason = fields.String(required=True, validate=validate.OneOf(("illness", "family", "other")))
    note = fields.String(load_default="", validate=validate.Length(max=1000))


class AbsenceNoticeReviewSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(("confirm", "correct")))
    note = fields.String(load_default="", validate=validate.Length(max=300))


class AbsenceNoticeQuerySchema(Schema):
    class_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))
