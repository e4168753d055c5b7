"""What the diary's API takes and returns (the mobile app's diary)."""
from __future__ import annotations

from flask import url_for
from marshmallow import Schema, fields, validate

from eschool.journal.services import work_type_label

STUDENT_ID = {"description": "the child (a parent with several children); default: the first one, or oneself"}


class DiaryStudentQuerySchema(Schema):
    student_id = fields.Integer(load_default=None, metadata=STUDENT_ID)


class DiaryRangeQuerySchema(DiaryStudentQuerySchema):
    start = fields.Date(required=True, metadata={"description": "first date (ISO 8601)"})
    end = fields.Date(required=True, metadata={"description": "last date, at most 100 days after the start"})


class DiaryPeriodQuerySchema(DiaryStudentQuerySchema):
    period_id = fields.Integer(load_default=None,
                               metadata={"description": "a period of the student's class; default the current"})


class DiaryStudentSchema(Schema):
    id = fields.Integer()
    full_name = fields.String()
    last_name = fields.String()
    first_name = fields.String()


class DiaryStudentsSchema(Schema):
    students = fields.List(fields.Nested(DiaryStudentSchema))


class DiaryFileSchema(Schema):
    id = fields.Integer()
    name = fields.String(attribute="original_name")
    content_type = fields.String()
    size = fields.Integer()
    url = fields.Function(lambda f: url_for("diary_api.homework_file", file_id=f.id),
                          metadata={"description": "download with the bearer token"})


class DiaryHomeworkSchema(Schema):
    id = fields.Integer()
    lesson_id = fields.Integer()
    text = fields.String()
    links = fields.List(fields.String(), attribute="link_list")
    minutes_needed = fields.Integer(allow_none=True)
    due_on = fields.Date(allow_none=True)
    for_all = fields.Boolean(metadata={"description": "false: set for chosen students (this one among them)"})
    files = fields.List(fields.Nested(DiaryFileSchema), attribute="file_list")


class DiaryHomeworkItemSchema(DiaryHomeworkSchema):
    """Homework with its lesson, for the homework list."""

    date = fields.Function(lambda h: h.lesson.date.isoformat(), metadata={"description": "the lesson it was set in"})
    subject_id = fields.Function(lambda h: h.lesson.subject_id)
    subject = fields.Function(lambda h: h.lesson.subject.name)
    teacher = fields.Function(lambda h: h.lesson.teacher.full_name)


class DiaryMarkSchema(Schema):
    id = fields.Integer()
    lesson_id = fields.Integer()
    slot = fields.Integer()
    value = fields.String(metadata={"description": "'5'..'1', 'pass' or 'fail'"})
    numeric = fields.Integer(allow_none=True)
    weight = fields.Float()
    work_type = fields.Function(lambda m: work_type_label(m.work_type) if m.work_type_id else None, allow_none=True,
                                metadata={"description": "the kind of work, in the user's language"})
    comment = fields.String()


class DiaryDatedMarkSchema(DiaryMarkSchema):
    date = fields.Function(lambda m: m.lesson.date.isoformat())


class DiaryAttendanceSchema(Schema):
    kind = fields.String(metadata={"description": "absent (н) | ill (б) | excused (у) | late"})
    minutes_late = fields.Integer(allow_none=True)
    reason = fields.String()


class DiaryAttendanceItemSchema(DiaryAttendanceSchema):
    lesson_id = fields.Integer()
    date = fields.Function(lambda a: a.lesson.date.isoformat())
    number = fields.Function(lambda a: a.lesson.number)
    subject_id = fields.Function(lambda a: a.lesson.subject_id)
    subject = fields.Function(lambda a: a.lesson.subject.name)


class DiaryLessonSchema(Schema):
    id = fields.Function(lambda i: i.lesson.id, allow_none=True,
                         metadata={"description": "the journal's lesson; null for a lesson of the timetable not in the "
                                                  "journal yet (planned)"})
    planned = fields.Boolean(metadata={"description": "true: from the timetable (with substitutions), not in the journal "
                                                      "yet: no topic, marks or attendance so far"})
    number = fields.Function(lambda i: i.lesson.number, allow_none=True)
    starts_at = fields.Time(format="%H:%M", allow_none=True)
    ends_at = fields.Time(format="%H:%M", allow_none=True)
    subject_id = fields.Function(lambda i: i.lesson.subject_id)
    subject = fields.Function(lambda i: i.lesson.subject.name)
    subgroup = fields.String(attribute="subgroup_label", allow_none=True,
                             metadata={"description": "the subgroup; several names when parallel subgroups have no "
                                                      "students assigned yet"})
    teacher = fields.Function(lambda i: i.lesson.teacher.full_name)
    topic = fields.Function(lambda i: i.lesson.topic)
    marks = fields.List(fields.Nested(DiaryMarkSchema))
    attendance = fields.Nested(DiaryAttendanceSchema, allow_none=True)
    homework = fields.List(fields.Nested(DiaryHomeworkSchema), metadata={"description": "set in this lesson"})
    homework_due = fields.List(fields.Nested(DiaryHomeworkSchema), attribute="due",
                               metadata={"description": "set earlier, due on this day (first lesson of the subject)"})


class DiaryDaySchema(Schema):
    date = fields.Date()
    lessons = fields.List(fields.Nested(DiaryLessonSchema))


class DiarySchema(Schema):
    student = fields.Nested(DiaryStudentSchema)
    start = fields.Date()
    end = fields.Date()
    days = fields.List(fields.Nested(DiaryDaySchema))


class DiaryPeriodSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    number = fields.Integer()
    starts_on = fields.Date()
    ends_on = fields.Date()
    closed = fields.Boolean()


class DiarySubjectMarksSchema(Schema):
    subject_id = fields.Function(lambda s: s.subject.id)
    subject = fields.Function(lambda s: s.subject.name)
    average = fields.Float(allow_none=True, metadata={"description": "the student's weighted average"})
    class_average = fields.Float(allow_none=True,
                                 metadata={"description": "the mean of the class's students' weighted averages"})
    forecast = fields.String(allow_none=True, metadata={"description": "the forecast of the period's final mark"})
    final_mark = fields.Function(lambda s: s.final.value if s.final else None, allow_none=True)
    absences = fields.Integer()
    marks = fields.List(fields.Nested(DiaryDatedMarkSchema))
    chart = fields.Function(lambda s: [{"week_ending": d.isoformat(), "average": v} for d, v in s.chart],
                            metadata={"description": "the running weighted average at the end of each week"})


class DiaryPeriodMarksSchema(Schema):
    student = fields.Nested(DiaryStudentSchema)
    period = fields.Nested(DiaryPeriodSchema, allow_none=True)
    periods = fields.List(fields.Nested(DiaryPeriodSchema))
    subjects = fields.List(fields.Nested(DiarySubjectMarksSchema))


class DiaryFinalMarkSchema(Schema):
    subject_id = fields.Integer()
    subject = fields.Function(lambda f: f.subject.name)
    class_name = fields.Function(lambda f: f.class_group.name)
    kind = fields.String(validate=validate.OneOf(("period", "year", "exam")))
    period_id = fields.Integer(allow_none=True)
    period_kind = fields.Function(lambda f: f.period.kind if f.period_id else None, allow_none=True,
                                  metadata={"description": "quarter | semester | trimester"})
    period_number = fields.Function(lambda f: f.period.number if f.period_id else None, allow_none=True)
    value = fields.String()
