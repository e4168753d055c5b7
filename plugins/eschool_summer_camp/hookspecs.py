"""Hooks the summer camp publishes for other plugins (registered through ``eschool_addhooks``; see
docs/summer-camp.md). Implement them with ``@hookimpl(optionalhook=True)``: they exist only where the camp
is installed and allowed."""
from __future__ import annotations

from eschool.plugin_api import hookspec


@hookspec
def summer_camp_on_day_marked(class_group, day, marks, actor, scope):
    """A squad leader (or the camp's administration) saved a squad's day: ``class_group`` is the squad's
    ``ClassGroup`` (kind ``summer_camp``), ``day`` the local date, ``marks`` ``{student id: "present" |
    "absent" | "ill"}`` for the children marked in this save. Fired with ``fire_plugin_event``: delivered
    after the commit, only to the plugins on at the camp's school (``scope``); ``actor`` is the User who
    saved it (or None). Nutrition takes the children marked away out of that day's order before the
    cut-off, as it does for the journal's absences."""
