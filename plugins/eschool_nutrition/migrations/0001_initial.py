"""The nutrition tables: meal kinds, categories, prices, pupils' categories, standing orders, daily orders
with their lines and log, signed-off months, meals officers, payments."""
import datetime

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    Model,
    SmallIntegerField,
)


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    # Core tables, referenced only (the core's migrations own them).
    class Municipality(Base):
        class Meta:
            table_name = "municipality"

    class School(Base):
        class Meta:
            table_name = "school"

    class User(Base):
        class Meta:
            table_name = "user_account"

    class Student(Base):
        class Meta:
            table_name = "student"

    class ClassGroup(Base):
        class Meta:
            table_name = "class_group"

    now = datetime.datetime.utcnow

    class MealKind(Base):
        municipality = ForeignKeyField(Municipality, on_delete="CASCADE")
        code = CharField(max_length=32)
        name = CharField(max_length=100)
        order = SmallIntegerField(default=0)

        class Meta:
            table_name = "nutrition_meal_kind"
            indexes = ((("municipality", "code"), True),)

    class Category(Base):
        municipality = ForeignKeyField(Municipality, on_delete="CASCADE")
        code = CharField(max_length=32)
        name = CharField(max_length=200)
        payer = CharField(max_length=16, default="budget")
        meal_kinds = CharField(max_length=200, default="")
        grade_from = SmallIntegerField(null=True)
        grade_to = SmallIntegerField(null=True)
        order = SmallIntegerField(default=0)

        class Meta:
            table_name = "nutrition_category"
            indexes = ((("municipality", "code"), True),)

    class Price(Base):
        municipality = ForeignKeyField(Municipality, on_delete="CASCADE")
        school = ForeignKeyField(School, null=True, on_delete="CASCADE")
        category = ForeignKeyField(Category, on_delete="CASCADE")
        meal_kind = ForeignKeyField(MealKind, on_delete="CASCADE")
        valid_from = DateField()
        amount = DecimalField(max_digits=10, decimal_places=2)
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
        created_at = DateTimeField(default=now)

        class Meta:
            table_name = "nutrition_price"
            indexes = ((("municipality", "category", "meal_kind", "valid_from"), False),
                       (("school", "valid_from"), False))

    class PupilCategory(Base):
        school = ForeignKeyField(School, on_delete="CASCADE")
        student = ForeignKeyField(Student, on_delete="CASCADE")
        category = ForeignKeyField(Category, on_delete="CASCADE")
        document = CharField(max_length=300, default="")
        valid_from = DateField()
        valid_to = DateField(null=True)
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
        created_at = DateTimeField(default=now)

        class Meta:
            table_name = "nutrition_pupil_category"
            indexes = ((("student", "valid_from"), False), (("school",), False))

    class StandingOrder(Base):
        school = ForeignKeyField(School, on_delete="CASCADE")
        student = ForeignKeyField(Student, on_delete="CASCADE")
        meal_kind = ForeignKeyField(MealKind, on_delete="CASCADE")

        class Meta:
            table_name = "nutrition_standing_order"
            indexes = ((("student", "meal_kind"), True), (("school",), False))

    class DailyOrder(Base):
        school = ForeignKeyField(School, on_delete="CASCADE")
        class_group = ForeignKeyField(ClassGroup, on_delete="CASCADE")
        date = DateField()
        confirmed_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
        confirmed_at = DateTimeField(null=True)
        created_at = DateTimeField(default=now)

        class Meta:
            table_name = "nutrition_daily_order"
            indexes = ((("class_group", "date"), True), (("school", "date"), False))

    class OrderLine(Base):
        order = ForeignKeyField(DailyOrder, on_delete="CASCADE")
        student = ForeignKeyField(Student, on_delete="CASCADE")
        meal_kind = ForeignKeyField(MealKind, on_delete="CASCADE")
        category = ForeignKeyField(Category, null=True, on_delete="SET NULL")
        payer = CharField(max_length=16, default="budget")
        price = DecimalField(max_digits=10, decimal_places=2, default=0)
        ordered = BooleanField(default=True)
        reason = CharField(max_length=16, default="")

        class Meta:
            table_name = "nutrition_order_line"
            indexes = ((("order", "student", "meal_kind"), True), (("student",), False))

    class OrderLog(Base):
        order = ForeignKeyField(DailyOrder, on_delete="CASCADE")
        user = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
        at = DateTimeField(default=now)
        student = ForeignKeyField(Student, null=True, on_delete="SET NULL")
        action = CharField(max_length=32)
        detail = CharField(max_length=300, default="")

        class Meta:
            table_name = "nutrition_order_log"

    class MonthClose(Base):
        school = ForeignKeyField(School, on_delete="CASCADE")
        month = DateField()
        closed_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
        closed_at = DateTimeField(default=now)

        class Meta:
            table_name = "nutrition_month_close"
            indexes = ((("school", "month"), True),)

    class Officer(Base):
        school = ForeignKeyField(School, on_delete="CASCADE")
        user = ForeignKeyField(User, on_delete="CASCADE", backref="+")

        class Meta:
            table_name = "nutrition_officer"
            indexes = ((("school", "user"), True),)

    class Payment(Base):
        school = ForeignKeyField(School, on_delete="CASCADE")
        student = ForeignKeyField(Student, on_delete="CASCADE")
        date = DateField()
        amount = DecimalField(max_digits=10, decimal_places=2)
        source = CharField(max_length=16, default="manual")
        reference = CharField(max_length=100, default="")
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
        created_at = DateTimeField(default=now)

        class Meta:
            table_name = "nutrition_payment"
            indexes = ((("student", "date"), False), (("school", "reference"), False))

    return [MealKind, Category, Price, PupilCategory, StandingOrder, DailyOrder, OrderLine, OrderLog, MonthClose,
            Officer, Payment]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
