"""Input and output of the school year's records (the API's single description of them)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from eschool.fields import Number
from eschool.school import card as _card

CLASS_KINDS = ("regular", "extended_day", "summer_camp", "home_schooling")
PERIOD_KINDS = ("quarter", "semester", "trimester")
LETTERS = "АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЭЮЯ"


def _dates_in_order(data, start="starts_on", end="ends_on"):
    if data.get(start) and data.get(end) and data[end] <= data[start]:
        raise ValidationError({end: [_l("The end must come after the start.")]})


class PeriodInSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(PERIOD_KINDS))
    number = fields.Integer(required=True, validate=validate.Range(min=1, max=4))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    grade_from = fields.Integer(load_default=1, validate=validate.Range(min=1, max=11))
    grade_to = fields.Integer(load_default=11, validate=validate.Range(min=1, max=11))

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data, **_kwargs):
        _dates_in_order(data)
        if data.get("grade_to", 11) < data.get("grade_from", 1):
            raise ValidationError({"grade_to": [_l("The last grade must not be below the first.")]})


class PeriodSchema(PeriodInSchema):
    id = fields.Integer()
    closed = fields.Boolean()


class YearInSchema(Schema):
    name = fields.String(required=True, validate=validate.Regexp(r"^\d{4}/\d{4}$",
                                                                 error=_l("Write the year as 2026/2027.")))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    is_current = fields.Boolean(load_default=False)
    periods = fields.List(fields.Nested(PeriodInSchema), load_default=list)

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data, **_kwargs):
        _dates_in_order(data)


class YearSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    is_current = fields.Boolean()
    closed = fields.Boolean()
    periods = fields.List(fields.Nested(PeriodSchema))


class SubjectInSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=150))
    short_name = fields.String(load_default="", validate=validate.Length(max=30))


class SubjectSchema(SubjectInSchema):
    id = fields.Integer()


class RoomInSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    building_id = fields.Integer(load_default=None, allow_none=True,
                                 metadata={"description": "one of the school's buildings (GET .../buildings)"})
    capacity = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2000))


class RoomSchema(RoomInSchema):
    id = fields.Integer()
    building = fields.Function(lambda r: r.building.name if r.building_id else "",
                               metadata={"description": "the building's name ('' for none)"})


class ClassInSchema(Schema):
    academic_year_id = fields.Integer(required=True)
    kind = fields.String(load_default="regular", validate=validate.OneOf(CLASS_KINDS))
    grade = fields.Integer(required=True, validate=validate.Range(min=1, max=11))
    letter = fields.String(load_default="", validate=validate.Length(max=4))
    name = fields.String(load_default="", validate=validate.Length(max=40),
                         metadata={"description": "defaults to grade and letter, e.g. 5А"})
    shift = fields.Integer(load_default=1, validate=validate.Range(min=1, max=3))
    class_teacher_id = fields.Integer(load_default=None, allow_none=True)
    subgroups = fields.List(fields.String(validate=validate.Length(min=1, max=60)), load_default=list)


class SubgroupSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class ClassSchema(Schema):
    id = fields.Integer()
    academic_year_id = fields.Integer()
    kind = fields.String()
    grade = fields.Integer()
    letter = fields.String()
    name = fields.String()
    shift = fields.Integer()
    class_teacher_id = fields.Integer(allow_none=True)
    subgroups = fields.List(fields.Nested(SubgroupSchema))


class CurriculumLineSchema(Schema):
    subject_id = fields.Integer(required=True)
    hours_per_week = Number(required=True, places=1,
                                    validate=validate.Range(min=0.5, max=20))


class CurriculumInSchema(Schema):
    lines = fields.List(fields.Nested(CurriculumLineSchema), required=True)


class AssignmentInSchema(Schema):
    teacher_id = fields.Integer(required=True)
    class_id = fields.Integer(required=True)
    subgroup_id = fields.Integer(load_default=None, allow_none=True)
    subject_id = fields.Integer(required=True)


class AssignmentSchema(Schema):
    id = fields.Integer()
    teacher_id = fields.Integer()
    teacher = fields.Function(lambda a: a.teacher.full_name)
    class_id = fields.Integer(attribute="class_group_id")
    subgroup_id = fields.Integer(allow_none=True)
    subject_id = fields.Integer()


class SchoolSettingsSchema(Schema):
    """What the school administrator sets for the school."""

    max_class_letter = fields.String(required=True, validate=validate.OneOf(list(LETTERS)))
    medal_average = Number(required=True, places=2, validate=validate.Range(min=3, max=5))
    session_idle_minutes = fields.Integer(load_default=None, allow_none=True,
                                          validate=validate.Range(min=5, max=24 * 60))


# --------------------------------------------------------------------------- the school card


def _checked(check, message):
    def run(value):
        if value and not check(value):
            raise ValidationError([message])
    return run


class SchoolCardSchema(Schema):
    """The school card: names, contacts, requisites (checked with their check digits), the director."""

    name = fields.String(required=True, validate=validate.Length(min=3, max=500))
    short_name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    address = fields.String(load_default="", validate=validate.Length(max=500))
    phone = fields.String(load_default="", validate=validate.Length(max=64))
    email = fields.String(load_default="", validate=validate.Length(max=254))
    inn = fields.String(load_default="", metadata={"description": "ИНН, 10 digits"},
                        validate=_checked(_card.inn_valid, _l("Not a valid INN (10 or 12 digits, check digit).")))
    kpp = fields.String(load_default="", metadata={"description": "КПП, 9 characters"},
                        validate=_checked(_card.KPP_RE.match, _l("Not a valid KPP (9 characters).")))
    ogrn = fields.String(load_default="", metadata={"description": "ОГРН, 13 digits"},
                         validate=_checked(_card.ogrn_valid, _l("Not a valid OGRN (13 digits, check digit).")))
    okpo = fields.String(load_default="", metadata={"description": "ОКПО, 8 digits"},
                         validate=_checked(_card.okpo_valid, _l("Not a valid OKPO (8 digits, check digit).")))
    director_name = fields.String(load_default="", validate=validate.Length(max=255))
    website = fields.String(load_default="", validate=validate.Regexp(
        r"^(https?://[^\s/]+\.[^\s]+)?$", error=_l("Write the address as https://school.example.")))

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data, **_kwargs):
        if data.get("email") and "@" not in data["email"]:
            raise ValidationError({"email": [_l("Not an e-mail address.")]})


class SchoolCardOutSchema(SchoolCardSchema):
    id = fields.Integer()
    municipality = fields.Function(lambda s: s.municipality.code)


class BuildingInSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=150))
    address = fields.String(load_default="", validate=validate.Length(max=500))


class BuildingSchema(BuildingInSchema):
    id = fields.Integer()
    room_count = fields.Integer(metadata={"description": "rooms in the building"})


class CatchmentInSchema(Schema):
    street = fields.String(required=True, validate=validate.Length(min=2, max=200),
                           metadata={"description": "e.g. ул. Ленина"})
    houses = fields.String(required=True, validate=validate.Length(min=1, max=1000),
                           metadata={"description": "e.g. 1-15, 17, 19к2; 2-20 чёт; все (the whole street)"})


class CatchmentSchema(CatchmentInSchema):
    id = fields.Integer()


class AddressQuerySchema(Schema):
    street = fields.String(required=True, validate=validate.Length(min=2, max=200))
    house = fields.String(required=True, validate=validate.Length(min=1, max=20))


class AddressMatchSchema(Schema):
    school_id = fields.Integer()
    school = fields.Function(lambda line: line.school.short_name)
    school_name = fields.Function(lambda line: line.school.name)
    street = fields.String()
    houses = fields.String()
