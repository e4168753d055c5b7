"""Where each plugin is on: the region profile, then stored region, municipality and school toggles.

Resolution for a school: the profile must allow the plugin in the school's municipality (its
``municipalities`` list, empty meaning everywhere); then an *enforced* toggle decides: the region's (a
region operator's, for every municipality and school), else the municipality's; else the school's toggle
wins, else the municipality's plain toggle, else the profile's ``default``; a plugin whose ``requires`` are
not all on there is off too. Required plugins are always on. At region level (no municipality, no school)
every allowed plugin is on unless the region enforces it off; region-wide pages filter per school.

A plain toggle is a default the level below may change; an enforced one is not: ``set_toggle`` refuses
a school's toggle under an enforced municipality or region, and a municipality's under an enforced region
(:class:`ToggleLocked`). The toggles below an enforced one are kept, and count again once it is lifted.

A request at a municipality's level (its public lists, its operator's pages) reaches a plugin that is on
for the municipality, or on in one of its schools (a school that switched it on under a plain municipal
"off"): its pages list those schools (``enabled_plugins``).
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

#: ``scope_id`` of a region-wide toggle (``scope_type = "region"``).
REGION_ID = 0
SCOPE_TYPES = ("region", "municipality", "school")
#: Sources of a state that the levels below cannot change.
ENFORCED = ("region_enforced", "municipality_enforced")


class ToggleError(ValueError):
    """A toggle that cannot be set: ``field`` names what is wrong (``plugin``, ``scope``, ``school``, ...),
    ``reason`` says why in the user's language; ``str()`` is both, as the CLI prints it."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


class ToggleLocked(ToggleError):
    """A level above enforces the plugin's state here (``level``: ``region`` or ``municipality``)."""

    def __init__(self, reason: str, level: str):
        super().__init__("state", reason)
        self.level = level


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


#: A stored toggle as the resolution reads it: (enabled, enforced), by (plugin, scope type).
Toggles = dict[tuple[str, str], tuple[bool, bool]]
_COLUMNS = (PluginToggle.plugin, PluginToggle.scope_type, PluginToggle.scope_id, PluginToggle.enabled,
            PluginToggle.enforced)


def _toggles(scope: Scope) -> Toggles:
    """The toggles that bear on ``scope``: the region's, its municipality's, its school's (one query)."""
    where = PluginToggle.scope_type == "region"
    if scope.municipality_id is not None:
        where |= (PluginToggle.scope_type == "municipality") & (PluginToggle.scope_id == scope.municipality_id)
    if scope.school_id is not None:
        where |= (PluginToggle.scope_type == "school") & (PluginToggle.scope_id == scope.school_id)
    return {(t.plugin, t.scope_type): (t.enabled, t.enforced) for t in PluginToggle.select(*_COLUMNS).where(where)}


@dataclass(frozen=True)
class PluginState:
    plugin: str
    enabled: bool
    #: required | region | not_in_municipality | region_enforced | municipality_enforced | municipality | school
    #: | requires
    source: str

    @property
    def enforced(self) -> bool:
        """The state comes from an enforced toggle: the levels below the one that set it cannot change it."""
        return self.source in ENFORCED


def _resolve(registry, level: str, muni_code: str | None, toggles: Toggles, names=None) -> dict[str, PluginState]:
    """Each plugin's state at ``level`` (region | municipality | school) from the toggles bearing on it (the
    one rule; ``plugin_states`` for one scope, ``school_states`` for many schools at once)."""
    states = {}
    for name in names if names is not None else registry.plugin_names(include_core=False):
        info = registry.infos[name]
        entry = registry.region.plugins.get(name, {"default": True, "municipalities": []})
        if info.required:
            states[name] = PluginState(name, True, "required")
            continue
        region = toggles.get((name, "region"))
        if level == "region":
            states[name] = PluginState(name, region[0], "region_enforced") if region else PluginState(name, True, "region")
            continue
        limit = entry.get("municipalities") or []
        if limit and muni_code not in limit:
            states[name] = PluginState(name, False, "not_in_municipality")
            continue
        if region is not None:
            states[name] = PluginState(name, region[0], "region_enforced")
            continue
        muni = toggles.get((name, "municipality"))
        if muni is not None and muni[1]:
            states[name] = PluginState(name, muni[0], "municipality_enforced")
            continue
        state, source = entry.get("default", True), "region"
        if muni is not None:
            state, source = muni[0], "municipality"
        school = toggles.get((name, "school")) if level == "school" else None
        if school is not None:
            state, source = school[0], "school"
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


