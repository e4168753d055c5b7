"""An announcement on a school's board."""
from __future__ import annotations

import peewee

from eschool.plugin_api import BaseModel, ClassGroup, School, User, utcnow

#: Whom an announcement addresses: the whole school, a parallel (every class of a grade), one class,
#: the staff only, the parents only.
AUDIENCES = ("school", "parallel", "class", "staff", "parents")


class Announcement(BaseModel):
    """Shown to its audience from ``starts_on`` to ``ends_on`` (local dates, both included)."""

    school = peewee.ForeignKeyField(School, on_delete="CASCADE")
    audience = peewee.CharField(max_length=16, default="school")
    grade = peewee.SmallIntegerField(null=True)  # audience "parallel"
    class_group = peewee.ForeignKeyField(ClassGroup, null=True, on_delete="CASCADE")  # audience "class"
    title = peewee.CharField(max_length=200)
    body = peewee.TextField()  # Markdown, rendered through the core's safe rich text
    pinned = peewee.BooleanField(default=False)
    starts_on = peewee.DateField()
    ends_on = peewee.DateField()
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    notified_at = peewee.DateTimeField(null=True)
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "announcements_announcement"
        indexes = ((("school", "ends_on", "starts_on"), False),)
