"""The mail's work in the worker: notifying the recipients of a new message, outside e-mail."""
from __future__ import annotations

from eschool.plugin_api import Audience, notify, send_to_address
from eschool_messages.models import Conversation, Message, Participant


def notify_new(message_id: int) -> int:
    """Notify everyone who sees the new message (kind ``messages.new``) by their preferences."""
    message = Message.get_or_none(Message.id == message_id)
    if message is None:
        return 0
    conversation = Conversation.get_by_id(message.conversation_id)
    if message.to_user_id:
        ids = [message.to_user_id]
    else:
        ids = [p.user_id for p in Participant.select(Participant.user).where(
            (Participant.conversation == conversation.id) & (Participant.user != message.author_id))]
    if not ids:
        return 0
    author = message.author.full_name if message.author_id else ""
    from flask import url_for

    try:
        link = url_for("messages.conversation", conversation_id=conversation.id)
    except RuntimeError:
        link = f"/messages/{conversation.id}"
    sent = notify(Audience.users(*ids), "messages.new",
                  {"subject": conversation.subject, "author": author, "text": message.body[:1000]},
                  actor=None, link=link, school_id=conversation.school_id)
    return sent["recipients"]


def send_outside(message_id: int) -> int:
    """Send a message to the outside addresses it names (only outgoing: nothing comes back in)."""
    message = Message.get_or_none(Message.id == message_id)
    if message is None or not message.external:
        return 0
    conversation = Conversation.get_by_id(message.conversation_id)
    author = message.author.full_name if message.author_id else ""
    count = 0
    for address in message.external.split("\n"):
        if address:
            send_to_address(address, "messages.outside", {"subject": conversation.subject, "author": author,
                                                          "text": message.body}, school_id=conversation.school_id)
            count += 1
    return count
