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
def eschool_addhooks(pluginmanager):
    """``nutrition_meal_groups``: other plugins (the summer camp) tell nutrition which groups besides the
    classes eat at a school (docs/nutrition.md, "For other plugins")."""
    from eschool_nutrition import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


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


@hookimpl
def eschool_cli_commands(cli):
    import click

    from eschool.plugin_api import cli_app, cli_school

    @cli.group(CODE)
    def nutrition():
        """School meals: pupils' categories from the social-protection register."""

    @nutrition.command("import-categories")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--school", "school_ref", default=None, help="The school (id or short name).")
    @click.option("--dry-run", is_flag=True, help="Check the file only: nothing is written.")
    def import_categories(path, school_ref, dry_run):
        """Import pupils' meal categories from a social-protection register (CSV or XLSX): every line is
        checked first; a mistake stops it (exit code 1, nothing written); lines matching no pupil of the
        school are listed and left out."""
        from pathlib import Path

        from eschool.plugin_api import ImportFileError
        from eschool_nutrition import register

        cli_app()
        school = cli_school(school_ref)
        try:
            plan, counts = register.import_file(school, Path(path).read_bytes(), Path(path).name, None,
                                                dry_run=dry_run)
        except ImportFileError as exc:
            raise click.ClickException(str(exc.args[0] if exc.args else exc)) from exc
        for line, name, birth in plan.unmatched:
            click.echo(f"line {line}: not a pupil of {school.short_name}: {name} {birth or ''}".rstrip())
        if not plan.ok:
            for line, column, reason in plan.errors:
                click.echo(f"line {line}: {register.LABELS.get(column, column)}: {reason}", err=True)
            raise click.ClickException(f"{len({e[0] for e in plan.errors})} lines have mistakes: nothing imported.")
        verb = "would add" if dry_run else "added"
        click.echo(f"{school.short_name}: {verb} {len(plan.new)} categories, "
                   f"{'would bring' if dry_run else 'brought'} {len(plan.updated)} up to date, "
                   f"{len(plan.unchanged)} already there, {len(plan.unmatched)} lines of other schools.")


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


@hookimpl(optionalhook=True)
def summer_camp_on_day_marked(class_group, day, marks, actor):
    """The summer camp's squad day (published by the camp, where it is installed): the children marked away
    leave the squad's order before the cut-off, as the journal's absentees do."""
    from eschool_nutrition import services

    services.on_group_day_marked(class_group, day, marks, actor)


# --------------------------------------------------------------------------- the diary


@hookimpl
def eschool_template_slot(slot, context, user, scope):
    """Each diary day: the meals the child ate (one query for the whole week, kept for the request). The
    summer camp's session and squad pages: the squads' meals of the day (camp meals, where kept)."""
    if slot in ("summer_camp_session", "summer_camp_squad"):
        return _camp_slot(slot, context, user)
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


def _camp_slot(slot, context, user):
    """Camp meals on the camp's pages (context: ``school``, ``date``, ``class_group_ids`` of the squads): for
    the staff who open the school's meals, each squad's order of the day (meals ordered, confirmed) with
    its link, the kitchen and the tabulation sheet. Nothing where the squads keep no meals (the region's
    rule, the camp's setting), on a day they do not eat, or for a parent. Reads the orders made so far
    (opening one makes it)."""
    from eschool.plugin_api import School, has_permission, scope_for_school
    from eschool_nutrition import services

    school, day, ids = context.get("school"), context.get("date"), set(context.get("class_group_ids") or ())
    if not isinstance(school, School) or not isinstance(day, dt.date) or not ids:
        return None
    if user is None or not getattr(user, "is_authenticated", False) or \
            not has_permission(user, services.ORDER, scope_for_school(school)):
        return None
    specs = {gid: spec for gid, spec in services.meal_groups(school, day).items() if gid in ids}
    groups = sorted(services.readable_groups(user, school, [spec.group for spec in specs.values()]),
                    key=lambda g: (g.name, g.id))
    if not groups:
        return None  # no camp meals here, not a day the squads eat, or none of them the user's
    from eschool_nutrition.models import DailyOrder

    orders = {o.class_group_id: o for o in DailyOrder.select().where(
        DailyOrder.class_group.in_([g.id for g in groups]) & (DailyOrder.date == day))} if groups else {}
    counts = services.order_counts([o.id for o in orders.values()])
    html = render_template("nutrition/camp_slot.html", school=school, day=day, groups=groups, orders=orders,
                           counts=counts, squad=slot == "summer_camp_squad",
                           locked=services.is_locked(school, day))
    return SlotFragment(html, order=50)
