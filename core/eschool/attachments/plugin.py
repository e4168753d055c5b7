"""Attachments: files a plugin keeps for its records, served through a view that asks their owner."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.core_parts import part_info


@hookimpl
def eschool_plugin_info():
    return part_info("core.attachments", _l("Attachments"))


@hookimpl
def eschool_models():
    from eschool.attachments.models import Attachment

    return [Attachment]


@hookimpl
def eschool_blueprints(app):
    from eschool.attachments.views import api, bp

    return [bp, api]
