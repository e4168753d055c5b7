"""The mail's rules: who may be addressed, sending, replying, reading, the archive and search.

Everything here goes through the core's audience resolver (``eschool.plugin_api.reachable``): a person
writes only to those their roles let them address (docs/plugins.md, "Notifications, audiences and
jobs"), so nobody enumerates or writes to people outside their school. A conversation is read only by
its participants; in a broadcast (written to a group) each recipient sees only their own exchange.
"""
from __future__ import annotations

import re

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import JOIN, fn

from eschool.plugin_api import (
    Attachment,
    Audience,
    AudienceError,
    ClassGroup,
    SchoolError,
    TeachingAssignment,
    User,
    addressable,
    attachments,
    audience_query,
    current_year,
    db,
    enqueue,
    reachable,
    school_by_id,
    scope_for_school,
    search,
    settings_for,
    user_assignments,
    utcnow,
)
from eschool_messages.models import Conversation, Message, Participant

CODE = "messages"
#: Roles whose holders see every class of their school among the groups they may write to.
ADMINISTRATION = ("school_admin", "director", "deputy_director", "secretary")
STAFF = ("school_admin", "director", "deputy_director", "class_teacher", "subject_teacher", "secretary",
         "hr_specialist", "medical_worker", "psychologist", "technical_staff")
