"""The nutrition plugin's hook implementations (the entry-point target ``eschool_nutrition.plugin``)."""
from __future__ import annotations

import datetime as dt

from flask import g, render_template
from flask_babel import lazy_gettext as _l

from eschool.plugin_api import (
    SCHOOL_STAFF,
    MenuItem,
    NotificationKind,
    Permission,
    PluginInfo,
    SlotFragment,
    hookimpl,
)

CODE = "nutrition"


@hookimpl
def eschool_plugin_info():
    return PluginInfo.for_package(__name__, code=CODE, name=_l("Nutrition"),
                                  description=_l("School meals: daily orders, the kitchen, the monthly tabulation "
                                                 "sheet, parents' balances, municipal reports"),
                                  version="1.0.0")


@hookimpl
def eschool_models():
    from eschool_nutrition.models import MODELS

    return MODELS


@hookimpl
def eschool_blueprints(app):
    from eschool_nutrition.api import bp as api_bp
    from eschool_nutrition.views import bp as pages_bp

    return [pages_bp, api_bp]


@hookimpl
def eschool_permissions():
    return [
        Permission("nutrition.order", _l("Open the school's meals: one's class's daily order, the kitchen, the sheets"),
                   SCHOOL_STAFF),
        Permission("nutrition.officer", _l("Be the school's meals officer: categories, orders after the cut-off, "
                                           "payments, signing the month off"), ("school_admin", "director")),
        Permission("nutrition.view", _l("Read every class's meal orders and tabulation sheets"),
                   ("school_admin", "director", "deputy_director")),
        Permission("nutrition.display", _l("Show the canteen's screen of today's meals"), ()),
        Permission("nutrition.municipal", _l("Set the municipality's meal kinds, categories and prices; meal reports"),
                   ("municipal_operator", "region_operator")),
        Permission("nutrition.family", _l("See one's child's meals, statement and balance"), ("parent", "student")),
    ]


@hookimpl
def eschool_settings_schema():
    from eschool_nutrition.schemas import NutritionSettingsSchema

    return NutritionSettingsSchema


@hookimpl
def eschool_menu_items(user, scope):
    if user is None:
        return []
    items = [MenuItem("nutrition.family", _l("Meals"), order=7, permission="nutrition.family", plugin=CODE)]
    if scope.school_id is not None:
        items.append(MenuItem("nutrition.index", _l("Meals"), order=40, permission="nutrition.order",
                              url_kwargs={"school_id": scope.school_id}, plugin=CODE))
    return items


@hookimpl
def eschool_notification_kinds():
    return [NotificationKind("nutrition.low_balance", _l("Meals: the balance is low"),
                             _l("Meals of %(student)s: the balance is %(balance)s"),
                             "nutrition/notifications/low_balance.txt", channels=("email",), order=60)]


@hookimpl
def eschool_periodic_tasks():
    def at_ten(now):
        return now.hour == 10 and now.minute == 0

    return [(at_ten, alert_all_schools)]


def alert_all_schools():
    """Every day at 10:00 (after the cut-off): parents of pupils whose balance is below the threshold."""
    from eschool.plugin_api import School, schools_with_plugin
    from eschool_nutrition import services

    for school in schools_with_plugin(CODE, list(School.select())):
        if services.settings(school)["prepayment"]:
            services.alert_low_balances(school)


# --------------------------------------------------------------------------- events


@hookimpl
def eschool_on_absence_recorded(attendance, created, actor, scope):
    from eschool_nutrition import services

    services.on_absence_recorded(attendance, actor)


@hookimpl
def eschool_on_absence_deleted(attendance, actor, scope):
    from eschool_nutrition import services

    services.on_absence_deleted(attendance, actor)


@hookimpl
def eschool_on_absence_reported(notice, actor, scope):
    from eschool_nutrition import services

    services.on_absence_reported(notice, actor)


# --------------------------------------------------------------------------- the diary


@hookimpl
def eschool_template_slot(slot, context, user, scope):
    """Each diary day: the meals the child ate (one query for the whole week, kept for the request)."""
    if slot != "diary_day" or not context.get("student") or not context.get("date"):
        return None
    from eschool_nutrition import services

    student, day = context["student"], context["date"]
    monday = day - dt.timedelta(days=day.weekday())
    key = (student.id, monday)
    cache = g.setdefault("nutrition_week_meals", {})
    if key not in cache:
        cache[key] = services.child_meals(student, monday, monday + dt.timedelta(days=6))
    meals = cache[key].get(day)
    if not meals:
        return None
    return SlotFragment(render_template("nutrition/diary_day.html", meals=meals, student=student, day=day), order=40)


# --------------------------------------------------------------------------- demo data


@hookimpl
def eschool_demo_data(school, rng, log):
    """A month of meals at the demo school: categories for some pupils, standing orders, every school day's
    orders from the first of last month to today, a few absences, payments; the last month signed off."""
    from eschool_nutrition import demo

    demo.fill(school, rng, log)
