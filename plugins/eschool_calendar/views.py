"""Calendar pages: the month and the week, adding and editing events, and the private feed."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eschool.plugin_api import PageError, local_today, public, require, school_by_id
from eschool_calendar import services
from eschool_calendar.reader import reader_for
from eschool_calendar.schemas import AUDIENCE_LABELS, KIND_LABELS, EventInSchema

bp = Blueprint("calendar", __name__, url_prefix="/calendar")
VIEW, POST = "calendar.view", "calendar.post"

def _posted() -> dict:
    """The form's fields the schema knows (the CSRF token and the button are not the record's)."""
    known = EventInSchema().fields
    return {key: value for key, value in request.form.items() if key in known}


def _school(school_id: int):
    school = school_by_id(school_id)
    if school is None:
        abort(404)
    return school


def _day(text: str | None, default: dt.date) -> dt.date:
    try:
        day = dt.date.fromisoformat(text) if text else default
    except ValueError:
        return default
    return day if dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31) else default


@bp.get("/")
@require(VIEW)
def index():
    if g.scope.school_id is None:
        raise PageError(404, _("Choose a school first: this page belongs to a school."))
    return redirect(url_for("calendar.month", school_id=g.scope.school_id))


def _page(template, school, start, end, **extra):
    reader = reader_for(current_user, school.id)
    items = services.events(school.id, reader, start, end) + services.vacations(school, start, end)
    return render_template(template, school=school, days=services.by_day(items, start, end), today=local_today(),
                           kinds=KIND_LABELS, may_post=bool(services.audiences_for(reader)), start=start, end=end,
                           **extra)


@bp.get("/school/<int:school_id>")
@require(VIEW)
def month(school_id: int):
    school = _school(school_id)
    day = _day((request.args.get("month") or "") + "-01" if request.args.get("month") else None, local_today())
    start, end, weeks = services.month_grid(day)
    first = day.replace(day=1)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return _page("calendar/month.html", school, start, end, weeks=weeks, first=first, previous=previous,
                 following=following)


@bp.get("/school/<int:school_id>/week")
@require(VIEW)
def week(school_id: int):
    school = _school(school_id)
    day = _day(request.args.get("date"), local_today())
    start = day - dt.timedelta(days=day.weekday())
    end = start + dt.timedelta(days=6)
    return _page("calendar/week.html", school, start, end, week=[start + dt.timedelta(days=i) for i in range(7)],
                 previous=start - dt.timedelta(days=7), following=start + dt.timedelta(days=7))


def _form(school, reader, values, errors, event=None, status=200):
    return render_template("calendar/form.html", school=school, values=values, errors=errors, event=event,
                           kinds=[(k, KIND_LABELS[k]) for k in ("meeting", "parents_meeting", "exam", "olympiad",
                                                                 "holiday", "event")],
                           audiences=[(a, AUDIENCE_LABELS[a]) for a in services.audiences_for(reader)],
                           classes=services.classes_for(reader, school)), status


@bp.route("/school/<int:school_id>/new", methods=["GET", "POST"])
@require(POST)
def create(school_id: int):
    school = _school(school_id)
    reader = reader_for(current_user, school.id)
    if not services.audiences_for(reader):
        abort(403)
    if request.method == "POST":
        values = _posted()
        try:
            event = services.create(school, values, reader, current_user)
        except services.CalendarError as exc:
            flash(_("The event was not saved: correct the marked fields."), "error")
            return _form(school, reader, values, exc.fields, status=exc.status)
        flash(_("The event is in the calendar."), "success")
        return redirect(url_for("calendar.month", school_id=school.id, month=event.starts_on.strftime("%Y-%m")))
    default = _day(request.args.get("date"), local_today()).isoformat()
    return _form(school, reader, {"starts_on": default, "audience": services.audiences_for(reader)[0]}, {})


def _editable(school_id: int, event_id: int):
    school = _school(school_id)
    reader = reader_for(current_user, school.id)
    event = services.get_visible(school.id, event_id, reader)
    if event is None:
        abort(404)
    if not services.may_edit(event, reader):
        abort(403)
    return school, reader, event


@bp.route("/school/<int:school_id>/<int:event_id>/edit", methods=["GET", "POST"])
@require(POST)
def edit(school_id: int, event_id: int):
    school, reader, event = _editable(school_id, event_id)
    if request.method == "POST":
        values = _posted()
        try:
            services.update(event, values, reader)
        except services.CalendarError as exc:
            flash(_("The event was not saved: correct the marked fields."), "error")
            return _form(school, reader, values, exc.fields, event, status=exc.status)
        flash(_("Saved."), "success")
        return redirect(url_for("calendar.month", school_id=school.id, month=event.starts_on.strftime("%Y-%m")))
    values = {"title": event.title, "kind": event.kind, "audience": event.audience, "class_id": event.class_group_id,
              "starts_on": event.starts_on.isoformat(), "ends_on": event.ends_on.isoformat(),
              "start_time": event.start_time.strftime("%H:%M") if event.start_time else "",
              "end_time": event.end_time.strftime("%H:%M") if event.end_time else "",
              "location": event.location, "description": event.description}
    return _form(school, reader, values, {}, event)


@bp.post("/school/<int:school_id>/<int:event_id>/delete")
@require(POST)
def delete(school_id: int, event_id: int):
    _s, _r, event = _editable(school_id, event_id)
    services.delete(event)
    flash(_("The event was deleted."), "success")
    return redirect(url_for("calendar.month", school_id=school_id))


# --------------------------------------------------------------------------- the private feed


@bp.route("/subscribe", methods=["GET", "POST"])
@require(VIEW)
def subscribe():
    """The user's private feed address: make one (shown once), make a new one, or revoke it."""
    new_url = None
    if request.method == "POST":
        if request.form.get("action") == "revoke":
            services.revoke_token(current_user)
            flash(_("The feed address was revoked: calendars subscribed to it get nothing more."), "success")
            return redirect(url_for("calendar.subscribe"))
        token = services.issue_token(current_user)
        new_url = url_for("calendar.feed", token=token, _external=True)
    return render_template("calendar/subscribe.html", token=services.has_token(current_user), new_url=new_url)


@bp.get("/feed/<token>.ics")
@public
def feed(token: str):
    """The iCalendar feed of one user (no login: the token in the address is the key). A revoked or unknown
    token answers 404."""
    user = services.user_for_token(token)
    if user is None:
        abort(404)
    body = services.ical(services.feed_items(user), _("School calendar"), request.host.split(":")[0] or "eschool")
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": 'inline; filename="calendar.ics"', "Cache-Control": "private, max-age=900"})
