"""Forum pages: the boards one reads, a board's topics, a topic's posts, moderation, search."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eschool.plugin_api import hooks_here, require
from eschool_forum import services
from eschool_forum.models import Ban
from eschool_forum.schemas import ACTION_LABELS, AUDIENCE_LABELS, LEVEL_LABELS
from eschool_forum.services import REACTIONS, ForumError

bp = Blueprint("forum", __name__, url_prefix="/forum", template_folder=None)
READ = "forum.read"
POST = "forum.post"


def _labels() -> dict:
    return {"levels": LEVEL_LABELS, "audiences": AUDIENCE_LABELS, "actions": ACTION_LABELS, "reactions": REACTIONS}


def _board(board_id: int):
    board = services.get_board(current_user, board_id)
    if board is None:
        abort(404)
    return board


def _topic(topic_id: int):
    topic = services.get_topic(current_user, topic_id)
    if topic is None:
        abort(404)
    return topic


def _post(post_id: int):
    post = services.get_post(current_user, post_id)
    if post is None:
        abort(404)
    return post


def _refused(exc: ForumError):
    """A refusal from the rules: 403 for who may not, else flash the message (the form shows it)."""
    if exc.status == 403:
        abort(403, description=str(exc.message))
    flash(str(exc.message), "error")


def _page_arg() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


# --------------------------------------------------------------------------- reading


@bp.get("/")
@require(READ)
def index():
    boards = services.readable_boards(current_user)
    groups = {level: [b for b in boards if b.level == level] for level in ("school", "municipality", "region")}
    return render_template("forum/index.html", groups=groups, labels=_labels(),
                           unread=services.unread_boards(current_user, boards),
                           targets=services.manage_targets(current_user),
                           moderates=bool(services.moderated_board_ids(current_user)))


@bp.get("/b/<int:board_id>")
@require(READ)
def board(board_id: int):
    b = _board(board_id)
    result = services.topics_page(current_user, b, _page_arg())
    return render_template("forum/board.html", board=b, result=result, labels=_labels(),
                           subscribed=services.subscribed(current_user, board=b),
                           cannot_write=services.may_write(current_user, b),
                           moderator=services.is_moderator(current_user, b), manages=services.manages(current_user, b))


@bp.get("/t/<int:topic_id>")
@require(READ)
def topic(topic_id: int):
    t = _topic(topic_id)
    moderator = services.is_moderator(current_user, t.board)
    if request.args.get("unread"):
        page = services.first_unread_page(current_user, t, include_hidden=moderator)
        return redirect(url_for("forum.topic", topic_id=t.id, page=page))
    result = services.posts_page(current_user, t, _page_arg())
    quote = ""
    if request.args.get("quote", type=int):
        quoted = services.get_post(current_user, request.args.get("quote", type=int))
        if quoted is not None and quoted.topic_id == t.id:
            quote = services.quote_text(quoted)
    authors = {p.author_id: p.author for p in result["items"] if p.author_id}
    hooks = hooks_here(g.scope)
    badges = {uid: [b for answer in hooks.forum_badges(user=u) for b in (answer or [])] for uid, u in authors.items()}
    targets = [b for b in services.readable_boards(current_user)
               if b.id != t.board_id and services.is_moderator(current_user, b)] if moderator else []
    return render_template("forum/topic.html", topic=t, board=t.board, result=result, labels=_labels(),
                           quote=quote, badges=badges, move_targets=targets, moderator=moderator,
                           subscribed=services.subscribed(current_user, topic=t),
                           cannot_write=services.may_write(current_user, t.board, t))


@bp.get("/p/<int:post_id>")
@require(READ)
def post(post_id: int):
    """A post's address: the page of its topic that shows it."""
    p = _post(post_id)
    moderator = services.is_moderator(current_user, p.topic.board)
    size = services.settings()["posts_per_page"]
    before = services._visible_posts(p.topic, moderator).where(services.Post.number < p.number).count()
    return redirect(url_for("forum.topic", topic_id=p.topic_id, page=before // size + 1) + f"#post-{p.id}")


@bp.get("/search")
@require(READ)
def search():
    q = request.args.get("q", "").strip()[:200]
    hits = services.search_posts(current_user, q) if q else []
    return render_template("forum/search.html", q=q, hits=hits)


# --------------------------------------------------------------------------- writing


@bp.route("/b/<int:board_id>/new", methods=["GET", "POST"])
@require(POST)
def new_topic(board_id: int):
    b = _board(board_id)
    reason = services.may_write(current_user, b)
    if reason is not None:
        abort(403, description=str(reason))
    form = {"title": "", "body": ""}
    if request.method == "POST":
        form = {"title": request.form.get("title", ""), "body": request.form.get("body", "")}
        try:
            t = services.create_topic(current_user, b, form["title"], form["body"], request.files.getlist("files"))
        except ForumError as exc:
            _refused(exc)
            return render_template("forum/topic_form.html", board=b, form=form, error_field=exc.field), 400
        return redirect(url_for("forum.topic", topic_id=t.id))
    return render_template("forum/topic_form.html", board=b, form=form, error_field=None)


@bp.post("/t/<int:topic_id>/reply")
@require(POST)
def reply(topic_id: int):
    t = _topic(topic_id)
    try:
        p = services.add_post(current_user, t, request.form.get("body", ""), request.files.getlist("files"))
    except ForumError as exc:
        _refused(exc)
        result = services.posts_page(current_user, t, 10**6, mark_read=False)
        return render_template("forum/topic.html", topic=t, board=t.board, result=result, labels=_labels(),
                               quote=request.form.get("body", ""), badges={}, move_targets=[],
                               moderator=services.is_moderator(current_user, t.board),
                               subscribed=services.subscribed(current_user, topic=t), cannot_write=None), 400
    return redirect(url_for("forum.post", post_id=p.id))


@bp.route("/p/<int:post_id>/edit", methods=["GET", "POST"])
@require(POST)
def edit(post_id: int):
    p = _post(post_id)
    body = p.body
    if request.method == "POST":
        body = request.form.get("body", "")
        try:
            services.edit_post(current_user, p, body)
        except ForumError as exc:
            _refused(exc)
            return render_template("forum/post_edit.html", post=p, body=body), 400
        flash(_("Saved."), "success")
        return redirect(url_for("forum.post", post_id=p.id))
    if not services.is_moderator(current_user, p.topic.board) and p.author_id != current_user.id:
        abort(403)
    return render_template("forum/post_edit.html", post=p, body=body)


@bp.get("/p/<int:post_id>/history")
@require(READ)
def history(post_id: int):
    p = _post(post_id)
    if not services.may_see_history(current_user, p):
        abort(403)
    return render_template("forum/history.html", post=p, revisions=services.history(p))


@bp.post("/p/<int:post_id>/react")
@require(READ)
def react(post_id: int):
    p = _post(post_id)
    try:
        services.react(current_user, p, request.form.get("kind", ""))
    except ForumError as exc:
        _refused(exc)
    return redirect(url_for("forum.post", post_id=p.id))


@bp.post("/p/<int:post_id>/report")
@require(READ)
def report(post_id: int):
    p = _post(post_id)
    try:
        services.report_post(current_user, p, request.form.get("reason", ""))
        flash(_("Thank you: the moderators will look at the post."), "success")
    except ForumError as exc:
        _refused(exc)
    return redirect(url_for("forum.post", post_id=p.id))


@bp.post("/t/<int:topic_id>/subscribe")
@require(READ)
def subscribe_topic(topic_id: int):
    t = _topic(topic_id)
    services.subscribe(current_user, request.form.get("on") == "1", topic=t)
    return redirect(url_for("forum.topic", topic_id=t.id))


@bp.post("/b/<int:board_id>/subscribe")
@require(READ)
def subscribe_board(board_id: int):
    b = _board(board_id)
    services.subscribe(current_user, request.form.get("on") == "1", board=b)
    return redirect(url_for("forum.board", board_id=b.id))


# --------------------------------------------------------------------------- moderation


@bp.post("/p/<int:post_id>/hide")
@require(READ)
def hide(post_id: int):
    p = _post(post_id)
    try:
        if request.form.get("action") == "unhide":
            services.unhide_post(current_user, p, request.form.get("reason", ""))
        else:
            services.hide_post(current_user, p, request.form.get("reason", ""))
        flash(_("Done."), "success")
    except ForumError as exc:
        _refused(exc)
    return redirect(url_for("forum.post", post_id=p.id))


@bp.post("/t/<int:topic_id>/moderate")
@require(READ)
def moderate(topic_id: int):
    t = _topic(topic_id)
    try:
        services.moderate_topic(current_user, t, request.form.get("action", ""), request.form.get("reason", ""),
                                request.form.get("board_id"))
        flash(_("Done."), "success")
    except ForumError as exc:
        _refused(exc)
    return redirect(url_for("forum.topic", topic_id=t.id))


@bp.get("/moderation")
@require(READ)
def queue():
    if not services.moderated_board_ids(current_user):
        abort(403)
    return render_template("forum/queue.html", reports=services.queue(current_user),
                           log=services.log(current_user, limit=100), labels=_labels())


@bp.post("/reports/<int:report_id>")
@require(READ)
def resolve(report_id: int):
    row = services.get_report(current_user, report_id)
    if row is None:
        abort(404)
    try:
        services.resolve_report(current_user, row, request.form.get("action", ""), request.form.get("reason", ""))
        flash(_("Done."), "success")
    except ForumError as exc:
        _refused(exc)
    return redirect(url_for("forum.queue"))


@bp.route("/b/<int:board_id>/moderation", methods=["GET", "POST"])
@require(READ)
def board_moderation(board_id: int):
    """A board's bans (give one, lift one) and its moderation log."""
    b = _board(board_id)
    if not services.is_moderator(current_user, b):
        abort(403)
    form, status = {"login": "", "until": "", "reason": ""}, 200
    if request.method == "POST":
        if request.form.get("lift"):
            row = Ban.get_or_none((Ban.id == request.form.get("lift", type=int)) & (Ban.board == b.id))
            if row is None:
                abort(404)
            try:
                services.lift_ban(current_user, row)
                flash(_("The ban was lifted."), "success")
            except ForumError as exc:
                _refused(exc)
            return redirect(url_for("forum.board_moderation", board_id=b.id))
        form = {k: request.form.get(k, "") for k in form}
        try:
            services.ban(current_user, b, form["login"], form["until"], form["reason"])
            flash(_("The account is banned from the board."), "success")
            return redirect(url_for("forum.board_moderation", board_id=b.id))
        except ForumError as exc:
            _refused(exc)
            status = 400
    return render_template("forum/board_moderation.html", board=b, bans=services.bans(b), form=form,
                           log=services.log(current_user, b), labels=_labels()), status


# --------------------------------------------------------------------------- boards


def _board_form_page(form, targets, board=None, status=200, errors=None):
    return render_template("forum/board_form.html", form=form, targets=targets, board=board, labels=_labels(),
                           errors=errors or {},
                           moderators=", ".join(u.username for u in services.moderators(board)) if board else ""), \
        status


FORM_FIELDS = ("level", "school_id", "municipality_id", "title", "description", "subject", "audience", "position",
               "moderators")


@bp.route("/boards/new", methods=["GET", "POST"])
@require(READ)
def new_board():
    targets = services.manage_targets(current_user)
    if not (targets["school"] or targets["municipality"] or targets["region"]):
        abort(403)
    form = {"level": request.args.get("level", "school"), "audience": "staff", "position": 100}
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in FORM_FIELDS}
        try:
            b = services.create_board(current_user, form)
        except services.BoardErrors as exc:
            return _board_form_page(form, targets, status=400, errors={k: str(v) for k, v in exc.fields.items()})
        except ForumError as exc:
            _refused(exc)
            return _board_form_page(form, targets, status=400, errors={exc.field or "title": str(exc.message)})
        return redirect(url_for("forum.board", board_id=b.id))
    return _board_form_page(form, targets)


@bp.route("/b/<int:board_id>/edit", methods=["GET", "POST"])
@require(READ)
def edit_board(board_id: int):
    b = _board(board_id)
    if not services.manages(current_user, b):
        abort(403)
    form = {k: getattr(b, k) for k in ("title", "description", "subject", "audience", "position")}
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in FORM_FIELDS if k not in ("level", "school_id", "municipality_id")}
        try:
            services.update_board(current_user, b, form)
        except services.BoardErrors as exc:
            return _board_form_page(form, None, b, 400, {k: str(v) for k, v in exc.fields.items()})
        except ForumError as exc:
            _refused(exc)
            return _board_form_page(form, None, b, 400, {exc.field or "title": str(exc.message)})
        flash(_("Saved."), "success")
        return redirect(url_for("forum.board", board_id=b.id))
    return _board_form_page(form, None, b)

