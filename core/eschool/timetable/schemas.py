"""Input and output of the bell schedule, the timetable and substitutions."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class LessonTimeSchema(Schema):
    number = fields.Integer(required=True, validate=validate.Range(min=0, max=12))
    starts_at = fields.Time(required=True, format="%H:%M")
    ends_at = fields.Time(required=True, format="%H:%M")


class LessonTimesInSchema(Schema):
    shift = fields.Integer(load_default=1, validate=validate.Range(min=1, max=3))
    times = fields.List(fields.Nested(LessonTimeSchema), required=True, validate=validate.Length(min=1, max=13))


class LessonTimeOutSchema(LessonTimeSchema):
    shift = fields.Integer()


class EntryInSchema(Schema):
    class_id = fields.Integer(required=True)
    subgroup_id = fields.Integer(load_default=None, allow_none=True)
    weekday = fields.Integer(required=True, validate=validate.Range(min=1, max=6),
                             metadata={"description": "1 = Monday ... 6 = Saturday"})
    number = fields.Integer(required=True, validate=validate.Range(min=0, max=12),
                            metadata={"description": "the lesson's number in the class's shift"})
    subject_id = fields.Integer(required=True)
    teacher_id = fields.Integer(required=True)
    room_id = fields.Integer(load_default=None, allow_none=True)


class CellRowSchema(Schema):
    entry_id = fields.Integer(load_default=None, allow_none=True,
                              metadata={"description": "the lesson to change; none: a lesson to add"})
    subgroup_id = fields.Integer(load_default=None, allow_none=True)
    subject_id = fields.Integer(required=True)
    teacher_id = fields.Integer(load_default=None, allow_none=True,
                                metadata={"description": "none: the teacher of the class's teaching assignment"})
    room_id = fields.Integer(load_default=None, allow_none=True)


class CellInSchema(Schema):
    class_id = fields.Integer(required=True)
    weekday = fields.Integer(required=True, validate=validate.Range(min=1, max=6),
                             metadata={"description": "1 = Monday ... 6 = Saturday"})
    number = fields.Integer(required=True, validate=validate.Range(min=0, max=12))
    rows = fields.List(fields.Nested(CellRowSchema), required=True, validate=validate.Length(max=8),
                       metadata={"description": "every lesson the place holds afterwards; [] empties it"})


class EntrySchema(Schema):
    id = fields.Integer()
    class_id = fields.Integer(attribute="class_group_id")
    class_name = fields.Function(lambda e: e.class_group.name)
    subgroup_id = fields.Integer(allow_none=True)
    weekday = fields.Integer()
    number = fields.Integer()
    subject_id = fields.Integer()
    subject = fields.Function(lambda e: e.subject.name)
    teacher_id = fields.Integer()
    teacher = fields.Function(lambda e: e.teacher.full_name)
    room_id = fields.Integer(allow_none=True)
    room = fields.Function(lambda e: e.room.name if e.room_id else None, allow_none=True)


class WeekQuerySchema(Schema):
    year = fields.Integer(load_default=None, metadata={"description": "academic year id; default the current"})
    class_id = fields.Integer(data_key="class", load_default=None)
    teacher_id = fields.Integer(data_key="teacher", load_default=None)
    room_id = fields.Integer(data_key="room", load_default=None)
    weekday = fields.Integer(data_key="day", load_default=None, validate=validate.Range(min=1, max=6),
                             metadata={"description": "one day only: 1 = Monday ... 6 = Saturday"})


class SubstitutionInSchema(Schema):
    entry_id = fields.Integer(required=True)
    date = fields.Date(required=True)
    teacher_id = fields.Integer(required=True)
    room_id = fields.Integer(load_default=None, allow_none=True)
    note = fields.String(load_default="", validate=validate.Length(max=200))


class SubstitutionSchema(Schema):
    id = fields.Integer()
    entry_id = fields.Integer()
    number = fields.Function(lambda s: s.entry.number, metadata={"description": "the lesson's number"})
    class_name = fields.Function(lambda s: s.entry.class_group.name)
    date = fields.Date()
    teacher_id = fields.Integer()
    teacher = fields.Function(lambda s: s.teacher.full_name)
    room_id = fields.Integer(allow_none=True)
    note = fields.String()


class DateQuerySchema(Schema):
    date = fields.Date(required=True)


class DayEntrySchema(EntrySchema):
    """A lesson of one date: ``teacher``/``room`` are the substitute's when the lesson is substituted."""

    substitution_id = fields.Integer(allow_none=True)
    substituted = fields.Boolean()


class DayQuerySchema(Schema):
    date = fields.Date(required=True)
    class_id = fields.Integer(data_key="class", load_default=None)
    teacher_id = fields.Integer(data_key="teacher", load_default=None)
    room_id = fields.Integer(data_key="room", load_default=None)
