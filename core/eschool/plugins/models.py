"""Stored plugin toggles: a municipality or a school switching an allowed plugin on or off."""
from __future__ import annotations

import peewee

from eschool.db import BaseModel, utcnow


class PluginToggle(BaseModel):
    """Overrides the region profile's default for one scope; never deletes plugin data.

    ``enforced``: the levels below cannot change it (a municipality's enforced toggle wins over its schools'
    toggles; a region's, stored with ``scope_type = "region"`` and ``scope_id = 0``, over every municipality's
    and school's). The toggles below are kept and count again once the enforcement is lifted.
    """

    plugin = peewee.CharField(max_length=64)
    scope_type = peewee.CharField(max_length=16)  # region | municipality | school
    scope_id = peewee.IntegerField()  # 0 for the region
    enabled = peewee.BooleanField()
    enforced = peewee.BooleanField(default=False)
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