def _states(registry, scope: Scope) -> tuple[dict[str, PluginState], Toggles]:
    toggles = _toggles(scope)
    return _resolve(registry, scope.level, municipality_code(scope.municipality_id), toggles), toggles


def plugin_states(registry, scope: Scope) -> dict[str, PluginState]:
    """Each allowed plugin's state in ``scope`` and where that state comes from (at a municipality: the
    municipality's own state, the default of its schools)."""
    return _states(registry, scope)[0]


def _on_in_some_school(registry, scope: Scope, states: dict[str, PluginState], toggles: Toggles) -> set[str]:
    """The plugins off for the municipality itself that one of its schools switched on (a plain municipal
    "off", or the profile's default "off"): one query, for the municipality's school toggles."""
    open_ = {n for n, s in states.items() if not s.enabled and s.source in ("region", "municipality", "requires")}
    if not open_:
        return set()
    schools = School.select(School.id).where(School.municipality == scope.municipality_id)
    own: dict[int, Toggles] = {}
    for t in PluginToggle.select(*_COLUMNS).where((PluginToggle.scope_type == "school")
                                                  & PluginToggle.scope_id.in_(schools)):
        own.setdefault(t.scope_id, {})[(t.plugin, "school")] = (t.enabled, t.enforced)
    reached: set[str] = set()
    code = municipality_code(scope.municipality_id)
    for school_toggles in own.values():
        there = _resolve(registry, "school", code, {**toggles, **school_toggles})
        reached |= {n for n in open_ if there[n].enabled}
    return reached


def enabled_plugins(scope: Scope, registry=None) -> frozenset[str]:
    """The plugins on in ``scope`` (cached for the request). At a municipality's level: those on for the
    municipality or in one of its schools (its pages list the schools that have the plugin)."""
    registry = registry or _ext().plugins
    cache = g.setdefault("_enabled_cache", {}) if has_app_context() else {}
    if scope not in cache:
        states, toggles = _states(registry, scope)
        on = {n for n, s in states.items() if s.enabled}
        if scope.level == "municipality" and scope.municipality_id is not None and scope.municipality_id > 0:
            on |= _on_in_some_school(registry, scope, states, toggles)
        cache[scope] = frozenset(on)
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


def _with_needs(registry, names) -> list[str]:
    """``names`` and every plugin they require, transitively, in the registry's order."""
    wanted, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in wanted or name not in registry.infos:
            continue
        wanted.add(name)
        todo.extend(registry.infos[name].requires)
    return [n for n in registry.plugin_names(include_core=False) if n in wanted]


def school_states(schools, plugins=None, registry=None) -> dict[int, dict[str, PluginState]]:
    """Each school's plugin states (``plugins``, or all), by school id: the same rule as ``plugin_states``,
    in two queries whatever the number of schools (the toggles; the municipalities' codes when the profile
    limits a plugin to some). The schools need ``id`` and ``municipality_id``."""
    registry = registry or _ext().plugins
    names = _with_needs(registry, plugins if plugins is not None else registry.plugin_names(include_core=False))
    query = PluginToggle.select(*_COLUMNS)
    if len(names) < len(registry.plugin_names(include_core=False)):
        query = query.where(PluginToggle.plugin.in_(names))
    region: Toggles = {}
    munis: dict[int, Toggles] = {}
    own: dict[int, Toggles] = {}
    for t in query:
        value = (t.enabled, t.enforced)
        if t.scope_type == "region":
            region[(t.plugin, "region")] = value
        elif t.scope_type == "municipality":
            munis.setdefault(t.scope_id, {})[(t.plugin, "municipality")] = value
        else:
            own.setdefault(t.scope_id, {})[(t.plugin, "school")] = value
    limited = any(registry.region.plugins.get(n, {}).get("municipalities") for n in names)
    codes = {m.id: m.code for m in Municipality.select(Municipality.id, Municipality.code)} if limited else {}
    result = {}
    for school in schools:
        toggles = {**region, **munis.get(school.municipality_id, {}), **own.get(school.id, {})}
        result[school.id] = _resolve(registry, "school", codes.get(school.municipality_id), toggles, names)
    return result


