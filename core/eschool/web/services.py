"""What the layout shows: menu entries and dashboard widgets from the enabled plugins."""
from __future__ import annotations

from flask import url_for
from werkzeug.routing import BuildError

from eschool.auth.permissions import has_permission
from eschool.plugins.services import hooks_here

SECTIONS = ("main", "admin", "public")


def is_local_path(target: str | None) -> bool:
    """A path inside the portal, safe to redirect to: not ``//host``, and no backslash or control
    character that a browser would drop or turn into ``//`` (a tab in ``/<tab>/evil.example``)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    return not any(c == "\\" or ord(c) < 32 or ord(c) == 127 for c in target)


def menu(user, scope) -> dict[str, list[dict]]:
    """Menu entries by section, filtered by permission and sorted by (order, label)."""
    grouped = {s: [] for s in SECTIONS}
    for items in hooks_here(scope).eschool_menu_items(user=user, scope=scope):
        for item in items or []:
            if item.permission and not has_permission(user, item.permission, scope):
                continue
            try:
                url = url_for(item.endpoint, **item.url_kwargs)
            except BuildError:
                continue
            grouped.setdefault(item.section, []).append(
                {"label": str(item.label), "url": url, "order": item.order, "icon": item.icon,
                 "endpoint": item.endpoint})
    for entries in grouped.values():
        entries.sort(key=lambda e: (e["order"], e["label"]))
    return grouped


def widgets(user, scope) -> list[dict]:
    shown = []
    for items in hooks_here(scope).eschool_dashboard_widgets(user=user, scope=scope):
        for w in items or []:
            if w.permission and not has_permission(user, w.permission, scope):
                continue
            shown.append(w)
    shown.sort(key=lambda w: (w.order, w.key))
    return [{"key": w.key, "title": str(w.title), "template": w.template, "context": w.context()} for w in shown]
