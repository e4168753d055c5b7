"""One plugin manager per application.

Plugins are found through the entry-point group ``eschool.plugins``. Those the region profile does
not allow are blocked *before* import, so an installed but unused plugin never runs any code.
Request-time and event hooks are called through :meth:`PluginRegistry.hooks_for`, which leaves out
the plugins switched off where the request (or event) happens.
"""
from __future__ import annotations

import inspect
from importlib.metadata import entry_points

import pluggy
from marshmallow import ValidationError

from eschool import ENTRY_POINT_GROUP, PROJECT, hookspecs
from eschool.core_parts import is_core, register_core
from eschool.regions.services import ProfileError, Region, flatten_errors
from eschool.types import PluginInfo, Scope


def installed_entry_points() -> dict:
    """Installed plugins by code (the entry-point name)."""
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


class _ScopedHooks:
    """``registry.hooks_for(scope).eschool_menu_items(...)``: only enabled plugins answer."""

    def __init__(self, registry: PluginRegistry, disabled: frozenset[str]):
        self._registry = registry
        self._disabled = disabled

    def __getattr__(self, name: str):
        return self._registry._subset_caller(name, self._disabled)


class PluginRegistry:
    """The plugins of one application: manager, infos, settings, permissions."""

    def __init__(self, region: Region, extra_plugins: tuple = ()):
        self.region = region
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(hookspecs)
        # historic: every plugin registered below publishes its own hookspecs on registration, before
        # check_pending() checks the implementations (pytest's pytest_addhooks)
        self.pm.hook.eschool_addhooks.call_historic(kwargs={"pluginmanager": self.pm})
        self._callers: dict[tuple[str, frozenset], object] = {}
        self._implementers: dict[str, frozenset[str]] = {}

        register_core(self.pm)

        allowed = region.plugins
        installed = installed_entry_points()
        extra_names = {name for name, _ in extra_plugins}
        missing = sorted(set(allowed) - set(installed) - extra_names)
        if missing:
            have = ", ".join(sorted(installed)) or "none"
            raise ProfileError(
                f"{region.path}: plugins.{missing[0]}: the plugin '{missing[0]}' is named in the profile "
                f"but not installed (installed plugins: {have})"
            )
        for name in installed:
            if name not in allowed:
                self.pm.set_blocked(name)
        self.pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
        for name, obj in extra_plugins:
            if name in allowed:
                self.pm.register(obj, name=name)
        self.pm.check_pending()
        from eschool.events import warn_changed_arguments

        warn_changed_arguments(self.pm)

        self.infos: dict[str, PluginInfo] = {}
        for name, info in self.call_each("eschool_plugin_info").items():
            if not isinstance(info, PluginInfo):
                raise ProfileError(f"plugin '{name}': eschool_plugin_info must return a PluginInfo")
            if info.code != name:
                raise ProfileError(f"plugin '{name}': its PluginInfo.code is '{info.code}', expected '{name}'")
            self.infos[name] = info
        for name in self.plugin_names():
            if name not in self.infos:
                raise ProfileError(f"plugin '{name}' does not implement eschool_plugin_info")
        self._check_requires()
        self.settings = self._load_settings()

    # ----------------------------------------------------------------- introspection

    def plugin_names(self, include_core: bool = True) -> list[str]:
        names = sorted(n for n, p in self.pm.list_name_plugin() if p is not None)
        return names if include_core else [n for n in names if not is_core(n)]

    def optional_plugins(self) -> list[str]:
        """Plugins a municipality or school may switch off."""
        return [n for n in self.plugin_names(include_core=False) if not self.infos[n].required]

    def call_each(self, hook_name: str, only: set[str] | frozenset[str] | None = None, **kwargs) -> dict[str, object]:
        """Call one hook on every (region-allowed) plugin separately: ``{plugin: result}``.

        Used for start-up hooks, where the core needs to know which plugin answered what.
        Results come back sorted by plugin code (core first), never by registration order.
        """
        caller = getattr(self.pm.hook, hook_name)
        results = {}
        impls = sorted(caller.get_hookimpls(), key=lambda i: (not is_core(i.plugin_name), i.plugin_name))
        for impl in impls:
            if only is not None and impl.plugin_name not in only and not is_core(impl.plugin_name):
                continue
            args = {k: kwargs[k] for k in impl.argnames if k in kwargs}
            result = impl.function(**args)
            if result is not None:
                results[impl.plugin_name] = result
        return dict(sorted(results.items(), key=lambda kv: (not is_core(kv[0]), kv[0])))

    def hooks_for(self, disabled: frozenset[str]) -> _ScopedHooks:
        return _ScopedHooks(self, frozenset(disabled))

    def _subset_caller(self, name: str, disabled: frozenset[str]):
        key = (name, disabled)
        caller = self._callers.get(key)
        if caller is None:
            plugins = [self.pm.get_plugin(n) for n in disabled if self.pm.get_plugin(n) is not None]
            caller = self.pm.subset_hook_caller(name, remove_plugins=plugins) if plugins else getattr(
                self.pm.hook, name)
            self._callers[key] = caller
        return caller

    def implementers(self, hook_name: str) -> frozenset[str]:
        """The plugins that implement a hook (fixed once the registry is built, so kept)."""
        found = self._implementers.get(hook_name)
        if found is None:
            found = frozenset(i.plugin_name for i in getattr(self.pm.hook, hook_name).get_hookimpls())
            self._implementers[hook_name] = found
        return found

    def hooks_implemented(self, name: str) -> list[str]:
        plugin = self.pm.get_plugin(name)
        return sorted(c.name for c in (self.pm.get_hookcallers(plugin) or []))

    # ----------------------------------------------------------------- checks

    def _check_requires(self) -> None:
        for name, info in self.infos.items():
            for req in info.requires:
                if req not in self.infos:
                    raise ProfileError(
                        f"{self.region.path}: plugins.{name}: '{name}' requires the plugin '{req}', "
                        f"which the profile does not allow"
                    )

    def _load_settings(self) -> dict[str, dict]:
        schemas = self.call_each("eschool_settings_schema")
        settings = {}
        for name in self.plugin_names(include_core=False):
            raw = self.region.plugins.get(name, {}).get("settings", {})
            schema_cls = schemas.get(name)
            if schema_cls is None:
                if raw:
                    raise ProfileError(
                        f"{self.region.path}: plugins.{name}.settings: the plugin '{name}' has no settings")
                settings[name] = {}
                continue
            schema = schema_cls() if inspect.isclass(schema_cls) else schema_cls
            try:
                settings[name] = schema.load(raw)
            except ValidationError as exc:
                lines = "\n".join(f"  plugins.{name}.settings.{line}" for line in flatten_errors(exc.messages))
                raise ProfileError(f"{self.region.path}: invalid plugin settings:\n{lines}") from exc
        return settings

    def scope_label(self, scope: Scope) -> str:
        return scope.level
