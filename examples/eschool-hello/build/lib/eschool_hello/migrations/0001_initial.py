"""The greetings table. Migrations freeze the models as they were: never import eschool_hello.models here."""
import datetime

from peewee import CharField, DateTimeField, ForeignKeyField, Model


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class School(Base):  # the core's table, only referenced
        class Meta:
            table_name = "school"

    class Greeting(Base):
        school = ForeignKeyField(School, on_delete="CASCADE")
        text = CharField(max_length=200)
        author = CharField(max_length=300, default="")
        created_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "hello_greeting"

    return [Greeting]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(_models(db))
