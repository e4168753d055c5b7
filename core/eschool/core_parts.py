"""The core's capabilities, each registered as a plugin through the hooks any plugin implements.

The way pytest and Datasette register their own features: every capability of the core keeps a
``plugin.py`` whose hookimpls contribute its models, blueprints, permissions and menu entries, and
this list is the only place that names them. The parts are required (never switched off) and are
named ``core.<capability>``; ``core`` itself is the umbrella that carries the core's version.
"""
from __future__ import annotations

import importlib

CORE = "core"

#: (plugin name, module) of each core part. Contributions are sorted by plugin code and their own
#: ``order``, never by this list's order.
CORE_PARTS: tuple[tuple[str, str], ...] = (
    (CORE, "eschool.core_plugin"),
    ("core.web", "eschool.web.plugin"),
    ("core.api", "eschool.api.plugin"),
    ("core.auth", "eschool.auth.plugin"),
    ("core.accounts", "eschool.accounts.plugin"),
    ("core.structure", "eschool.structure.plugin"),
    ("core.plugins", "eschool.plugins.plugin"),
    ("core.school", "eschool.school.plugin"),
    ("core.timetable", "eschool.timetable.plugin"),
    ("core.people", "eschool.people.plugin"),
    ("core.journal", "eschool.journal.plugin"),
    ("core.diary", "eschool.diary.plugin"),
    ("core.notifications", "eschool.notifications.plugin"),
    ("core.attachments", "eschool.attachments.plugin"),
    ("core.search", "eschool.search.plugin"),
    ("core.devices", "eschool.devices.plugin"),
    ("core.results", "eschool.results.plugin"),
    ("core.reports", "eschool.reports.plugin"),
    ("core.yearend", "eschool.yearend.plugin"),
    ("core.applications", "eschool.applications.plugin"),
    ("core.ops", "eschool.ops.plugin"),
    ("core.archive", "eschool.archive.plugin"),
    ("core.home", "eschool.home.plugin"),
)


def is_core(name: str | None) -> bool:
    """The umbrella ``core`` or one of its parts: always on, owns no ``<code>_`` table prefix."""
    return name == CORE or (name or "").startswith(CORE + ".")


def register_core(pm) -> None:
    """Register every core part on a plugin manager (one per application)."""
    for name, module in CORE_PARTS:
        pm.register(importlib.import_module(module), name=name)


def part_info(code: str, name):
    """The :class:`~eschool.types.PluginInfo` of a core part (required, the core's version)."""
    from eschool import __version__
    from eschool.types import PluginInfo

    return PluginInfo(code=code, name=name, version=__version__, required=True)
