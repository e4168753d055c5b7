"""What is searchable: one row per owner's record, with the scope it is visible in.

The full-text index itself lives beside it, per database: ``search_fts`` (an FTS5 table on SQLite,
rowid = the entry's id) or ``search_document`` (a ``tsvector`` with a GIN index on PostgreSQL). Both
are created by the core's migration ``0023_search`` and kept in step by ``search.services``.
"""
from __future__ import annotations

import peewee

from eschool.db import BaseModel, utcnow


class SearchEntry(BaseModel):
    owner = peewee.CharField(max_length=64)  # the plugin's code
    record_id = peewee.IntegerField()
    school_id = peewee.IntegerField(null=True)  # none: municipality- or region-wide
    municipality_id = peewee.IntegerField(null=True)  # none (and no school): region-wide
    title = peewee.CharField(max_length=500)
    body = peewee.TextField(default="")
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "search_entry"
        indexes = ((("owner", "record_id"), True), (("owner", "school_id"), False))