def schools_with_plugin(plugin: str, schools) -> list:
    """Filter schools to those where ``plugin`` is on (two queries, whatever the count)."""
    schools = list(schools)
    states = school_states(schools, [plugin])
    return [s for s in schools if states[s.id][plugin].enabled]


def _lock_above(plugin: str, scope_type: str, scope: Scope) -> ToggleLocked | None:
    """Why a toggle at ``scope_type`` cannot be set: a level above enforces the plugin's state there."""
    if scope_type == "region":
        return None
    where = PluginToggle.scope_type == "region"
    if scope_type == "school":
        where |= ((PluginToggle.scope_type == "municipality") & (PluginToggle.scope_id == scope.municipality_id)
                  & PluginToggle.enforced)
    above = {t.scope_type: t for t in PluginToggle.select(*_COLUMNS).where((PluginToggle.plugin == plugin) & where)}
    for level in ("region", "municipality"):
        if level in above:
            state = _("on") if above[level].enabled else _("off")
            message = (_("The region keeps '%(plugin)s' %(state)s for every municipality and school; only the region "
                         "operator changes it.", plugin=plugin, state=state) if level == "region" else
                       _("The municipality keeps '%(plugin)s' %(state)s for its schools; only the municipality or "
                         "the region changes it.", plugin=plugin, state=state))
            return ToggleLocked(message, level)
    return None


def set_toggle(registry, plugin: str, scope_type: str, scope_id: int, enabled: bool, actor: str = "",
               enforced: bool = False) -> PluginToggle:
    """Switch a plugin on or off for the region, a municipality or a school; the plugin's data stays.

    ``enforced``: the levels below cannot change it (a region-wide toggle always is; a school's never).
    :class:`ToggleLocked` when a level above enforces the plugin's state here."""
    if plugin not in registry.infos or is_core(plugin):
        allowed = ", ".join(registry.optional_plugins()) or "none"
        raise ToggleError("plugin", _("'%(plugin)s' is not a plugin this region allows (allowed: %(allowed)s)",
                                      plugin=plugin, allowed=allowed))
    if registry.infos[plugin].required:
        raise ToggleError("plugin", _("'%(plugin)s' is required and cannot be switched off or on", plugin=plugin))
    if scope_type not in SCOPE_TYPES:
        raise ToggleError("scope", _("expected 'municipality' or 'school', or 'region' (enforced)"))
    if scope_type == "region":
        scope, scope_id, enforced = Scope(registry.region.code, None, None), REGION_ID, True
    elif scope_type == "school":
        if enforced:
            raise ToggleError("enforced", _("only the region or a municipality enforces a state on the levels below"))
        school = School.get_or_none(School.id == scope_id)
        if school is None:
            raise ToggleError("school", _("no school with id %(id)s", id=scope_id))
        scope = Scope(registry.region.code, school.municipality_id, school.id)
    else:
        muni = Municipality.get_or_none(Municipality.id == scope_id)
        if muni is None:
            raise ToggleError("municipality", _("no municipality with id %(id)s", id=scope_id))
        scope = Scope(registry.region.code, muni.id, None)
    locked = _lock_above(plugin, scope_type, scope)
    if locked is not None:
        raise locked
    entry = registry.region.plugins.get(plugin, {})
    limit = entry.get("municipalities") or []
    if enabled and limit and scope_type != "region" and municipality_code(scope.municipality_id) not in limit:
        raise ToggleError("plugin", _("the region profile allows '%(plugin)s' only in: %(places)s", plugin=plugin,
                                      places=", ".join(limit)))
    states = plugin_states(registry, scope)
    if enabled:
        missing = [r for r in registry.infos[plugin].requires if not states.get(r, PluginState(r, True, "")).enabled]
        if missing:
            raise ToggleError("plugin", _("'%(plugin)s' needs %(plugins)s switched on here first", plugin=plugin,
                                          plugins=", ".join(missing)))
    else:
        dependants = [n for n, i in registry.infos.items() if plugin in i.requires and states.get(n)
                      and states[n].enabled]
        if dependants:
            raise ToggleError("plugin", _("%(plugins)s need '%(plugin)s'; switch them off first",
                                          plugins=", ".join(dependants), plugin=plugin))
    with db.atomic():
        toggle, created = PluginToggle.get_or_create(
            plugin=plugin, scope_type=scope_type, scope_id=scope_id,
            defaults={"enabled": enabled, "enforced": enforced, "changed_by": actor})
        if not created:
            toggle.enabled, toggle.enforced, toggle.changed_by, toggle.changed_at = enabled, enforced, actor, utcnow()
            toggle.save()
    if has_app_context():
        g.pop("_enabled_cache", None)
    security_event("plugin_toggled", plugin=plugin, scope_type=scope_type, scope_id=scope_id, enabled=enabled,
                   actor=actor or None)
    return toggle