#: The files a message may carry, and the content type each is served with.
TYPES = {"pdf": "application/pdf", "doc": "application/msword",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "xls": "application/vnd.ms-excel",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "odt": "application/vnd.oasis.opendocument.text", "txt": "text/plain", "rtf": "application/rtf",
         "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "zip": "application/zip"}
MAX_FILES = 5
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WHO_LABELS = {"parents": _l("parents"), "students": _l("students")}


class Refused(SchoolError):
    """A recipient the sender may not address: 403, naming the field."""

    status = 403


# --------------------------------------------------------------------------- settings


def settings(school_id: int | None) -> dict:
    school = school_by_id(school_id) if school_id else None
    if school is None:
        return current_app.extensions["eschool"].plugins.settings.get(CODE) or {}
    return settings_for(CODE, scope_for_school(school))


def outside_mail_allowed(school_id: int | None) -> bool:
    """The region's rule on outside e-mail addresses: ``outgoing`` (Samara: mail may be sent out to an
    outside address, nothing comes in from outside) or ``none``."""
    return settings(school_id).get("outside_mail") == "outgoing"


# --------------------------------------------------------------------------- whom a user may address


def recipients(user, text: str = "", limit: int = 50) -> list[User]:
    """People ``user`` may write to whose name or login contains ``text`` (case-blind), by name: one query
    for the people, filtered and limited in SQL whatever the size of what the user may address."""
    query = User.select(User.id, User.full_name, User.username).where(User.is_active & (User.id != user.id))
    allowed = addressable(user)
    if allowed is not None:
        query = query.where(User.id.in_(audience_query(allowed)))
    needle = (text or "").strip().lower()
    if needle:
        query = query.where(fn.LOWER(User.full_name).contains(needle) | fn.LOWER(User.username).contains(needle))
    return list(query.order_by(User.full_name, User.id).limit(limit))


def groups(user) -> list[dict]:
    """The groups ``user`` may write to at once: ``{"key", "label"}`` (``class:<id>:parents``,
    ``class:<id>:students``, ``staff:<school id>``). Each is cut to the reachable people when sent."""
    out: list[dict] = []
    roles = list(user_assignments(user))
    class_ids: set[int] = set()
    staff_schools: set[int] = set()
    for a in roles:
        if a.school_id and a.role in STAFF:
            staff_schools.add(a.school_id)
        if a.school_id and a.role in ADMINISTRATION:
            school = school_by_id(a.school_id)
            year = current_year(school) if school else None
            if year is not None:
                class_ids |= {c.id for c in ClassGroup.select(ClassGroup.id).where(
                    (ClassGroup.school == a.school_id) & (ClassGroup.academic_year == year.id))}
    class_ids |= {c.id for c in ClassGroup.select(ClassGroup.id).where(ClassGroup.class_teacher == user.id)}
    class_ids |= {t.class_group_id for t in TeachingAssignment.select(TeachingAssignment.class_group)
                  .where(TeachingAssignment.teacher == user.id)}
    for school_id in sorted(staff_schools):
        school = school_by_id(school_id)
        out.append({"key": f"staff:{school_id}", "label": _("Staff of %(school)s", school=school.short_name)})
    if class_ids:
        for group in ClassGroup.select().where(ClassGroup.id.in_(sorted(class_ids))).order_by(
                ClassGroup.grade, ClassGroup.letter, ClassGroup.name):
            for who in ("parents", "students"):
                out.append({"key": f"class:{group.id}:{who}",
                            "label": _("%(class)s: %(who)s", **{"class": group.name, "who": WHO_LABELS[who]})})
    return out


def group_audience(key: str) -> Audience:
    """A group's key as an audience; a key that names nothing raises ``SchoolError`` on ``groups``."""
    parts = str(key).split(":")
    try:
        if parts[0] == "class" and len(parts) == 3 and parts[2] in ("parents", "students"):
            return Audience.of_class(int(parts[1]), parts[2])
        if parts[0] == "staff" and len(parts) == 2:
            return Audience.school(int(parts[1]), "staff")
    except (ValueError, AudienceError):
        pass
    raise SchoolError("groups", _("Unknown group: %(key)s", key=str(key)[:40]))


# --------------------------------------------------------------------------- sending and replying


def _check_text(subject: str | None, body: str) -> tuple[str, str]:
    errors = {}
    body = (body or "").strip()
    if subject is not None:
        subject = subject.strip()
        if not subject:
            errors["subject"] = _("Enter a subject.")
        elif len(subject) > 200:
            errors["subject"] = _("At most %(n)s characters.", n=200)
    if not body:
        errors["body"] = _("Write the message.")
    elif len(body) > 20000:
        errors["body"] = _("At most %(n)s characters.", n=20000)
    if errors:
        field, message = next(iter(errors.items()))
        raise SchoolError(field, message)
    return subject, body


def _check_external(addresses, school_id) -> list[str]:
    found = []
    for raw in addresses or ():
        address = str(raw).strip()
        if not address:
            continue
        if not EMAIL.match(address) or len(address) > 254:
            raise SchoolError("external", _("Not an e-mail address: %(address)s", address=address[:60]))
        found.append(address)
    if found and not outside_mail_allowed(school_id):
        raise SchoolError("external", _("Mail to outside addresses is not allowed in this region."))
    if len(found) > 10:
        raise SchoolError("external", _("At most %(n)s outside addresses.", n=10))
    return sorted(set(found))


def send(sender, school_id: int | None, subject: str, body: str, recipient_ids=(), group_keys=(),
         external=(), files=(), private_replies: bool | None = None, notify: bool = True) -> Conversation:
    """Start a conversation. ``recipient_ids``: people by id (each must be addressable, else
    ``Refused``); ``group_keys``: groups (cut to the reachable people); ``external``: outside e-mail
    addresses (only where the region allows outgoing outside mail). Written to a group, or with
    ``private_replies``, replies go only to the sender. ``notify=False`` (demo data): nobody is notified."""
    subject, body = _check_text(subject, body)
    try:
        wanted = {int(i) for i in recipient_ids or ()}
    except (TypeError, ValueError) as exc:
        raise SchoolError("recipients", _("Choose the recipients from the list.")) from exc
    named = reachable(sender, Audience.users(*wanted)) if wanted else set()
    if wanted - named:
        raise Refused("recipients", _("You cannot write to some of the chosen people."))
    everyone = set(named)
    audiences = [group_audience(k) for k in group_keys or ()]
    for audience in audiences:
        found = reachable(sender, audience)
        if not found:
            raise Refused("groups", _("You cannot write to this group."))
        everyone |= found
    everyone.discard(sender.id)
    outside = _check_external(external, school_id)
    if not everyone and not outside:
        raise SchoolError("recipients", _("Choose at least one recipient."))
    files = [f for f in files or () if f is not None and getattr(f, "filename", "")]
    if len(files) > MAX_FILES:
        raise SchoolError("file", _("At most %(n)s files.", n=MAX_FILES))
    broadcast = bool(audiences) if private_replies is None else bool(private_replies)
    now = utcnow()
    with db.atomic():
        conversation = Conversation.create(subject=subject, school_id=school_id, created_by=sender.id,
                                           broadcast=broadcast and len(everyone) > 1,
                                           participant_count=len(everyone) + 1, created_at=now, last_message_at=now)
        message = Message.create(conversation=conversation, author=sender.id, body=body,
                                 external="\n".join(outside), created_at=now)
        rows = [{"conversation": conversation.id, "user": uid, "unread": 1, "last_activity_at": now}
                for uid in sorted(everyone)]
        rows.append({"conversation": conversation.id, "user": sender.id, "unread": 0, "read_at": now,
                     "last_activity_at": now})
        for start in range(0, len(rows), 500):
            Participant.insert_many(rows[start:start + 500]).execute()
        _attach(message, files, sender, school_id)
        search.index(CODE, message.id, subject, body, school_id=school_id)
    if notify:
        _after_send(message)
    conversation.first_message_id = message.id
    return conversation


def _attach(message: Message, files, user, school_id) -> None:
    limit = settings(school_id).get("max_attachment_mb", 10) * 1024 * 1024
    for storage in files:
        try:
            attachments.save(CODE, storage, record_id=message.id, school_id=school_id, user=user, types=TYPES,
                             max_bytes=limit)
        except attachments.AttachmentError as exc:
            raise SchoolError("file", exc.message) from exc


def _after_send(message: Message) -> None:
    """The fan-out (notifications, outside e-mail) runs in the worker, not in the request."""
    from eschool_messages import jobs

    enqueue(jobs.notify_new, message.id)
    if message.external:
        enqueue(jobs.send_outside, message.id)


def participant(user, conversation_id: int) -> Participant | None:
    return (Participant.select(Participant, Conversation).join(Conversation)
            .where((Participant.conversation == conversation_id) & (Participant.user == user.id)).first())


def reply(user, conversation_id: int, body: str, to_user_id: int | None = None, files=(),
          notify: bool = True) -> Message:
    """Answer in a conversation the user takes part in (else ``LookupError``). In a broadcast a
    recipient's answer goes to the sender only; the sender answers everyone or one person."""
    me = participant(user, conversation_id)
    if me is None:
        raise LookupError(conversation_id)
    conversation = me.conversation
    _, body = _check_text(None, body)
    files = [f for f in files or () if f is not None and getattr(f, "filename", "")]
    if len(files) > MAX_FILES:
        raise SchoolError("file", _("At most %(n)s files.", n=MAX_FILES))
    to = None
    if conversation.broadcast:
        if user.id != conversation.created_by_id:
            to = conversation.created_by_id
            if to is None:
                raise SchoolError("body", _("The sender's account no longer exists."))
        elif to_user_id is not None:
            if not Participant.select().where((Participant.conversation == conversation.id)
                                              & (Participant.user == int(to_user_id))).exists():
                raise SchoolError("to_user_id", _("Not a participant of this conversation."))
            to = int(to_user_id)
    now = utcnow()
    with db.atomic():
        message = Message.create(conversation=conversation.id, author=user.id, to_user=to, body=body, created_at=now)
        others = Participant.conversation == conversation.id
        others &= (Participant.user == to) if to is not None else (Participant.user != user.id)
        Participant.update(unread=Participant.unread + 1, last_activity_at=now, archived=False).where(others).execute()
        Participant.update(last_activity_at=now, read_at=now, unread=0).where(Participant.id == me.id).execute()
        Conversation.update(last_message_at=now).where(Conversation.id == conversation.id).execute()
        _attach(message, files, user, conversation.school_id)
        search.index(CODE, message.id, conversation.subject, body, school_id=conversation.school_id)
    if notify:
        _after_send(message)
    return message


def attach_file(user, message_id: int, storage) -> Attachment:
    """Attach a file to one's own message (the API's way: the letter first, then its files). Another's
    message, or none: ``LookupError``; a bad, too large or sixth file: ``SchoolError`` on ``file``."""
    message = Message.get_or_none(Message.id == message_id)
    if message is None or message.author_id != user.id:
        raise LookupError(message_id)
    if storage is None or not getattr(storage, "filename", ""):
        raise SchoolError("file", _("Choose a file."))
    had = Attachment.select().where((Attachment.owner == CODE) & (Attachment.record_id == message.id)).count()
    if had >= MAX_FILES:
        raise SchoolError("file", _("At most %(n)s files.", n=MAX_FILES))
    conversation = Conversation.get_by_id(message.conversation_id)
    with db.atomic():
        _attach(message, [storage], user, conversation.school_id)
    return (Attachment.select().where((Attachment.owner == CODE) & (Attachment.record_id == message.id))
            .order_by(Attachment.id.desc()).first())


# --------------------------------------------------------------------------- reading


def visible(user, conversation: Conversation):
    """The messages of ``conversation`` that ``user`` (a participant) sees, oldest first."""
    query = Message.select().where(Message.conversation == conversation.id)
    if conversation.broadcast and user.id != conversation.created_by_id:
        query = query.where(Message.to_user.is_null() | (Message.to_user == user.id) | (Message.author == user.id))
    return query.order_by(Message.created_at, Message.id)


def can_see(user, message: Message) -> bool:
    me = participant(user, message.conversation_id)
    if me is None:
        return False
    conversation = me.conversation
    if not conversation.broadcast or user.id == conversation.created_by_id:
        return True
    return message.to_user_id in (None, user.id) or message.author_id == user.id


def thread(user, conversation_id: int) -> dict | None:
    """A conversation as its participant sees it (and marked read): ``None`` for anyone else.

    A fixed number of queries whatever the number of messages, files and participants."""
    me = participant(user, conversation_id)
    if me is None:
        return None
    conversation = me.conversation
    messages = list(visible(user, conversation))
    people = list(Participant.select(Participant, User).join(User)
                  .where(Participant.conversation == conversation.id).order_by(User.full_name))
    names = {p.user_id: p.user.full_name for p in people}
    files: dict[int, list] = {}
    if messages:
        for row in (Attachment.select().where((Attachment.owner == CODE)
                                              & Attachment.record_id.in_([m.id for m in messages]))
                    .order_by(Attachment.id)):
            files.setdefault(row.record_id, []).append(row)
    read_at = {p.user_id: p.read_at for p in people}
    for m in messages:
        m.author_name = names.get(m.author_id) or _("a former user")
        m.to_name = names.get(m.to_user_id, "") if m.to_user_id else ""
        m.files = files.get(m.id, [])
        if m.author_id == user.id:
            readers = [m.to_user_id] if m.to_user_id else (
                [uid for uid in read_at if uid != user.id] if not conversation.broadcast or user.id ==
                conversation.created_by_id else [conversation.created_by_id])
            m.readers = len(readers)
            m.read_by = sum(1 for uid in readers if read_at.get(uid) and read_at[uid] >= m.created_at)
        else:
            m.readers = m.read_by = None
    if me.unread or me.read_at is None or (messages and me.read_at < messages[-1].created_at):
        Participant.update(unread=0, read_at=utcnow()).where(Participant.id == me.id).execute()
    shown = people if (not conversation.broadcast or user.id == conversation.created_by_id) else \
        [p for p in people if p.user_id in (user.id, conversation.created_by_id)]
    return {"conversation": conversation, "messages": messages, "participants": shown, "me": me,
            "is_sender": user.id == conversation.created_by_id}


def folder(user, archived: bool = False):
    """The user's conversations (inbox or archive), newest activity first: one query per page."""
    return (Participant.select(Participant, Conversation, User).join(Conversation)
            .join(User, JOIN.LEFT_OUTER, on=(Conversation.created_by == User.id))
            .where((Participant.user == user.id) & (Participant.archived == archived))
            .order_by(Participant.last_activity_at.desc(), Participant.id.desc()))


def unread_total(user) -> int:
    """How many messages the user has not read, over all their conversations (one query)."""
    return int(Participant.select(fn.COALESCE(fn.SUM(Participant.unread), 0))
               .where((Participant.user == user.id) & (Participant.archived == False)).scalar() or 0)  # noqa: E712


def archive(user, conversation_id: int, archived: bool = True) -> bool:
    return bool(Participant.update(archived=bool(archived)).where(
        (Participant.conversation == conversation_id) & (Participant.user == user.id)).execute())


def find(user, text: str, limit: int = 50) -> list[Message]:
    """Messages the user sees whose words match ``text`` (the core's search), best first."""
    hits = search.query(CODE, text, limit=200)
    if not hits:
        return []
    order = {h.record_id: n for n, h in enumerate(hits)}
    rows = list(Message.select(Message, Conversation).join(Conversation)
                .join(Participant, on=((Participant.conversation == Conversation.id) & (Participant.user == user.id)))
                .where(Message.id.in_(list(order)) & (
                    (Conversation.broadcast == False) | (Conversation.created_by == user.id)  # noqa: E712
                    | Message.to_user.is_null() | (Message.to_user == user.id) | (Message.author == user.id))))
    rows.sort(key=lambda m: order[m.id])
    return rows[:limit]


def names_of(ids) -> dict[int, str]:
    ids = [i for i in ids if i]
    if not ids:
        return {}
    return {u.id: u.full_name for u in User.select(User.id, User.full_name).where(User.id.in_(ids))}
