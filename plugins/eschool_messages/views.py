"""Mail pages: the inbox and archive (with search), a new message, a conversation with its answers."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eschool.plugin_api import SchoolError, attachments, require
from eschool_messages import services

bp = Blueprint("messages", __name__, url_prefix="/messages", template_folder=None)
USE = "messages.use"
PAGE_SIZE = 30


@bp.get("/")
@require(USE)
def inbox():
    archived = request.args.get("folder") == "archive"
    text = (request.args.get("q") or "").strip()[:100]
    if text:
        return render_template("messages/index.html", hits=services.find(current_user, text), q=text,
                               archived=archived, rows=[], page=1, pages=1, total=0)
    query = services.folder(current_user, archived=archived)
    total = query.count()
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    return render_template("messages/index.html", rows=list(query.paginate(page, PAGE_SIZE)), page=page,
                           pages=pages, total=total, archived=archived, q="", hits=None)


def _form_values():
    return {"subject": request.form.get("subject", ""), "body": request.form.get("body", ""),
            "recipients": request.form.getlist("recipients"), "groups": request.form.getlist("groups"),
            "external": [a for a in request.form.get("external", "").replace(",", "\n").split("\n") if a.strip()]}


@bp.route("/new", methods=["GET", "POST"])
@require(USE)
def new():
    values = {"subject": "", "body": "", "recipients": [str(request.args.get("to", ""))], "groups": [], "external": []}
    errors, status = {}, 200
    if request.method == "POST":
        values = _form_values()
        try:
            conversation = services.send(current_user, g.scope.school_id, values["subject"], values["body"],
                                         values["recipients"], values["groups"], values["external"],
                                         files=request.files.getlist("files"),
                                         private_replies=True if request.form.get("private_replies") else None)
        except SchoolError as exc:
            errors[exc.field or "body"] = str(exc.message)
            status = getattr(exc, "status", 400)
        else:
            flash(_("The message has been sent."), "success")
            return redirect(url_for("messages.conversation", conversation_id=conversation.id))
    return render_template("messages/new.html", people=services.recipients(current_user, limit=2000),
                           groups=services.groups(current_user), values=values, errors=errors,
                           outside=services.outside_mail_allowed(g.scope.school_id),
                           types=", ".join(sorted(services.TYPES)),
                           max_mb=services.settings(g.scope.school_id).get("max_attachment_mb", 10)), status


@bp.get("/<int:conversation_id>")
@require(USE)
def conversation(conversation_id):
    found = services.thread(current_user, conversation_id)
    if found is None:
        abort(404)
    return render_template("messages/conversation.html", errors={}, body="", url=attachments.url, **found)


@bp.post("/<int:conversation_id>/reply")
@require(USE)
def reply(conversation_id):
    body = request.form.get("body", "")
    to = request.form.get("to_user_id", type=int)
    try:
        services.reply(current_user, conversation_id, body, to, files=request.files.getlist("files"))
    except LookupError:
        abort(404)
    except SchoolError as exc:
        found = services.thread(current_user, conversation_id)
        return render_template("messages/conversation.html", errors={exc.field or "body": str(exc.message)},
                               body=body, url=attachments.url, **found), 400
    flash(_("The answer has been sent."), "success")
    return redirect(url_for("messages.conversation", conversation_id=conversation_id))


@bp.post("/<int:conversation_id>/archive")
@require(USE)
def archive(conversation_id):
    archived = request.form.get("archived", "1") == "1"
    if not services.archive(current_user, conversation_id, archived):
        abort(404)
    flash(_("Moved to the archive.") if archived else _("Moved back to the inbox."), "success")
    return redirect(url_for("messages.inbox"))
