"""Idle sessions end: after the school's idle time (its settings), else the region's rule.

The session remembers when it was last used, from the login on; a page request after a longer pause
logs the user out and asks them to log in again. API tokens are not sessions and are not affected.
"""
from __future__ import annotations

import time

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

#: The longest idle time a region or a school may set; the session cookie lives this long after the
#: last request, and the check below ends the session sooner where the school or region says so.
MAX_IDLE_MINUTES = 24 * 60


def idle_minutes(scope) -> int:
    """The idle limit where the request is: the school's setting, else the region's rule."""
    from eschool.structure.services import school_by_id

    region_minutes = current_app.extensions["eschool"].region.rules["session_idle_minutes"]
    if scope is not None and scope.school_id:
        school = school_by_id(scope.school_id)
        if school is not None and school.session_idle_minutes:
            return school.session_idle_minutes
    return region_minutes


def seen(session) -> None:
    """The session is in use now: the idle time counts from here (the login sets it first)."""
    session["seen_at"] = int(time.time())


def register(app) -> None:
    @app.before_request
    def _end_idle_sessions():
        if (request.path.startswith(("/api/", "/static/")) or not current_user.is_authenticated
                or getattr(current_user, "is_device", False)):  # a kiosk's screen is idle by design
            return None
        now = int(time.time())
        last = session.get("seen_at")
        # a logged-in session without a time was never seen: it is as idle as can be
        if last is None or now - last > idle_minutes(getattr(g, "scope", None)) * 60:
            logout_user()
            session.clear()
            flash(_("You were logged out after a long pause. Log in again."), "info")
            return redirect(url_for("auth.login", next=request.path))
        session["seen_at"] = now
        return None