def clear_toggle(plugin: str, scope_type: str, scope_id: int) -> int:
    """Remove a stored toggle so the level above decides again (a region-wide one: the profile)."""
    if scope_type == "region":
        scope_id = REGION_ID
    count = PluginToggle.delete().where((PluginToggle.plugin == plugin) & (PluginToggle.scope_type == scope_type)
                                        & (PluginToggle.scope_id == scope_id)).execute()
    if has_app_context():
        g.pop("_enabled_cache", None)
    if count:
        security_event("plugin_toggle_cleared", plugin=plugin, scope_type=scope_type, scope_id=scope_id)
    return count


# --------------------------------------------------------------------------- the modules page

MANAGE_PERMISSION = "plugins.manage"
OVERVIEW_PERMISSION = "plugins.overview"


def target_scope(user, school_id, municipality_id, region: bool = False) -> tuple[Scope, object]:
    """The scope being managed (a school, a municipality, the region when ``region``, else the request's),
    and its school or municipality (None for the region); a PageError 404 if unknown, 403 if ``user`` may
    not manage modules there."""
    region_code = current_app.extensions["eschool"].region.code
    if school_id:
        school = school_by_id(school_id)
        if school is None:
            raise PageError(404, _("Not found."))
        scope, target = Scope(region_code, school.municipality_id, school.id), school
    elif municipality_id:
        muni = Municipality.get_or_none(Municipality.id == municipality_id)
        if muni is None:
            raise PageError(404, _("Not found."))
        scope, target = Scope(region_code, muni.id, None), muni
    elif region:
        scope, target = Scope(region_code), None
    else:
        scope = g.scope
        target = (School.get_or_none(School.id == scope.school_id) if scope.school_id
                  else Municipality.get_or_none(Municipality.id == scope.municipality_id)
                  if scope.municipality_id else None)
    from eschool.auth.permissions import has_permission

    if not has_permission(user, MANAGE_PERMISSION, scope):
        raise PageError(403, _("You do not have permission to do this here."))
    return scope, target


def _locked_by(state: PluginState, level: str) -> str | None:
    """What keeps this level from changing the state: ``required``, ``profile`` (the profile does not allow
    the plugin in this municipality), ``region`` or ``municipality`` (an enforced toggle above); else None."""
    if state.source == "required":
        return "required"
    if state.source == "not_in_municipality":
        return "profile"
    if state.source == "region_enforced" and level != "region":
        return "region"
    if state.source == "municipality_enforced" and level == "school":
        return "municipality"
    return None


