"""Nutrition settings, input and output schemas."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from eschool.plugin_api import Number, UtcDateTime

ID = validate.Range(min=1, max=2**31 - 1)
DATES = validate.Range(min=__import__("datetime").date(2000, 1, 1), max=__import__("datetime").date(2100, 12, 31))


class NutritionSettingsSchema(Schema):
    """``[plugins.nutrition.settings]`` in the region profile; municipalities and schools may differ."""

    cutoff = fields.String(load_default="08:30", validate=validate.Regexp(
        r"^([01][0-9]|2[0-3]):[0-5][0-9]$", error=_l("A local time as HH:MM, e.g. 08:30.")), metadata={
        "label": _l("Cut-off time of the daily order"),
        "description": _l("Local time (HH:MM) after which the day's order is locked; only the meals officer changes it then.")})
    school_week = fields.Integer(load_default=5, validate=validate.OneOf((5, 6)), metadata={
        "label": _l("School days a week"), "description": _l("5 or 6: the days meals are ordered on.")})
    prepayment = fields.Boolean(load_default=False, metadata={
        "label": _l("Parents prepay meals"),
        "description": _l("Parents' balances: payments less the charges of the meals eaten.")})
    low_balance = fields.Decimal(load_default=200, as_string=True, places=2,
                                 validate=validate.Range(min=0, max=100000), metadata={
                                     "label": _l("Alert below this balance (roubles)"),
                                     "description": _l("Parents are told when their child's balance falls below it.")})


class DayQuerySchema(Schema):
    date = fields.Date(load_default=None, allow_none=True, validate=DATES)


class MonthQuerySchema(Schema):
    month = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"))
    class_id = fields.Integer(load_default=None, allow_none=True, validate=ID)
    category_id = fields.Integer(load_default=None, allow_none=True, validate=ID)


class FamilyQuerySchema(Schema):
    student_id = fields.Integer(load_default=None, allow_none=True, validate=ID)
    month = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"))


class MealKindSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()


class CategorySchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    payer = fields.String()
    meal_kinds = fields.Function(lambda c: c.kind_codes)
    grade_from = fields.Integer(allow_none=True)
    grade_to = fields.Integer(allow_none=True)


class CategoryInSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    payer = fields.String(load_default="budget", validate=validate.OneOf(("budget", "parents")))
    meal_kinds = fields.List(fields.String(validate=validate.Length(max=32)), load_default=list,
                             validate=validate.Length(max=10))
    grade_from = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=11))
    grade_to = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=11))


class PriceSchema(Schema):
    id = fields.Integer()
    category_id = fields.Integer()
    meal_kind_id = fields.Integer()
    school_id = fields.Integer(allow_none=True)
    valid_from = fields.Date()
    amount = Number()


class PriceInSchema(Schema):
    category_id = fields.Integer(required=True, validate=ID)
    meal_kind_id = fields.Integer(required=True, validate=ID)
    valid_from = fields.Date(required=True, validate=DATES)
    amount = Number(required=True, validate=validate.Range(min=0, max=1000000))


class SetupSchema(Schema):
    meal_kinds = fields.List(fields.Nested(MealKindSchema))
    categories = fields.List(fields.Nested(CategorySchema))
    prices = fields.List(fields.Nested(PriceSchema))


class PupilCategorySchema(Schema):
    id = fields.Integer()
    student_id = fields.Integer()
    category_id = fields.Integer()
    document = fields.String()
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)


class PupilCategoryInSchema(Schema):
    student_id = fields.Integer(required=True, validate=ID)
    category_id = fields.Integer(required=True, validate=ID)
    document = fields.String(load_default="", validate=validate.Length(max=300))
    valid_from = fields.Date(required=True, validate=DATES)
    valid_to = fields.Date(load_default=None, allow_none=True, validate=DATES)


class PupilCategoryListSchema(Schema):
    items = fields.List(fields.Nested(PupilCategorySchema))


class LineSchema(Schema):
    student_id = fields.Integer()
    meal_kind_id = fields.Integer()
    category_id = fields.Integer(allow_none=True)
    payer = fields.String()
    price = Number()
    ordered = fields.Boolean()
    reason = fields.String()


class OrderSchema(Schema):
    id = fields.Integer()
    class_id = fields.Integer()
    date = fields.Date()
    locked = fields.Boolean()
    closed = fields.Boolean()
    confirmed_at = UtcDateTime(allow_none=True)
    lines = fields.List(fields.Nested(LineSchema))


class OrderSummarySchema(Schema):
    class_id = fields.Integer()
    class_name = fields.String()
    order_id = fields.Integer()
    confirmed = fields.Boolean()
    meals = fields.Integer()


class OrderListSchema(Schema):
    date = fields.Date()
    locked = fields.Boolean()
    items = fields.List(fields.Nested(OrderSummarySchema))


class LineInSchema(Schema):
    student_id = fields.Integer(required=True, validate=ID)
    meal_kind_id = fields.Integer(required=True, validate=ID)
    ordered = fields.Boolean(required=True)


class KitchenCountSchema(Schema):
    meal_kind_id = fields.Integer()
    category_id = fields.Integer(allow_none=True)
    count = fields.Integer()


class KitchenClassSchema(Schema):
    class_id = fields.Integer()
    class_name = fields.String()
    counts = fields.List(fields.Nested(KitchenCountSchema))


class KitchenSchema(Schema):
    date = fields.Date()
    locked = fields.Boolean()
    classes = fields.List(fields.Nested(KitchenClassSchema))
    total = fields.List(fields.Nested(KitchenCountSchema))


class TabulationRowSchema(Schema):
    student_id = fields.Integer()
    student_name = fields.String()
    class_id = fields.Integer()
    cells = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    meals = fields.Integer()
    amount = Number()


class TabulationSchema(Schema):
    month = fields.String()
    closed = fields.Boolean()
    days = fields.List(fields.Date())
    rows = fields.List(fields.Nested(TabulationRowSchema))
    meals = fields.Integer()
    amount = Number()


class MonthCloseSchema(Schema):
    month = fields.String()
    closed = fields.Boolean()


class PaymentSchema(Schema):
    id = fields.Integer()
    student_id = fields.Integer()
    date = fields.Date()
    amount = Number()
    source = fields.String()
    reference = fields.String()


class PaymentInSchema(Schema):
    student_id = fields.Integer(required=True, validate=ID)
    amount = Number(required=True, validate=validate.Range(min=0.01, max=1000000))
    date = fields.Date(load_default=None, allow_none=True, validate=DATES)
    reference = fields.String(load_default="", validate=validate.Length(max=100))


class BalanceSchema(Schema):
    student_id = fields.Integer()
    student_name = fields.String()
    balance = Number()


class BalanceListSchema(Schema):
    items = fields.List(fields.Nested(BalanceSchema))


class ImportResultSchema(Schema):
    imported = fields.Integer()
    skipped = fields.Integer()
    errors = fields.List(fields.String())


class RegisterQuerySchema(Schema):
    dry_run = fields.Boolean(load_default=False, metadata={"description": "check only: nothing is written"})


class RegisterLineSchema(Schema):
    line = fields.Integer()
    student_id = fields.Integer()
    student_name = fields.String()
    category_id = fields.Integer()
    document = fields.String()
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)
    action = fields.String(metadata={"description": "new | updated"})


class RegisterUnmatchedSchema(Schema):
    line = fields.Integer()
    name = fields.String()
    birth_date = fields.Date(allow_none=True)


class RegisterResultSchema(Schema):
    dry_run = fields.Boolean()
    added = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    lines = fields.List(fields.Nested(RegisterLineSchema), metadata={"description": "what is (or would be) written"})
    unmatched = fields.List(fields.Nested(RegisterUnmatchedSchema),
                            metadata={"description": "lines that match no pupil of the school, left out"})


class FamilyDaySchema(Schema):
    date = fields.Date()
    meals = fields.List(fields.String())
    charge = Number()


class StatementSchema(Schema):
    student_id = fields.Integer()
    month = fields.String()
    days = fields.List(fields.Nested(FamilyDaySchema))
    meals = fields.Integer()
    charges = Number()
    paid = Number()
    balance = Number(allow_none=True)


class ReportCategorySchema(Schema):
    category_id = fields.Integer()
    name = fields.String()
    fed = fields.Dict(keys=fields.String(), values=fields.Integer())
    meals = fields.Integer()
    amount = Number()


class MunicipalReportSchema(Schema):
    month = fields.String()
    categories = fields.List(fields.Nested(ReportCategorySchema))
