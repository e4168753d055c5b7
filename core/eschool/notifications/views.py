"""The notifications' pages: the inbox, one's preferences, and the deliveries that failed."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eschool.auth.permissions import AUTHENTICATED, require
from eschool.notifications import services

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
PAGE = 30


@bp.app_context_processor
def _unread():
    def unread_notifications() -> int:
        if not getattr(current_user, "is_authenticated", False) or getattr(current_user, "is_device", False):
            return 0  # a device (an unattended screen) has no inbox
        return services.unread_count(current_user)

    return {"unread_notifications": unread_notifications}


@bp.get("")
@require(AUTHENTICATED)
def inbox():
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    entries, total = services.inbox(current_user, limit=PAGE, offset=(page - 1) * PAGE)
    return render_template("notifications/inbox.html", entries=entries, total=total, page=page,
                           pages=max((total + PAGE - 1) // PAGE, 1))


@bp.post("/read")
@require(AUTHENTICATED)
def mark_read():
    ids = request.form.getlist("id", type=int)
    services.mark_read(current_user, ids or None)
    return redirect(url_for("notifications.inbox"))


def _time(name: str) -> dt.time | None:
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.time.fromisoformat(raw)
    except ValueError:
        return False


@bp.route("/preferences", methods=["GET", "POST"])
@require(AUTHENTICATED)
def preferences():
    found = services.preferences(current_user)
    if request.method == "POST":
        chosen = {(k.code, c.code): request.form.get(f"{k.code}:{c.code}") == "on"
                  for k in found["kinds"] for c in found["channels"]}
        starts, ends = _time("quiet_starts"), _time("quiet_ends")
        errors = {}
        if starts is False or (starts is None and ends):
            errors["quiet_starts"] = _("Give a time like 21:00.")
        if ends is False or (ends is None and starts):
            errors["quiet_ends"] = _("Give a time like 07:30.")
        if errors:
            for field, message in errors.items():
                flash(f"{field}: {message}", "error")
            return render_template("notifications/preferences.html", **found, form=request.form), 400
        services.save_preferences(current_user, chosen, (starts, ends) if starts else None)
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for("notifications.preferences"))
    return render_template("notifications/preferences.html", **found, form=None)


@bp.get("/failed")
@require("notifications.deliveries")
def failed():
    status = request.args.get("status", "failed")
    if status not in ("pending", "sending", "sent", "failed"):
        abort(404)
    rows = list(services.visible_deliveries(current_user, status).limit(500))
    return render_template("notifications/failed.html", rows=rows, status=status, label=services.status_label)


@bp.post("/failed/retry")
@require("notifications.deliveries")
def retry():
    ids = request.form.getlist("id", type=int)
    count = services.retry(current_user, ids)
    flash(_("Queued again: %(count)s.", count=count), "success" if count else "info")
    return redirect(url_for("notifications.failed"))
