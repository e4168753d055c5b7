"""Input and output of announcements: the one place their fields are validated."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from eschool.plugin_api import UtcDateTime
from eschool_announcements.models import AUDIENCES

AUDIENCE_LABELS = {"school": _l("The whole school"), "parallel": _l("A parallel (every class of a grade)"),
                   "class": _l("One class"), "staff": _l("Staff only"), "parents": _l("Parents only")}
MAX_DAYS = 366
#: Dates a board can mean (and date arithmetic never overflows).
DATES = validate.Range(min=dt.date(2000, 1, 1), max=dt.date(2100, 12, 31))


class AnnouncementInSchema(Schema):
    """An announcement as its author writes it (the page's form and the API)."""

    title = fields.String(required=True, validate=validate.Length(min=3, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    audience = fields.String(load_default="school", validate=validate.OneOf(AUDIENCES),
                             metadata={"description": "school, parallel, class, staff or parents"})
    grade = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=12),
                           metadata={"description": "the grade, for audience parallel"})
    class_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1),
                              metadata={"description": "the class, for audience class"})
    pinned = fields.Boolean(load_default=False)
    starts_on = fields.Date(load_default=None, allow_none=True, validate=DATES,
                            metadata={"description": "first day shown (default today)"})
    ends_on = fields.Date(load_default=None, allow_none=True, validate=DATES,
                          metadata={"description": "last day shown (default a week after the start)"})

    @pre_load
    def _clean(self, data, **_kwargs):
        if not isinstance(data, dict):
            return data
        cleaned = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = value.strip()
                if value == "" and key in ("grade", "class_id", "starts_on", "ends_on"):
                    value = None
                if key == "pinned":
                    value = value.lower() in ("1", "true", "on", "yes")
            cleaned[key] = value
        return cleaned

    @validates_schema(skip_on_field_errors=True)
    def _check(self, data, **_kwargs):
        errors = {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends:
            if ends < starts:
                errors["ends_on"] = [_l("The last day must not be before the first.")]
            elif (ends - starts) > dt.timedelta(days=MAX_DAYS):
                errors["ends_on"] = [_l("An announcement is shown for a year at most.")]
        if data.get("audience") == "parallel" and data.get("grade") is None:
            errors["grade"] = [_l("Choose the grade of the parallel.")]
        if data.get("audience") == "class" and data.get("class_id") is None:
            errors["class_id"] = [_l("Choose the class.")]
        if errors:
            raise ValidationError(errors)


class AnnouncementOutSchema(Schema):
    id = fields.Integer()
    school_id = fields.Integer()
    title = fields.String()
    body = fields.String(metadata={"description": "Markdown"})
    body_html = fields.Function(lambda a: str(a.body_html) if hasattr(a, "body_html") else "",
                                metadata={"description": "the body rendered as safe HTML"})
    audience = fields.String()
    grade = fields.Integer(allow_none=True)
    class_id = fields.Integer(attribute="class_group_id", allow_none=True)
    class_name = fields.Function(lambda a: a.class_name if hasattr(a, "class_name") else None, allow_none=True)
    pinned = fields.Boolean()
    starts_on = fields.Date()
    ends_on = fields.Date()
    author = fields.Function(lambda a: a.author_name if hasattr(a, "author_name") else None, allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    editable = fields.Function(lambda a: bool(getattr(a, "editable", False)))


class BoardQuerySchema(Schema):
    show = fields.String(load_default="current", validate=validate.OneOf(["current", "all"]),
                         metadata={"description": "current (shown today) or all (staff: planned and past too)"})
