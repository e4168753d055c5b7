"""The forum plugin's hook implementations (the entry-point target ``eschool_forum.plugin``)."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from eschool.plugin_api import (
    SCHOOL_STAFF,
    MenuItem,
    NotificationKind,
    Permission,
    PluginInfo,
    Widget,
    hookimpl,
)

CODE = "forum"
EVERYONE = (*SCHOOL_STAFF, "student", "parent", "municipal_operator", "region_operator")


@hookimpl
def eschool_plugin_info():
    return PluginInfo.for_package(__name__, code=CODE, name=_l("Forum"),
                                  description=_l("Boards of the school, the municipality and the region: topics, "
                                                 "posts, moderation, subscriptions"),
                                  version="1.0.0")


@hookimpl
def eschool_addhooks(pluginmanager):
    from eschool_forum import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


@hookimpl
def eschool_models():
    from eschool_forum.models import MODELS

    return list(MODELS)


@hookimpl
def eschool_blueprints(app):
    from eschool_forum.api import bp as api_bp
    from eschool_forum.views import bp as pages_bp

    return [pages_bp, api_bp]


@hookimpl
def eschool_permissions():
    return [
        Permission("forum.read", _l("Read the forum's boards open to one's role"), EVERYONE),
        Permission("forum.post", _l("Write topics and posts on the forum"), EVERYONE),
        Permission("forum.moderate", _l("Moderate the forum's boards where one works"),
                   ("school_admin", "director", "deputy_director", "municipal_operator", "region_operator")),
        Permission("forum.manage", _l("Create and change the forum's boards"),
                   ("school_admin", "director", "municipal_operator", "region_operator")),
    ]


@hookimpl
def eschool_settings_schema():
    from eschool_forum.schemas import ForumSettingsSchema

    return ForumSettingsSchema


@hookimpl
def eschool_notification_kinds():
    return [
        NotificationKind("forum.reply", _l("Forum: new posts in topics I follow"), _l("New post in «%(topic)s»"),
                         "forum/notifications/reply.txt", channels=(), order=400),
        NotificationKind("forum.topic", _l("Forum: new topics on boards I follow"),
                         _l("New topic on «%(board)s»: %(topic)s"), "forum/notifications/topic.txt", channels=(),
                         order=401),
        NotificationKind("forum.mention", _l("Forum: someone mentioned me"),
                         _l("%(author)s mentioned you in «%(topic)s»"), "forum/notifications/mention.txt",
                         channels=("email",), order=402),
        NotificationKind("forum.report", _l("Forum: posts reported on boards I moderate"),
                         _l("A post was reported on «%(board)s»"), "forum/notifications/report.txt",
                         channels=("email",), order=403),
    ]


@hookimpl
def eschool_menu_items(user, scope):
    if user is None:
        return []
    return [MenuItem("forum.index", _l("Forum"), order=450, permission="forum.read", plugin=CODE)]


@hookimpl
def eschool_dashboard_widgets(user, scope):
    if user is None:
        return []
    from eschool_forum import services

    return [Widget("forum", _l("Forum"), "forum/widget.html", permission="forum.read", order=450, plugin=CODE,
                   context=lambda: {"topics": services.recent_topics(user, 5), "url": url_for("forum.index")})]


@hookimpl
def eschool_attachment_readable(attachment, user):
    from eschool_forum.services import attachment_readable

    return attachment_readable(attachment, user)


@hookimpl
def eschool_demo_data(school, rng, log):
    from eschool_forum.demo import build

    build(school, rng, log)
