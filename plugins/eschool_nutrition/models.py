"""School meals: the municipality's meal kinds, categories and prices, each pupil's category, the daily
orders of classes (any class group: a camp squad too), the month's sign-off, parents' payments."""
from __future__ import annotations

import peewee

from eschool.plugin_api import BaseModel, ClassGroup, Municipality, School, Student, User, utcnow

#: Who pays a category's meals: the budget (federal, regional or municipal) or the parents.
PAYERS = ("budget", "parents")


class MealKind(BaseModel):
    """A meal of the day (breakfast, lunch, afternoon snack), set by the municipality."""

    municipality = peewee.ForeignKeyField(Municipality, on_delete="CASCADE")
    code = peewee.CharField(max_length=32)
    name = peewee.CharField(max_length=100)
    order = peewee.SmallIntegerField(default=0)

    class Meta:
        table_name = "nutrition_meal_kind"
        indexes = ((("municipality", "code"), True),)


class Category(BaseModel):
    """A category of pupils with its right: which meals (``meal_kinds``, codes comma-separated) and who
    pays. ``grade_from``/``grade_to`` give it to every pupil of those grades without a document (free
    hot meals in grades 1-4); other categories need a pupil's document."""

    municipality = peewee.ForeignKeyField(Municipality, on_delete="CASCADE")
    code = peewee.CharField(max_length=32)
    name = peewee.CharField(max_length=200)
    payer = peewee.CharField(max_length=16, default="budget")
    meal_kinds = peewee.CharField(max_length=200, default="")
    grade_from = peewee.SmallIntegerField(null=True)
    grade_to = peewee.SmallIntegerField(null=True)
    order = peewee.SmallIntegerField(default=0)

    class Meta:
        table_name = "nutrition_category"
        indexes = ((("municipality", "code"), True),)

    @property
    def kind_codes(self) -> list[str]:
        return [c for c in self.meal_kinds.split(",") if c]


class Price(BaseModel):
    """The price of one meal kind for one category from a date: the municipality's (``school`` empty), or
    a school's narrower one (never above the municipality's)."""

    municipality = peewee.ForeignKeyField(Municipality, on_delete="CASCADE")
    school = peewee.ForeignKeyField(School, null=True, on_delete="CASCADE")
    category = peewee.ForeignKeyField(Category, on_delete="CASCADE")
    meal_kind = peewee.ForeignKeyField(MealKind, on_delete="CASCADE")
    valid_from = peewee.DateField()
    amount = peewee.DecimalField(max_digits=10, decimal_places=2)
    created_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "nutrition_price"
        indexes = ((("municipality", "category", "meal_kind", "valid_from"), False),
                   (("school", "valid_from"), False))


class PupilCategory(BaseModel):
    """A pupil's category with its supporting document and validity dates."""

    school = peewee.ForeignKeyField(School, on_delete="CASCADE")
    student = peewee.ForeignKeyField(Student, on_delete="CASCADE")
    category = peewee.ForeignKeyField(Category, on_delete="CASCADE")
    document = peewee.CharField(max_length=300, default="")
    valid_from = peewee.DateField()
    valid_to = peewee.DateField(null=True)
    created_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "nutrition_pupil_category"
        indexes = ((("student", "valid_from"), False), (("school",), False))


class StandingOrder(BaseModel):
    """The meals a pupil takes every school day beyond (or without) a category's right: paid by parents."""

    school = peewee.ForeignKeyField(School, on_delete="CASCADE")
    student = peewee.ForeignKeyField(Student, on_delete="CASCADE")
    meal_kind = peewee.ForeignKeyField(MealKind, on_delete="CASCADE")

    class Meta:
        table_name = "nutrition_standing_order"
        indexes = ((("student", "meal_kind"), True), (("school",), False))


class DailyOrder(BaseModel):
    """A class group's order for one day. Before the cut-off the class teacher confirms it; after it the
    order is locked (only the meals officer changes it, logged)."""

    school = peewee.ForeignKeyField(School, on_delete="CASCADE")
    class_group = peewee.ForeignKeyField(ClassGroup, on_delete="CASCADE")
    date = peewee.DateField()
    confirmed_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    confirmed_at = peewee.DateTimeField(null=True)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "nutrition_daily_order"
        indexes = ((("class_group", "date"), True), (("school", "date"), False))


class OrderLine(BaseModel):
    """One pupil's one meal in a day's order. ``ordered`` false: left out (``reason``: absent, notice,
    manual). Category and price are those of the day, kept for the tabulation."""

    order = peewee.ForeignKeyField(DailyOrder, backref="lines", on_delete="CASCADE")
    student = peewee.ForeignKeyField(Student, on_delete="CASCADE")
    meal_kind = peewee.ForeignKeyField(MealKind, on_delete="CASCADE")
    category = peewee.ForeignKeyField(Category, null=True, on_delete="SET NULL")
    payer = peewee.CharField(max_length=16, default="budget")
    price = peewee.DecimalField(max_digits=10, decimal_places=2, default=0)
    ordered = peewee.BooleanField(default=True)
    reason = peewee.CharField(max_length=16, default="")

    class Meta:
        table_name = "nutrition_order_line"
        indexes = ((("order", "student", "meal_kind"), True), (("student",), False))


class OrderLog(BaseModel):
    """What changed in an order and by whom: every change after the cut-off, and the journal's absences."""

    order = peewee.ForeignKeyField(DailyOrder, backref="log", on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    at = peewee.DateTimeField(default=utcnow)
    student = peewee.ForeignKeyField(Student, null=True, on_delete="SET NULL")
    action = peewee.CharField(max_length=32)
    detail = peewee.CharField(max_length=300, default="")

    class Meta:
        table_name = "nutrition_order_log"


class MonthClose(BaseModel):
    """A school's month signed off: its orders and tabulation are read-only."""

    school = peewee.ForeignKeyField(School, on_delete="CASCADE")
    month = peewee.DateField()  # the first day
    closed_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    closed_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "nutrition_month_close"
        indexes = ((("school", "month"), True),)


class Officer(BaseModel):
    """A school's meals officer (ответственный за питание), named by the school's administration."""

    school = peewee.ForeignKeyField(School, on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, on_delete="CASCADE", backref="+")

    class Meta:
        table_name = "nutrition_officer"
        indexes = ((("school", "user"), True),)


class Payment(BaseModel):
    """Money parents paid for meals (prepayment): entered by the school or imported from a bank register."""

    school = peewee.ForeignKeyField(School, on_delete="CASCADE")
    student = peewee.ForeignKeyField(Student, on_delete="CASCADE")
    date = peewee.DateField()
    amount = peewee.DecimalField(max_digits=10, decimal_places=2)
    source = peewee.CharField(max_length=16, default="manual")  # manual | bank
    reference = peewee.CharField(max_length=100, default="")
    created_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "nutrition_payment"
        indexes = ((("student", "date"), False), (("school", "reference"), False))


MODELS = [MealKind, Category, Price, PupilCategory, StandingOrder, DailyOrder, OrderLine, OrderLog, MonthClose,
          Officer, Payment]
