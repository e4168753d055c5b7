"""The kiosk plugin's hook implementations (the entry-point target ``eschool_kiosk.plugin``)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool.plugin_api import SCHOOL_STAFF, MenuItem, Permission, PluginInfo, hookimpl

CODE = "kiosk"


@hookimpl
def eschool_plugin_info():
    return PluginInfo.for_package(__name__, code=CODE, name=_l("Information kiosk"),
                                  description=_l("Six sections of texts and pictures shown on the school's "
                                                 "information kiosk, with today's timetable"),
                                  version="1.0.0")


@hookimpl
def eschool_models():
    from eschool_kiosk.models import KioskPage, KioskSection

    return [KioskSection, KioskPage]


@hookimpl
def eschool_blueprints(app):
    from eschool_kiosk.api import bp as api_bp
    from eschool_kiosk.views import bp as pages_bp

    return [pages_bp, api_bp]


@hookimpl
def eschool_permissions():
    return [
        Permission("kiosk.display", _l("Show the kiosk's screen (a device, never a person)"), ()),
        Permission("kiosk.manage", _l("Set up the kiosk: rename its sections, choose who edits each, edit them all"),
                   ("school_admin", "director")),
        Permission("kiosk.edit", _l("Edit the kiosk sections one's position is chosen for"), SCHOOL_STAFF),
    ]


@hookimpl
def eschool_settings_schema():
    from eschool_kiosk.schemas import KioskSettingsSchema

    return KioskSettingsSchema


@hookimpl
def eschool_menu_items(user, scope):
    if user is None or scope.school_id is None or getattr(user, "is_device", False):
        return []
    return [MenuItem("kiosk.index", _l("Information kiosk"), order=520, section="admin", permission="kiosk.edit",
                     url_kwargs={"school_id": scope.school_id}, plugin=CODE, group="school")]


@hookimpl
def eschool_attachment_readable(attachment, user):
    from eschool_kiosk.services import attachment_readable

    return attachment_readable(attachment, user)


@hookimpl
def eschool_demo_data(school, rng, log):
    from eschool_kiosk.demo import fill

    fill(school, log)
