"""Who a user is at one school (the core's ``school_standing``), with the board's own flag: whether they
moderate the board (edit and delete anyone's announcements; set by the board's services)."""
from __future__ import annotations

from eschool.plugin_api import SchoolStanding as Reader
from eschool.plugin_api import school_standing, user_school_ids

__all__ = ["Reader", "reader_for", "user_school_ids"]


def reader_for(user, school_id: int, all_roles: bool = False) -> Reader:
    reader = school_standing(user, school_id, all_roles=all_roles)
    reader.moderator = False
    return reader
