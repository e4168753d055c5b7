"""The forum over ``/api/v1/forum``: boards, topics, posts, reactions, subscriptions, moderation, search.

Every endpoint is open only to what the caller reads: a board, topic or post of a board they do not read
answers 404, exactly as a missing one does.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from eschool.plugin_api import API_PREFIX, ApiError, PageQuerySchema, doc, load_json, load_query, require
from eschool_forum import services
from eschool_forum.models import Ban
from eschool_forum.schemas import (
    BanInSchema,
    BanOutSchema,
    BoardInSchema,
    BoardOutSchema,
    BoardPatchSchema,
    LogOutSchema,
    ModerateInSchema,
    OptionalReasonInSchema,
    PostInSchema,
    PostOutSchema,
    ReactionInSchema,
    ReactionOutSchema,
    ReasonInSchema,
    ReportOutSchema,
    ResolveInSchema,
    RevisionOutSchema,
    SearchHitSchema,
    SearchQuerySchema,
    SubscriptionOutSchema,
    TopicInSchema,
    TopicOutSchema,
)
from eschool_forum.services import ForumError

bp = Blueprint("forum_api", __name__, url_prefix=f"{API_PREFIX}/forum")
READ, POST = "forum.read", "forum.post"
TAGS = ["forum"]


def _not_found():
    return ApiError(404, "not_found", _("Not found."))


def _error(exc: ForumError):
    if exc.status == 403:
        return ApiError(403, "forbidden", str(exc.message))
    if exc.status == 409:
        return ApiError(409, "conflict", str(exc.message))
    fields = getattr(exc, "fields", None) or {exc.field or "body": exc.message}
    return ApiError(400, "invalid", _("Some fields are not valid."), fields={k: [str(v)] for k, v in fields.items()})


def _board(board_id):
    board = services.get_board(current_user, board_id)
    if board is None:
        raise _not_found()
    return board


def _topic(topic_id):
    topic = services.get_topic(current_user, topic_id)
    if topic is None:
        raise _not_found()
    return topic


def _post(post_id):
    post = services.get_post(current_user, post_id)
    if post is None:
        raise _not_found()
    return post


def _page(result, schema):
    return {"items": schema.dump(result["items"], many=True), "total": result["total"], "page": result["page"],
            "size": result["size"]}


def _post_out(post):
    services.decorate(current_user, [post])
    return PostOutSchema().dump(post)


# --------------------------------------------------------------------------- boards


@bp.get("/boards")
@require(READ)
@doc(summary="The boards the caller reads (school, municipality, region)", response=BoardOutSchema, many=True,
     tags=TAGS)
def boards():
    return jsonify(BoardOutSchema(many=True).dump(services.readable_boards(current_user)))


@bp.post("/boards")
@require(READ)
@doc(summary="Create a board where the caller manages boards (forum.manage there)", request=BoardInSchema,
     response=BoardOutSchema, status=201, tags=TAGS)
def create_board():
    data = load_json(BoardInSchema())
    try:
        board = services.create_board(current_user, data)
    except ForumError as exc:
        raise _error(exc) from exc
    return jsonify(BoardOutSchema().dump(board)), 201


@bp.get("/boards/<int:board_id>")
@require(READ)
@doc(summary="One board", response=BoardOutSchema, tags=TAGS)
def board(board_id):
    return jsonify(BoardOutSchema().dump(_board(board_id)))


@bp.patch("/boards/<int:board_id>")
@require(READ)
@doc(summary="Change a board (its managers); moderators: the full list of logins", request=BoardPatchSchema,
     response=BoardOutSchema, tags=TAGS)
def update_board(board_id):
    board = _board(board_id)
    data = load_json(BoardPatchSchema(), partial=True)
    try:
        services.update_board(current_user, board, data)
    except ForumError as exc:
        raise _error(exc) from exc
    return jsonify(BoardOutSchema().dump(board))


@bp.get("/boards/<int:board_id>/topics")
@require(READ)
@doc(summary="A board's topics, pinned first, then by the newest post",
     response=TopicOutSchema, paginated=True, tags=TAGS)
def topics(board_id):
    board = _board(board_id)
    args = load_query(PageQuerySchema())
    result = services.topics_page(current_user, board, args.get("page") or 1, min(args.get("size") or 30, 100))
    return jsonify(_page(result, TopicOutSchema()))


@bp.post("/boards/<int:board_id>/topics")
@require(POST)
@doc(summary="Open a topic with its first post", request=TopicInSchema, response=TopicOutSchema, status=201,
     tags=TAGS)
def create_topic(board_id):
    board = _board(board_id)
    data = load_json(TopicInSchema())
    try:
        topic = services.create_topic(current_user, board, data["title"], data["body"])
    except ForumError as exc:
        raise _error(exc) from exc
    topic.unread = False
    return jsonify(TopicOutSchema().dump(topic)), 201


def _subscription(board=None, topic=None):
    if request.method == "GET":
        on = services.subscribed(current_user, board=board, topic=topic)
    else:
        try:
            on = services.subscribe(current_user, request.method == "PUT", board=board, topic=topic)
        except ForumError as exc:
            raise _error(exc) from exc
    return jsonify({"subscribed": on})


@bp.route("/boards/<int:board_id>/subscription", methods=["GET", "PUT", "DELETE"])
@require(READ)
@doc(summary="Follow a board's new topics (PUT), stop (DELETE), or ask (GET)", response=SubscriptionOutSchema,
     tags=TAGS)
def board_subscription(board_id):
    return _subscription(board=_board(board_id))


# --------------------------------------------------------------------------- topics and posts


@bp.get("/topics/<int:topic_id>")
@require(READ)
@doc(summary="One topic", response=TopicOutSchema, tags=TAGS)
def topic(topic_id):
    topic = _topic(topic_id)
    mark = services.ReadMark.get_or_none((services.ReadMark.user == current_user.id)
                                         & (services.ReadMark.topic == topic.id))
    topic.unread = topic.last_number > (mark.last_number if mark else 0)
    return jsonify(TopicOutSchema().dump(topic))


@bp.get("/topics/<int:topic_id>/posts")
@require(READ)
@doc(summary="A page of a topic's posts (hidden ones only for moderators); marks them read",
      response=PostOutSchema, paginated=True, tags=TAGS)
def posts(topic_id):
    topic = _topic(topic_id)
    args = load_query(PageQuerySchema())
    result = services.posts_page(current_user, topic, args.get("page") or 1, min(args.get("size") or 20, 100))
    return jsonify(_page(result, PostOutSchema()))


@bp.post("/topics/<int:topic_id>/posts")
@require(POST)
@doc(summary="Reply in a topic (Markdown; @login notifies that person)", request=PostInSchema,
     response=PostOutSchema, status=201, tags=TAGS)
def reply(topic_id):
    topic = _topic(topic_id)
    data = load_json(PostInSchema())
    try:
        post = services.add_post(current_user, topic, data["body"])
    except ForumError as exc:
        raise _error(exc) from exc
    return jsonify(_post_out(post)), 201


@bp.route("/topics/<int:topic_id>/subscription", methods=["GET", "PUT", "DELETE"])
@require(READ)
@doc(summary="Follow a topic's new posts (PUT), stop (DELETE), or ask (GET)", response=SubscriptionOutSchema,
     tags=TAGS)
def topic_subscription(topic_id):
    return _subscription(topic=_topic(topic_id))


@bp.post("/topics/<int:topic_id>/moderate")
@require(READ)
@doc(summary="Pin, unpin, lock, unlock or move a topic (its board's moderators)", request=ModerateInSchema,
     response=TopicOutSchema, tags=TAGS)
def moderate(topic_id):
    topic = _topic(topic_id)
    data = load_json(ModerateInSchema())
    try:
        services.moderate_topic(current_user, topic, data["action"], data["reason"], data["board_id"])
    except ForumError as exc:
        raise _error(exc) from exc
    topic.unread = False
    return jsonify(TopicOutSchema().dump(topic))


@bp.get("/posts/<int:post_id>")
@require(READ)
@doc(summary="One post", response=PostOutSchema, tags=TAGS)
def post(post_id):
    return jsonify(_post_out(_post(post_id)))


@bp.patch("/posts/<int:post_id>")
@require(POST)
@doc(summary="Change a post (its author, or a moderator); the old text goes to its history",
     request=PostInSchema, response=PostOutSchema, tags=TAGS)
def edit(post_id):
    post = _post(post_id)
    data = load_json(PostInSchema())
    try:
        services.edit_post(current_user, post, data["body"])
    except ForumError as exc:
        raise _error(exc) from exc
    return jsonify(_post_out(post))


@bp.get("/posts/<int:post_id>/history")
@require(READ)
@doc(summary="Earlier texts of a post, newest first (its author and moderators)", response=RevisionOutSchema,
     many=True, tags=TAGS)
def history(post_id):
    post = _post(post_id)
    if not services.may_see_history(current_user, post):
        raise ApiError(403, "forbidden", _("Only the author or a moderator sees a post's history."))
    return jsonify(RevisionOutSchema(many=True).dump(services.history(post)))


@bp.post("/posts/<int:post_id>/reactions")
@require(READ)
@doc(summary="Toggle one of the caller's reactions on a post", request=ReactionInSchema,
     response=ReactionOutSchema, tags=TAGS)
def react(post_id):
    post = _post(post_id)
    data = load_json(ReactionInSchema())
    try:
        on = services.react(current_user, post, data["kind"])
    except ForumError as exc:
        raise _error(exc) from exc
    services.decorate(current_user, [post])
    return jsonify({"kind": data["kind"], "on": on, "reactions": post.reactions})


@bp.post("/posts/<int:post_id>/report")
@require(READ)
@doc(summary="Report a post to the board's moderators", request=ReasonInSchema, response=ReportOutSchema,
     status=201, tags=TAGS)
def report(post_id):
    post = _post(post_id)
    data = load_json(ReasonInSchema())
    try:
        row = services.report_post(current_user, post, data["reason"])
    except ForumError as exc:
        raise _error(exc) from exc
    return jsonify(ReportOutSchema().dump(row)), 201


@bp.post("/posts/<int:post_id>/hide")
@require(READ)
@doc(summary="Hide a post, with a reason (moderators)", request=ReasonInSchema, response=PostOutSchema, tags=TAGS)
def hide(post_id):
    post = _post(post_id)
    data = load_json(ReasonInSchema())
    try:
        services.hide_post(current_user, post, data["reason"])
    except ForumError as exc:
        raise _error(exc) from exc
    return jsonify(_post_out(post))


@bp.post("/posts/<int:post_id>/unhide")
@require(READ)
@doc(summary="Show a hidden post again (moderators)", request=OptionalReasonInSchema, response=PostOutSchema,
     tags=TAGS)
def unhide(post_id):
    post = _post(post_id)
    data = load_json(OptionalReasonInSchema())
    try:
        services.unhide_post(current_user, post, data["reason"])
    except ForumError as exc:
        raise _error(exc) from exc
    return jsonify(_post_out(post))


# --------------------------------------------------------------------------- moderation


@bp.get("/moderation/reports")
@require(READ)
@doc(summary="Open reports on the boards the caller moderates, oldest first", response=ReportOutSchema,
     many=True, tags=TAGS)
def reports():
    return jsonify(ReportOutSchema(many=True).dump(services.queue(current_user)))


@bp.post("/moderation/reports/<int:report_id>")
@require(READ)
@doc(summary="Deal with a report: hide the post or dismiss the report", request=ResolveInSchema,
     response=ReportOutSchema, tags=TAGS)
def resolve(report_id):
    row = services.get_report(current_user, report_id)
    if row is None:
        raise _not_found()
    data = load_json(ResolveInSchema())
    try:
        row = services.resolve_report(current_user, row, data["action"], data["reason"])
    except ForumError as exc:
        raise _error(exc) from exc
    return jsonify(ReportOutSchema().dump(row))


@bp.get("/moderation/log")
@require(READ)
@doc(summary="Moderation actions on the boards the caller moderates, newest first", response=LogOutSchema,
     many=True, tags=TAGS)
def moderation_log():
    return jsonify(LogOutSchema(many=True).dump(services.log(current_user)))


def _moderated(board_id):
    board = _board(board_id)
    if not services.is_moderator(current_user, board):
        raise ApiError(403, "forbidden", _("Only the board's moderators may do this."))
    return board


@bp.get("/boards/<int:board_id>/bans")
@require(READ)
@doc(summary="Bans in force on a board (moderators)", response=BanOutSchema, many=True, tags=TAGS)
def bans(board_id):
    return jsonify(BanOutSchema(many=True).dump(services.bans(_moderated(board_id))))


@bp.post("/boards/<int:board_id>/bans")
@require(READ)
@doc(summary="Ban an account from writing on a board until a date (moderators)", request=BanInSchema,
     response=BanOutSchema, status=201, tags=TAGS)
def ban(board_id):
    board = _moderated(board_id)
    data = load_json(BanInSchema())
    try:
        row = services.ban(current_user, board, data["login"], data["until"], data["reason"])
    except ForumError as exc:
        raise _error(exc) from exc
    return jsonify(BanOutSchema().dump(row)), 201


@bp.delete("/boards/<int:board_id>/bans/<int:ban_id>")
@require(READ)
@doc(summary="Lift a ban (moderators)", status=204, tags=TAGS)
def lift(board_id, ban_id):
    board = _moderated(board_id)
    row = Ban.get_or_none((Ban.id == ban_id) & (Ban.board == board.id))
    if row is None:
        raise _not_found()
    try:
        services.lift_ban(current_user, row)
    except ForumError as exc:
        raise _error(exc) from exc
    return "", 204


@bp.get("/boards/<int:board_id>/log")
@require(READ)
@doc(summary="A board's moderation log (moderators)", response=LogOutSchema, many=True, tags=TAGS)
def board_log(board_id):
    return jsonify(LogOutSchema(many=True).dump(services.log(current_user, _moderated(board_id))))


# --------------------------------------------------------------------------- search


@bp.get("/search")
@require(READ)
@doc(summary="Posts matching every word, only where the caller reads (hidden posts never)",
     query=SearchQuerySchema, response=SearchHitSchema, many=True, tags=TAGS)
def search():
    args = load_query(SearchQuerySchema())
    return jsonify(SearchHitSchema(many=True).dump(services.search_posts(current_user, args["q"])))
