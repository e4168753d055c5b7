"""The JSON API's root: the OpenAPI document and the API's error format."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.core_parts import part_info


@hookimpl
def eschool_plugin_info():
    return part_info("core.api", _l("JSON API"))


@hookimpl
def eschool_blueprints(app):
    from eschool.api.views import bp

    return [bp]


@hookimpl
def eschool_init_app(app):
    """Every error of ``/api/v1`` answers in the API's format (``{"error": {...}}``)."""
    from eschool.api.errors import register_error_handlers

    register_error_handlers(app)
