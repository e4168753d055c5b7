"""What the layout shows: menu entries and dashboard widgets from the enabled plugins."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from eschool.auth.permissions import has_permission
from eschool.plugins.services import hooks_here
from eschool.types import MENU_GROUPS

SECTIONS = ("main", "admin", "public")
#: The menu's task groups as the menu names them (``home`` entries have no heading).
GROUP_LABELS = {"journal": _l("Journal"), "school": _l("School"), "people": _l("People"), "reports": _l("Reports"),
                "modules": _l("Modules")}
#: A family's menu names the journal's group after what they read in it.
FAMILY_GROUP_LABELS = {"journal": _l("Diary"), "modules": _l("Services")}
#: Up to this many entries the menu is one row of links; beyond it, the entries are grouped by task.
FLAT_MENU = 6


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
            group = item.group if item.group in MENU_GROUPS else "modules"
            grouped.setdefault(item.section, []).append(
                {"label": str(item.label), "url": url, "order": item.order, "icon": item.icon,
                 "endpoint": item.endpoint, "group": group})
    for entries in grouped.values():
        entries.sort(key=lambda e: (e["order"], e["label"]))
    return grouped


def menu_groups(entries: list[dict], family: bool = False) -> list[dict]:
    """The logged-in menu by task: ``[{"key", "label", "items"}]`` in ``MENU_GROUPS`` order, the ``home`` group
    first (its entries stand on their own). Empty groups are left out; a short menu (``FLAT_MENU`` entries or
    fewer) is one group of plain links."""
    if len(entries) <= FLAT_MENU:
        return [{"key": "home", "label": "", "items": list(entries)}] if entries else []
    labels = {**GROUP_LABELS, **(FAMILY_GROUP_LABELS if family else {})}
    result = []
    for key in MENU_GROUPS:
        items = [e for e in entries if e["group"] == key]
        if items:
            result.append({"key": key, "label": str(labels.get(key, "")), "items": items})
    return result


def widgets(user, scope) -> list[dict]:
    shown = []
    for items in hooks_here(scope).eschool_dashboard_widgets(user=user, scope=scope):
        for w in items or []:
            if w.permission and not has_permission(user, w.permission, scope):
                continue
            shown.append(w)
    shown.sort(key=lambda w: (w.order, w.key))
    return [{"key": w.key, "title": str(w.title), "template": w.template, "context": w.context(),
             "wide": getattr(w, "wide", False)} for w in shown]


def face_labels(faces: list[tuple[tuple, list]]) -> list[str]:
    """What the header calls each of a person's faces (``auth.permissions.personas``): the roles of the face
    with their class and their school or municipality, «Class teacher 5А, Subject teacher · School №1».
    Three queries at most, whatever the number of roles."""
    from eschool.auth.roles import ROLES
    from eschool.school.models import ClassGroup
    from eschool.structure.models import Municipality, School

    assignments = [a for _key, items in faces for a in items]
    class_ids = sorted({a.class_group_id for a in assignments if a.class_group_id})
    school_ids = sorted({a.school_id for a in assignments if a.school_id})
    muni_ids = sorted({a.municipality_id for a in assignments if a.municipality_id})
    classes = dict(ClassGroup.select(ClassGroup.id, ClassGroup.name).where(ClassGroup.id.in_(class_ids))
                   .tuples()) if class_ids else {}
    schools = dict(School.select(School.id, School.short_name).where(School.id.in_(school_ids))
                   .tuples()) if school_ids else {}
    from flask_babel import get_locale

    locale = str(get_locale() or "ru")
    munis = {m.id: m.name(locale) for m in Municipality.select().where(Municipality.id.in_(muni_ids))} \
        if muni_ids else {}
    labels = []
    rank = {code: i for i, code in enumerate(ROLES)}
    for key, items in faces:
        roles = []
        for a in sorted(items, key=lambda a: (rank.get(a.role, 99), a.id)):
            role = ROLES.get(a.role)
            text = str(role.label) if role else a.role
            if a.class_group_id and a.role != "student":
                text += f" {classes.get(a.class_group_id, '')}".rstrip()
            if text not in roles:
                roles.append(text)
        where = ""
        if key[0] == "staff":
            where = schools.get(key[1], "")
        elif key[0] == "municipality":
            where = munis.get(key[1], "")
        labels.append(", ".join(roles) + (f" · {where}" if where else ""))
    return labels


def display_value(value):
    """``{{ value|cell }}``: a value as a table cell shows it in the user's language: dates and times through
    Babel (03.12.2026 in Russian, 12/3/26 in English), yes or no for booleans, decimals with the locale's
    separator; anything else as it is."""
    import datetime as dt
    from decimal import Decimal

    from flask_babel import format_date, format_datetime, format_decimal, format_time
    from flask_babel import gettext as _

    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        return format_datetime(value, "short")
    if isinstance(value, dt.date):
        return format_date(value, "short")
    if isinstance(value, dt.time):
        return format_time(value, "HH:mm")
    if isinstance(value, Decimal | float):
        return format_decimal(value)
    return value


def display_rate(value) -> str:
    """``{{ value|rate }}``: a pass or quality rate as the user reads numbers, always one decimal
    (50,0 and 66,7 in Russian, 50.0 in English); a dash where there is none."""
    if value is None:
        return "—"
    from flask_babel import format_decimal

    return format_decimal(value, format="#,##0.0")
