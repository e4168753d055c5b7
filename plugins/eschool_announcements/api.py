"""The board over ``/api/v1/announcements``."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from eschool.plugin_api import API_PREFIX, ApiError, PageQuerySchema, doc, load_query, require, school_or_404
from eschool_announcements import services
from eschool_announcements.schemas import AnnouncementInSchema, AnnouncementOutSchema, BoardQuerySchema

bp = Blueprint("announcements_api", __name__, url_prefix=f"{API_PREFIX}/announcements")
VIEW, POST = "announcements.view", "announcements.post"
TAGS = ["announcements"]


def _body() -> dict:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_json", _("Send a JSON object in the request body."))
    return payload


def _refused(exc: services.AnnouncementError) -> ApiError:
    if exc.status == 403:
        return ApiError(403, "forbidden", _("You may not address this audience."), fields=exc.fields)
    return ApiError(400, "invalid", _("Some fields are not valid."), fields=exc.fields)


def _one(item, reader):
    return AnnouncementOutSchema().dump(services.annotate([item], reader)[0])


@bp.get("/schools/<int:school_id>")
@require(VIEW)
@doc(summary="The school's board as the caller sees it: pinned first, then the newest", query=BoardQuerySchema,
     response=AnnouncementOutSchema, paginated=True, tags=TAGS)
def board(school_id: int):
    school = school_or_404(school_id)
    args = {**load_query(BoardQuerySchema()), **load_query(PageQuerySchema())}
    reader = services.reader_at(current_user, school.id)
    query = services.board(school.id, reader, show=args["show"])
    total = query.count()
    items = services.annotate(list(query.paginate(args["page"], args["size"])), reader)
    return jsonify({"items": AnnouncementOutSchema().dump(items, many=True), "total": total, "page": args["page"],
                    "size": args["size"]})


@bp.post("/schools/<int:school_id>")
@require(POST)
@doc(summary="Post an announcement (audience within what the caller may address)", request=AnnouncementInSchema,
     response=AnnouncementOutSchema, status=201, tags=TAGS)
def create(school_id: int):
    school = school_or_404(school_id)
    reader = services.reader_at(current_user, school.id)
    try:
        item = services.create(school, _body(), reader, current_user)
    except services.AnnouncementError as exc:
        raise _refused(exc) from exc
    return jsonify(_one(services.get_visible(school.id, item.id, reader) or item, reader)), 201


def _visible(school_id: int, item_id: int):
    school = school_or_404(school_id)
    reader = services.reader_at(current_user, school.id)
    item = services.get_visible(school.id, item_id, reader)
    if item is None:
        raise ApiError(404, "not_found", _("Not found."))
    return school, reader, item


@bp.get("/schools/<int:school_id>/<int:item_id>")
@require(VIEW)
@doc(summary="One announcement addressed to the caller", response=AnnouncementOutSchema, tags=TAGS)
def get_one(school_id: int, item_id: int):
    _school, reader, item = _visible(school_id, item_id)
    return jsonify(_one(item, reader))


def _editable(school_id: int, item_id: int):
    school, reader, item = _visible(school_id, item_id)
    if not services.may_edit(item, reader):
        raise ApiError(403, "forbidden", _("Only the author or the school's administration may change it."))
    return school, reader, item


@bp.patch("/schools/<int:school_id>/<int:item_id>")
@require(POST)
@doc(summary="Change an announcement (its author or the administration)", request=AnnouncementInSchema,
     response=AnnouncementOutSchema, tags=TAGS)
def update(school_id: int, item_id: int):
    school, reader, item = _editable(school_id, item_id)
    try:
        services.update(item, _body(), reader)
    except services.AnnouncementError as exc:
        raise _refused(exc) from exc
    return jsonify(_one(services.get_visible(school.id, item.id, reader) or item, reader))


@bp.delete("/schools/<int:school_id>/<int:item_id>")
@require(POST)
@doc(summary="Delete an announcement (its author or the administration)", status=204, tags=TAGS)
def delete(school_id: int, item_id: int):
    _school, _reader, item = _editable(school_id, item_id)
    services.delete(item)
    return "", 204
