"""Users, their role assignments (each in a scope) and API tokens."""
from __future__ import annotations

import peewee

from eschool.db import BaseModel, utcnow
from eschool.structure.models import Municipality, School


class User(BaseModel):
    """A person who can log in. One person may hold several roles."""

    username = peewee.CharField(max_length=150, unique=True)
    email = peewee.CharField(max_length=254, null=True, unique=True)
    phone = peewee.CharField(max_length=32, null=True, unique=True)
    full_name = peewee.CharField(max_length=300)
    password_hash = peewee.CharField(max_length=255, default="")
    must_change_password = peewee.BooleanField(default=True)
    is_active = peewee.BooleanField(default=True)
    locale = peewee.CharField(max_length=8, default="")
    created_at = peewee.DateTimeField(default=utcnow)
    last_login_at = peewee.DateTimeField(null=True)
    failed_logins = peewee.SmallIntegerField(default=0)
    locked_until = peewee.DateTimeField(null=True)
    # moved by logging out and by every password change: a page session made at another epoch is refused
    session_epoch = peewee.IntegerField(default=0)

    class Meta:
        table_name = "user_account"

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class RoleAssignment(BaseModel):
    """A role held in a scope: region (no ids), a municipality, a school, or a class of a school."""

    user = peewee.ForeignKeyField(User, backref="roles", on_delete="CASCADE")
    role = peewee.CharField(max_length=64)
    municipality = peewee.ForeignKeyField(Municipality, null=True, on_delete="CASCADE")
    school = peewee.ForeignKeyField(School, null=True, on_delete="CASCADE")
    class_group_id = peewee.IntegerField(null=True)  # classes arrive with the school-structure capability
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "role_assignment"
        indexes = ((("user", "role", "municipality", "school", "class_group_id"), True),)

    @property
    def level(self) -> str:
        if self.class_group_id is not None:
            return "class"
        if self.school_id is not None:
            return "school"
        if self.municipality_id is not None:
            return "municipality"
        return "region"


class ApiToken(BaseModel):
    """A bearer token for ``/api/v1``; only its SHA-256 is stored."""

    user = peewee.ForeignKeyField(User, backref="tokens", on_delete="CASCADE")
    token_hash = peewee.CharField(max_length=64, unique=True)
    name = peewee.CharField(max_length=100, default="")
    created_at = peewee.DateTimeField(default=utcnow)
    expires_at = peewee.DateTimeField()
    last_used_at = peewee.DateTimeField(null=True)
    revoked_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "api_token"
