"""Settings, input and output schemas of the summer camp: the one place its fields are validated."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from eschool.plugin_api import UtcDateTime
from eschool_summer_camp.models import DAY_MARKS, STATUSES

STATUS_LABELS = {"submitted": _l("In the queue"), "confirmed": _l("Confirmed"), "waitlisted": _l("Waiting list"),
                 "rejected": _l("Rejected"), "withdrawn": _l("Withdrawn")}
MARK_LABELS = {"present": _l("Present"), "absent": _l("Absent"), "ill": _l("Ill")}
SOURCE_LABELS = {"portal": _l("Portal"), "paper": _l("Paper application")}
ACTIONS = ("confirm", "waitlist", "reject")
PHONE = validate.Regexp(r"^[0-9+()\- ]*$", error=_l("Use digits, spaces, +, - and brackets only."))
TIME = validate.Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^$", error=_l("Enter a time as HH:MM."))


class CampSettingsSchema(Schema):
    """``[plugins.summer_camp.settings]``: camp meals where the region allows them, and the camp's week."""

    meals_municipalities = fields.List(fields.String(validate=validate.Length(min=1, max=64)), load_default=list,
                                       metadata={"label": _l("Municipalities with camp meals"),
                                                 "description": _l("Codes of the municipalities whose camps "
                                                                   "keep camp meals (\"*\": all)."),
                                                 "levels": ("region",)})
    meals = fields.Boolean(load_default=True, metadata={
        "label": _l("Camp meals"),
        "description": _l("Keep the camp's meals where the region allows them (a school may switch them off).")})
    saturday = fields.Boolean(load_default=False, metadata={
        "label": _l("The camp works on Saturdays"),
        "description": _l("Otherwise Monday to Friday; 12 June is always a day off.")})


class _Trimmed(Schema):
    @pre_load
    def _trim(self, data, **_kwargs):
        if not isinstance(data, dict):
            return data
        return {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}


class SessionInSchema(_Trimmed):
    name = fields.String(required=True, validate=validate.Length(min=2, max=100))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    capacity = fields.Integer(required=True, validate=validate.Range(min=1, max=2000))
    applications_open = fields.Boolean(load_default=True)
    head_id = fields.Integer(load_default=None, allow_none=True)
    age_from = fields.Integer(load_default=6, validate=validate.Range(min=3, max=18))
    age_to = fields.Integer(load_default=17, validate=validate.Range(min=3, max=18))

    @validates_schema
    def _check(self, data, **_kwargs):
        errors = {}
        if "ends_on" not in data or "starts_on" not in data:
            pass  # a partial change: the service checks the whole session
        elif data["ends_on"] < data["starts_on"]:
            errors["ends_on"] = [_l("The session ends before it starts.")]
        elif (data["ends_on"] - data["starts_on"]).days > 92:
            errors["ends_on"] = [_l("A session lasts at most three months.")]
        if data.get("age_to", 17) < data.get("age_from", 6):
            errors["age_to"] = [_l("The upper age must not be below the lower one.")]
        if errors:
            raise ValidationError(errors)


class SquadInSchema(_Trimmed):
    name = fields.String(required=True, validate=validate.Length(min=1, max=30))
    leader_id = fields.Integer(load_default=None, allow_none=True)
    grade = fields.Integer(load_default=1, validate=validate.Range(min=1, max=11),
                           metadata={"description": "the youngest grade of the squad (its class group's grade)"})


class ApplyInSchema(_Trimmed):
    student_id = fields.Integer(required=True)
    category = fields.String(load_default="", validate=validate.Length(max=32),
                             metadata={"description": "a priority category's code, '' for none"})
    contact_phone = fields.String(load_default="", validate=[validate.Length(max=32), PHONE])
    note = fields.String(load_default="", validate=validate.Length(max=500))


class CampDecisionInSchema(_Trimmed):
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    reason = fields.String(load_default="", validate=validate.Length(max=500))
    squad_id = fields.Integer(load_default=None, allow_none=True)

    @validates_schema
    def _check(self, data, **_kwargs):
        if data["action"] == "reject" and not data.get("reason"):
            raise ValidationError({"reason": [_l("Give the reason for the refusal: the parents will read it.")]})


