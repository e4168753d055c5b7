"""Accounts, roles, logins and API tokens."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.core_parts import part_info
from eschool.types import Permission


@hookimpl
def eschool_plugin_info():
    return part_info("core.auth", _l("Accounts and roles"))


@hookimpl
def eschool_models():
    from eschool.auth.models import ApiToken, RoleAssignment, User

    return [User, RoleAssignment, ApiToken]


@hookimpl
def eschool_blueprints(app):
    from eschool.auth.api import bp as api_bp
    from eschool.auth.views import bp

    return [bp, api_bp]


@hookimpl
def eschool_permissions():
    return [Permission("users.manage", _l("Issue staff logins"), ("region_operator", "school_admin"))]
