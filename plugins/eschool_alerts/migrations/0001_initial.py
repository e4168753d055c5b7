"""The alerts' tables: alerts sent, choices, the digest."""
import datetime

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, Model, TextField


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        class Meta:
            table_name = "user_account"

    class Sent(Base):
        key = CharField(max_length=64, unique=True)
        sent_at = DateTimeField(default=datetime.datetime.utcnow, index=True)

        class Meta:
            table_name = "alerts_sent"

    class Choice(Base):
        user = ForeignKeyField(User, unique=True, on_delete="CASCADE")
        digest = BooleanField(default=False)
        as_student = BooleanField(default=False)

        class Meta:
            table_name = "alerts_choice"

    class DigestItem(Base):
        user = ForeignKeyField(User, on_delete="CASCADE")
        kind = CharField(max_length=64)
        context = TextField()
        created_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "alerts_digest_item"
            indexes = ((("user", "created_at"), False),)

    class Digest(Base):
        user = ForeignKeyField(User, unique=True, on_delete="CASCADE")
        due_at = DateTimeField(index=True)

        class Meta:
            table_name = "alerts_digest"

    return [Sent, Choice, DigestItem, Digest]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
