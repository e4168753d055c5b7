"""Schemas of plugin states and toggles."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from eschool.validation import N_

SOURCES = ("required | region | not_in_municipality | region_enforced | municipality_enforced | municipality | "
           "school | requires")


class OwnToggleSchema(Schema):
    state = fields.String(metadata={"description": "on | off"})
    enforced = fields.Boolean()


class PluginStateSchema(Schema):
    code = fields.String()
    name = fields.String()
    description = fields.String()
    version = fields.String()
    required = fields.Boolean()
    enabled = fields.Boolean()
    has_settings = fields.Boolean(metadata={"description": "the plugin has settings (see .../settings)"})
    source = fields.String(metadata={"description": SOURCES})
    enforced = fields.Boolean(metadata={"description": "an enforced toggle of the region or the municipality decides: "
                                                       "the levels below it cannot change the state"})
    locked_by = fields.String(allow_none=True, metadata={
        "description": "what keeps this level from changing it: required | profile | region | municipality; null: "
                       "this level may change it"})
    own = fields.Nested(OwnToggleSchema, allow_none=True, metadata={"description": "the toggle stored at this very "
                                                                                  "level, if any"})


class ToggleInSchema(Schema):
    scope_type = fields.String(required=True, validate=validate.OneOf(["region", "municipality", "school"]))
    scope_id = fields.Integer(load_default=None, metadata={"description": "the municipality's or school's id; "
                                                                          "left out for the region"})
    state = fields.String(required=True, validate=validate.OneOf(["on", "off", "default"]))
    enforced = fields.Boolean(load_default=False, metadata={
        "description": "the levels below cannot change it (a region or a municipality; a region-wide toggle always "
                       "is)"})

    @validates_schema
    def _place(self, data, **_kwargs):
        if data.get("scope_type") in ("municipality", "school") and data.get("scope_id") is None:
            raise ValidationError({"scope_id": [N_("This field is required.")]})


class ScopeQuerySchema(Schema):
    school = fields.Integer(load_default=None)
    municipality = fields.Integer(load_default=None)
    region = fields.Boolean(load_default=False, metadata={"description": "the region's level (region operators)"})


class OverviewQuerySchema(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=100),
                      metadata={"description": "words of the school's name or short name, or its id"})
    municipality = fields.String(load_default=None, metadata={"description": "a municipality's code"})
    plugin = fields.String(load_default=None, metadata={"description": "with `state`: filter on this module"})
    state = fields.String(load_default=None, validate=validate.OneOf(["on", "off", "school", "enforced"]),
                          metadata={"description": "on | off | school (switched by the school itself) | enforced"})


class ModuleStateSchema(Schema):
    enabled = fields.Boolean()
    source = fields.String(metadata={"description": SOURCES})
    enforced = fields.Boolean()


class OverviewRowSchema(Schema):
    school_id = fields.Integer()
    short_name = fields.String()
    name = fields.String()
    municipality = fields.String(metadata={"description": "the municipality's code"})
    municipality_id = fields.Integer()
    modules = fields.Dict(keys=fields.String(), values=fields.Nested(ModuleStateSchema),
                          metadata={"description": "each optional module's state at the school, by code"})


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
