"""A plugin's settings per scope: the region profile, then a municipality's, then a school's; the nearest wins.

The region level is the profile's ``[plugins.<code>.settings]`` table (read at start-up). A
municipality and a school may override single keys; they are stored in :class:`PluginSetting`
(only the keys set at that level). :func:`settings_for` merges them key by key, the nearest level
winning, and loads the result through the plugin's settings schema (``eschool_settings_schema``),
so a plugin always receives complete, validated settings with its defaults filled in. Each level
is validated by the same schema when it is saved; a value that cannot be saved names its field.
"""
from __future__ import annotations

import inspect
import json
import logging
from dataclasses import dataclass, field

from flask import current_app, g, has_app_context
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from eschool.core_parts import is_core
from eschool.db import db, utcnow
from eschool.plugins.models import PluginSetting
from eschool.structure.models import Municipality, School
from eschool.types import Scope

log = logging.getLogger(__name__)
LEVELS = ("region", "municipality", "school")


class SettingsError(ValueError):
    """Settings that cannot be saved; ``fields`` maps each field to its messages."""

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message, self.fields = message, fields or {}


def _registry(registry=None):
    return registry or current_app.extensions["eschool"].plugins


def schema_for(plugin: str, registry=None) -> Schema | None:
    """An instance of the plugin's settings schema, or ``None`` when the plugin has no settings."""
    registry = _registry(registry)
    schemas = getattr(registry, "_settings_schemas", None)
    if schemas is None:
        schemas = registry._settings_schemas = registry.call_each("eschool_settings_schema")
    found = schemas.get(plugin) if plugin in registry.infos and not is_core(plugin) else None
    if found is None:
        return None
    return found() if inspect.isclass(found) else found


def _profile_values(registry, plugin: str) -> dict:
    return dict(registry.region.plugins.get(plugin, {}).get("settings", {}))


def _stored(plugin: str, scope: Scope) -> dict[str, dict]:
    """The overrides stored for the scope's municipality and school: ``{level: values}``."""
    conditions = []
    if scope.school_id is not None:
        conditions.append((PluginSetting.scope_type == "school") & (PluginSetting.scope_id == scope.school_id))
    if scope.municipality_id is not None:
        conditions.append((PluginSetting.scope_type == "municipality")
                          & (PluginSetting.scope_id == scope.municipality_id))
    if not conditions:
        return {}
    where = conditions[0] if len(conditions) == 1 else conditions[0] | conditions[1]
    rows = PluginSetting.select().where(where & (PluginSetting.plugin == plugin))
    return {row.scope_type: json.loads(row.values or "{}") for row in rows}


@dataclass
class SettingsView:
    """A plugin's settings as seen in one scope, for the modules page and the API."""

    plugin: str
    level: str  # region | municipality | school: the level being looked at (and edited)
    values: dict  # the effective settings here (complete, loaded)
    overrides: dict = field(default_factory=dict)  # the keys set at this very level (serialised)
    inherited: dict = field(default_factory=dict)  # what the levels above give (serialised)
    sources: dict = field(default_factory=dict)  # key -> the level its value comes from


def _merge(registry, plugin: str, scope: Scope) -> tuple[dict, dict[str, str], dict[str, dict]]:
    """The merged raw values, each key's source level, and the stored overrides by level."""
    stored = _stored(plugin, scope)
    merged, sources = {}, {}
    for level, values in (("region", _profile_values(registry, plugin)),
                          ("municipality", stored.get("municipality", {})),
                          ("school", stored.get("school", {}))):
        for key, value in values.items():
            merged[key], sources[key] = value, level
    return merged, sources, stored


def _load(schema: Schema, plugin: str, merged: dict, sources: dict) -> dict:
    try:
        return schema.load(merged)
    except ValidationError as exc:
        # A stored override the plugin's current schema refuses (say, after an upgrade): fall back to the
        # level above for those keys and say so in the log, rather than break every page of the scope.
        bad = {k for k in exc.messages if sources.get(k) in ("municipality", "school")}
        log.warning("plugin %s: stored settings %s no longer valid (%s); using the level above",
                    plugin, sorted(bad), exc.messages)
        return schema.load({k: v for k, v in merged.items() if k not in bad})


def settings_for(plugin: str, scope: Scope, registry=None) -> dict:
    """The plugin's complete settings in ``scope``: school over municipality over the region profile.

    Cached for the request. A plugin without a settings schema gets ``{}``.
    """
    registry = _registry(registry)
    cache = g.setdefault("_plugin_settings", {}) if has_app_context() else {}
    key = (plugin, scope)
    if key not in cache:
        schema = schema_for(plugin, registry)
        if schema is None:
            cache[key] = {}
        elif scope.municipality_id is None and scope.school_id is None:
            cache[key] = registry.settings.get(plugin, {})
        else:
            merged, sources, _stored_levels = _merge(registry, plugin, scope)
            cache[key] = _load(schema, plugin, merged, sources)
    return cache[key]


def settings_view(plugin: str, scope: Scope, registry=None) -> SettingsView:
    """What the modules page shows: the effective values, this level's overrides and what is inherited."""
    registry = _registry(registry)
    schema = schema_for(plugin, registry)
    if schema is None:
        raise SettingsError(f"plugin: '{plugin}' has no settings")
    level = scope.level
    merged, sources, stored = _merge(registry, plugin, scope)
    profile = _profile_values(registry, plugin)
    above = {"region": {}, "municipality": profile,
             "school": profile | stored.get("municipality", {})}[level]
    overrides = profile if level == "region" else stored.get(level, {})
    inherited = schema.dump(_load(schema, plugin, above, {}))
    values = settings_for(plugin, scope, registry)
    all_sources = {name: sources.get(name, "default") for name in schema.fields}
    return SettingsView(plugin, level, values, overrides, inherited, all_sources)


