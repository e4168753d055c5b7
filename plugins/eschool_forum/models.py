"""The forum's tables: boards, topics, posts and their revisions, reactions, moderation and reading state."""
from __future__ import annotations

import peewee

from eschool.plugin_api import BaseModel, Municipality, School, User, utcnow

LEVELS = ("school", "municipality", "region")
AUDIENCES = ("staff", "all")  # "all": a school's staff, its students and their parents


class Board(BaseModel):
    """A board of a school (``school`` set), a municipality (``municipality`` set) or the region (neither).

    ``audience`` is ``staff`` or, for a school's board only, ``all``. The counters and the last post are kept
    by the services so that lists read one row per board.
    """

    level = peewee.CharField(max_length=16, index=True)
    school = peewee.ForeignKeyField(School, null=True, on_delete="CASCADE")
    municipality = peewee.ForeignKeyField(Municipality, null=True, on_delete="CASCADE")
    title = peewee.CharField(max_length=200)
    description = peewee.TextField(default="")
    subject = peewee.CharField(max_length=100, default="")  # a methodical board's subject
    audience = peewee.CharField(max_length=16, default="staff")
    position = peewee.IntegerField(default=100)
    topic_count = peewee.IntegerField(default=0)
    post_count = peewee.IntegerField(default=0)
    last_post_at = peewee.DateTimeField(null=True)
    created_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "forum_board"


class Moderator(BaseModel):
    board = peewee.ForeignKeyField(Board, backref="moderators", on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, on_delete="CASCADE")

    class Meta:
        table_name = "forum_moderator"
        indexes = ((("board", "user"), True),)


class Topic(BaseModel):
    board = peewee.ForeignKeyField(Board, backref="topics", on_delete="CASCADE")
    title = peewee.CharField(max_length=200)
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)
    pinned = peewee.BooleanField(default=False)
    locked = peewee.BooleanField(default=False)
    post_count = peewee.IntegerField(default=0)  # visible posts
    last_number = peewee.IntegerField(default=0)  # the number of the newest post (hidden ones included)
    last_post_at = peewee.DateTimeField(default=utcnow)
    last_author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "forum_topic"
        indexes = ((("board", "pinned", "last_post_at"), False),)


class Post(BaseModel):
    topic = peewee.ForeignKeyField(Topic, backref="posts", on_delete="CASCADE")
    number = peewee.IntegerField()  # 1, 2, ... within the topic
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    body = peewee.TextField()
    created_at = peewee.DateTimeField(default=utcnow)
    edited_at = peewee.DateTimeField(null=True)
    edit_count = peewee.IntegerField(default=0)
    hidden = peewee.BooleanField(default=False)
    hidden_reason = peewee.CharField(max_length=500, default="")
    hidden_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "forum_post"
        indexes = ((("topic", "number"), True),)


class Revision(BaseModel):
    """A post's text as it was before an edit."""

    post = peewee.ForeignKeyField(Post, backref="revisions", on_delete="CASCADE")
    body = peewee.TextField()
    edited_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    edited_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "forum_revision"


class Reaction(BaseModel):
    post = peewee.ForeignKeyField(Post, on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    kind = peewee.CharField(max_length=16)

    class Meta:
        table_name = "forum_reaction"
        indexes = ((("post", "user", "kind"), True),)


class Report(BaseModel):
    post = peewee.ForeignKeyField(Post, on_delete="CASCADE")
    board = peewee.ForeignKeyField(Board, on_delete="CASCADE")
    reporter = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    reason = peewee.CharField(max_length=500)
    created_at = peewee.DateTimeField(default=utcnow)
    resolved_at = peewee.DateTimeField(null=True, index=True)
    resolved_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    resolution = peewee.CharField(max_length=16, default="")  # hidden, dismissed

    class Meta:
        table_name = "forum_report"


class Ban(BaseModel):
    board = peewee.ForeignKeyField(Board, on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    until = peewee.DateTimeField()
    reason = peewee.CharField(max_length=500, default="")
    banned_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utcnow)
    lifted_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "forum_ban"
        indexes = ((("board", "user"), False),)


class LogEntry(BaseModel):
    """One moderation action: who did what to which board, topic or post, and why."""

    board = peewee.ForeignKeyField(Board, on_delete="CASCADE")
    topic_id = peewee.IntegerField(null=True)
    post_id = peewee.IntegerField(null=True)
    actor = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    action = peewee.CharField(max_length=32)
    reason = peewee.CharField(max_length=500, default="")
    details = peewee.CharField(max_length=500, default="")
    created_at = peewee.DateTimeField(default=utcnow, index=True)

    class Meta:
        table_name = "forum_log"


class Subscription(BaseModel):
    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    board = peewee.ForeignKeyField(Board, null=True, on_delete="CASCADE")
    topic = peewee.ForeignKeyField(Topic, null=True, on_delete="CASCADE")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "forum_subscription"
        indexes = ((("user", "board", "topic"), True), (("topic",), False), (("board",), False))


class ReadMark(BaseModel):
    """How far a user has read a topic: the number of the last post they were shown."""

    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    topic = peewee.ForeignKeyField(Topic, on_delete="CASCADE")
    last_number = peewee.IntegerField(default=0)

    class Meta:
        table_name = "forum_read"
        indexes = ((("user", "topic"), True),)


MODELS = [Board, Moderator, Topic, Post, Revision, Reaction, Report, Ban, LogEntry, Subscription, ReadMark]
