"""News over ``/api/v1/news``: public lists, one item, and the publishers' endpoints."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from eschool.plugin_api import (
    API_PREFIX,
    ApiError,
    PageQuerySchema,
    doc,
    load_query,
    public,
    require,
    school_or_404,
)
from eschool_news import services
from eschool_news.schemas import NewsInSchema, NewsOutSchema

bp = Blueprint("news_api", __name__, url_prefix=f"{API_PREFIX}/news")
PUBLISH = "news.publish"
TAGS = ["news"]


def _paged(query):
    args = load_query(PageQuerySchema())
    total = query.count()
    items = services.annotate(list(query.paginate(args["page"], args["size"])))
    return jsonify({"items": NewsOutSchema().dump(items, many=True), "total": total, "page": args["page"],
                    "size": args["size"]})


def _one(item):
    return NewsOutSchema().dump(services.annotate([item])[0])


@bp.get("/schools/<int:school_id>")
@public
@doc(summary="A school's public news (its own, its municipality's and the region's), newest first",
     response=NewsOutSchema, paginated=True, tags=TAGS)
def school_news(school_id: int):
    return _paged(services.school_public(school_or_404(school_id)))


@bp.get("/municipalities/<municipality_code>")
@public
@doc(summary="A municipality's public news (its own, its schools' and the region's)", response=NewsOutSchema, paginated=True, tags=TAGS)
def municipality_news(municipality_code: str):
    muni = services.municipality_by_code(municipality_code)
    if muni is None:
        raise ApiError(404, "not_found", _("Not found."))
    return _paged(services.municipality_public(muni))


@bp.get("/items/<int:item_id>")
@public
@doc(summary="One news item (class news for the class only, drafts for their editors only)",
     response=NewsOutSchema, tags=TAGS)
def get_item(item_id: int):
    item = services.get(item_id)
    if item is None or not services.may_read(item, services.publisher_for(current_user)):
        raise ApiError(404, "not_found", _("Not found."))
    return jsonify(_one(item))


# --------------------------------------------------------------------------- publishing


def _body() -> dict:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_json", _("Send a JSON object in the request body."))
    return payload


def _refused(exc: services.NewsError) -> ApiError:
    if exc.status == 403:
        return ApiError(403, "forbidden", _("You may not publish there."), fields=exc.fields)
    return ApiError(400, "invalid", _("Some fields are not valid."), fields=exc.fields)


def _editable(item_id: int):
    item = services.get(item_id)
    p = services.publisher_for(current_user)
    if item is None or not services.may_read(item, p):
        raise ApiError(404, "not_found", _("Not found."))
    if not services.may_edit(item, p):
        raise ApiError(403, "forbidden", _("You may not change this news item."))
    return item, p


@bp.get("/manage")
@require(PUBLISH)
@doc(summary="The items the caller may edit, drafts included", response=NewsOutSchema,
     paginated=True, tags=TAGS)
def manage_list():
    return _paged(services.editable(services.publisher_for(current_user)))


@bp.post("/manage")
@require(PUBLISH)
@doc(summary="Write a news item (a draft; add ?publish=1 to publish at once)", request=NewsInSchema,
     response=NewsOutSchema, status=201, tags=TAGS)
def manage_create():
    p = services.publisher_for(current_user)
    try:
        item = services.create(_body(), p, current_user, publish=request.args.get("publish") in ("1", "true"))
    except services.NewsError as exc:
        raise _refused(exc) from exc
    return jsonify(_one(services.get(item.id))), 201


@bp.patch("/manage/<int:item_id>")
@require(PUBLISH)
@doc(summary="Change a news item", request=NewsInSchema, response=NewsOutSchema, tags=TAGS)
def manage_update(item_id: int):
    item, p = _editable(item_id)
    try:
        services.update(item, _body(), p, user=current_user)
    except services.NewsError as exc:
        raise _refused(exc) from exc
    return jsonify(_one(services.get(item.id)))


@bp.post("/manage/<int:item_id>/publish")
@require(PUBLISH)
@doc(summary="Publish a draft", response=NewsOutSchema, tags=TAGS)
def manage_publish(item_id: int):
    item, _p = _editable(item_id)
    services.publish(item)
    return jsonify(_one(services.get(item.id)))


@bp.post("/manage/<int:item_id>/unpublish")
@require(PUBLISH)
@doc(summary="Take a published item back to drafts", response=NewsOutSchema, tags=TAGS)
def manage_unpublish(item_id: int):
    item, _p = _editable(item_id)
    services.unpublish(item)
    return jsonify(_one(services.get(item.id)))


@bp.put("/manage/<int:item_id>/picture")
@require(PUBLISH)
@doc(summary="Set the item's picture: multipart form, field `file` (PNG, JPEG or GIF, up to 5 MB)",
     response=NewsOutSchema, tags=TAGS)
def manage_picture(item_id: int):
    item, _p = _editable(item_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(400, "invalid", _("Some fields are not valid."), fields={"file": [_("Choose a file.")]})
    try:
        services.set_picture(item, upload, current_user)
    except services.NewsError as exc:
        raise _refused(exc) from exc
    return jsonify(_one(services.get(item.id)))


@bp.delete("/manage/<int:item_id>")
@require(PUBLISH)
@doc(summary="Delete a news item and its picture", status=204, tags=TAGS)
def manage_delete(item_id: int):
    item, _p = _editable(item_id)
    services.delete(item)
    return "", 204
