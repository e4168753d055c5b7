"""Where each plugin is on: the region profile, then stored municipality and school toggles.

Resolution for a school: the profile must allow the plugin in the school's municipality (its
``municipalities`` list, empty meaning everywhere); then the school's toggle wins, else the
municipality's toggle, else the profile's ``default``; a plugin whose ``requires`` are not all on
there is off too. Required plugins are always on. At region level (no municipality, no school)
every allowed plugin is on; region-wide pages filter per school.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, has_app_context
from flask_babel import gettext as _

from eschool import events
from eschool.core_parts import is_core
from eschool.db import db, utcnow
from eschool.ops.security import security_event
from eschool.plugins.models import PluginToggle
from eschool.structure.models import Municipality, School
from eschool.structure.services import school_by_id
from eschool.types import Scope
from eschool.web.errors import PageError


class ToggleError(ValueError):
    """A toggle that cannot be set; the message says why."""


def _ext():
    return current_app.extensions["eschool"]


def municipality_code(municipality_id: int | None) -> str | None:
    """A municipality's code, kept by the app: the codes come from the region profile, which is read at
    start-up (every page's menu asked the database for it)."""
    if municipality_id is None:
        return None
    cache = _ext().municipality_codes if has_app_context() else {}
    if municipality_id not in cache:
        muni = Municipality.get_or_none(Municipality.id == municipality_id)
        if muni is None:
            return None
        cache[municipality_id] = muni.code
    return cache[municipality_id]


def _toggles(scope: Scope) -> dict[tuple[str, str], bool]:
    conditions = []
    if scope.school_id is not None:
        conditions.append((PluginToggle.scope_type == "school") & (PluginToggle.scope_id == scope.school_id))
    if scope.municipality_id is not None:
        conditions.append((PluginToggle.scope_type == "municipality")
                          & (PluginToggle.scope_id == scope.municipality_id))
    if not conditions:
        return {}
    where = conditions[0] if len(conditions) == 1 else conditions[0] | conditions[1]
    return {(t.plugin, t.scope_type): t.enabled for t in PluginToggle.select().where(where)}


@dataclass(frozen=True)
class PluginState:
    plugin: str
    enabled: bool
    source: str  # required | region | not_in_municipality | municipality | school | requires


def plugin_states(registry, scope: Scope) -> dict[str, PluginState]:
    """Each allowed plugin's state in ``scope`` and where that state comes from."""
    toggles = _toggles(scope)
    muni_code = municipality_code(scope.municipality_id)
    states = {}
    for name in registry.plugin_names(include_core=False):
        info = registry.infos[name]
        entry = registry.region.plugins.get(name, {"default": True, "municipalities": []})
        if info.required:
            states[name] = PluginState(name, True, "required")
            continue
        if scope.level == "region":
            states[name] = PluginState(name, True, "region")
            continue
        limit = entry.get("municipalities") or []
        if limit and muni_code not in limit:
            states[name] = PluginState(name, False, "not_in_municipality")
            continue
        state, source = entry.get("default", True), "region"
        if (name, "municipality") in toggles:
            state, source = toggles[(name, "municipality")], "municipality"
        if (name, "school") in toggles:
            state, source = toggles[(name, "school")], "school"
        states[name] = PluginState(name, state, source)
    return _needs_met(registry, states)


def _needs_met(registry, states: dict[str, PluginState]) -> dict[str, PluginState]:
    """A plugin is off wherever a plugin it requires is off (however the two toggles got there)."""
    changed = True
    while changed:
        changed = False
        for name, state in states.items():
            needs = registry.infos[name].requires
            if state.enabled and any(not states[r].enabled for r in needs if r in states):
                states[name] = PluginState(name, False, "requires")
                changed = True
    return states


def enabled_plugins(scope: Scope, registry=None) -> frozenset[str]:
    """The plugins on in ``scope`` (cached for the request)."""
    registry = registry or _ext().plugins
    cache = g.setdefault("_enabled_cache", {}) if has_app_context() else {}
    if scope not in cache:
        cache[scope] = frozenset(n for n, s in plugin_states(registry, scope).items() if s.enabled)
    return cache[scope]


def is_enabled(plugin: str, scope: Scope) -> bool:
    return is_core(plugin) or plugin in enabled_plugins(scope)


def hooks_here(scope: Scope):
    """Hook callers that reach only the plugins enabled in ``scope``."""
    registry = _ext().plugins
    disabled = frozenset(registry.plugin_names(include_core=False)) - enabled_plugins(scope, registry)
    return registry.hooks_for(disabled)


def listens(event: str) -> bool:
    """Whether any plugin of the app implements ``eschool_on_<event>`` (a caller may then skip building
    the event's arguments)."""
    return bool(_ext().plugins.implementers(f"eschool_on_{event}"))


def fire_event(event: str, scope: Scope, actor=events.REQUEST_USER, **kwargs) -> None:
    """Fire ``eschool_on_<event>`` for the plugins enabled in ``scope``: call it where the change is made,
    inside or outside its transaction; it is delivered after the outermost commit, never for a change
    rolled back, each plugin's handler isolated from the others' errors (``eschool.events``).

    ``actor`` is the acting User, a user id (loaded), None for a system action, or left out: the user of
    the current request. Handlers always receive a User or None.
    """
    if not has_app_context() or not listens(event):
        return  # nobody listens: not even the toggles are read
    _deliver(f"eschool_on_{event}", scope, actor, kwargs)


def fire_plugin_event(hook: str, scope: Scope, actor=events.REQUEST_USER, **kwargs) -> None:
    """Fire a plugin's own event: a hook it published through ``eschool_addhooks``, named
    ``<code>_on_<event>`` (``summer_camp_on_day_marked``), delivered as the core's events are (after the
    outermost commit, only to the plugins on in ``scope``, each handler isolated). Nothing happens when
    no plugin implements it; a hook the core owns (``eschool_...``) is refused."""
    if hook.startswith("eschool_") or "_on_" not in hook:
        raise ValueError(f"{hook}: a plugin's event is named <code>_on_<event>; the core fires its own")
    if not has_app_context() or not hasattr(_ext().plugins.pm.hook, hook) or not _ext().plugins.implementers(hook):
        return  # nobody listens (or the hook's publisher is not loaded): not even the toggles are read
    _deliver(hook, scope, actor, kwargs)


def _deliver(hook: str, scope: Scope, actor, kwargs: dict) -> None:
    impls = sorted((impl for impl in getattr(hooks_here(scope), hook).get_hookimpls()
                    if not (impl.hookwrapper or impl.wrapper)),  # an event has no result to wrap
                   key=lambda impl: (not is_core(impl.plugin_name), impl.plugin_name))
    if not impls:
        return
    kwargs.update(scope=scope, actor=events.actor_of(actor))
    events.publish(current_app._get_current_object(), hook, impls, kwargs, db)


def scope_for_school(school: School) -> Scope:
    return Scope(_ext().region.code, school.municipality_id, school.id)


def scope_for_region() -> Scope:
    return Scope(_ext().region.code, None, None)


def scope_for_municipality(municipality: Municipality) -> Scope:
    return Scope(_ext().region.code, municipality.id, None)


def schools_with_plugin(plugin: str, schools) -> list:
    """Filter schools to those where ``plugin`` is on (two queries, whatever the count)."""
    registry = _ext().plugins
    entry = registry.region.plugins.get(plugin, {"default": True, "municipalities": []})
    toggles = {(t.scope_type, t.scope_id): t.enabled
               for t in PluginToggle.select().where(PluginToggle.plugin == plugin)}
    limit = set(entry.get("municipalities") or [])
    codes = {m.id: m.code for m in Municipality.select(Municipality.id, Municipality.code)} if limit else {}
    result = []
    for school in schools:
        if limit and codes.get(school.municipality_id) not in limit:
            continue
        state = entry.get("default", True)
        state = toggles.get(("municipality", school.municipality_id), state)
        state = toggles.get(("school", school.id), state)
        if state:
            result.append(school)
    return result


def set_toggle(registry, plugin: str, scope_type: str, scope_id: int, enabled: bool, actor: str = "") -> PluginToggle:
    """Switch a plugin on or off for a municipality or a school; the plugin's data stays."""
    if plugin not in registry.infos or is_core(plugin):
        allowed = ", ".join(registry.optional_plugins()) or "none"
        raise ToggleError(f"plugin: '{plugin}' is not a plugin this region allows (allowed: {allowed})")
    if registry.infos[plugin].required:
        raise ToggleError(f"plugin: '{plugin}' is required and cannot be switched off or on")
    if scope_type not in ("municipality", "school"):
        raise ToggleError("scope: expected 'municipality' or 'school'")
    if scope_type == "school":
        school = School.get_or_none(School.id == scope_id)
        if school is None:
            raise ToggleError(f"school: no school with id {scope_id}")
        scope = Scope(registry.region.code, school.municipality_id, school.id)
    else:
        muni = Municipality.get_or_none(Municipality.id == scope_id)
        if muni is None:
            raise ToggleError(f"municipality: no municipality with id {scope_id}")
        scope = Scope(registry.region.code, muni.id, None)
    entry = registry.region.plugins.get(plugin, {})
    limit = entry.get("municipalities") or []
    if enabled and limit and municipality_code(scope.municipality_id) not in limit:
        raise ToggleError(
            f"plugin: the region profile allows '{plugin}' only in: {', '.join(limit)}")
    states = plugin_states(registry, scope)
    if enabled:
        missing = [r for r in registry.infos[plugin].requires if not states.get(r, PluginState(r, True, "")).enabled]
        if missing:
            raise ToggleError(f"plugin: '{plugin}' needs {', '.join(missing)} switched on here first")
    else:
        dependants = [n for n, i in registry.infos.items() if plugin in i.requires and states.get(n)
                      and states[n].enabled]
        if dependants:
            raise ToggleError(f"plugin: {', '.join(dependants)} need '{plugin}'; switch them off first")
    with db.atomic():
        toggle, created = PluginToggle.get_or_create(
            plugin=plugin, scope_type=scope_type, scope_id=scope_id,
            defaults={"enabled": enabled, "changed_by": actor})
        if not created:
            toggle.enabled, toggle.changed_by, toggle.changed_at = enabled, actor, utcnow()
            toggle.save()
    if has_app_context():
        g.pop("_enabled_cache", None)
    security_event("plugin_toggled", plugin=plugin, scope_type=scope_type, scope_id=scope_id, enabled=enabled,
                   actor=actor or None)
    return toggle


def clear_toggle(plugin: str, scope_type: str, scope_id: int) -> int:
    """Remove a stored toggle so the level above decides again."""
    count = PluginToggle.delete().where((PluginToggle.plugin == plugin) & (PluginToggle.scope_type == scope_type)
                                        & (PluginToggle.scope_id == scope_id)).execute()
    if has_app_context():
        g.pop("_enabled_cache", None)
    if count:
        security_event("plugin_toggle_cleared", plugin=plugin, scope_type=scope_type, scope_id=scope_id)
    return count


# --------------------------------------------------------------------------- the modules page

MANAGE_PERMISSION = "plugins.manage"


def target_scope(user, school_id, municipality_id) -> tuple[Scope, object]:
    """The scope being managed (a school, a municipality, else the request's), and its school or
    municipality; a PageError 404 if unknown, 403 if ``user`` may not manage modules there."""
    region = current_app.extensions["eschool"].region.code
    if school_id:
        school = school_by_id(school_id)
        if school is None:
            raise PageError(404, _("Not found."))
        scope, target = Scope(region, school.municipality_id, school.id), school
    elif municipality_id:
        muni = Municipality.get_or_none(Municipality.id == municipality_id)
        if muni is None:
            raise PageError(404, _("Not found."))
        scope, target = Scope(region, muni.id, None), muni
    else:
        scope = g.scope
        target = (School.get_or_none(School.id == scope.school_id) if scope.school_id
                  else Municipality.get_or_none(Municipality.id == scope.municipality_id)
                  if scope.municipality_id else None)
    from eschool.auth.permissions import has_permission

    if not has_permission(user, MANAGE_PERMISSION, scope):
        raise PageError(403, _("You do not have permission to do this here."))
    return scope, target


def state_rows(scope: Scope) -> list[dict]:
    """Each optional plugin of the region with its state in ``scope`` and where the state comes from."""
    from eschool.plugins.settings import schema_for

    registry = current_app.extensions["eschool"].plugins
    states = plugin_states(registry, scope)
    rows = []
    for code in registry.plugin_names(include_core=False):
        info = registry.infos[code]
        rows.append({"code": code, "name": str(info.name), "description": str(info.description),
                     "version": info.version, "required": info.required, "enabled": states[code].enabled,
                     "source": states[code].source, "has_settings": schema_for(code, registry) is not None})
    return rows
