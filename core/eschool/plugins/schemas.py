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
    source = fields.String(metadata={"description": "required | region | not_in_municipality | municipality | school | requires"})


class ToggleInSchema(Schema):
    scope_type = fields.String(required=True, validate=validate.OneOf(["municipality", "school"]))
    scope_id = fields.Integer(required=True)
    state = fields.String(required=True, validate=validate.OneOf(["on", "off", "default"]))


class ScopeQuerySchema(Schema):
    school = fields.Integer(load_default=None)
    municipality = fields.Integer(load_default=None)
