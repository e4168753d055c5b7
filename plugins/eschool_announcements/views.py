"""The board's pages: a school's board, posting, editing and deleting."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eschool.plugin_api import PageError, require, school_by_id
from eschool_announcements import services
from eschool_announcements.schemas import AUDIENCE_LABELS, AnnouncementInSchema

bp = Blueprint("announcements", __name__, url_prefix="/announcements")
VIEW, POST = "announcements.view", "announcements.post"
PAGE_SIZE = 20

def _posted() -> dict:
    """The form's fields the schema knows (the CSRF token and the button are not the record's)."""
    known = AnnouncementInSchema().fields
    return {key: value for key, value in request.form.items() if key in known}


def _school(school_id: int):
    school = school_by_id(school_id)
    if school is None:
        abort(404)
    return school


@bp.get("/")
@require(VIEW)
def index():
    """The board of the school the user works or studies in now."""
    if g.scope.school_id is None:
        raise PageError(404, _("Choose a school first: this page belongs to a school."))
    return redirect(url_for("announcements.board", school_id=g.scope.school_id))


@bp.get("/school/<int:school_id>")
@require(VIEW)
def board(school_id: int):
    school = _school(school_id)
    reader = services.reader_at(current_user, school.id)
    show = request.args.get("show", "current")
    show = show if show in ("current", "all") and reader.staff else "current"
    query = services.board(school.id, reader, show=show)
    total = query.count()
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    items = services.annotate(list(query.paginate(page, PAGE_SIZE)), reader)
    return render_template("announcements/board.html", school=school, items=items, page=page, pages=pages,
                           total=total, show=show, may_post=bool(services.audiences_for(reader)),
                           label=services.audience_label)


def _form(school, reader, values, errors, item=None, status=200):
    return render_template("announcements/form.html", school=school, values=values, errors=errors, item=item,
                           audiences=[(a, AUDIENCE_LABELS[a]) for a in services.audiences_for(reader)],
                           classes=services.classes_for(reader, school)), status


@bp.route("/school/<int:school_id>/new", methods=["GET", "POST"])
@require(POST)
def create(school_id: int):
    school = _school(school_id)
    reader = services.reader_at(current_user, school.id)
    if not services.audiences_for(reader):
        abort(403)
    if request.method == "POST":
        values = _posted()
        values.setdefault("pinned", "")
        try:
            services.create(school, values, reader, current_user)
        except services.AnnouncementError as exc:
            flash(_("The announcement was not saved: correct the marked fields."), "error")
            return _form(school, reader, values, exc.fields, status=exc.status if exc.status == 403 else 400)
        flash(_("The announcement is on the board."), "success")
        return redirect(url_for("announcements.board", school_id=school.id))
    return _form(school, reader, {"audience": "school" if reader.administration else "staff"}, {})


def _editable(school_id: int, item_id: int):
    school = _school(school_id)
    reader = services.reader_at(current_user, school.id)
    item = services.get_visible(school.id, item_id, reader)
    if item is None:
        abort(404)
    if not services.may_edit(item, reader):
        abort(403)
    return school, reader, item


@bp.route("/school/<int:school_id>/<int:item_id>/edit", methods=["GET", "POST"])
@require(POST)
def edit(school_id: int, item_id: int):
    school, reader, item = _editable(school_id, item_id)
    if request.method == "POST":
        values = _posted()
        values.setdefault("pinned", "")
        try:
            services.update(item, values, reader)
        except services.AnnouncementError as exc:
            flash(_("The announcement was not saved: correct the marked fields."), "error")
            return _form(school, reader, values, exc.fields, item, status=exc.status if exc.status == 403 else 400)
        flash(_("Saved."), "success")
        return redirect(url_for("announcements.board", school_id=school.id))
    values = {"title": item.title, "body": item.body, "audience": item.audience, "grade": item.grade,
              "class_id": item.class_group_id, "pinned": item.pinned, "starts_on": item.starts_on.isoformat(),
              "ends_on": item.ends_on.isoformat()}
    return _form(school, reader, values, {}, item)


@bp.post("/school/<int:school_id>/<int:item_id>/delete")
@require(POST)
def delete(school_id: int, item_id: int):
    _school_, _reader, item = _editable(school_id, item_id)
    services.delete(item)
    flash(_("The announcement was deleted."), "success")
    return redirect(url_for("announcements.board", school_id=school_id))

