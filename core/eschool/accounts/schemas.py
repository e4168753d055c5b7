"""The account tools' API shapes."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from eschool.accounts.services import STATES
from eschool.fields import UtcDateTime


class AccountQuerySchema(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=100))
    role = fields.String(load_default=None, validate=validate.Length(max=64))
    state = fields.String(load_default="all", validate=validate.OneOf(STATES))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class AccountSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    email = fields.String(allow_none=True)
    roles = fields.List(fields.String())
    is_active = fields.Boolean()
    must_change_password = fields.Boolean()
    last_login_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()


class AccountPageSchema(Schema):
    items = fields.List(fields.Nested(AccountSchema))
    total = fields.Integer()
    page = fields.Integer()
    size = fields.Integer()


class OneTimePasswordSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    password = fields.String(metadata={"description": "Shown once; the user must change it at the first login"})
