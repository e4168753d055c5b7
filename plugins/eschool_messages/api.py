"""Mail over ``/api/v1/messages`` (bearer tokens): conversations, replies, the archive, recipients, search."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from eschool.plugin_api import (
    API_PREFIX,
    ApiError,
    SchoolError,
    doc,
    dump,
    load_json,
    load_query,
    paginate,
    require,
)
from eschool_messages import services
from eschool_messages.schemas import (
    ArchiveSchema,
    ConversationPageSchema,
    ConversationRowSchema,
    FileSchema,
    FolderQuerySchema,
    GroupSchema,
    HitSchema,
    MessageSchema,
    NewConversationSchema,
    PersonSchema,
    ReplySchema,
    SearchQuerySchema,
    StartedSchema,
    TextQuerySchema,
    ThreadSchema,
    UnreadSchema,
)

bp = Blueprint("messages_api", __name__, url_prefix=f"{API_PREFIX}/messages")
USE = "messages.use"
TAGS = ["messages"]


def _refused(exc: SchoolError) -> ApiError:
    fields = {exc.field: [str(exc.message)]} if exc.field else {}
    if getattr(exc, "status", None) == 403:
        return ApiError(403, "forbidden", str(exc.message), fields=fields)
    return ApiError(400, "invalid", str(exc.message), fields=fields)


def _not_found():
    return ApiError(404, "not_found", _("Not found."))


@bp.get("/conversations")
@require(USE)
@doc(summary="My conversations (inbox or archive), newest activity first", query=FolderQuerySchema,
     response=ConversationPageSchema, tags=TAGS)
def conversations():
    args = load_query(FolderQuerySchema())
    return jsonify(paginate(services.folder(current_user, archived=args["folder"] == "archive"),
                            ConversationRowSchema()))


@bp.post("/conversations")
@require(USE)
@doc(summary="Write a message to people and groups I may address", request=NewConversationSchema,
     response=StartedSchema, status=201, tags=TAGS)
def start():
    data = load_json(NewConversationSchema())
    try:
        conversation = services.send(current_user, g.scope.school_id, data["subject"], data["body"],
                                     data["recipients"], data["groups"], data["external"],
                                     private_replies=data["private_replies"])
    except SchoolError as exc:
        raise _refused(exc) from exc
    return jsonify(dump(StartedSchema(), conversation)), 201


@bp.get("/conversations/<int:conversation_id>")
@require(USE)
@doc(summary="A conversation with the messages I see (marks it read)", response=ThreadSchema, tags=TAGS)
def conversation(conversation_id):
    found = services.thread(current_user, conversation_id)
    if found is None:
        raise _not_found()
    return jsonify(dump(ThreadSchema(), found))


@bp.post("/conversations/<int:conversation_id>/messages")
@require(USE)
@doc(summary="Answer in a conversation", request=ReplySchema, response=MessageSchema, status=201, tags=TAGS)
def answer(conversation_id):
    data = load_json(ReplySchema())
    try:
        message = services.reply(current_user, conversation_id, data["body"], data["to_user_id"])
    except LookupError as exc:
        raise _not_found() from exc
    except SchoolError as exc:
        raise _refused(exc) from exc
    message.author_name, message.files, message.readers, message.read_by = current_user.full_name, [], None, None
    return jsonify(dump(MessageSchema(), message)), 201


@bp.post("/messages/<int:message_id>/files")
@require(USE)
@doc(summary="Attach a file to my own message (multipart/form-data, field 'file'; at most 5, size and type "
             "limited)", response=FileSchema, status=201, tags=TAGS)
def attach(message_id):
    try:
        row = services.attach_file(current_user, message_id, request.files.get("file"))
    except LookupError as exc:
        raise _not_found() from exc
    except SchoolError as exc:
        raise _refused(exc) from exc
    return jsonify(dump(FileSchema(), row)), 201


@bp.put("/conversations/<int:conversation_id>/archive")
@require(USE)
@doc(summary="Move a conversation to the archive or back", request=ArchiveSchema, response=UnreadSchema, tags=TAGS)
def archive(conversation_id):
    data = load_json(ArchiveSchema())
    if not services.archive(current_user, conversation_id, data["archived"]):
        raise _not_found()
    return jsonify({"unread": services.unread_total(current_user)})


@bp.get("/unread")
@require(USE)
@doc(summary="How many messages I have not read", response=UnreadSchema, tags=TAGS)
def unread():
    return jsonify({"unread": services.unread_total(current_user)})


@bp.get("/recipients")
@require(USE)
@doc(summary="People I may write to (by name)", query=TextQuerySchema, response=PersonSchema, many=True, tags=TAGS)
def recipients():
    args = load_query(TextQuerySchema())
    return jsonify(dump(PersonSchema(), services.recipients(current_user, args["q"]), many=True))


@bp.get("/groups")
@require(USE)
@doc(summary="Groups I may write to at once", response=GroupSchema, many=True, tags=TAGS)
def groups():
    return jsonify(dump(GroupSchema(), services.groups(current_user), many=True))


@bp.get("/search")
@require(USE)
@doc(summary="Search my own mail", query=SearchQuerySchema, response=HitSchema, many=True, tags=TAGS)
def find():
    args = load_query(SearchQuerySchema())
    return jsonify(dump(HitSchema(), services.find(current_user, args["q"]), many=True))
