"""Input and output of news items."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from eschool.plugin_api import UtcDateTime
from eschool_news.models import LEVELS

LEVEL_LABELS = {"class": _l("Class"), "school": _l("School"), "municipality": _l("Municipality"),
                "region": _l("Region")}
STATUS_LABELS = {"draft": _l("Draft"), "published": _l("Published")}


class NewsInSchema(Schema):
    """A news item as its author writes it. The level's place: ``class_id`` for a class, ``school_id`` for
    a school, ``municipality_id`` for a municipality, nothing for the region."""

    title = fields.String(required=True, validate=validate.Length(min=3, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1, max=50000),
                         metadata={"description": "Markdown"})
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    class_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))
    school_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))
    municipality_id = fields.Integer(load_default=None, allow_none=True,
                                     validate=validate.Range(min=1, max=2**31 - 1))

    @pre_load
    def _clean(self, data, **_kwargs):
        if not isinstance(data, dict):
            return data
        cleaned = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = value.strip()
                if value == "" and key in ("class_id", "school_id", "municipality_id"):
                    value = None
            cleaned[key] = value
        return cleaned

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data, **_kwargs):
        needed = {"class": "class_id", "school": "school_id", "municipality": "municipality_id"}.get(data.get("level"))
        if needed and data.get(needed) is None:
            raise ValidationError({needed: [_l("Choose where the news belongs.")]})


class NewsOutSchema(Schema):
    id = fields.Integer()
    level = fields.String()
    title = fields.String()
    body = fields.String(metadata={"description": "Markdown"})
    body_html = fields.Function(lambda n: str(getattr(n, "body_html", "")))
    school_id = fields.Integer(allow_none=True)
    municipality_id = fields.Integer(allow_none=True)
    class_id = fields.Integer(attribute="class_group_id", allow_none=True)
    picture_url = fields.Function(lambda n: getattr(n, "picture_url", None), allow_none=True)
    status = fields.String()
    published_at = UtcDateTime(allow_none=True)
    updated_at = UtcDateTime()
    author = fields.Function(lambda n: getattr(n, "author_name", None), allow_none=True)

