"""Security events: one log line each (logger ``eschool.security``) and a Prometheus counter.

| event | level | when | fields |
|---|---|---|---|
| ``login_succeeded`` | INFO | a login (form or API token) | ``account_id``, ``via`` |
| ``login_failed`` | WARNING | a wrong login or password, a locked account, an address over its limit | ``login``, ``reason`` (``wrong_password``, ``locked``, ``rate_limited``), ``via`` |
| ``account_locked`` | WARNING | the wrong password that locks an account (or a login name that is no account) | ``login``, ``account_id``, ``until`` |
| ``rate_limited`` | WARNING | any other answer 429 (password reset requests ...) | ``endpoint`` |
| ``csrf_rejected`` | WARNING | a form without a valid CSRF token | ``reason`` |
| ``permission_refused`` | WARNING | any answer 403 | ``endpoint`` |
| ``password_reset_requested`` | INFO | "forgot your password" sent for a login | ``login``, ``account_id`` (when it is an account) |
| ``password_set`` | INFO | a password changed: one's own, by the reset link, handed out by an administrator | ``account_id`` (whose), ``how`` |
| ``plugin_toggled`` / ``plugin_toggle_cleared`` | INFO | a module switched on or off (or back to the level above) | ``plugin``, ``scope_type``, ``scope_id``, ``enabled``, ``actor`` |

``account_id`` is the account the event is about; inside a request the line also carries the request
id, the acting user's id (``user_id``: an administrator who hands out a password) and the client's IP
(``eschool.ops.logs``). Failed logins count into ``eschool_failed_logins_total{reason}`` and every
event into ``eschool_security_events_total{event}`` (``eschool.ops.metrics``).
"""
from __future__ import annotations

import logging

from flask import current_app, g, has_app_context, has_request_context

log = logging.getLogger("eschool.security")

INFO_EVENTS = frozenset({"login_succeeded", "password_reset_requested", "password_set", "plugin_toggled",
                         "plugin_toggle_cleared"})


def security_event(event: str, **fields) -> None:
    """Log one security event (see the table above); ``None`` fields are left out."""
    fields = {key: value for key, value in fields.items() if value is not None}
    level = logging.INFO if event in INFO_EVENTS else logging.WARNING
    details = " ".join(f"{key}={value}" for key, value in fields.items())
    log.log(level, f"{event} {details}".strip(), extra={"event": event, **fields})
    if has_request_context():
        g._security_logged = True  # the response's own status adds no second line (observe.py)
    if has_app_context():
        metrics = current_app.extensions.get("eschool_metrics")
        if metrics is not None:
            metrics.security(event, fields)


def logged_in_this_request() -> bool:
    return has_request_context() and bool(g.get("_security_logged"))
