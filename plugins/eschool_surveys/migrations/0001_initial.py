"""The surveys' tables: questionnaires, sections, questions, invitees, responses, answers, participation."""
import datetime
import secrets

from peewee import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    SmallIntegerField,
    TextField,
)


def random_id():
    return secrets.randbits(62) + 1


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

    class Survey(Base):
        """A questionnaire run by a school, a municipality (``school`` empty) or the region (both empty)."""

        school = ForeignKeyField(School, null=True, on_delete="CASCADE", index=True)
        municipality = ForeignKeyField(Municipality, null=True, on_delete="CASCADE", index=True)
        title = CharField(max_length=200)
        description = TextField(default="")
        anonymous = BooleanField(default=True)
        per_child = BooleanField(default=False)  # parents answer once for each child
        audience = TextField(default="[]")  # JSON: the chosen audience items
        opens_on = DateField(null=True)
        closes_on = DateField(null=True)
        published = BooleanField(default=False)
        closed = BooleanField(default=False)  # closed early by hand
        reminders = BooleanField(default=True)
        last_reminded_on = DateField(null=True)
        invited_count = IntegerField(default=0)
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "surveys_survey"

    class Section(Base):
        survey = ForeignKeyField(Survey, backref="sections", on_delete="CASCADE")
        position = IntegerField(default=0)
        title = CharField(max_length=200)
        description = TextField(default="")

        class Meta:
            table_name = "surveys_section"

    class Question(Base):
        survey = ForeignKeyField(Survey, backref="questions", on_delete="CASCADE")
        section = ForeignKeyField(Section, null=True, backref="questions", on_delete="SET NULL")
        position = IntegerField(default=0)
        kind = CharField(max_length=16)
        text = CharField(max_length=500)
        required = BooleanField(default=True)
        options = TextField(default="[]")  # JSON list: choices, or a matrix's columns
        rows = TextField(default="[]")  # JSON list: a matrix's rows

        class Meta:
            table_name = "surveys_question"

    class Invitee(Base):
        """Someone the audience named when it was last resolved (response rate, reminders, "my surveys")."""

        survey = ForeignKeyField(Survey, on_delete="CASCADE")
        user = ForeignKeyField(User, on_delete="CASCADE", index=True)

        class Meta:
            table_name = "surveys_invitee"
            indexes = ((("survey", "user"), True),)

    class Response(Base):
        """One filled questionnaire: the group it came from, nothing about who or when."""

        id = BigIntegerField(primary_key=True, default=random_id)
        survey = ForeignKeyField(Survey, on_delete="CASCADE", index=True)
        school_id = IntegerField(null=True, index=True)
        class_id = IntegerField(null=True)

        class Meta:
            table_name = "surveys_response"

    class Answer(Base):
        """One answer to one question (a choice, a scale value, a matrix cell or a text)."""

        id = BigIntegerField(primary_key=True, default=random_id)
        response = ForeignKeyField(Response, on_delete="CASCADE", index=True)
        question = ForeignKeyField(Question, on_delete="CASCADE", index=True)
        row = SmallIntegerField(null=True)  # a matrix's row
        choice = SmallIntegerField(null=True)  # an option's index, or a scale's value
        text = TextField(null=True)
        school_id = IntegerField(null=True)

        class Meta:
            table_name = "surveys_answer"
            indexes = ((("question", "choice", "row"), False), (("question", "school_id", "choice"), False))

    class Participation(Base):
        """Who took part (and for which child). Only a named survey's participation names its response."""

        survey = ForeignKeyField(Survey, on_delete="CASCADE")
        user = ForeignKeyField(User, on_delete="CASCADE", index=True)
        child = IntegerField(default=0)  # the child's student id when parents answer per child, else 0
        response = ForeignKeyField(Response, null=True, on_delete="SET NULL")  # named surveys only
        submitted_at = DateTimeField(null=True)  # named surveys only

        class Meta:
            table_name = "surveys_participation"
            indexes = ((("survey", "user", "child"), True),)

    return [Survey, Section, Question, Invitee, Response, Answer, Participation]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
