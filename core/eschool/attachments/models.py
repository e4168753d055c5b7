"""An attachment: a file stored outside the web root under a generated name, owned by a plugin's record."""
from __future__ import annotations

import peewee

from eschool.auth.models import User
from eschool.db import BaseModel, utcnow


class Attachment(BaseModel):
    """``owner`` is the plugin's code (``kiosk``); ``record_id`` the owner's record it belongs to.

    No foreign key into the owner's tables (the core never has one into a plugin's table): the owner
    deletes its attachments when it deletes the record (``attachments.services.delete_for``).
    """

    owner = peewee.CharField(max_length=64)
    record_id = peewee.IntegerField(null=True)
    school_id = peewee.IntegerField(null=True)  # where the owner plugin must be on to serve it
    stored_name = peewee.CharField(max_length=64, unique=True)
    original_name = peewee.CharField(max_length=255)
    content_type = peewee.CharField(max_length=100)
    size = peewee.IntegerField()
    uploaded_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    uploaded_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "attachment"
        indexes = ((("owner", "record_id"), False),)
