"""Input and output of calendar events."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from eschool.plugin_api import UtcDateTime
from eschool_calendar.models import AUDIENCES, KINDS

KIND_LABELS = {"meeting": _l("Meeting"), "holiday": _l("Holiday"), "exam": _l("Exam"),
               "olympiad": _l("Olympiad stage"), "parents_meeting": _l("Parents' meeting"), "event": _l("Event"),
               "vacation": _l("School holidays")}
AUDIENCE_LABELS = {"school": _l("The whole school"), "class": _l("One class"), "staff": _l("Staff only")}
MAX_DAYS = 120
#: Dates a school calendar can mean (and date arithmetic never overflows).
DATES = validate.Range(min=dt.date(2000, 1, 1), max=dt.date(2100, 12, 31))


class EventInSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    kind = fields.String(load_default="event", validate=validate.OneOf(KINDS),
                         metadata={"description": ", ".join(KINDS)})
    audience = fields.String(load_default="school", validate=validate.OneOf(AUDIENCES),
                             metadata={"description": "school, class or staff"})
    class_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))
    starts_on = fields.Date(required=True, validate=DATES)
    ends_on = fields.Date(load_default=None, allow_none=True, validate=DATES, metadata={"description": "default: the first day"})
    start_time = fields.Time(load_default=None, allow_none=True,
                             metadata={"description": "local time; none: an all-day event"})
    end_time = fields.Time(load_default=None, allow_none=True)
    location = fields.String(load_default="", validate=validate.Length(max=200))
    description = fields.String(load_default="", validate=validate.Length(max=5000))

    @pre_load
    def _clean(self, data, **_kwargs):
        if not isinstance(data, dict):
            return data
        cleaned = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = value.strip()
                if value == "" and key in ("class_id", "ends_on", "start_time", "end_time"):
                    value = None
            cleaned[key] = value
        return cleaned

    @validates_schema(skip_on_field_errors=True)
    def _check(self, data, **_kwargs):
        errors = {}
        starts, ends = data["starts_on"], data.get("ends_on") or data["starts_on"]
        if ends < starts:
            errors["ends_on"] = [_l("The last day must not be before the first.")]
        elif ends - starts > dt.timedelta(days=MAX_DAYS):
            errors["ends_on"] = [_l("An event lasts 120 days at most.")]
        if data.get("end_time") and not data.get("start_time"):
            errors["start_time"] = [_l("Give the start time too.")]
        if (data.get("start_time") and data.get("end_time") and ends == starts
                and data["end_time"] < data["start_time"]):
            errors["end_time"] = [_l("The end must not be before the start.")]
        if data.get("audience") == "class" and data.get("class_id") is None:
            errors["class_id"] = [_l("Choose the class.")]
        if errors:
            raise ValidationError(errors)


class EventOutSchema(Schema):
    id = fields.Integer(allow_none=True, metadata={"description": "none for school holidays from the periods"})
    school_id = fields.Integer()
    kind = fields.String()
    audience = fields.String()
    class_id = fields.Integer(attribute="class_group_id", allow_none=True)
    class_name = fields.Function(lambda e: getattr(e, "class_name", None), allow_none=True)
    title = fields.String()
    description = fields.String()
    location = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    start_time = fields.Time(allow_none=True)
    end_time = fields.Time(allow_none=True)
    all_day = fields.Function(lambda e: e.start_time is None)
    editable = fields.Function(lambda e: bool(getattr(e, "editable", False)))
    updated_at = UtcDateTime(allow_none=True)


class RangeQuerySchema(Schema):
    start = fields.Date(required=True, validate=DATES, metadata={"description": "first day (local)"})
    end = fields.Date(required=True, validate=DATES, metadata={"description": "last day (local), at most 62 days after start"})

    @validates_schema(skip_on_field_errors=True)
    def _check(self, data, **_kwargs):
        if data["end"] < data["start"]:
            raise ValidationError({"end": [_l("The last day must not be before the first.")]})
        if data["end"] - data["start"] > dt.timedelta(days=62):
            raise ValidationError({"end": [_l("Ask for 62 days at most.")]})


class FeedOutSchema(Schema):
    url = fields.String(metadata={"description": "the private feed address: shown once, keep it secret"})
