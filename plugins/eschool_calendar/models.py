"""Events of a school's calendar and the private feed tokens."""
from __future__ import annotations

import peewee

from eschool.plugin_api import BaseModel, ClassGroup, School, User, utcnow

KINDS = ("meeting", "holiday", "exam", "olympiad", "parents_meeting", "event")
AUDIENCES = ("school", "class", "staff")


class Event(BaseModel):
    """One event from ``starts_on`` to ``ends_on`` (local dates); with ``start_time`` it is timed (local
    times in the region's zone), without it an all-day event."""

    school = peewee.ForeignKeyField(School, on_delete="CASCADE")
    audience = peewee.CharField(max_length=16, default="school")
    class_group = peewee.ForeignKeyField(ClassGroup, null=True, on_delete="CASCADE")
    kind = peewee.CharField(max_length=20, default="event")
    title = peewee.CharField(max_length=200)
    description = peewee.TextField(default="")
    location = peewee.CharField(max_length=200, default="")
    starts_on = peewee.DateField()
    ends_on = peewee.DateField()
    start_time = peewee.TimeField(null=True)
    end_time = peewee.TimeField(null=True)
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "calendar_event"
        indexes = ((("school", "starts_on", "ends_on"), False),)


class FeedToken(BaseModel):
    """A user's private feed address: only the SHA-256 of the token is kept; revoking deletes the row."""

    user = peewee.ForeignKeyField(User, unique=True, on_delete="CASCADE")
    token_hash = peewee.CharField(max_length=64, unique=True)
    created_at = peewee.DateTimeField(default=utcnow)
    last_used_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "calendar_feed_token"
