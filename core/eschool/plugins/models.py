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


class PluginSetting(BaseModel):
    """A plugin's settings overridden for one municipality or one school (only the keys set there).

    ``values`` is a JSON object of the plugin schema's serialised values; a key that is absent is
    inherited from the level above (municipality, then the region profile).
    """

    plugin = peewee.CharField(max_length=64)
    scope_type = peewee.CharField(max_length=16)  # municipality | school
    scope_id = peewee.IntegerField()
    values = peewee.TextField(default="{}")
    changed_at = peewee.DateTimeField(default=utcnow)
    changed_by = peewee.CharField(max_length=150, default="")

    class Meta:
        table_name = "plugin_setting"
        indexes = ((("scope_type", "scope_id", "plugin"), True),)
