"""The summer camp's tables (frozen copies of the models as they were first made)."""
import datetime

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    SmallIntegerField,
)


def _now():
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    # Core tables, referenced only (the core's migrations own them).
    class School(Base):
        class Meta:
            table_name = "school"

    class User(Base):
        class Meta:
            table_name = "user_account"

    class ClassGroup(Base):
        class Meta:
            table_name = "class_group"

    class Student(Base):
        class Meta:
            table_name = "student"

    class CampSession(Base):
        school = ForeignKeyField(School, on_delete="CASCADE", index=True)
        name = CharField(max_length=100)
        starts_on = DateField()
        ends_on = DateField()
        capacity = IntegerField()
        applications_open = BooleanField(default=True)
        head = ForeignKeyField(User, null=True, on_delete="SET NULL")
        age_from = SmallIntegerField(default=6)
        age_to = SmallIntegerField(default=17)
        created_at = DateTimeField(default=_now)

        class Meta:
            table_name = "summer_camp_session"

    class Squad(Base):
        session = ForeignKeyField(CampSession, on_delete="CASCADE", index=True)
        class_group = ForeignKeyField(ClassGroup, on_delete="CASCADE", unique=True)
        name = CharField(max_length=60)
        leader = ForeignKeyField(User, null=True, on_delete="SET NULL", index=True)

        class Meta:
            table_name = "summer_camp_squad"

    class Category(Base):
        school = ForeignKeyField(School, on_delete="CASCADE", index=True)
        code = CharField(max_length=32)
        name = CharField(max_length=200)
        rank = SmallIntegerField(default=10)
        active = BooleanField(default=True)

        class Meta:
            table_name = "summer_camp_category"
            indexes = ((("school", "code"), True),)

    class Application(Base):
        session = ForeignKeyField(CampSession, on_delete="CASCADE")
        student = ForeignKeyField(Student, on_delete="CASCADE", index=True)
        status = CharField(max_length=16, default="submitted")
        category = ForeignKeyField(Category, null=True, on_delete="SET NULL")
        source = CharField(max_length=8, default="portal")
        applied_at = DateTimeField(default=_now)
        applied_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        contact_phone = CharField(max_length=32, default="")
        note = CharField(max_length=500, default="")
        squad = ForeignKeyField(Squad, null=True, on_delete="SET NULL", index=True)
        reason = CharField(max_length=500, default="")
        decided_at = DateTimeField(null=True)
        decided_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

        class Meta:
            table_name = "summer_camp_application"
            indexes = ((("session", "student"), True), (("session", "status"), False))

    class DayMark(Base):
        application = ForeignKeyField(Application, on_delete="CASCADE")
        date = DateField()
        mark = CharField(max_length=8)
        marked_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        marked_at = DateTimeField(default=_now)

        class Meta:
            table_name = "summer_camp_day_mark"
            indexes = ((("application", "date"), True),)

    class PlanItem(Base):
        session = ForeignKeyField(CampSession, on_delete="CASCADE")
        squad = ForeignKeyField(Squad, null=True, on_delete="CASCADE")
        date = DateField()
        time = CharField(max_length=5, default="")
        title = CharField(max_length=200)
        place = CharField(max_length=200, default="")

        class Meta:
            table_name = "summer_camp_plan_item"
            indexes = ((("session", "date"), False),)

    class MealCount(Base):
        squad = ForeignKeyField(Squad, on_delete="CASCADE")
        date = DateField()
        kind = CharField(max_length=16)
        count = IntegerField()
        updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        updated_at = DateTimeField(default=_now)

        class Meta:
            table_name = "summer_camp_meal_count"
            indexes = ((("squad", "date", "kind"), True),)

    return [CampSession, Squad, Category, Application, DayMark, PlanItem, MealCount]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
