"""Hooks nutrition publishes for other plugins (registered through ``eschool_addhooks``; see docs/nutrition.md).

Nutrition keeps the meals of a school's classes by itself: their pupils are the classes' members. Other
groups eat at school too (a summer camp's squads, class groups of kind ``summer_camp``); a plugin that
keeps such groups tells nutrition who is in them, on which days and who is away, and nutrition keeps
their daily orders, cut-off, lock, prices and tabulation exactly as for classes. Implement with
``@hookimpl(optionalhook=True)``: the hook exists only where nutrition is installed and allowed.
"""
from __future__ import annotations

from eschool.plugin_api import hookspec


@hookspec
def nutrition_meal_groups(school, start, end):
    """The class groups of ``school`` besides its classes whose meals nutrition keeps between two local
    dates (``start`` and ``end`` included). Asked only of the plugins on at the school, when a page or the
    API needs the orders of those days. Return a list of dicts, one per group:

    * ``class_group``: the ``ClassGroup`` (of this school);
    * ``days``: the dates between ``start`` and ``end`` the group eats at school;
    * ``members``: the group's ``Student`` rows, by name;
    * ``away``: ``{date: {student ids}}``, those the group's own attendance says are away on a day
      (left out of the order made for it, as the journal's absentees are);
    * ``category``: the code of the municipality's meal category the meals count under (its meal kinds
      are the group's menu, its prices the prices), e.g. ``"summer_camp"``.

    Keep it to a fixed number of queries whatever the number of groups, pupils and days.
    """
