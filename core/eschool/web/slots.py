"""Template slots: places in the core's pages that plugins fill with rendered fragments.

``{{ slot('start_page') }}`` in a template asks every plugin enabled where the request is (the
hook ``eschool_template_slot``) and joins their fragments by their ``order``. A plugin that raises
is logged and left out: the page still renders. With no plugin implementing the hook a slot costs
nothing (no query).

Slots in cached HTML (the diary's days) are written as markers, ``<!--eschool-slot NAME KEY-->``, and
filled per request by :func:`fill_markers`, so a plugin's fragment is never cached with the page.
"""
from __future__ import annotations

import logging
import re

from flask import current_app, g, has_request_context
from flask_login import current_user
from markupsafe import Markup, escape

from eschool.types import Scope, SlotFragment

log = logging.getLogger(__name__)
HOOK = "eschool_template_slot"
#: The core's slots and what each passes to the hook's ``context``.
CORE_SLOTS = {"start_page": (), "student_card": ("student",), "diary_day": ("student", "date")}
MARKER = re.compile(r"<!--eschool-slot ([a-z_]+) ([\w.:-]+)-->")


def fragments(name: str, scope: Scope | None = None, user=None, **context) -> list[SlotFragment]:
    """The fragments plugins give for slot ``name`` where ``scope`` is (default: the request's)."""
    registry = current_app.extensions["eschool"].plugins
    if not registry.implementers(HOOK):
        return []
    from eschool.plugins.services import enabled_plugins

    scope = scope or getattr(g, "scope", None) or Scope(registry.region.code)
    if user is None and has_request_context():
        user = current_user._get_current_object()
    enabled = enabled_plugins(scope, registry)
    found = []
    for impl in registry.pm.hook.eschool_template_slot.get_hookimpls():
        if impl.plugin_name != "core" and impl.plugin_name not in enabled:
            continue
        args = {"slot": name, "context": context, "user": user, "scope": scope}
        try:
            answer = impl.function(**{k: args[k] for k in impl.argnames})
        except Exception:  # a plugin's bug must not take the diary down
            log.exception("plugin %s: eschool_template_slot(%r) failed", impl.plugin_name, name)
            continue
        for fragment in ([answer] if isinstance(answer, SlotFragment) else answer or []):
            if not isinstance(fragment, SlotFragment):
                log.error("plugin %s: eschool_template_slot must return SlotFragment(s), got %r",
                          impl.plugin_name, type(fragment).__name__)
                continue
            found.append(SlotFragment(fragment.html, fragment.order, fragment.plugin or impl.plugin_name))
    return sorted(found, key=lambda f: (f.order, f.plugin))


def render_slot(name: str, scope: Scope | None = None, **context) -> Markup:
    """``{{ slot(name, ...) }}``: the fragments, each in ``<div class="slot" data-slot data-plugin>``."""
    return Markup("").join(
        Markup('<div class="slot slot-{0}" data-slot="{0}" data-plugin="{1}">{2}</div>').format(
            name, f.plugin, Markup(f.html)) for f in fragments(name, scope=scope, **context))


def marker(name: str, key) -> Markup:
    """A slot in HTML that is cached: filled later by :func:`fill_markers`."""
    return Markup(f"<!--eschool-slot {escape(name)} {escape(str(key))}-->")


def fill_markers(html: str, name: str, context_for, scope=None) -> Markup:
    """Replace the markers of slot ``name`` in ``html`` with the slot's fragments (``context_for(key)``
    gives each marker's context; ``scope`` a Scope or a function giving one, called only when needed);
    markers are simply removed when no plugin fills slots."""
    if not current_app.extensions["eschool"].plugins.implementers(HOOK):
        return Markup(MARKER.sub("", str(html)))
    scope = scope() if callable(scope) else scope

    def replace(match):
        if match.group(1) != name:
            return match.group(0)
        return str(render_slot(name, scope=scope, **context_for(match.group(2))))

    return Markup(MARKER.sub(replace, str(html)))
