"""The summer camp plugin's hook implementations (the entry-point target ``eschool_summer_camp.plugin``)."""
from __future__ import annotations

import datetime as dt

from flask import g, render_template, url_for
from flask_babel import lazy_gettext as _l

from eschool.plugin_api import (
    SCHOOL_STAFF,
    MenuItem,
    NotificationKind,
    Permission,
    PluginInfo,
    SlotFragment,
    Widget,
    has_permission,
    hookimpl,
)

CODE = "summer_camp"
VIEW = "summer_camp.view"
MANAGE = "summer_camp.manage"
LEAD = "summer_camp.lead"
APPLY = "summer_camp.apply"
REPORT = "summer_camp.report"
ADMINISTRATION = ("school_admin", "director", "deputy_director")


@hookimpl
def eschool_plugin_info():
    return PluginInfo.for_package(__name__, code=CODE, name=_l("Summer camp"),
                                  description=_l("The school's day camp: sessions, squads, applications, "
                                                 "attendance, daily plans, reports and camp meals"),
                                  version="1.0.0")


@hookimpl
def eschool_addhooks(pluginmanager):
    """``summer_camp_on_day_marked``: a squad's day was marked (nutrition takes the children away out of the
    squad's meals order)."""
    from eschool_summer_camp import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


@hookimpl(optionalhook=True)
def nutrition_meal_groups(school, start, end):
    """Camp meals: the squads nutrition keeps the daily orders and tabulation of (published by nutrition,
    where it is installed; asked only where both plugins are on). Empty where the region or the school
    keeps no camp meals."""
    from eschool_summer_camp import services

    return services.meal_groups(school, start, end)


@hookimpl
def eschool_models():
    from eschool_summer_camp.models import MODELS

    return list(MODELS)


@hookimpl
def eschool_blueprints(app):
    from eschool_summer_camp.api import bp as api_bp
    from eschool_summer_camp.views import bp as pages_bp

    return [pages_bp, api_bp]


@hookimpl
def eschool_permissions():
    return [
        Permission(VIEW, _l("See the school camp's sessions, squads and daily plans"), (*SCHOOL_STAFF, "parent")),
        Permission(MANAGE, _l("Run the school's camp: sessions, squads, the queue, reports"), ADMINISTRATION),
        Permission(LEAD, _l("Keep a camp squad: attendance, the day's plan, camp meals"),
                   ("class_teacher", "subject_teacher", *ADMINISTRATION)),
        Permission(APPLY, _l("Apply for a place in the school's camp for one's child"), ("parent",)),
        Permission(REPORT, _l("See the camps of the municipality's schools"), ("municipal_operator", "region_operator")),
    ]


@hookimpl
def eschool_settings_schema():
    from eschool_summer_camp.schemas import CampSettingsSchema

    return CampSettingsSchema


@hookimpl
def eschool_notification_kinds():
    return [NotificationKind("summer_camp.application", _l("Summer camp applications"),
                             _l("Summer camp: %(child)s, %(session)s"), "summer_camp/notifications/application.txt",
                             channels=("email",), order=60)]


@hookimpl
def eschool_menu_items(user, scope):
    if user is None:
        return []
    if scope.school_id is not None:
        return [
            MenuItem("summer_camp.index", _l("Summer camp"), order=560, permission=VIEW,
                     url_kwargs={"school_id": scope.school_id}, plugin=CODE),
        ]
    if scope.municipality_id is not None:
        return [MenuItem("summer_camp.municipality_home", _l("Summer camps"), order=560, permission=REPORT,
                         plugin=CODE)]
    return []


@hookimpl
def eschool_dashboard_widgets(user, scope):
    if user is None or scope.school_id is None:
        return []
    school_id = scope.school_id

    def context():
        from eschool_summer_camp import services
        from eschool_summer_camp.schemas import STATUS_LABELS

        school = services.School.get_by_id(school_id)
        manager = has_permission(user, MANAGE)
        family = [] if manager else services.family_applications(user, school)
        return {"school_id": school_id, "family": family, "labels": STATUS_LABELS, "manager": manager,
                "open": services.open_sessions(school), "squads": services.led_squads(user, school)}

    return [Widget("summer_camp", _l("Summer camp"), "summer_camp/widget.html", permission=VIEW, order=560,
                   plugin=CODE, context=context)]


@hookimpl
def eschool_template_slot(slot, context, user, scope):
    """The diary's day: the child's camp day (squad, mark, the day's activities)."""
    if slot != "diary_day" or context.get("student") is None or context.get("date") is None:
        return None
    from eschool_summer_camp import services
    from eschool_summer_camp.schemas import MARK_LABELS

    day = context["date"]
    if not isinstance(day, dt.date):
        return None
    student_id = context["student"].id
    monday = day - dt.timedelta(days=day.weekday())
    weeks = g.setdefault("summer_camp_week", {})  # the diary fills seven days: one query for the week
    if (student_id, monday) not in weeks:
        weeks[(student_id, monday)] = services.camp_applications(student_id, monday, monday + dt.timedelta(days=6))
    if not weeks[(student_id, monday)]:
        return None
    camp = services.child_day(student_id, day, weeks[(student_id, monday)])
    if camp is None:
        return None
    return SlotFragment(render_template("summer_camp/diary_day.html", camp=camp, labels=MARK_LABELS,
                                        url=url_for("summer_camp.family", school_id=camp["session"].school_id)),
                        order=40)


@hookimpl
def eschool_demo_data(school, rng, log):
    from eschool_summer_camp.demo import build

    build(school, rng, log)


@hookimpl
def eschool_report_types(scope):
    from eschool_summer_camp.reports import report_types

    return report_types()
