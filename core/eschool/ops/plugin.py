"""Production tools as a core part: the ``/healthz``, ``/version`` and ``/metrics`` endpoints (the request
hooks are installed by ``create_app`` itself, first of all: ``eschool.ops.observe``)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.core_parts import part_info


@hookimpl
def eschool_plugin_info():
    return part_info("core.ops", _l("Health, metrics and logs"))


@hookimpl
def eschool_blueprints(app):
    from eschool.ops.views import bp

    return [bp]
