"""Input and output of the notifications' API."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    link = fields.String()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class InboxQuerySchema(Schema):
    unread = fields.Boolean(load_default=False, metadata={"description": "only the unread entries"})


class MarkReadSchema(Schema):
    ids = fields.List(fields.Integer(), load_default=None,
                      metadata={"description": "the entries to mark read; leave out to mark all"})


class CountSchema(Schema):
    unread = fields.Integer()
    changed = fields.Integer()


class DeliverySchema(Schema):
    id = fields.Integer()
    channel = fields.String()
    kind = fields.String()
    address = fields.String()
    subject = fields.String()
    status = fields.String(metadata={"description": "pending | sending | sent | failed"})
    attempts = fields.Integer()
    last_error = fields.String()
    next_attempt_at = fields.DateTime()
    created_at = fields.DateTime()
    school_id = fields.Integer(allow_none=True)


class DeliveryQuerySchema(Schema):
    status = fields.String(load_default="failed", validate=validate.OneOf(("pending", "sending", "sent", "failed")))


class RetrySchema(Schema):
    ids = fields.List(fields.Integer(), required=True, validate=validate.Length(min=1))
