"""SMS gateways behind the ``sms`` notification channel.

* ``log`` (the default): writes each SMS to the log ``eschool.sms`` and sends nothing (development,
  demonstrations, a region without a contract yet);
* ``smsru``: the HTTP API of SMS.ru and compatible providers: ``POST <url>`` with the form fields
  ``api_id`` (the key), ``to`` (the number, digits only), ``msg`` (the text), ``json=1`` and, if set,
  ``from`` (the sender name); the answer ``{"status": "OK", "sms": {"<number>": {"status": "OK", ...}}}``
  means sent, anything else raises (the core records the error and retries).

Configured by the profile's ``[plugins.sms.settings]`` (``gateway``, ``url``, ``sender``) and the
environment (``ESCHOOL_SMS_API_KEY``, ``ESCHOOL_SMS_URL``, ``ESCHOOL_SMS_GATEWAY``): the key never
sits in a profile file.
"""
from __future__ import annotations

import json
import logging
import os
import re
import urllib.parse
import urllib.request

from flask import current_app
from flask_babel import lazy_gettext as _l

log = logging.getLogger("eschool.sms")
#: The longest text sent: three SMS parts of Cyrillic text.
MAX_TEXT = 201


class GatewayError(RuntimeError):
    """The provider refused or could not be reached."""


def config() -> dict:
    """The gateway's settings: the profile's, then the app's config and the environment over them."""
    settings = dict(current_app.extensions["eschool"].plugins.settings.get("sms") or {})
    for key in ("gateway", "url", "api_key", "sender"):
        value = current_app.config.get(f"SMS_{key.upper()}") or os.environ.get(f"ESCHOOL_SMS_{key.upper()}")
        if value:
            settings[key] = value
    return settings


def phone_digits(phone: str | None) -> str | None:
    """A Russian mobile number as the digits a provider takes (``79001234567``), or ``None``."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 11 and digits[0] == "8":
        digits = "7" + digits[1:]
    if len(digits) == 10 and digits[0] == "9":
        digits = "7" + digits
    return digits if len(digits) == 11 and digits.startswith("7") else None


def text_of(subject: str, body: str) -> str:
    """The SMS text: the subject, then as much of the body's first line as fits."""
    first = next((line.strip() for line in (body or "").splitlines() if line.strip()), "")
    text = subject if not first or first in subject else f"{subject}. {first}"
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"


def send_smsru(url: str, api_key: str, to: str, text: str, sender: str = "", timeout: float = 10.0) -> str:
    """Send one SMS through an SMS.ru-style API; returns the provider's message id."""
    if not api_key:
        raise GatewayError("no API key: set ESCHOOL_SMS_API_KEY")
    form = {"api_id": api_key, "to": to, "msg": text, "json": "1"}
    if sender:
        form["from"] = sender
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - the configured URL
            answer = json.loads(response.read().decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise GatewayError(f"{url}: {exc}") from exc
    if answer.get("status") != "OK":
        raise GatewayError(f"refused: {answer.get('status_code')} {answer.get('status_text', '')}".strip())
    one = (answer.get("sms") or {}).get(to) or {}
    if one.get("status") != "OK":
        raise GatewayError(f"refused for {to}: {one.get('status_code')} {one.get('status_text', '')}".strip())
    return str(one.get("sms_id", ""))


class SmsChannel:
    """The ``sms`` channel of notifications (quiet hours hold it back)."""

    code = "sms"
    label = _l("SMS")
    quiet = True

    def address(self, user) -> str | None:
        return phone_digits(user.phone)

    def send(self, address: str, subject: str, body: str) -> None:
        settings = config()
        text = text_of(subject, body)
        if settings.get("gateway", "log") == "smsru":
            send_smsru(settings.get("url") or "https://sms.ru/sms/send", settings.get("api_key", ""), address, text,
                       settings.get("sender", ""))
            return
        log.info("SMS to %s: %s", address, text)