class SquadMoveInSchema(Schema):
    squad_id = fields.Integer(required=True)


class CampMarkInSchema(Schema):
    application_id = fields.Integer(required=True)
    mark = fields.String(required=True, validate=validate.OneOf(DAY_MARKS))


class DayMarksInSchema(Schema):
    date = fields.Date(required=True)
    marks = fields.List(fields.Nested(CampMarkInSchema), required=True, validate=validate.Length(min=1, max=200))


class DateQuerySchema(Schema):
    date = fields.Date(load_default=None)


class PlanItemInSchema(_Trimmed):
    date = fields.Date(required=True)
    time = fields.String(load_default="", validate=TIME)
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    place = fields.String(load_default="", validate=validate.Length(max=200))
    squad_id = fields.Integer(load_default=None, allow_none=True,
                              metadata={"description": "a squad of the session; empty: the whole camp"})


class CategoryInSchema(_Trimmed):
    code = fields.String(required=True, validate=[validate.Length(min=2, max=32),
                                                  validate.Regexp(r"^[a-z][a-z0-9_]*$",
                                                                  error=_l("Latin lower-case letters, digits, _."))])
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    rank = fields.Integer(load_default=10, validate=validate.Range(min=1, max=99))
    active = fields.Boolean(load_default=True)


# --------------------------------------------------------------------------- output


class CategorySchema(Schema):
    code = fields.String()
    name = fields.String()
    rank = fields.Integer()
    active = fields.Boolean()


class SquadSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    class_group_id = fields.Integer()
    leader_id = fields.Integer(allow_none=True)
    leader = fields.Function(lambda s: s.leader.full_name if s.leader_id else None, allow_none=True)
    members = fields.Integer(attribute="member_count", dump_default=0)


class SessionSchema(Schema):
    id = fields.Integer()
    school_id = fields.Integer()
    name = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    capacity = fields.Integer()
    applications_open = fields.Boolean()
    head_id = fields.Integer(allow_none=True)
    age_from = fields.Integer()
    age_to = fields.Integer()
    confirmed = fields.Integer(attribute="confirmed_count", dump_default=0)
    free = fields.Integer(attribute="free_places", dump_default=0)


class SessionDetailSchema(SessionSchema):
    squads = fields.List(fields.Nested(SquadSchema), attribute="squad_list")
    days = fields.List(fields.Date(), attribute="day_list")


class CampApplicationSchema(Schema):
    id = fields.Integer()
    session_id = fields.Integer()
    student_id = fields.Integer()
    student = fields.Function(lambda a: a.student.full_name)
    status = fields.String(validate=validate.OneOf(STATUSES))
    category = fields.Function(lambda a: a.category.code if a.category_id else "")
    category_name = fields.Function(lambda a: a.category.name if a.category_id else "")
    source = fields.String()
    applied_at = UtcDateTime()
    position = fields.Integer(allow_none=True, dump_default=None,
                              metadata={"description": "place in the queue or on the waiting list"})
    squad_id = fields.Integer(allow_none=True)
    reason = fields.String()
    note = fields.String()
    contact_phone = fields.String()
    decided_at = UtcDateTime(allow_none=True)


class CampDayRowSchema(Schema):
    application_id = fields.Integer()
    student_id = fields.Integer()
    student = fields.String()
    mark = fields.String(allow_none=True)


class CampDaySheetSchema(Schema):
    squad_id = fields.Integer()
    date = fields.Date()
    rows = fields.List(fields.Nested(CampDayRowSchema))


class CampPlanItemSchema(Schema):
    id = fields.Integer()
    date = fields.Date()
    time = fields.String()
    title = fields.String()
    place = fields.String()
    squad_id = fields.Integer(allow_none=True)


class CampSummarySchema(Schema):
    school_id = fields.Integer()
    school = fields.String()
    session_id = fields.Integer()
    session = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    capacity = fields.Integer()
    confirmed = fields.Integer()
    waiting = fields.Integer()
    submitted = fields.Integer()
    health_days = fields.Integer()


class MunicipalityQuerySchema(Schema):
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))
