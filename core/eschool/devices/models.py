"""A device token: issued by a school administrator for one school and one plugin, stored hashed."""
from __future__ import annotations

import peewee

from eschool.auth.models import User
from eschool.db import BaseModel, utcnow
from eschool.structure.models import School


class DeviceToken(BaseModel):
    school = peewee.ForeignKeyField(School, on_delete="CASCADE")
    purpose = peewee.CharField(max_length=64)  # the plugin's code; the device holds only '<purpose>.display'
    name = peewee.CharField(max_length=100)
    token_hash = peewee.CharField(max_length=64, unique=True)
    link_hash = peewee.CharField(max_length=64, null=True, unique=True)  # the one-time login link, until used
    created_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)
    last_used_at = peewee.DateTimeField(null=True)
    revoked_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "device_token"
