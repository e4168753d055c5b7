"""A school's vacancy: drafted, published (open), then closed into the archive."""
from __future__ import annotations

import datetime as dt

import peewee

from eschool.plugin_api import BaseModel, School, User, utcnow


class Vacancy(BaseModel):
    """One job opening at one school.

    ``status`` is ``draft`` (only the school sees it), ``open`` (public until it is closed or
    ``archive_after_days`` pass since ``published_at``) or ``closed`` (archive, with the reason).
    """

    school = peewee.ForeignKeyField(School, backref="vacancies", on_delete="CASCADE")
    title = peewee.CharField(max_length=200)
    subject = peewee.CharField(max_length=100, default="")
    employment = peewee.CharField(max_length=16, default="full_time")
    weekly_hours = peewee.IntegerField(null=True)
    salary_from = peewee.IntegerField(null=True)
    salary_to = peewee.IntegerField(null=True)
    description = peewee.TextField()
    requirements = peewee.TextField(default="")
    contact_name = peewee.CharField(max_length=200, default="")
    contact_phone = peewee.CharField(max_length=32, default="")
    contact_email = peewee.CharField(max_length=254, default="")
    #: Lower-cased title, subject and school name: case-blind search on SQLite too (its LOWER() is ASCII-only).
    search_text = peewee.TextField(default="")
    status = peewee.CharField(max_length=16, default="draft", index=True)
    published_at = peewee.DateTimeField(null=True, index=True)
    closed_at = peewee.DateTimeField(null=True)
    close_reason = peewee.CharField(max_length=16, default="")
    created_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "vacancies_vacancy"

    def expires_at(self, archive_after_days: int) -> dt.datetime | None:
        if self.published_at is None:
            return None
        return self.published_at + dt.timedelta(days=archive_after_days)

    def public_state(self, archive_after_days: int, now: dt.datetime | None = None) -> str:
        """``draft``, ``open``, ``expired`` or ``closed``: what the public sees."""
        if self.status != "open":
            return self.status
        now = now or utcnow()
        return "expired" if self.expires_at(archive_after_days) <= now else "open"
