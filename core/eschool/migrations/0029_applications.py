"""Enrolment applications (issue 17): the public form's applications and their history."""
import datetime as dt

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    Model,
    SmallIntegerField,
    TextField,
)


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class School(Base):  # tables of earlier migrations, referenced only
        class Meta:
            table_name = "school"

    class Student(Base):
        class Meta:
            table_name = "student"

    class User(Base):
        class Meta:
            table_name = "user_account"

    class Application(Base):
        school = ForeignKeyField(School, on_delete="CASCADE")
        kind = CharField(max_length=16)
        grade = SmallIntegerField(default=1)
        campaign = SmallIntegerField()
        child_last_name = CharField(max_length=100)
        child_first_name = CharField(max_length=100)
        child_middle_name = CharField(max_length=100, default="")
        child_birth_date = DateField()
        child_gender = CharField(max_length=1)
        child_document = CharField(max_length=40, default="")
        child_key = CharField(max_length=250)
        applicant_name = CharField(max_length=300)
        applicant_email = CharField(max_length=254)
        applicant_phone = CharField(max_length=32, default="")
        relation = CharField(max_length=16, default="mother")
        street = CharField(max_length=200)
        house = CharField(max_length=40)
        flat = CharField(max_length=20, default="")
        in_catchment = BooleanField(default=False)
        claimed_priority = CharField(max_length=16, default="general")
        priority_documents = TextField(default="")
        priority_group = SmallIntegerField(default=4)
        consent = BooleanField(default=False)
        status = CharField(max_length=20, default="received")
        reason = TextField(default="")
        submitted_at = DateTimeField(default=dt.datetime.utcnow)
        follow_hash = CharField(max_length=64, unique=True)
        student = ForeignKeyField(Student, null=True, on_delete="SET NULL")

        class Meta:
            table_name = "application"
            indexes = ((("school", "kind", "campaign", "child_key"), True), (("school", "status"), False))

    class ApplicationEvent(Base):
        application = ForeignKeyField(Application, on_delete="CASCADE")
        status = CharField(max_length=20)
        note = TextField(default="")
        actor = ForeignKeyField(User, null=True, on_delete="SET NULL")
        at = DateTimeField(default=dt.datetime.utcnow)
        mailed_at = DateTimeField(null=True)
        mail_error = CharField(max_length=300, default="")

        class Meta:
            table_name = "application_event"

    return [Application, ApplicationEvent]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
