"""The alerts plugin's hook implementations (the entry-point target ``eschool_alerts.plugin``)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool.plugin_api import MenuItem, NotificationKind, Permission, PluginInfo, enqueue, hookimpl

CODE = "alerts"
CHOOSE = "alerts.choose"


@hookimpl
def eschool_plugin_info():
    return PluginInfo.for_package(__name__, code=CODE, name=_l("Alerts to families"),
                                  description=_l("New marks, twos, absences, tomorrow's homework and final marks "
                                                 "for parents and students, at once or in an evening digest"),
                                  version="1.0.0")


@hookimpl
def eschool_models():
    from eschool_alerts.models import Choice, Digest, DigestItem, Sent

    return [Sent, Choice, DigestItem, Digest]


@hookimpl
def eschool_blueprints(app):
    from eschool_alerts.views import api, bp

    return [bp, api]


@hookimpl
def eschool_permissions():
    return [Permission(CHOOSE, _l("Choose one's alerts (digest, alerts for a student)"), ("parent", "student"))]


@hookimpl
def eschool_settings_schema():
    from eschool_alerts.views import AlertsSettingsSchema

    return AlertsSettingsSchema


@hookimpl
def eschool_notification_kinds():
    t = "alerts/notifications/%s.txt"
    return [
        NotificationKind("alerts.mark", _l("A new mark"), _l("%(student)s: %(value)s in %(subject)s"), t % "mark",
                         channels=("email",), order=20),
        NotificationKind("alerts.low_mark", _l("A mark of 2"), _l("%(student)s: %(value)s in %(subject)s"), t % "low_mark",
                         channels=("email", "sms"), order=21),
        NotificationKind("alerts.absence", _l("An absence or lateness"), _l("%(student)s: %(subject)s, %(date)s"), t % "absence",
                         channels=("email", "sms"), order=22),
        NotificationKind("alerts.homework", _l("Homework for tomorrow"), _l("%(student)s: homework in %(subject)s"), t % "homework",
                         channels=(), order=23),
        NotificationKind("alerts.final", _l("Final marks"), _l("%(student)s: final marks"), t % "final",
                         channels=("email",), order=24),
        NotificationKind("alerts.digest", _l("The evening digest"), _l("The day's alerts: %(count)s"),
                         "alerts/notifications/digest.txt", channels=("email", "sms"), order=25),
    ]


@hookimpl
def eschool_periodic_tasks():
    from huey import crontab

    from eschool_alerts.services import forget_sent, overdue_digests

    return [(crontab(minute="*/10"), overdue_digests), (crontab(minute="17", hour="3"), forget_sent)]


@hookimpl
def eschool_menu_items(user, scope):
    if user is None or getattr(user, "is_device", False):
        return []
    return [MenuItem("alerts.choices", _l("My alerts"), order=160, permission=CHOOSE, plugin=CODE)]


@hookimpl
def eschool_on_mark_saved(mark, created, actor, scope):
    from eschool_alerts.services import touch

    touch(mark.lesson_id, scope)


@hookimpl
def eschool_on_mark_deleted(mark, actor, scope):
    """Nothing to do: the delayed job does not find the mark, so no alert goes (documented for clarity)."""


@hookimpl
def eschool_on_absence_recorded(attendance, created, actor, scope):
    from eschool_alerts.services import touch

    touch(attendance.lesson_id, scope)


@hookimpl
def eschool_on_homework_set(homework, created, actor, scope):
    import datetime as dt

    from eschool.plugin_api import local_today
    from eschool_alerts.services import touch

    if homework.due_on == local_today() + dt.timedelta(days=1):
        touch(homework.lesson_id, scope)


@hookimpl
def eschool_on_period_closed(period, actor, scope):
    from eschool_alerts.services import final_marks

    enqueue(final_marks, period.id)
