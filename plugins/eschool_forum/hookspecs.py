"""Hooks the forum publishes for other plugins (registered through ``eschool_addhooks``)."""
from __future__ import annotations

from eschool.plugin_api import hookspec


@hookspec
def forum_badges(user):
    """Badges beside a user's posts: a list of short strings (``["Методист"]``). Asked once per author shown
    on a topic page, only of the plugins on where the request is."""
