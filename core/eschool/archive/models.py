"""One class's archived journal of one year: its two files and how their building went."""
from __future__ import annotations

import peewee

from eschool.auth.models import User
from eschool.db import BaseModel, utcnow
from eschool.school.models import AcademicYear, ClassGroup
from eschool.structure.models import School

#: queued (waiting for the worker, or for a retry), building, done (both files kept), failed (the tries
#: are used up; the error says why; the administrator may build it again).
STATUSES = ("queued", "building", "done", "failed")
FORMATS = ("pdf", "xlsx")


class ArchiveEntry(BaseModel):
    """``job`` is the token of the build that may write here: a newer request gives a new token, and a
    build holding an old one throws its work away. The files live under generated names in
    ``<instance>/uploads/archive`` (``attachments.services.store_bytes``), never in the web root."""

    school = peewee.ForeignKeyField(School, on_delete="CASCADE")
    academic_year = peewee.ForeignKeyField(AcademicYear, on_delete="CASCADE")
    class_group = peewee.ForeignKeyField(ClassGroup, on_delete="CASCADE")
    status = peewee.CharField(max_length=16, default="queued")
    job = peewee.CharField(max_length=32)
    attempts = peewee.SmallIntegerField(default=0)
    error = peewee.CharField(max_length=500, default="")
    pdf_name = peewee.CharField(max_length=64, null=True)
    pdf_size = peewee.IntegerField(default=0)
    xlsx_name = peewee.CharField(max_length=64, null=True)
    xlsx_size = peewee.IntegerField(default=0)
    requested_at = peewee.DateTimeField(default=utcnow)
    requested_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    started_at = peewee.DateTimeField(null=True)
    built_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "archive_entry"
        indexes = ((("class_group",), True), (("academic_year", "status"), False))
