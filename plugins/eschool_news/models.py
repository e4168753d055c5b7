"""A news item at one of four levels."""
from __future__ import annotations

import peewee

from eschool.plugin_api import BaseModel, ClassGroup, Municipality, School, User, utcnow

LEVELS = ("class", "school", "municipality", "region")
STATUSES = ("draft", "published")


class NewsItem(BaseModel):
    """``level`` says where it belongs: a class (its school and municipality filled in), a school (and
    its municipality), a municipality, or the region (none of them)."""

    level = peewee.CharField(max_length=16)
    municipality = peewee.ForeignKeyField(Municipality, null=True, on_delete="CASCADE")
    school = peewee.ForeignKeyField(School, null=True, on_delete="CASCADE")
    class_group = peewee.ForeignKeyField(ClassGroup, null=True, on_delete="CASCADE")
    title = peewee.CharField(max_length=200)
    body = peewee.TextField()  # Markdown
    picture_id = peewee.IntegerField(null=True)  # an attachment of the plugin "news"
    status = peewee.CharField(max_length=16, default="draft")
    published_at = peewee.DateTimeField(null=True)
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "news_item"
        indexes = ((("status", "level", "published_at"), False),)
