"""The forum's settings, and the JSON the API takes and gives."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from eschool.plugin_api import UtcDateTime, render_markdown
from eschool_forum.models import AUDIENCES, LEVELS
from eschool_forum.services import REACTIONS, TOPIC_ACTIONS

LEVEL_LABELS = {"school": _l("School"), "municipality": _l("Municipality"), "region": _l("Region")}
AUDIENCE_LABELS = {"staff": _l("Staff only"), "all": _l("Staff, students and parents")}
ACTION_LABELS = {"pin": _l("pinned"), "unpin": _l("unpinned"), "lock": _l("closed"), "unlock": _l("reopened"),
                 "move": _l("moved"), "hide": _l("hid a post"), "unhide": _l("showed a post again"),
                 "edit": _l("edited a post"), "dismiss": _l("dismissed a report"), "ban": _l("banned"),
                 "unban": _l("lifted a ban"), "moderators": _l("appointed moderators")}


class ForumSettingsSchema(Schema):
    """``[plugins.forum.settings]`` in the region profile."""

    posts_per_page = fields.Integer(load_default=20, validate=validate.Range(min=5, max=100), metadata={
        "label": _l("Posts on a page of a topic"), "levels": ("region",)})
    topics_per_page = fields.Integer(load_default=30, validate=validate.Range(min=5, max=100), metadata={
        "label": _l("Topics on a page of a board"), "levels": ("region",)})


class BoardInSchema(Schema):
    level = fields.String(load_default="school", validate=validate.OneOf(LEVELS))
    school_id = fields.Integer(load_default=None, allow_none=True)
    municipality_id = fields.Integer(load_default=None, allow_none=True)
    title = fields.String(required=True, validate=validate.Length(min=3, max=200))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    subject = fields.String(load_default="", validate=validate.Length(max=100))
    audience = fields.String(load_default="staff", validate=validate.OneOf(AUDIENCES))
    position = fields.Integer(load_default=100, validate=validate.Range(min=0, max=10000))
    moderators = fields.List(fields.String(validate=validate.Length(max=150)), load_default=None, allow_none=True,
                             validate=validate.Length(max=50), metadata={"description": "logins"})


class BoardPatchSchema(Schema):
    title = fields.String(validate=validate.Length(min=3, max=200))
    description = fields.String(validate=validate.Length(max=2000))
    subject = fields.String(validate=validate.Length(max=100))
    audience = fields.String(validate=validate.OneOf(AUDIENCES))
    position = fields.Integer(validate=validate.Range(min=0, max=10000))
    moderators = fields.List(fields.String(validate=validate.Length(max=150)), allow_none=True,
                             validate=validate.Length(max=50))


class UserBriefSchema(Schema):
    id = fields.Integer()
    login = fields.String(attribute="username")
    name = fields.String(attribute="full_name")


class BoardOutSchema(Schema):
    id = fields.Integer()
    level = fields.String()
    school_id = fields.Integer(allow_none=True)
    municipality_id = fields.Integer(allow_none=True)
    title = fields.String()
    description = fields.String()
    subject = fields.String()
    audience = fields.String()
    position = fields.Integer()
    topic_count = fields.Integer()
    post_count = fields.Integer()
    last_post_at = UtcDateTime(allow_none=True)


class TopicInSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=3, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1, max=20000))


class TopicOutSchema(Schema):
    id = fields.Integer()
    board_id = fields.Integer()
    title = fields.String()
    author = fields.Function(lambda t: UserBriefSchema().dump(t.author) if t.author_id else None, allow_none=True)
    created_at = UtcDateTime()
    pinned = fields.Boolean()
    locked = fields.Boolean()
    post_count = fields.Integer()
    last_post_at = UtcDateTime()
    unread = fields.Boolean(metadata={"description": "posts newer than the caller has read"})


class PostInSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=20000))


class FileOutSchema(Schema):
    id = fields.Integer()
    name = fields.String(attribute="original_name")
    size = fields.Integer()
    content_type = fields.String()
    url = fields.Function(lambda a: f"/api/v1/files/{a.id}")


class PostOutSchema(Schema):
    id = fields.Integer()
    topic_id = fields.Integer()
    number = fields.Integer()
    author = fields.Function(lambda p: UserBriefSchema().dump(p.author) if p.author_id else None, allow_none=True)
    body = fields.String(metadata={"description": "Markdown"})
    html = fields.Function(lambda p: str(render_markdown(p.body)), metadata={"description": "safe HTML"})
    created_at = UtcDateTime()
    edited_at = UtcDateTime(allow_none=True)
    edit_count = fields.Integer()
    hidden = fields.Boolean(metadata={"description": "only moderators ever see hidden posts"})
    hidden_reason = fields.String()
    reactions = fields.Dict(keys=fields.String(), values=fields.Integer())
    my_reactions = fields.Function(lambda p: sorted(getattr(p, "mine", ())))
    files = fields.List(fields.Nested(FileOutSchema))


class RevisionOutSchema(Schema):
    id = fields.Integer()
    body = fields.String()
    edited_at = UtcDateTime()
    edited_by = fields.Function(lambda r: r.edited_by.username if r.edited_by_id else None, allow_none=True)


class ReactionInSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(list(REACTIONS)))


class ReactionOutSchema(Schema):
    kind = fields.String()
    on = fields.Boolean()
    reactions = fields.Dict(keys=fields.String(), values=fields.Integer())


class ReasonInSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class OptionalReasonInSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class ModerateInSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(TOPIC_ACTIONS))
    reason = fields.String(load_default="", validate=validate.Length(max=500))
    board_id = fields.Integer(load_default=None, allow_none=True, metadata={"description": "for move"})


class ResolveInSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(["hide", "dismiss"]))
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class ReportOutSchema(Schema):
    id = fields.Integer()
    post_id = fields.Integer()
    board_id = fields.Integer()
    reason = fields.String()
    created_at = UtcDateTime()
    reporter = fields.Function(lambda r: r.reporter.username if r.reporter_id else None, allow_none=True)
    resolved_at = UtcDateTime(allow_none=True)
    resolution = fields.String()


class BanInSchema(Schema):
    login = fields.String(required=True, validate=validate.Length(min=1, max=150))
    until = fields.Date(required=True, metadata={"description": "the last local day of the ban"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class BanOutSchema(Schema):
    id = fields.Integer()
    board_id = fields.Integer()
    user = fields.Function(lambda b: b.user.username)
    until = UtcDateTime()
    reason = fields.String()
    lifted_at = UtcDateTime(allow_none=True)


class LogOutSchema(Schema):
    id = fields.Integer()
    board_id = fields.Integer()
    topic_id = fields.Integer(allow_none=True)
    post_id = fields.Integer(allow_none=True)
    actor = fields.Function(lambda e: e.actor.username if e.actor_id else None, allow_none=True)
    action = fields.String()
    reason = fields.String()
    details = fields.String()
    created_at = UtcDateTime()


class SubscriptionOutSchema(Schema):
    subscribed = fields.Boolean()


class SearchQuerySchema(Schema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=200))


class SearchHitSchema(Schema):
    post_id = fields.Function(lambda h: h["post"].id)
    topic_id = fields.Function(lambda h: h["topic"].id)
    topic = fields.Function(lambda h: h["topic"].title)
    board_id = fields.Function(lambda h: h["board"].id)
    board = fields.Function(lambda h: h["board"].title)
    excerpt = fields.String()
