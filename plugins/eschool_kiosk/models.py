"""A school's kiosk: six sections (their titles editable), each with pages of text and pictures."""
from __future__ import annotations

import peewee

from eschool.plugin_api import BaseModel, School, User, utcnow


class KioskSection(BaseModel):
    """One of the school's six sections (``position`` 1-6). ``kind`` decides what the kiosk shows besides
    the pages (``timetable``: today's lessons live, ``substitutions``: today's substitutions live,
    ``announcements``: its pages rotate in the slideshow). ``editor_roles`` are the positions (role codes,
    comma-separated) whose holders edit the section's pages; the school administrator chooses them."""

    school = peewee.ForeignKeyField(School, on_delete="CASCADE")
    position = peewee.SmallIntegerField()
    kind = peewee.CharField(max_length=16)
    #: Empty: the kind's own title, translated for whoever reads it.
    title = peewee.CharField(max_length=60, default="")
    editor_roles = peewee.CharField(max_length=400, default="")
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "kiosk_section"
        indexes = ((("school", "position"), True),)

    @property
    def roles(self) -> list[str]:
        return [r for r in self.editor_roles.split(",") if r]


class KioskPage(BaseModel):
    """A page of a section: a title, safe Markdown text, pictures (attachments owned by ``kiosk``)."""

    section = peewee.ForeignKeyField(KioskSection, backref="pages", on_delete="CASCADE")
    title = peewee.CharField(max_length=120)
    body = peewee.TextField(default="")
    position = peewee.IntegerField(default=0)
    published = peewee.BooleanField(default=True)
    slideshow = peewee.BooleanField(default=False)
    updated_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "kiosk_page"
        indexes = ((("section", "position"), False),)
