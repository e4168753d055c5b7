"""The school administrator's account tools."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.core_parts import part_info
from eschool.types import MenuItem, Permission


@hookimpl
def eschool_plugin_info():
    return part_info("core.accounts", _l("Account tools"))


@hookimpl
def eschool_blueprints(app):
    from eschool.accounts.api import bp as api_bp
    from eschool.accounts.views import bp

    return [bp, api_bp]


@hookimpl
def eschool_permissions():
    return [Permission("accounts.manage", _l("Manage the school's accounts: new one-time passwords, block, unblock, "
                                             "end sessions"), ("school_admin", "director"))]


@hookimpl
def eschool_menu_items(user, scope):
    if user is None or not scope.school_id:
        return []
    return [MenuItem("accounts.index", _l("Accounts"), order=806, section="admin", permission="accounts.manage",
                     url_kwargs={"school_id": scope.school_id}, plugin="core", group="people")]
