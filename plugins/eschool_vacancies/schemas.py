"""Vacancy settings, input and output schemas (the one place where a vacancy's fields are validated)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

EMPLOYMENT = ("full_time", "part_time", "temporary")
STATUSES = ("draft", "open", "closed")
CLOSE_REASONS = ("filled", "cancelled", "expired")


class VacanciesSettingsSchema(Schema):
    """``[plugins.vacancies.settings]`` in the region profile."""

    #: An open vacancy older than this many days leaves the public list for the archive.
    archive_after_days = fields.Integer(load_default=60, validate=validate.Range(min=1, max=365))
