"""Conversations, their participants (read marks, unread counters, archive) and messages."""
from __future__ import annotations

import peewee

from eschool.plugin_api import BaseModel, User, utcnow


class Conversation(BaseModel):
    """A thread. ``broadcast``: written to a group; each recipient sees the sender's messages to all and
    their own exchange with the sender, never the other recipients' replies."""

    subject = peewee.CharField(max_length=200)
    school_id = peewee.IntegerField(null=True, index=True)  # where it was written (None: an operator's)
    created_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    broadcast = peewee.BooleanField(default=False)
    participant_count = peewee.IntegerField(default=0)
    created_at = peewee.DateTimeField(default=utcnow)
    last_message_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "messages_conversation"


class Participant(BaseModel):
    """One person in a conversation: their unread counter, when they last read it, their archive."""

    conversation = peewee.ForeignKeyField(Conversation, backref="participants", on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    unread = peewee.IntegerField(default=0)
    read_at = peewee.DateTimeField(null=True)
    archived = peewee.BooleanField(default=False)
    last_activity_at = peewee.DateTimeField(default=utcnow)  # the newest message this person sees

    class Meta:
        table_name = "messages_participant"
        indexes = ((("conversation", "user"), True), (("user", "archived", "last_activity_at"), False))


class Message(BaseModel):
    """One message. ``to_user`` set: only the author and that person see it (a broadcast's private
    exchange); empty: every participant sees it."""

    conversation = peewee.ForeignKeyField(Conversation, backref="messages", on_delete="CASCADE")
    author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    to_user = peewee.ForeignKeyField(User, null=True, on_delete="CASCADE", backref="+")
    body = peewee.TextField()
    external = peewee.TextField(default="")  # outside e-mail addresses it was also sent to, one a line
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "messages_message"
        indexes = ((("conversation", "created_at"), False),)
