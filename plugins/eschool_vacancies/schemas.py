"""Vacancy settings, input and output schemas: the one place a vacancy's fields are validated."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from eschool.plugin_api import UtcDateTime

EMPLOYMENT = {"full_time": _l("Full time"), "part_time": _l("Part time"), "temporary": _l("Temporary")}
STATES = {"draft": _l("Draft"), "open": _l("Open"), "expired": _l("Expired"), "closed": _l("Closed")}
CLOSE_REASONS = {"filled": _l("Filled"), "cancelled": _l("Cancelled"), "expired": _l("Expired")}
TEXT_FIELDS = ("title", "subject", "employment", "description", "requirements", "contact_name",
               "contact_phone", "contact_email")
NUMBER_FIELDS = ("weekly_hours", "salary_from", "salary_to")
INPUT_FIELDS = TEXT_FIELDS + NUMBER_FIELDS


class VacanciesSettingsSchema(Schema):
    """``[plugins.vacancies.settings]`` in the region profile."""

    #: An open vacancy older than this many days leaves the public list for the archive.
    archive_after_days = fields.Integer(load_default=60, validate=validate.Range(min=1, max=365), metadata={
        "label": _l("Days an open vacancy stays on the public list"),
        "description": _l("After this many days it moves to the archive (1 to 365)."),
        "levels": ("region",)})  # the public lists span schools: one cutoff for the region


class VacancyInSchema(Schema):
    """A vacancy as the school enters it (the page's form and the API)."""

    title = fields.String(required=True, validate=validate.Length(min=3, max=200))
    subject = fields.String(load_default="", validate=validate.Length(max=100))
    employment = fields.String(load_default="full_time", validate=validate.OneOf(list(EMPLOYMENT)))
    weekly_hours = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=60))
    salary_from = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=10_000_000))
    salary_to = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=10_000_000))
    description = fields.String(required=True, validate=validate.Length(min=10, max=5000))
    requirements = fields.String(load_default="", validate=validate.Length(max=3000))
    contact_name = fields.String(load_default="", validate=validate.Length(max=200))
    contact_phone = fields.String(load_default="", validate=[
        validate.Length(max=32),
        validate.Regexp(r"^[0-9+()\- ]*$", error=_l("Use digits, spaces, +, - and brackets only."))])
    contact_email = fields.String(load_default="", validate=validate.Length(max=254))

    @pre_load
    def _clean(self, data, **_kwargs):
        """Trim text; an empty number box means 'not given'."""
        if not isinstance(data, dict):
            return data
        cleaned = dict(data)
        for key, value in data.items():
            if isinstance(value, str):
                cleaned[key] = value.strip()
                if key in NUMBER_FIELDS and cleaned[key] == "":
                    cleaned[key] = None
        return cleaned

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data, **_kwargs):
        errors = {}
        email = data.get("contact_email") or ""
        if email:
            try:
                validate.Email()(email)
            except ValidationError:
                errors["contact_email"] = [_l("Enter a valid e-mail address.")]
        if not data.get("contact_phone") and not email:
            errors["contact_phone"] = [_l("Give a phone number or an e-mail address for applicants.")]
        low, high = data.get("salary_from"), data.get("salary_to")
        if low is not None and high is not None and high < low:
            errors["salary_to"] = [_l("The upper salary must not be below the lower one.")]
        if errors:
            raise ValidationError(errors)


class CloseInSchema(Schema):
    reason = fields.String(load_default="filled", validate=validate.OneOf(["filled", "cancelled"]))


class SchoolBriefSchema(Schema):
    id = fields.Integer()
    name = fields.String(attribute="short_name")
    municipality = fields.Function(lambda school: school.municipality.code)
    address = fields.String()


class VacancyOutSchema(Schema):
    """What anyone may read about an open or archived vacancy."""

    id = fields.Integer()
    school = fields.Nested(SchoolBriefSchema)
    title = fields.String()
    subject = fields.String()
    employment = fields.String()
    weekly_hours = fields.Integer(allow_none=True)
    salary_from = fields.Integer(allow_none=True)
    salary_to = fields.Integer(allow_none=True)
    description = fields.String()
    requirements = fields.String()
    contact_name = fields.String()
    contact_phone = fields.String()
    contact_email = fields.String()
    state = fields.String(metadata={"description": "open, expired or closed (draft only for the school)"})
    published_at = UtcDateTime(allow_none=True)
    closed_at = UtcDateTime(allow_none=True)
    close_reason = fields.String()


class VacancyManageOutSchema(VacancyOutSchema):
    """The school's own view: also drafts, and who made the vacancy."""

    status = fields.String()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    created_by = fields.Function(lambda v: v.created_by.full_name if v.created_by_id else None, allow_none=True)


class PublicQuerySchema(Schema):
    municipality = fields.String(load_default=None, metadata={"description": "municipality code"})
    school = fields.Integer(load_default=None)
    q = fields.String(load_default="", validate=validate.Length(max=100))
