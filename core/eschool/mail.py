"""Outgoing mail through a real SMTP server (configured by ``ESCHOOL_SMTP_*``).

Messages are rendered from templates (``mail/<name>.txt``) in the recipient's language. A failure to
deliver raises ``MailError``. Pages do not send mail themselves: they queue it through
``eschool.notifications.services.notify`` (retried, and kept as failed for an administrator to see).
"""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app, render_template


class MailError(RuntimeError):
    """The SMTP server refused or could not be reached."""


def send(to: str, subject: str, template: str, **context) -> None:
    send_text(to, subject, render_template(template, **context))


def send_text(to: str, subject: str, body: str) -> None:
    """Send a plain-text letter now (the notifications' e-mail channel calls this in the worker)."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=15) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls()
            if config["SMTP_USER"]:
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(str(exc)) from exc
