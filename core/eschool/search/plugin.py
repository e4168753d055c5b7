"""Full-text search over the records plugins index (PostgreSQL text search, SQLite FTS5)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.core_parts import part_info


@hookimpl
def eschool_plugin_info():
    return part_info("core.search", _l("Search"))


@hookimpl
def eschool_models():
    from eschool.search.models import SearchEntry

    return [SearchEntry]
