"""The SMS plugin: the ``sms`` notification channel (entry point ``eschool_sms.plugin``)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from eschool.plugin_api import PluginInfo, hookimpl


class SmsSettingsSchema(Schema):
    gateway = fields.String(load_default="log", validate=validate.OneOf(["log", "smsru"], labels=[
        _l("Log only (development)"), _l("SMS.ru-style HTTP API")]),
        metadata={"label": _l("SMS gateway"), "levels": ("region",)})
    url = fields.String(load_default="https://sms.ru/sms/send", validate=validate.Length(max=300),
                        metadata={"label": _l("Gateway address"), "levels": ("region",)})
    sender = fields.String(load_default="", validate=validate.Length(max=11),
                           metadata={"label": _l("Sender name"), "levels": ("region",)})


@hookimpl
def eschool_plugin_info():
    return PluginInfo.for_package(__name__, code="sms", name=_l("SMS"),
                                  description=_l("Notifications by SMS through a provider's HTTP gateway"),
                                  version="1.0.0")


@hookimpl
def eschool_settings_schema():
    return SmsSettingsSchema


@hookimpl
def eschool_notification_channels():
    from eschool_sms.gateways import SmsChannel

    return [SmsChannel()]
