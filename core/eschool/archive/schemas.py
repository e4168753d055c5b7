"""The archive API's shapes."""
from __future__ import annotations

from marshmallow import Schema, fields

from eschool.fields import UtcDateTime


class ArchiveYearSchema(Schema):
    year_id = fields.Integer()
    name = fields.String()
    closed = fields.Boolean()
    classes = fields.Integer()
    states = fields.Dict(keys=fields.String(), values=fields.Integer(),
                         metadata={"description": "classes per state: missing, queued, building, done, failed"})


class ArchiveLineSchema(Schema):
    class_id = fields.Integer()
    class_name = fields.String(data_key="class")
    state = fields.String(metadata={"description": "missing (never asked for), queued, building, done, failed"})
    attempts = fields.Integer()
    error = fields.String()
    requested_at = UtcDateTime(allow_none=True)
    built_at = UtcDateTime(allow_none=True)
    pdf_url = fields.String(allow_none=True)
    pdf_size = fields.Integer()
    xlsx_url = fields.String(allow_none=True)
    xlsx_size = fields.Integer()


class ArchiveBuildInSchema(Schema):
    rebuild = fields.Boolean(load_default=False, metadata={"description": "build the classes already done again"})


class ArchiveQueuedSchema(Schema):
    queued = fields.Integer()
