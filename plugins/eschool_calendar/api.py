"""The calendar over ``/api/v1/calendar``."""
from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eschool.plugin_api import API_PREFIX, ApiError, doc, load_query, require, school_or_404
from eschool_calendar import services
from eschool_calendar.reader import reader_for
from eschool_calendar.schemas import EventInSchema, EventOutSchema, FeedOutSchema, RangeQuerySchema

bp = Blueprint("calendar_api", __name__, url_prefix=f"{API_PREFIX}/calendar")
VIEW, POST = "calendar.view", "calendar.post"
TAGS = ["calendar"]


def _body() -> dict:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_json", _("Send a JSON object in the request body."))
    return payload


def _refused(exc: services.CalendarError) -> ApiError:
    if exc.status == 403:
        return ApiError(403, "forbidden", _("You may not add events there."), fields=exc.fields)
    return ApiError(400, "invalid", _("Some fields are not valid."), fields=exc.fields)


@bp.get("/schools/<int:school_id>/events")
@require(VIEW)
@doc(summary="The events the caller sees between two dates, school holidays included", query=RangeQuerySchema,
     response=EventOutSchema, many=True, tags=TAGS)
def list_events(school_id: int):
    school = school_or_404(school_id)
    args = load_query(RangeQuerySchema())
    reader = reader_for(current_user, school.id)
    items = services.events(school.id, reader, args["start"], args["end"])
    items += services.vacations(school, args["start"], args["end"])
    items.sort(key=lambda e: (e.starts_on, e.start_time is not None, e.start_time or 0))
    return jsonify(EventOutSchema().dump(items, many=True))


@bp.post("/schools/<int:school_id>/events")
@require(POST)
@doc(summary="Add an event (administration: any; class teacher: their class)", request=EventInSchema,
     response=EventOutSchema, status=201, tags=TAGS)
def create(school_id: int):
    school = school_or_404(school_id)
    reader = reader_for(current_user, school.id)
    try:
        event = services.create(school, _body(), reader, current_user)
    except services.CalendarError as exc:
        raise _refused(exc) from exc
    event.editable = True
    return jsonify(EventOutSchema().dump(event)), 201


def _editable(school_id: int, event_id: int):
    school = school_or_404(school_id)
    reader = reader_for(current_user, school.id)
    event = services.get_visible(school.id, event_id, reader)
    if event is None:
        raise ApiError(404, "not_found", _("Not found."))
    if not services.may_edit(event, reader):
        raise ApiError(403, "forbidden", _("You may not change this event."))
    return reader, event


@bp.get("/schools/<int:school_id>/events/<int:event_id>")
@require(VIEW)
@doc(summary="One event the caller sees", response=EventOutSchema, tags=TAGS)
def get_one(school_id: int, event_id: int):
    school = school_or_404(school_id)
    reader = reader_for(current_user, school.id)
    event = services.get_visible(school.id, event_id, reader)
    if event is None:
        raise ApiError(404, "not_found", _("Not found."))
    event.editable = services.may_edit(event, reader)
    return jsonify(EventOutSchema().dump(event))


@bp.patch("/schools/<int:school_id>/events/<int:event_id>")
@require(POST)
@doc(summary="Change an event", request=EventInSchema, response=EventOutSchema, tags=TAGS)
def update(school_id: int, event_id: int):
    reader, event = _editable(school_id, event_id)
    try:
        services.update(event, _body(), reader)
    except services.CalendarError as exc:
        raise _refused(exc) from exc
    event.editable = True
    return jsonify(EventOutSchema().dump(event))


@bp.delete("/schools/<int:school_id>/events/<int:event_id>")
@require(POST)
@doc(summary="Delete an event", status=204, tags=TAGS)
def delete(school_id: int, event_id: int):
    _reader, event = _editable(school_id, event_id)
    services.delete(event)
    return "", 204


@bp.post("/feed")
@require(VIEW)
@doc(summary="Make a new private feed address (the old one stops working); shown only in this answer",
     response=FeedOutSchema, status=201, tags=TAGS)
def make_feed():
    token = services.issue_token(current_user)
    return jsonify({"url": url_for("calendar.feed", token=token, _external=True)}), 201


@bp.delete("/feed")
@require(VIEW)
@doc(summary="Revoke the private feed address (it answers 404 from now on)", status=204, tags=TAGS)
def revoke_feed():
    services.revoke_token(current_user)
    return "", 204
