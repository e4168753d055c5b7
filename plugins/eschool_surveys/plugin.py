"""The surveys plugin's hook implementations (the entry-point target ``eschool_surveys.plugin``)."""
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

CODE = "surveys"
MANAGE = "surveys.manage"
RESULTS = "surveys.results"
ANSWER = "surveys.answer"
ADMINS = ("school_admin", "director", "deputy_director", "municipal_operator", "region_operator")


@hookimpl
def eschool_plugin_info():
    return PluginInfo.for_package(__name__, code=CODE, name=_l("Surveys"),
                                  description=_l("Questionnaires for chosen audiences, anonymous or named, "
                                                 "with results, charts and export"),
                                  version="1.0.0")


@hookimpl
def eschool_models():
    from eschool_surveys.models import MODELS

    return MODELS


@hookimpl
def eschool_blueprints(app):
    from eschool_surveys.api import bp as api_bp
    from eschool_surveys.views import bp as pages_bp

    return [pages_bp, api_bp]


@hookimpl
def eschool_permissions():
    return [
        Permission(MANAGE, _l("Build and run surveys"), ADMINS),
        Permission(RESULTS, _l("See survey results"), ADMINS),
        Permission(ANSWER, _l("Answer surveys"), tuple(SCHOOL_STAFF) + ("student", "parent", "municipal_operator",
                                                                          "region_operator")),
    ]


@hookimpl
def eschool_settings_schema():
    from eschool_surveys.schemas import SurveysSettingsSchema

    return SurveysSettingsSchema


@hookimpl
def eschool_notification_kinds():
    return [
        NotificationKind("surveys.invitation", _l("A new survey for you"), _l("Survey: %(title)s"),
                         "surveys/notifications/invitation.txt", channels=("email",), order=700),
        NotificationKind("surveys.reminder", _l("Reminders of surveys not answered"),
                         _l("Reminder: survey %(title)s"), "surveys/notifications/reminder.txt",
                         channels=("email",), order=701),
    ]


def _remind_daily(local):
    return local.hour == 10 and local.minute == 0


def run_reminders():
    from eschool_surveys import services

    return services.remind_due()


@hookimpl
def eschool_periodic_tasks():
    return [(_remind_daily, run_reminders)]


@hookimpl
def eschool_menu_items(user, scope):
    if user is None:
        return []
    items = [MenuItem("surveys.mine", _l("Surveys"), order=520, permission=ANSWER, plugin=CODE)]
    items.append(MenuItem("surveys.manage_home", _l("Surveys: build and results"), order=520, section="admin",
                          permission=MANAGE, plugin=CODE))
    return items


@hookimpl
def eschool_dashboard_widgets(user, scope):
    if user is None or getattr(user, "is_device", False):
        return []

    def context():
        from eschool_surveys import services

        return {"items": [i for i in services.open_for(user) if not i["answered"]][:5], "url": url_for("surveys.mine")}

    return [Widget("surveys", _l("Surveys waiting for you"), "surveys/widget.html", context=context,
                   permission=ANSWER, order=520, plugin=CODE)]


@hookimpl
def eschool_demo_data(school, rng, log):
    from eschool_surveys.demo import build

    build(school, rng, log)
