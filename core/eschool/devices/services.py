"""Device tokens for unattended screens: issue (shown once, stored hashed), revoke, authenticate.

A device is not a person: it holds exactly one permission, ``<purpose>.display`` (the display
permission its plugin declares), only in its own school, and only while that plugin is on there.
It reaches a request either with the header ``Authorization: Device <token>`` or through the
one-time login link, which signs the browser in as the device (a device session) and then stops
working; revoking the token ends both.
"""
from __future__ import annotations

import hashlib
import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l

from eschool.db import utcnow
from eschool.devices.models import DeviceToken
from eschool.structure.models import School
from eschool.types import Scope

SESSION_KEY = "eschool_device"


class DeviceError(ValueError):
    def __init__(self, field: str, message):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def display_permission(purpose: str) -> str:
    return f"{purpose}.display"


def purposes(registry=None, permissions=None) -> list[str]:
    """The plugins a device may be issued for: those declaring a ``<code>.display`` permission."""
    ext = current_app.extensions["eschool"]
    permissions = permissions or ext.permissions
    return sorted(code for code in (registry or ext.plugins).plugin_names(include_core=False)
                  if display_permission(code) in permissions.permissions)


def issue(school: School, purpose: str, name: str, actor=None) -> tuple[str, str, DeviceToken]:
    """A new device token for ``school`` and the plugin ``purpose``: ``(token, link code, row)``.

    The token and the link code are returned once and never stored (only their hashes).
    """
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise DeviceError("name", _l("Give the device a name (at most 100 characters)."))
    if purpose not in purposes():
        raise DeviceError("purpose", _l("Choose a module that has a display for devices."))
    token, link = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    row = DeviceToken.create(school=school, purpose=purpose, name=name, token_hash=_digest(token),
                             link_hash=_digest(link), created_by=getattr(actor, "id", None))
    return token, link, row


def devices_of(school_id: int) -> list[DeviceToken]:
    return list(DeviceToken.select().where(DeviceToken.school == school_id).order_by(DeviceToken.id))


def revoke(school_id: int, device_id: int) -> bool:
    """Revoke one of the school's devices (its header and its sessions stop working at once)."""
    return bool(DeviceToken.update(revoked_at=utcnow(), link_hash=None)
                .where((DeviceToken.id == device_id) & (DeviceToken.school == school_id)
                       & DeviceToken.revoked_at.is_null()).execute())


def _active(row: DeviceToken | None) -> DeviceToken | None:
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        DeviceToken.update(last_used_at=now).where(DeviceToken.id == row.id).execute()
    return row


def device_for_token(token: str) -> DeviceToken | None:
    return _active(DeviceToken.get_or_none(DeviceToken.token_hash == _digest(token))) if token else None


def device_by_id(device_id) -> DeviceToken | None:
    return _active(DeviceToken.get_or_none(DeviceToken.id == device_id)) if isinstance(device_id, int) else None


def redeem_link(code: str) -> DeviceToken | None:
    """The device of a login link, used up: the same link never works twice."""
    row = DeviceToken.get_or_none(DeviceToken.link_hash == _digest(code)) if code else None
    if row is None or row.revoked_at is not None:
        return None
    if not DeviceToken.update(link_hash=None).where((DeviceToken.id == row.id)
                                                    & (DeviceToken.link_hash == row.link_hash)).execute():
        return None  # used by a concurrent request
    return _active(row)


class DeviceUser:
    """``current_user`` for a device: authenticated, but holding only its display permission."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_device = True
    must_change_password = False
    locale = ""
    email = None

    def __init__(self, row: DeviceToken):
        self.device_id, self.school_id, self.purpose = row.id, row.school_id, row.purpose
        self.id = f"device-{row.id}"
        self.username = self.full_name = row.name
        self.permission = display_permission(row.purpose)

    def get_id(self):
        return None  # never written into a person's session

    def may(self, permission: str, scope: Scope | None) -> bool:
        """Only ``<purpose>.display``, only in its school, only while the plugin is on there."""
        from eschool.plugins.services import is_enabled

        if permission != self.permission or scope is None or scope.school_id != self.school_id:
            return False
        return is_enabled(self.purpose, scope)
