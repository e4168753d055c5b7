"""Stored plugin toggles: a municipality or a school switching an allowed plugin on or off."""
from __future__ import annotations

import peewee

from eschool.db import BaseModel, utcnow


class PluginToggle(BaseModel):
    """Overrides the region profile's default for one scope; never deletes plugin data."""

    plugin = peewee.CharField(max_length=64)
    scope_type = peewee.CharField(max_length=16)  # municipality | school
    scope_id = peewee.IntegerField()
    enabled = peewee.BooleanField()
    changed_at = peewee.DateTimeField(default=utcnow)
    changed_by = peewee.CharField(max_length=150, default="")

    class Meta:
        table_name = "plugin_toggle"
        indexes = ((("scope_type", "scope_id", "plugin"), True),)
