"""The alerts sent (each record's version once), each user's choices, and the evening digest's items."""
from __future__ import annotations

import peewee

from eschool.plugin_api import BaseModel, User, utcnow


class Sent(BaseModel):
    """An alert sent: ``key`` names the record at one version (``mark:12:3``), claimed once."""

    key = peewee.CharField(max_length=64, unique=True)
    sent_at = peewee.DateTimeField(default=utcnow, index=True)

    class Meta:
        table_name = "alerts_sent"


class Choice(BaseModel):
    """A user's alert choices beyond the core's kinds and channels: the evening digest instead of an
    alert each time, and, for a student, whether they get alerts at all (parents always do)."""

    user = peewee.ForeignKeyField(User, unique=True, on_delete="CASCADE")
    digest = peewee.BooleanField(default=False)
    as_student = peewee.BooleanField(default=False)

    class Meta:
        table_name = "alerts_choice"


class DigestItem(BaseModel):
    """One alert held for a user's digest (the kind and the context it would have been sent with)."""

    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    kind = peewee.CharField(max_length=64)
    context = peewee.TextField()  # JSON
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "alerts_digest_item"
        indexes = ((("user", "created_at"), False),)


class Digest(BaseModel):
    """A user's digest due at ``due_at`` (naive UTC): one row while items wait."""

    user = peewee.ForeignKeyField(User, unique=True, on_delete="CASCADE")
    due_at = peewee.DateTimeField(index=True)

    class Meta:
        table_name = "alerts_digest"
