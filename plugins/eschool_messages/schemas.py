"""The mail's API schemas and its settings."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from eschool.plugin_api import PageQuerySchema, UtcDateTime


class MessagesSettingsSchema(Schema):
    outside_mail = fields.String(
        load_default="none", validate=validate.OneOf(["none", "outgoing"], labels=[_l("No"), _l("Outgoing only")]),
        metadata={"label": _l("Mail to outside e-mail addresses"),
                  "description": _l("Outgoing only: a message may also be sent to an outside address; nothing "
                                    "comes in from outside."), "levels": ("region",)})
    max_attachment_mb = fields.Integer(load_default=10, validate=validate.Range(min=1, max=20),
                                       metadata={"label": _l("Largest attachment, MB")})


class NewConversationSchema(Schema):
    subject = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    recipients = fields.List(fields.Integer(validate=validate.Range(min=1, max=2**31 - 1)),
                             load_default=list, validate=validate.Length(max=1000))
    groups = fields.List(fields.String(validate=validate.Length(max=40)), load_default=list,
                         validate=validate.Length(max=50))
    external = fields.List(fields.Email(), load_default=list, validate=validate.Length(max=10))
    private_replies = fields.Boolean(load_default=None, allow_none=True)


class ReplySchema(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    to_user_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))


class ArchiveSchema(Schema):
    archived = fields.Boolean(required=True)


class FolderQuerySchema(PageQuerySchema):
    folder = fields.String(load_default="inbox", validate=validate.OneOf(["inbox", "archive"]))


class TextQuerySchema(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=100))


class SearchQuerySchema(Schema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=100))


class PersonSchema(Schema):
    id = fields.Integer()
    full_name = fields.String()


class GroupSchema(Schema):
    key = fields.String()
    label = fields.String()


class ConversationRowSchema(Schema):
    id = fields.Function(lambda p: p.conversation.id)
    subject = fields.Function(lambda p: p.conversation.subject)
    started_by = fields.Function(lambda p: p.conversation.created_by.full_name if p.conversation.created_by_id else "")
    participants = fields.Function(lambda p: p.conversation.participant_count)
    broadcast = fields.Function(lambda p: p.conversation.broadcast)
    unread = fields.Integer()
    archived = fields.Boolean()
    last_activity_at = UtcDateTime()


class ConversationPageSchema(Schema):
    items = fields.List(fields.Nested(ConversationRowSchema))
    total = fields.Integer()
    page = fields.Integer()
    size = fields.Integer()


class FileSchema(Schema):
    id = fields.Integer()
    name = fields.String(attribute="original_name")
    size = fields.Integer()
    url = fields.Function(lambda a: f"/api/v1/files/{a.id}")


class MessageSchema(Schema):
    id = fields.Integer()
    author_id = fields.Integer(allow_none=True)
    author = fields.String(attribute="author_name")
    to_user_id = fields.Integer(allow_none=True)
    body = fields.String()
    external = fields.Function(lambda m: [a for a in m.external.split("\n") if a])
    created_at = UtcDateTime()
    files = fields.List(fields.Nested(FileSchema))
    readers = fields.Integer(allow_none=True)
    read_by = fields.Integer(allow_none=True)


class ThreadSchema(Schema):
    id = fields.Function(lambda t: t["conversation"].id)
    subject = fields.Function(lambda t: t["conversation"].subject)
    broadcast = fields.Function(lambda t: t["conversation"].broadcast)
    archived = fields.Function(lambda t: t["me"].archived)
    participants = fields.Function(lambda t: [{"id": p.user_id, "full_name": p.user.full_name}
                                              for p in t["participants"]])
    messages = fields.List(fields.Nested(MessageSchema))


class StartedSchema(Schema):
    id = fields.Integer()
    message_id = fields.Function(lambda c: c.first_message_id if hasattr(c, "first_message_id") else None,
                                 allow_none=True)
    subject = fields.String()
    participants = fields.Integer(attribute="participant_count")
    broadcast = fields.Boolean()


class UnreadSchema(Schema):
    unread = fields.Integer()


class HitSchema(Schema):
    message_id = fields.Integer(attribute="id")
    conversation_id = fields.Integer()
    subject = fields.Function(lambda m: m.conversation.subject)
    excerpt = fields.Function(lambda m: m.body[:200])
    created_at = UtcDateTime()
