"""Who a user is at one school: the core's ``school_standing`` (plugin_api)."""
from __future__ import annotations

from eschool.plugin_api import SchoolStanding as Reader
from eschool.plugin_api import school_standing as reader_for
from eschool.plugin_api import user_school_ids

__all__ = ["Reader", "reader_for", "user_school_ids"]
