"""The calendar's events and feed tokens."""
import datetime

from peewee import CharField, DateField, DateTimeField, ForeignKeyField, Model, TextField, TimeField


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class School(Base):
        class Meta:
            table_name = "school"

    class ClassGroup(Base):
        class Meta:
            table_name = "class_group"

    class User(Base):
        class Meta:
            table_name = "user_account"

    class Event(Base):
        school = ForeignKeyField(School, on_delete="CASCADE")
        audience = CharField(max_length=16, default="school")
        class_group = ForeignKeyField(ClassGroup, null=True, on_delete="CASCADE")
        kind = CharField(max_length=20, default="event")
        title = CharField(max_length=200)
        description = TextField(default="")
        location = CharField(max_length=200, default="")
        starts_on = DateField()
        ends_on = DateField()
        start_time = TimeField(null=True)
        end_time = TimeField(null=True)
        author = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        updated_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "calendar_event"
            indexes = ((("school", "starts_on", "ends_on"), False),)

    class FeedToken(Base):
        user = ForeignKeyField(User, unique=True, on_delete="CASCADE")
        token_hash = CharField(max_length=64, unique=True)
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        last_used_at = DateTimeField(null=True)

        class Meta:
            table_name = "calendar_feed_token"

    return [Event, FeedToken]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
