"""Marshmallow schemas of accounts and tokens (API input and output)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from eschool.fields import UtcDateTime


class TokenRequestSchema(Schema):
    login = fields.String(required=True, validate=validate.Length(min=1, max=254),
                          metadata={"description": "username, e-mail or phone"})
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))
    name = fields.String(load_default="", validate=validate.Length(max=100),
                         metadata={"description": "a label for the token, e.g. the device"})


class TokenSchema(Schema):
    id = fields.Integer()
    token = fields.String(metadata={"description": "shown once; send as 'Authorization: Bearer <token>'"})
    expires_at = UtcDateTime()
    must_change_password = fields.Boolean()


class TokenInfoSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    created_at = UtcDateTime()
    expires_at = UtcDateTime()
    last_used_at = UtcDateTime(allow_none=True)
    revoked_at = UtcDateTime(allow_none=True)


class UserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    email = fields.String(allow_none=True)
    locale = fields.String()
    must_change_password = fields.Boolean()


class RoleAssignmentSchema(Schema):
    id = fields.Integer()
    role = fields.String()
    level = fields.String()
    municipality_id = fields.Integer(allow_none=True)
    school_id = fields.Integer(allow_none=True)
    class_group_id = fields.Integer(allow_none=True)


class MeSchema(Schema):
    user = fields.Nested(UserSchema)
    roles = fields.List(fields.Nested(RoleAssignmentSchema))


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, load_only=True)
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(min=8, max=200))
