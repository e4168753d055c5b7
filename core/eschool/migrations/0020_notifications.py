"""Notifications: the inbox, the deliveries per channel, preferences and quiet hours (issue #12)."""
import datetime as dt

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    SmallIntegerField,
    TextField,
    TimeField,
)


def _now():
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):  # a table of an earlier migration, referenced only
        class Meta:
            table_name = "user_account"

    class Notification(Base):
        user = ForeignKeyField(User, on_delete="CASCADE")
        kind = CharField(max_length=64)
        title = CharField(max_length=300)
        body = TextField(default="")
        link = CharField(max_length=500, default="")
        created_at = DateTimeField(default=_now)
        read_at = DateTimeField(null=True)

        class Meta:
            table_name = "notification"
            indexes = ((("user", "read_at"), False), (("user", "created_at"), False))

    class Delivery(Base):
        notification = ForeignKeyField(Notification, null=True, on_delete="CASCADE")
        user = ForeignKeyField(User, null=True, on_delete="CASCADE")
        address = CharField(max_length=254)
        channel = CharField(max_length=32)
        kind = CharField(max_length=64)
        subject = CharField(max_length=300)
        body = TextField(default="")
        school_id = IntegerField(null=True, index=True)
        municipality_id = IntegerField(null=True)
        status = CharField(max_length=16, default="pending")
        attempts = SmallIntegerField(default=0)
        last_error = TextField(default="")
        next_attempt_at = DateTimeField(default=_now)
        claimed_at = DateTimeField(null=True)
        created_at = DateTimeField(default=_now)
        sent_at = DateTimeField(null=True)

        class Meta:
            table_name = "notification_delivery"
            indexes = ((("status", "next_attempt_at"), False),)

    class NotificationPreference(Base):
        user = ForeignKeyField(User, on_delete="CASCADE")
        kind = CharField(max_length=64)
        channel = CharField(max_length=32)
        enabled = BooleanField()

        class Meta:
            table_name = "notification_preference"
            indexes = ((("user", "kind", "channel"), True),)

    class QuietHours(Base):
        user = ForeignKeyField(User, unique=True, on_delete="CASCADE")
        starts = TimeField()
        ends = TimeField()

        class Meta:
            table_name = "notification_quiet_hours"

    return [Notification, Delivery, NotificationPreference, QuietHours]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
