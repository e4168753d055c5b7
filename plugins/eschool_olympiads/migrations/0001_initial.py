"""The olympiads' tables: the catalogue and the registrations with results."""
import datetime

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    SmallIntegerField,
    TextField,
)


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class School(Base):
        class Meta:
            table_name = "school"

    class Municipality(Base):
        class Meta:
            table_name = "municipality"

    class User(Base):
        class Meta:
            table_name = "user_account"

    class Student(Base):
        class Meta:
            table_name = "student"

    class Olympiad(Base):
        title = CharField(max_length=200)
        series = CharField(max_length=100, default="")
        subject = CharField(max_length=100)
        grade_from = SmallIntegerField(default=1)
        grade_to = SmallIntegerField(default=11)
        stage = CharField(max_length=16, default="school")
        year = IntegerField(index=True)
        starts_on = DateField(null=True)
        ends_on = DateField(null=True)
        place = CharField(max_length=300, default="")
        description = TextField(default="")
        school = ForeignKeyField(School, null=True, on_delete="CASCADE", index=True)
        municipality = ForeignKeyField(Municipality, null=True, on_delete="CASCADE", index=True)
        self_apply = BooleanField(default=False)
        quota = IntegerField(null=True)
        max_score = FloatField(null=True)
        passing_score = FloatField(null=True)
        next_stage = ForeignKeyField("self", null=True, on_delete="SET NULL")
        promoted_at = DateTimeField(null=True)
        promoted_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "olympiads_olympiad"

    class Registration(Base):
        olympiad = ForeignKeyField(Olympiad, on_delete="CASCADE")
        student = ForeignKeyField(Student, on_delete="CASCADE", index=True)
        school = ForeignKeyField(School, on_delete="CASCADE", index=True)
        grade = SmallIntegerField()
        nominated_by = ForeignKeyField(User, null=True, on_delete="SET NULL", index=True)
        self_applied = BooleanField(default=False)
        consent_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        consent_at = DateTimeField(null=True)
        score = FloatField(null=True)
        result = CharField(max_length=16, default="")
        promoted_from = IntegerField(null=True)
        created_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "olympiads_registration"
            indexes = ((("olympiad", "student"), True),)

    return [Olympiad, Registration]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