def _clean(values: dict) -> dict:
    """Drop the keys left empty: an empty value means "inherit from the level above"."""
    return {k: v for k, v in values.items() if v is not None and not (isinstance(v, str) and v.strip() == "")}


def set_settings(registry, plugin: str, scope_type: str, scope_id: int, values: dict, actor: str = "") -> dict:
    """Store ``values`` as the plugin's overrides for a municipality or a school (replacing earlier ones).

    Keys left out, ``None`` or empty are inherited. The values are validated by the plugin's schema,
    alone and merged with the levels above; on an error nothing is saved and :class:`SettingsError`
    names each field. Returns the serialised overrides stored.
    """
    schema = schema_for(plugin, registry)
    if schema is None:
        raise SettingsError(f"plugin: '{plugin}' has no settings", {"plugin": ["This plugin has no settings."]})
    if scope_type == "school":
        school = School.get_or_none(School.id == scope_id)
        if school is None:
            raise SettingsError(f"school: no school with id {scope_id}", {"scope_id": ["Unknown school."]})
        scope = Scope(registry.region.code, school.municipality_id, school.id)
    elif scope_type == "municipality":
        muni = Municipality.get_or_none(Municipality.id == scope_id)
        if muni is None:
            raise SettingsError(f"municipality: no municipality with id {scope_id}",
                                {"scope_id": ["Unknown municipality."]})
        scope = Scope(registry.region.code, muni.id, None)
    else:
        raise SettingsError("scope: expected 'municipality' or 'school'", {"scope_type": ["Not a valid choice."]})
    if not isinstance(values, dict):
        raise SettingsError("values: expected an object", {"values": ["Not a valid mapping type."]})
    given = _clean(values)
    fixed = {k: [str(_l("This setting is set for the whole region only, in the region profile."))]
             for k in given if k in schema.fields and scope_type not in levels_of(schema.fields[k])}
    if fixed:
        raise SettingsError("settings: some values cannot be set here", fixed)
    try:
        loaded = schema.load(given, partial=True)
    except ValidationError as exc:
        raise SettingsError("settings: some values are not valid", _messages(exc.messages)) from exc
    overrides = {k: v for k, v in schema.dump(loaded).items() if k in given}
    merged, _sources, stored = _merge(registry, plugin, scope)
    if scope_type == "municipality":
        merged = _profile_values(registry, plugin) | overrides
    else:
        merged = _profile_values(registry, plugin) | stored.get("municipality", {}) | overrides
    try:
        schema.load(merged)
    except ValidationError as exc:  # a rule across fields, with the levels above
        raise SettingsError("settings: some values are not valid", _messages(exc.messages)) from exc
    with db.atomic():
        PluginSetting.delete().where((PluginSetting.plugin == plugin) & (PluginSetting.scope_type == scope_type)
                                     & (PluginSetting.scope_id == scope_id)).execute()
        if overrides:
            PluginSetting.create(plugin=plugin, scope_type=scope_type, scope_id=scope_id,
                                 values=json.dumps(overrides, sort_keys=True), changed_by=actor, changed_at=utcnow())
    if has_app_context():
        g.pop("_plugin_settings", None)
    return overrides


def _messages(messages) -> dict[str, list[str]]:
    if not isinstance(messages, dict):
        return {"_schema": [str(m) for m in messages]}
    return {str(k): ([str(m) for m in v] if isinstance(v, list) else [str(v)]) for k, v in messages.items()}


# --------------------------------------------------------------------------- the generated form


def levels_of(fld) -> tuple[str, ...]:
    """Where a field may be set: its ``metadata["levels"]``, by default every level."""
    return tuple(fld.metadata.get("levels", LEVELS))


@dataclass
class FormField:
    name: str
    label: str
    description: str
    kind: str  # number | boolean | choice | text
    choices: list[tuple[str, str]] = field(default_factory=list)
    minimum: object = None
    maximum: object = None
    levels: tuple[str, ...] = LEVELS


def form_fields(schema: Schema) -> list[FormField]:
    """The inputs of the settings form, from the schema's fields (``metadata`` ``label`` and ``description``)."""
    result = []
    for name, fld in schema.fields.items():
        if fld.dump_only:
            continue
        meta = fld.metadata
        label, description = str(meta.get("label", name)), str(meta.get("description", ""))
        choices, minimum, maximum = [], None, None
        for validator in fld.validators:
            if isinstance(validator, validate.OneOf):
                labels = list(validator.labels) if validator.labels else [str(c) for c in validator.choices]
                choices = [(str(c), str(lbl)) for c, lbl in zip(validator.choices, labels, strict=False)]
            elif isinstance(validator, validate.Range):
                minimum, maximum = validator.min, validator.max
        if isinstance(fld, fields.Boolean):
            kind = "boolean"
        elif choices:
            kind = "choice"
        elif isinstance(fld, fields.Number):
            kind = "number"
        else:
            kind = "text"
        result.append(FormField(name, label, description, kind, choices, minimum, maximum, levels_of(fld)))
    return result
