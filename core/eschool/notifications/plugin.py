"""Notifications: the inbox, each user's preferences, deliveries by channel and the failed ones."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.core_parts import part_info
from eschool.types import MenuItem, Permission


@hookimpl
def eschool_plugin_info():
    return part_info("core.notifications", _l("Notifications"))


@hookimpl
def eschool_models():
    from eschool.notifications.models import Delivery, Notification, NotificationPreference, QuietHours

    return [Notification, Delivery, NotificationPreference, QuietHours]


@hookimpl
def eschool_blueprints(app):
    from eschool.notifications.api import bp as api_bp
    from eschool.notifications.views import bp

    return [bp, api_bp]


@hookimpl
def eschool_permissions():
    return [Permission("notifications.deliveries", _l("See and retry the notifications that could not be delivered"),
                       ("region_operator", "municipal_operator", "school_admin"))]


@hookimpl
def eschool_notification_kinds():
    from eschool.types import NotificationKind

    return [
        NotificationKind("core.message", _l("Messages from the school"), _l("%(title)s"), "notifications/message.txt",
                         channels=("email",), order=10),
        NotificationKind("account.invitation", _l("An invitation to the electronic diary"),
                         _l("An invitation to the electronic diary"), "mail/invitation.txt", mandatory=True),
        NotificationKind("account.password_reset", _l("Resetting your password"), _l("Resetting your password"),
                         "mail/password_reset.txt", urgent=True, mandatory=True),
    ]


@hookimpl
def eschool_menu_items(user, scope):
    if user is None:
        return []
    return [MenuItem("notifications.failed", _l("Undelivered notifications"), order=830, section="admin",
                     permission="notifications.deliveries", plugin="core", group="school")]
