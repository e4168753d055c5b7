"""The region's structure: municipalities and schools."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.core_parts import part_info


@hookimpl
def eschool_plugin_info():
    return part_info("core.structure", _l("Municipalities and schools"))


@hookimpl
def eschool_models():
    from eschool.structure.models import Municipality, School

    return [Municipality, School]
