"""The plans, their items and the lessons' links to them.

The core's migration 0025 handed over the tables it had kept (renamed to this plugin's prefix) and
made the links table; this history takes them over and creates only what is missing.
"""
import datetime

from peewee import CharField, DateTimeField, ForeignKeyField, Model, SmallIntegerField, TextField


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

    class Subject(Base):
        class Meta:
            table_name = "subject"

    class User(Base):
        class Meta:
            table_name = "user_account"

    class Lesson(Base):
        class Meta:
            table_name = "lesson"

    class LessonPlan(Base):
        school = ForeignKeyField(School, on_delete="CASCADE")
        subject = ForeignKeyField(Subject, on_delete="CASCADE")
        grade = SmallIntegerField()
        name = CharField(max_length=200)
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField(default=_now)

        class Meta:
            table_name = "lesson_plans_plan"

    class LessonPlanItem(Base):
        plan = ForeignKeyField(LessonPlan, on_delete="CASCADE")
        number = SmallIntegerField()
        topic = CharField(max_length=500)
        hours = SmallIntegerField(default=1)
        homework = TextField(default="")

        class Meta:
            table_name = "lesson_plans_item"
            indexes = ((("plan", "number"), True),)

    class LessonTopic(Base):
        lesson = ForeignKeyField(Lesson, on_delete="CASCADE", unique=True)
        item = ForeignKeyField(LessonPlanItem, on_delete="CASCADE")

        class Meta:
            table_name = "lesson_plans_lesson"

    return [LessonPlan, LessonPlanItem, LessonTopic]


def up(migrator, db):
    db.create_tables(_models(db), safe=True)


def down(migrator, db):
    """Nothing: the tables predate this history (the core's 0009 and 0025 made them); their rows are kept."""
