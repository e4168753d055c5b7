"""Marshmallow schemas of a region profile (``regions/<code>/region.toml``)."""
from __future__ import annotations

import re
import zoneinfo
from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

LOCALES = ("ru", "en")
ROLE_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")


class TomlBoolean(fields.Boolean):
    """TOML has true and false: a string such as "yes" or "no" is a mistake, not a boolean."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError(f"Expected true or false, not {value!r}.")
        return value


class TomlInteger(fields.Integer):
    """A TOML integer: a quoted number or a boolean is refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(f"Expected a whole number, not {value!r}.")
        return super()._deserialize(value, attr, data, **kwargs)


class LocalizedText(fields.Dict):
    """``{ru = "...", en = "..."}``: a name in each portal language; Russian is required."""

    def __init__(self, **kwargs):
        super().__init__(keys=fields.String(validate=validate.OneOf(LOCALES)),
                         values=fields.String(validate=validate.Length(min=1)), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = {"ru": value}
        result = super()._deserialize(value, attr, data, **kwargs)
        if "ru" not in result:
            raise ValidationError("A Russian text (key 'ru') is required.")
        return result


class NamesSchema(Schema):
    portal = LocalizedText(required=True)
    region = LocalizedText(required=True)


class MunicipalitySchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_-]*$",
                         error="Use lowercase Latin letters, digits, '-' and '_'."))
    name = LocalizedText(required=True)
    kind = fields.String(load_default="city_district",
                         validate=validate.OneOf(["city_district", "municipal_district", "municipal_okrug"]))


class MonthDay(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not MONTH_DAY.match(value):
            raise ValidationError("Expected a month and day as 'MM-DD', e.g. '05-25'.")
        return value


class YearClosingSchema(Schema):
    """When a school may close its academic year: a window, or only a lower bound."""

    window_from = MonthDay(data_key="from", load_default=None)
    window_to = MonthDay(data_key="to", load_default=None)
    not_before = MonthDay(load_default=None)
    school_choice = TomlBoolean(load_default=False)

    @validates_schema
    def _one_form(self, data, **kwargs):
        if not (data["window_from"] or data["not_before"] or data["school_choice"]):
            raise ValidationError("Give 'from' and 'to', or 'not_before', or 'school_choice = true'.")
        if bool(data["window_from"]) != bool(data["window_to"]):
            raise ValidationError("'from' and 'to' go together.", field_name="to")


class JournalDeadlineSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["same_day", "edit_window"]))
    time = fields.String(load_default=None, validate=validate.Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
                         error="Expected a time as 'HH:MM'."))
    edit_window_days = TomlInteger(load_default=None, validate=validate.Range(min=0, max=366))


class TomlFraction(fields.Field):
    """A TOML number strictly between 0 and 1 (``0.5``), read as a Decimal; a string or boolean is refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError(f"Expected a number between 0 and 1 such as 0.5, not {value!r}.")
        number = Decimal(str(value))
        if not (0 < number < 1):
            raise ValidationError(f"Expected a number between 0 and 1 (exclusive) such as 0.5, not {value!r}.")
        return number


class FinalMarkRoundingSchema(Schema):
    """How an average becomes the suggested final mark: up when its fractional part reaches
    ``threshold`` (0.5: 3.5 -> 4, 3.49 -> 3)."""

    threshold = TomlFraction(load_default=lambda: Decimal("0.5"))


class RulesSchema(Schema):
    year_closing = fields.Nested(YearClosingSchema, required=True)
    password_reset = fields.String(required=True, validate=validate.OneOf(["email", "admin"]))
    journal_deadline = fields.Nested(JournalDeadlineSchema, required=True)
    extra_roles = fields.List(fields.String(validate=validate.OneOf(
        ["medical_worker", "psychologist", "hr_specialist", "technical_staff"])), load_default=list)
    communication = fields.List(fields.String(validate=validate.OneOf(
        ["mail", "forum", "news", "blogs", "communities", "sms", "announcements"])), load_default=list)
    first_grade_marks = TomlBoolean(load_default=False)
    # Whether the 1st grade gets homework (Kuzbass: no; the journal refuses it there).
    first_grade_homework = TomlBoolean(load_default=True)
    # Whether every teacher of a school reads every class's journal (read only; Samara: yes).
    teachers_read_all_journals = TomlBoolean(load_default=False)
    session_idle_minutes = TomlInteger(load_default=30, validate=validate.Range(min=5, max=24 * 60))
    # The weights of the default work types (oral, classwork, homework, independent, dictation, lab, test).
    work_type_weights = fields.Dict(keys=fields.String(validate=validate.OneOf(
        ["oral", "classwork", "homework", "independent", "dictation", "lab", "test"])),
        values=fields.Float(validate=validate.Range(min=0.1, max=10)), load_default=dict)
    final_mark_rounding = fields.Nested(FinalMarkRoundingSchema, load_default=lambda: {"threshold": Decimal("0.5")})


class PluginEntrySchema(Schema):
    """``[plugins.<code>]``: allowed in the region; where it is on by default; its settings."""

    enabled = TomlBoolean(load_default=True)
    default = TomlBoolean(load_default=True)
    municipalities = fields.List(fields.String(), load_default=list)
    #: ``eschool demo`` switches the plugin on at the demo school (for a plugin off by default, so that
    #: the demo shows it lived-in: the kiosk).
    demo = TomlBoolean(load_default=False)
    settings = fields.Dict(load_default=dict)


class RegionSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]*$"))
    names = fields.Nested(NamesSchema, required=True)
    locale = fields.String(load_default="ru", validate=validate.OneOf(LOCALES))
    timezone = fields.String(required=True)
    theme = fields.String(load_default="default")
    #: A file under the region's ``static/`` folder (or the theme's): ``img/logo.svg``.
    logo = fields.String(load_default="img/logo.svg", validate=validate.Regexp(
        r"^(?!.*\.\.)[A-Za-z0-9_\-/]+\.(svg|png|jpg|jpeg|webp)$",
        error="a relative path under static/ ending in .svg, .png, .jpg or .webp, e.g. img/logo.svg"))
    municipalities = fields.List(fields.Nested(MunicipalitySchema), required=True,
                                 validate=validate.Length(min=1))
    rules = fields.Nested(RulesSchema, required=True)
    plugins = fields.Dict(keys=fields.String(), values=fields.Nested(PluginEntrySchema), load_default=dict)

    @validates("timezone")
    def _timezone(self, value, **kwargs):
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationError(f"Unknown time zone '{value}' (expected e.g. 'Asia/Novokuznetsk').") from exc

    @validates_schema
    def _municipalities_known(self, data, **kwargs):
        codes = [m["code"] for m in data.get("municipalities", [])]
        dupes = {c for c in codes if codes.count(c) > 1}
        if dupes:
            raise ValidationError(f"Duplicate municipality code(s): {', '.join(sorted(dupes))}.",
                                  field_name="municipalities")
        errors = {}
        for code, entry in (data.get("plugins") or {}).items():
            unknown = [m for m in entry["municipalities"] if m not in codes]
            if unknown:
                errors[code] = {"municipalities": [f"Unknown municipality: {', '.join(unknown)}."]}
        if errors:
            raise ValidationError({"plugins": errors})