def state_rows(scope: Scope) -> list[dict]:
    """Each optional plugin of the region with its state in ``scope``, where the state comes from, whether
    this level may change it (``locked_by``), and the toggle stored at this very level (``own``)."""
    from eschool.plugins.settings import schema_for

    registry = current_app.extensions["eschool"].plugins
    states, toggles = _states(registry, scope)
    rows = []
    for code in registry.plugin_names(include_core=False):
        info = registry.infos[code]
        state = states[code]
        own = toggles.get((code, scope.level)) if scope.level != "region" or (code, "region") in toggles else None
        rows.append({"code": code, "name": str(info.name), "description": str(info.description),
                     "version": info.version, "required": info.required, "enabled": state.enabled,
                     "source": state.source, "enforced": state.enforced, "locked_by": _locked_by(state, scope.level),
                     "own": None if own is None else {"state": "on" if own[0] else "off", "enforced": own[1]},
                     "has_settings": schema_for(code, registry) is not None})
    return rows


def manage_reach(user) -> dict:
    """Where ``user`` (in the role they act in) manages modules: ``region`` (True: everywhere),
    ``municipalities`` (ids) and ``schools`` (ids). Pages offer only these places."""
    from eschool.auth.permissions import user_assignments

    roles = set(current_app.extensions["eschool"].permissions.roles_with(MANAGE_PERMISSION))
    reach = {"region": False, "municipalities": set(), "schools": set()}
    for a in user_assignments(user):
        if a.role not in roles:
            continue
        if a.level == "region":
            reach["region"] = True
        elif a.level == "municipality":
            reach["municipalities"].add(a.municipality_id)
        elif a.school_id is not None:
            reach["schools"].add(a.school_id)
    return reach


# --------------------------------------------------------------------------- the schools × modules overview

#: The overview's state filter: on, off, switched by the school itself, enforced from above.
OVERVIEW_STATES = ("on", "off", "school", "enforced")


def overview_reach(user) -> set[int] | None:
    """The municipalities whose schools ``user`` sees in the overview: None for all."""
    from eschool.auth.permissions import municipalities_reached

    return municipalities_reached(user, OVERVIEW_PERMISSION)


@dataclass
class Overview:
    """The overview's rows (each school with its municipality and states), the plugins (columns) and the
    number of schools before the filters on the plugin's state and the name."""

    plugins: list[tuple[str, str]]  # (code, name)
    rows: list[dict]
    reachable: int


def overview(user, municipality_id: int | None = None, plugin: str | None = None, state: str | None = None,
             q: str = "") -> Overview:
    """Every school ``user`` oversees with each optional plugin's state there: three queries whatever the
    number of schools (the schools with their municipalities, the toggles, the municipalities' codes where
    the profile limits a plugin). ``municipality_id``, ``plugin`` with ``state`` (``OVERVIEW_STATES``) and
    ``q`` (a word of the name, the short name or the id) filter the rows."""
    registry = current_app.extensions["eschool"].plugins
    codes = registry.optional_plugins()
    reach = overview_reach(user)
    query = (School.select(School.id, School.name, School.short_name, School.municipality, Municipality.id,
                           Municipality.code, Municipality.name_ru, Municipality.name_en)
             .join(Municipality).order_by(Municipality.name_ru, School.short_name, School.id))
    if reach is not None:
        query = query.where(School.municipality.in_(sorted(reach)) if reach else School.id < 0)
    if municipality_id:
        query = query.where(School.municipality == municipality_id)
    schools = list(query)
    states = school_states(schools, codes, registry)
    words = q.casefold().split()
    rows = []
    for school in schools:
        here = states[school.id]
        if plugin in here and state:
            st = here[plugin]
            if not {"on": st.enabled, "off": not st.enabled, "school": st.source == "school",
                    "enforced": st.enforced}.get(state, True):
                continue
        if words:
            text = f"{school.id} {school.name} {school.short_name}".casefold()
            if not all(word in text for word in words):
                continue
        rows.append({"school": school, "municipality": school.municipality, "states": here})
    return Overview([(c, str(registry.infos[c].name)) for c in codes], rows, len(schools))
