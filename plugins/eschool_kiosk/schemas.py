"""The kiosk's settings, input and output schemas: the one place its fields are validated."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, pre_load, validate

from eschool.plugin_api import UtcDateTime

#: The kinds of section and their own titles (a school may give a section another title).
KINDS = {
    "about": _l("About the school"),
    "timetable": _l("Timetable"),
    "substitutions": _l("Substitutions"),
    "announcements": _l("Announcements"),
    "meals": _l("Meals menu"),
    "info": _l("Useful information"),
    "clubs": _l("Clubs and events"),
}


class KioskSettingsSchema(Schema):
    """``[plugins.kiosk.settings]`` in the region profile (a municipality or a school may override them)."""

    idle_seconds = fields.Integer(load_default=60, validate=validate.Range(min=1, max=3600), metadata={
        "label": _l("Seconds untouched before the kiosk returns to its home screen"),
        "description": _l("From 1 to 3600.")})
    slide_seconds = fields.Integer(load_default=10, validate=validate.Range(min=1, max=600), metadata={
        "label": _l("Seconds each slide of the slideshow is shown"),
        "description": _l("The slideshow of announcements starts when the home screen is left untouched.")})
    refresh_seconds = fields.Integer(load_default=60, validate=validate.Range(min=5, max=3600), metadata={
        "label": _l("Seconds between two updates of the kiosk's content"),
        "description": _l("The timetable and the substitutions are read again this often.")})


class _Trimmed(Schema):
    @pre_load
    def trim(self, data, **_kwargs):
        if isinstance(data, dict):
            return {k: v.strip() if isinstance(v, str) and k != "body" else v for k, v in data.items()}
        return data


class SectionInSchema(_Trimmed):
    """A section's title and the positions whose holders edit it (the school administrator's choice)."""

    title = fields.String(validate=validate.Length(max=60))  # empty: the kind's own title
    editor_roles = fields.List(fields.String(validate=validate.Length(max=40)), validate=validate.Length(max=20))


class PageInSchema(_Trimmed):
    title = fields.String(required=True, validate=validate.Length(min=1, max=120))
    body = fields.String(load_default="", validate=validate.Length(max=20000))
    published = fields.Boolean(load_default=True)
    slideshow = fields.Boolean()
    position = fields.Integer(validate=validate.Range(min=0, max=10000))


class PictureOutSchema(Schema):
    id = fields.Integer()
    url = fields.String()
    name = fields.String()


class PageOutSchema(Schema):
    id = fields.Integer()
    section_id = fields.Integer()
    title = fields.String()
    body = fields.String()
    published = fields.Boolean()
    slideshow = fields.Boolean()
    position = fields.Integer()
    updated_at = UtcDateTime()
    pictures = fields.List(fields.Nested(PictureOutSchema))


class SectionOutSchema(Schema):
    id = fields.Integer()
    position = fields.Integer()
    kind = fields.String()
    title = fields.Function(lambda s: s.title or str(KINDS.get(s.kind, s.kind)))
    custom_title = fields.String(attribute="title", metadata={"description": "Empty: the kind's own title"})
    editor_roles = fields.List(fields.String(), attribute="roles")
    editable = fields.Boolean()
    updated_at = UtcDateTime()


class ScreenPageSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    html = fields.String(metadata={"description": "The page's text as sanitised HTML"})
    pictures = fields.List(fields.Nested(PictureOutSchema))


class ScreenSectionSchema(Schema):
    id = fields.Integer()
    position = fields.Integer()
    kind = fields.String()
    title = fields.String()
    pages = fields.List(fields.Nested(ScreenPageSchema))


class LessonOutSchema(Schema):
    number = fields.Integer()
    subject = fields.String()
    subject_name = fields.String()
    teacher = fields.String()
    room = fields.String()
    subgroup = fields.String()
    substituted = fields.Boolean()


class ClassDayOutSchema(Schema):
    class_name = fields.String()
    grade = fields.Integer()
    lessons = fields.List(fields.Nested(LessonOutSchema))


class SubstitutionOutSchema(Schema):
    number = fields.Integer()
    class_name = fields.String()
    teacher = fields.String()
    note = fields.String()


class ScreenSettingsSchema(Schema):
    idle_seconds = fields.Integer()
    slide_seconds = fields.Integer()
    refresh_seconds = fields.Integer()


class SchoolOutSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class SlideOutSchema(Schema):
    section_id = fields.Integer()
    page_id = fields.Integer()


class ScreenOutSchema(Schema):
    """Everything a kiosk shows (its only data source)."""

    school = fields.Nested(SchoolOutSchema)
    date = fields.String()
    generated_at = UtcDateTime()
    settings = fields.Nested(ScreenSettingsSchema)
    sections = fields.List(fields.Nested(ScreenSectionSchema))
    slides = fields.List(fields.Nested(SlideOutSchema))
    timetable = fields.List(fields.Nested(ClassDayOutSchema))
    substitutions = fields.List(fields.Nested(SubstitutionOutSchema))


class ScreenQuerySchema(Schema):
    lang = fields.String(load_default=None, validate=validate.OneOf(["ru", "en"]),
                         metadata={"description": "The language of the section titles (default: the region's)"})
