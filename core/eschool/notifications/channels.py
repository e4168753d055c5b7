"""Delivery channels: e-mail (the core's), SMS and others from plugins (``eschool_notification_channels``).

A channel is any object with:

* ``code`` (``"email"``, ``"sms"``, ...), ``label`` (a lazy string for the preferences page);
* ``address(user) -> str | None``: where this user is reached (``None``: not reachable, no delivery);
* ``send(address, subject, body) -> None``: deliver now, or raise any exception (the delivery is
  retried later, the message of the exception is kept as its last error);
* ``quiet`` (bool): whether quiet hours hold it back (e-mail and SMS do).

``send`` runs in the worker inside the app's context (``current_app`` works) and must not write to
the database through the caller's transaction: the delivery row is the core's.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l


class Channel:
    """A base class for channels (optional: any object with the attributes above will do)."""

    code = ""
    label = ""
    quiet = True

    def address(self, user) -> str | None:  # pragma: no cover - an interface
        raise NotImplementedError

    def send(self, address: str, subject: str, body: str) -> None:  # pragma: no cover - an interface
        raise NotImplementedError


class EmailChannel(Channel):
    """E-mail through the portal's SMTP server (``eschool.mail``)."""

    code = "email"
    label = _l("E-mail")

    def address(self, user) -> str | None:
        return user.email or None

    def send(self, address: str, subject: str, body: str) -> None:
        from eschool import mail

        mail.send_text(address, subject, body)
