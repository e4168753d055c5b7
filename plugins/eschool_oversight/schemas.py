"""Input and output of the class teacher's overview and the deputy director's control (``/api/v1``)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from eschool.plugin_api import Number, UtcDateTime
from eschool_oversight.services import RECONCILE_KINDS


class RangeQuerySchema(Schema):
    period = fields.Integer(load_default=None, metadata={"description": "a period id; default: the current period"})
    start = fields.Date(load_default=None)
    end = fields.Date(load_default=None)


class ControlQuerySchema(Schema):
    start = fields.Date(load_default=None, metadata={"description": "default: the first day of this month"})
    end = fields.Date(load_default=None, metadata={"description": "default: the last day of this month"})
    only_problems = fields.Boolean(load_default=True)


class NamedSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class StudentRefSchema(Schema):
    id = fields.Integer()
    name = fields.Function(lambda s: s.full_name)


class SubjectRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    short_name = fields.String()
    marks_count = fields.Integer(metadata={"description": "marks of the class in the range"})


class CellSchema(Schema):
    student_id = fields.Integer()
    subject_id = fields.Integer()
    count = fields.Integer()
    average = fields.Float(allow_none=True, metadata={"description": "weighted average of the numeric marks"})


class PeriodRefSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    number = fields.Integer()
    starts_on = fields.Date()
    ends_on = fields.Date()


class MarksOverviewSchema(Schema):
    class_id = fields.Integer()
    start = fields.Date()
    end = fields.Date()
    period = fields.Nested(PeriodRefSchema, allow_none=True)
    students = fields.List(fields.Nested(StudentRefSchema))
    subjects = fields.List(fields.Nested(SubjectRefSchema))
    cells = fields.List(fields.Nested(CellSchema), metadata={"description": "only student-subject pairs with marks"})


class MarkOutSchema(Schema):
    lesson_id = fields.Integer()
    student_id = fields.Integer()
    slot = fields.Integer()
    value = fields.String()
    weight = Number()
    comment = fields.String()


class LessonRefSchema(Schema):
    id = fields.Integer()
    date = fields.Date()
    number = fields.Integer(allow_none=True)
    topic = fields.String()
    subgroup_id = fields.Integer(allow_none=True)
    teacher_id = fields.Integer()
    teacher = fields.Function(lambda lesson: lesson.teacher.full_name)


class SubjectMarksSchema(Schema):
    class_id = fields.Integer()
    subject = fields.Nested(NamedSchema)
    start = fields.Date()
    end = fields.Date()
    students = fields.List(fields.Nested(StudentRefSchema))
    lessons = fields.List(fields.Nested(LessonRefSchema))
    marks = fields.List(fields.Nested(MarkOutSchema))
    averages = fields.List(fields.Nested(CellSchema))


class DayLessonSchema(LessonRefSchema):
    subject_id = fields.Integer()
    subject = fields.Function(lambda lesson: lesson.subject.name)


class AttendanceOutSchema(Schema):
    lesson_id = fields.Integer()
    student_id = fields.Integer()
    kind = fields.String()
    reason = fields.String()
    minutes_late = fields.Integer(allow_none=True)
    recorded_by = fields.Function(lambda a: a.recorded_by.full_name if a.recorded_by_id else None, allow_none=True)
    version = fields.Integer()


class DisagreementSchema(Schema):
    student_id = fields.Integer()
    away = fields.List(fields.Integer(), metadata={"description": "lesson ids where the student was away"})
    present = fields.List(fields.Integer(), metadata={"description": "lesson ids where the student was present"})
    kinds = fields.List(fields.String())


class DayAttendanceSchema(Schema):
    class_id = fields.Integer()
    date = fields.Date()
    students = fields.List(fields.Nested(StudentRefSchema))
    lessons = fields.List(fields.Nested(DayLessonSchema))
    attendance = fields.List(fields.Nested(AttendanceOutSchema))
    disagreements = fields.List(fields.Nested(DisagreementSchema))


class ReconcileInSchema(Schema):
    student_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf([k for k in RECONCILE_KINDS if k != "late"]),
                         metadata={"description": "ill, excused, absent, or present (removes the record)"})
    reason = fields.String(load_default="", validate=validate.Length(max=300))
    lesson_ids = fields.List(fields.Integer(), load_default=None, allow_none=True,
                             metadata={"description": "default: the whole day"})
    versions = fields.Dict(keys=fields.String(), values=fields.Integer(allow_none=True), load_default=None,
                           allow_none=True, metadata={"description": "lesson id -> the version of the student's "
                                                                     "record you saw (null: none); a change made "
                                                                     "since is refused with 409"})


class TeacherRowSchema(Schema):
    id = fields.Integer()
    teacher = fields.String()
    given = fields.Integer()
    no_topic = fields.Integer()
    no_homework = fields.Integer()
    late = fields.Integer()
    overdue = fields.Integer()


class ClassSubjectRowSchema(Schema):
    class_id = fields.Integer()
    class_ = fields.String(data_key="class", attribute="class")
    subject_id = fields.Integer()
    subject = fields.String()
    teachers = fields.List(fields.String())
    lessons = fields.Integer()
    students = fields.Integer()
    without_marks = fields.Integer(allow_none=True)
    share = fields.Float(allow_none=True, metadata={"description": "0..1; null where the subject has no marks"})


class ControlSchema(Schema):
    start = fields.Date()
    end = fields.Date()
    teachers = fields.List(fields.Nested(TeacherRowSchema))
    subjects = fields.List(fields.Nested(ClassSubjectRowSchema))


class ProblemLessonSchema(Schema):
    id = fields.Integer()
    date = fields.Date()
    number = fields.Integer(allow_none=True)
    class_id = fields.Integer(attribute="class_group_id")
    class_ = fields.Function(lambda lesson: lesson.class_group.name, data_key="class")
    subject_id = fields.Integer()
    subject = fields.Function(lambda lesson: lesson.subject.name)
    subgroup_id = fields.Integer(allow_none=True)
    topic = fields.String()
    state = fields.String(metadata={"description": "filled | late | overdue | open"})
    deadline = UtcDateTime()
    problems = fields.List(fields.String(), metadata={"description": "no_topic, no_homework, late, overdue"})
