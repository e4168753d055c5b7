"""Schemas of plugin states and toggles."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class PluginStateSchema(Schema):
    code = fields.String()
    name = fields.String()
    description = fields.String()
    version = fields.String()
    required = fields.Boolean()
    enabled = fields.Boolean()
    has_settings = fields.Boolean(metadata={"description": "the plugin has settings (see .../settings)"})
    source = fields.String(metadata={"description": "required | region | not_in_municipality | municipality | school | requires"})


class ToggleInSchema(Schema):
    scope_type = fields.String(required=True, validate=validate.OneOf(["municipality", "school"]))
    scope_id = fields.Integer(required=True)
    state = fields.String(required=True, validate=validate.OneOf(["on", "off", "default"]))


class ScopeQuerySchema(Schema):
    school = fields.Integer(load_default=None)
    municipality = fields.Integer(load_default=None)


class SettingsInSchema(Schema):
    scope_type = fields.String(required=True, validate=validate.OneOf(["municipality", "school"]))
    scope_id = fields.Integer(required=True)
    values = fields.Dict(keys=fields.String(), required=True, metadata={
        "description": "the plugin's settings set at this level; a key left out or null is inherited"})


class SettingsOutSchema(Schema):
    plugin = fields.String()
    level = fields.String(metadata={"description": "region | municipality | school"})
    values = fields.Dict(metadata={"description": "the settings in effect here (nearest level wins)"})
    overrides = fields.Dict(metadata={"description": "the keys set at this very level"})
    inherited = fields.Dict(metadata={"description": "what the levels above give"})
    sources = fields.Dict(metadata={"description": "each key's level: region | municipality | school | default"})
