"""Input and output of the journal: lessons, marks, attendance, homework, work types.

Every editable row is shown with its ``version``; a change sends back the version it started from
(``null`` for an empty cell) and gets 409 ``stale`` with the current value when it is out of date.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from eschool.journal.models import ATTENDANCE_KINDS


class WorkTypeSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.Function(lambda w: _label(w))
    weight = fields.Decimal(as_string=True)
    order = fields.Integer()
    active = fields.Boolean()


class WorkTypeInSchema(Schema):
    code = fields.String(required=True, validate=[validate.Length(min=1, max=32),
                                                  validate.Regexp(r"^[a-z0-9_]+$")])
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    weight = fields.Decimal(required=True, validate=validate.Range(min=0.1, max=10), places=2)
    order = fields.Integer(load_default=100)
    active = fields.Boolean(load_default=True)


def _label(work_type):
    from eschool.journal.services import work_type_label

    return work_type_label(work_type)


class MarkSchema(Schema):
    id = fields.Integer()
    lesson_id = fields.Integer()
    student_id = fields.Integer()
    slot = fields.Integer()
    value = fields.String()
    numeric = fields.Integer(allow_none=True)
    work_type_id = fields.Integer(allow_none=True)
    weight = fields.Decimal(as_string=True)
    comment = fields.String()
    version = fields.Integer()
    updated_at = fields.DateTime()


class MarkInSchema(Schema):
    student_id = fields.Integer(required=True)
    slot = fields.Integer(load_default=0, validate=validate.Range(min=0, max=9))
    value = fields.String(required=True, allow_none=True, validate=validate.Length(max=8),
                          metadata={"description": "5..1, or pass / fail; empty or null clears the mark"})
    work_type_id = fields.Integer(load_default=None, allow_none=True)
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    version = fields.Integer(load_default=None, allow_none=True,
                             metadata={"description": "the mark's version the edit started from; null if empty"})


class AttendanceSchema(Schema):
    id = fields.Integer()
    lesson_id = fields.Integer()
    student_id = fields.Integer()
    kind = fields.String()
    reason = fields.String()
    minutes_late = fields.Integer(allow_none=True)
    version = fields.Integer()
    updated_at = fields.DateTime()


class AttendanceInSchema(Schema):
    student_id = fields.Integer(required=True)
    kind = fields.String(required=True, allow_none=True,
                         metadata={"description": f"one of {', '.join(ATTENDANCE_KINDS)} (or н, б, у, оп); "
                                                  "empty or null: present"})
    reason = fields.String(load_default="", validate=validate.Length(max=300))
    minutes_late = fields.Integer(load_default=None, allow_none=True)
    version = fields.Integer(load_default=None, allow_none=True)


class HomeworkFileSchema(Schema):
    id = fields.Integer()
    name = fields.String(attribute="original_name")
    content_type = fields.String()
    size = fields.Integer()


class HomeworkSchema(Schema):
    id = fields.Integer()
    lesson_id = fields.Integer()
    text = fields.String()
    links = fields.Function(lambda h: [line for line in h.links.splitlines() if line])
    minutes_needed = fields.Integer(allow_none=True)
    due_on = fields.Date(allow_none=True)
    for_all = fields.Boolean()
    student_ids = fields.Function(lambda h: [s.student_id for s in h.students])
    files = fields.Function(lambda h: HomeworkFileSchema(many=True).dump(list(h.files)))
    version = fields.Integer()


class HomeworkInSchema(Schema):
    text = fields.String(load_default="", validate=validate.Length(max=10000))
    links = fields.List(fields.String(validate=validate.Length(max=1000)), load_default=list)
    minutes_needed = fields.Integer(load_default=None, allow_none=True)
    due_on = fields.Date(load_default=None, allow_none=True)
    student_ids = fields.List(fields.Integer(), load_default=list,
                              metadata={"description": "empty: for the whole class"})
    version = fields.Integer(load_default=None, allow_none=True)


class LessonSchema(Schema):
    id = fields.Integer()
    date = fields.Date()
    number = fields.Integer(allow_none=True)
    class_id = fields.Integer(attribute="class_group_id")
    subgroup_id = fields.Integer(allow_none=True)
    subject_id = fields.Integer()
    teacher_id = fields.Integer()
    topic = fields.String()
    plan_item_id = fields.Integer(allow_none=True)
    work_type_id = fields.Integer(allow_none=True)
    version = fields.Integer()


class LessonInSchema(Schema):
    topic = fields.String(validate=validate.Length(max=500))
    work_type_id = fields.Integer(allow_none=True)
    plan_item_id = fields.Integer(allow_none=True)
    version = fields.Integer(load_default=None, allow_none=True)


class NewLessonSchema(Schema):
    subject_id = fields.Integer(required=True)
    date = fields.Date(required=True)
    number = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=12))
    subgroup_id = fields.Integer(load_default=None, allow_none=True)
