"""The in-app inbox, the deliveries to the other channels, and each user's preferences."""
from __future__ import annotations

import peewee

from eschool.auth.models import User
from eschool.db import BaseModel, utcnow


class Notification(BaseModel):
    """One entry of a user's inbox (always written, whatever the other channels do)."""

    user = peewee.ForeignKeyField(User, backref="notifications", on_delete="CASCADE")
    kind = peewee.CharField(max_length=64)
    title = peewee.CharField(max_length=300)
    body = peewee.TextField(default="")
    link = peewee.CharField(max_length=500, default="")
    created_at = peewee.DateTimeField(default=utcnow)
    read_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "notification"
        indexes = ((("user", "read_at"), False), (("user", "created_at"), False))


class Delivery(BaseModel):
    """One message to send through one channel (e-mail, SMS, ...): pending until sent, retried with a
    growing delay, then kept as ``failed`` for an administrator to see and retry; never dropped."""

    notification = peewee.ForeignKeyField(Notification, null=True, on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, null=True, on_delete="CASCADE")  # none: an address (an invitation)
    address = peewee.CharField(max_length=254)
    channel = peewee.CharField(max_length=32)
    kind = peewee.CharField(max_length=64)
    subject = peewee.CharField(max_length=300)
    body = peewee.TextField(default="")
    school_id = peewee.IntegerField(null=True, index=True)  # whose administrator sees it when it fails
    municipality_id = peewee.IntegerField(null=True)
    status = peewee.CharField(max_length=16, default="pending")  # pending | sending | sent | failed
    attempts = peewee.SmallIntegerField(default=0)
    last_error = peewee.TextField(default="")
    next_attempt_at = peewee.DateTimeField(default=utcnow)
    claimed_at = peewee.DateTimeField(null=True)
    created_at = peewee.DateTimeField(default=utcnow)
    sent_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "notification_delivery"
        indexes = ((("status", "next_attempt_at"), False),)


class NotificationPreference(BaseModel):
    """A user's choice for one kind and one channel (no row: the kind's default)."""

    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    kind = peewee.CharField(max_length=64)
    channel = peewee.CharField(max_length=32)
    enabled = peewee.BooleanField()

    class Meta:
        table_name = "notification_preference"
        indexes = ((("user", "kind", "channel"), True),)


class QuietHours(BaseModel):
    """Local times (the region's zone) between which non-urgent e-mail and SMS wait."""

    user = peewee.ForeignKeyField(User, unique=True, on_delete="CASCADE")
    starts = peewee.TimeField()
    ends = peewee.TimeField()

    class Meta:
        table_name = "notification_quiet_hours"
