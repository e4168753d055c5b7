"""The notifications' JSON API: the inbox, and the deliveries that failed (``/api/v1/notifications``)."""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user

from eschool.api.docs import API_PREFIX, doc, load_json, load_query, paginate
from eschool.auth.permissions import AUTHENTICATED, require
from eschool.notifications import services
from eschool.notifications.models import Notification
from eschool.notifications.schemas import (
    CountSchema,
    DeliveryQuerySchema,
    DeliverySchema,
    InboxQuerySchema,
    MarkReadSchema,
    NotificationSchema,
    RetrySchema,
)

bp = Blueprint("notifications_api", __name__, url_prefix=f"{API_PREFIX}/notifications")


@bp.get("")
@require(AUTHENTICATED)
@doc(summary="The current user's inbox, newest first", query=InboxQuerySchema, response=NotificationSchema,
     paginated=True, tags=["notifications"])
def inbox():
    args = load_query(InboxQuerySchema())
    query = Notification.select().where(Notification.user == current_user.id)
    if args["unread"]:
        query = query.where(Notification.read_at.is_null())
    body = paginate(query.order_by(Notification.created_at.desc(), Notification.id.desc()), NotificationSchema())
    body["unread"] = services.unread_count(current_user)
    return jsonify(body)


@bp.post("/read")
@require(AUTHENTICATED)
@doc(summary="Mark the current user's entries read (the ids given, or all)", request=MarkReadSchema,
     response=CountSchema, tags=["notifications"])
def mark_read():
    data = load_json(MarkReadSchema())
    changed = services.mark_read(current_user, data["ids"])
    return jsonify(CountSchema().dump({"changed": changed, "unread": services.unread_count(current_user)}))


@bp.get("/deliveries")
@require("notifications.deliveries")
@doc(summary="Deliveries (e-mail, SMS, ...) in a status, failed by default, of the places the user administers",
     query=DeliveryQuerySchema, response=DeliverySchema, paginated=True, tags=["notifications"])
def deliveries():
    args = load_query(DeliveryQuerySchema())
    return jsonify(paginate(services.visible_deliveries(current_user, args["status"]), DeliverySchema()))


@bp.post("/deliveries/retry")
@require("notifications.deliveries")
@doc(summary="Queue failed deliveries for another round of attempts", request=RetrySchema, response=CountSchema,
     tags=["notifications"])
def retry():
    data = load_json(RetrySchema())
    return jsonify(CountSchema().dump({"changed": services.retry(current_user, data["ids"]), "unread": 0}))
