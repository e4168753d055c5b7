"""What the OneRoster exchange keeps: the sourcedId of each object a file named."""
from __future__ import annotations

import peewee

from eschool.plugin_api import BaseModel, School


class OneRosterLink(BaseModel):
    """The OneRoster ``sourcedId`` an object of the school came with (or left with), so that
    importing the same files again finds it instead of making it twice.

    ``kind`` is ``school``, ``year``, ``class``, ``user`` (an account) or ``student`` (a student's card).
    """

    school = peewee.ForeignKeyField(School, on_delete="CASCADE")
    kind = peewee.CharField(max_length=16)
    sourced_id = peewee.CharField(max_length=255)
    object_id = peewee.IntegerField()

    class Meta:
        table_name = "oneroster_link"
        indexes = ((("school", "kind", "sourced_id"), True), (("school", "kind", "object_id"), False))
