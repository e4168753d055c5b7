"""Device tokens: unattended screens (a kiosk) that show one plugin's display pages of one school."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.core_parts import part_info
from eschool.types import MenuItem, Permission


@hookimpl
def eschool_plugin_info():
    return part_info("core.devices", _l("Devices"))


@hookimpl
def eschool_models():
    from eschool.devices.models import DeviceToken

    return [DeviceToken]


@hookimpl
def eschool_blueprints(app):
    from eschool.devices.views import bp, login_bp

    return [bp, login_bp]


@hookimpl
def eschool_init_app(app):
    """A request carrying a device token acts as that device (before the scope is resolved: the app's
    request lifecycle is set up after every ``eschool_init_app``)."""
    from eschool.devices.views import load_device

    app.before_request(load_device)


@hookimpl
def eschool_permissions():
    return [Permission("devices.manage", _l("Issue and revoke device tokens for unattended screens"),
                       ("school_admin",))]


@hookimpl
def eschool_menu_items(user, scope):
    if user is None or not scope.school_id:
        return []
    return [MenuItem("devices.index", _l("Devices"), order=906, section="admin", permission="devices.manage",
                     url_kwargs={"school_id": scope.school_id}, plugin="core", group="school")]
