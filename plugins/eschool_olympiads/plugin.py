"""The olympiads plugin's hook implementations (the entry-point target ``eschool_olympiads.plugin``)."""
from __future__ import annotations

from flask import g, render_template
from flask_babel import lazy_gettext as _l

from eschool.plugin_api import (
    SCHOOL_STAFF,
    CardSection,
    MenuItem,
    Permission,
    PluginInfo,
    SlotFragment,
    hookimpl,
    visible_students,
)

CODE = "olympiads"
VIEW, NOMINATE, MANAGE, CONFIRM, STATS = ("olympiads.view", "olympiads.nominate", "olympiads.manage",
                                          "olympiads.confirm", "olympiads.stats")
ADMINS = ("school_admin", "director", "deputy_director")


@hookimpl
def eschool_plugin_info():
    return PluginInfo.for_package(__name__, code=CODE, name=_l("Olympiads"),
                                  description=_l("Olympiad catalogue, registration with parents' consent, results, "
                                                 "statistics and the student's portfolio"),
                                  version="1.0.0")


@hookimpl
def eschool_models():
    from eschool_olympiads.models import MODELS

    return MODELS


@hookimpl
def eschool_blueprints(app):
    from eschool_olympiads.api import bp as api_bp
    from eschool_olympiads.views import bp as pages_bp

    return [pages_bp, api_bp]


@hookimpl
def eschool_permissions():
    return [
        Permission(VIEW, _l("See the olympiad catalogue and one's own results"),
                   tuple(SCHOOL_STAFF) + ("student", "parent", "municipal_operator", "region_operator")),
        Permission(NOMINATE, _l("Enter students for olympiads"), ADMINS + ("class_teacher", "subject_teacher")),
        Permission(MANAGE, _l("Keep the olympiad catalogue and results"), ADMINS + ("municipal_operator",
                                                                                   "region_operator")),
        Permission(CONFIRM, _l("Confirm moving the qualified to the next stage"), ("municipal_operator",
                                                                                  "region_operator")),
        Permission(STATS, _l("See olympiad statistics"), ADMINS + ("municipal_operator", "region_operator")),
    ]


@hookimpl
def eschool_menu_items(user, scope):
    if user is None:
        return []
    return [MenuItem("olympiads.catalogue", _l("Olympiads"), order=530, permission=VIEW, plugin=CODE),
            MenuItem("olympiads.stats", _l("Olympiad statistics"), order=530, section="admin", permission=STATS,
                     plugin=CODE, group="reports")]


@hookimpl
def eschool_student_card_sections(student, user, scope):
    def context():
        from eschool_olympiads import services

        return {"rows": services.portfolio([student.id]), "stages": services.STAGE_LABELS,
                "results": services.RESULT_LABELS}

    return [CardSection("olympiads", _l("Olympiads"), "olympiads/card_section.html", context=context, order=400,
                        permission=VIEW, plugin=CODE)]


def _registrations_by_day(student_id: int) -> dict:
    """The student's olympiads by date, once per request (the diary asks for each day of the week)."""
    cache = g.setdefault("olympiads_diary", {})
    if student_id not in cache:
        from eschool_olympiads import services

        days = {}
        for reg in services.portfolio([student_id]):
            if reg.olympiad.starts_on:
                days.setdefault(reg.olympiad.starts_on, []).append(reg)
        cache[student_id] = days
    return cache[student_id]


@hookimpl
def eschool_template_slot(slot, context, user, scope):
    if slot != "diary_day" or user is None or not getattr(user, "is_authenticated", False):
        return None
    student = context.get("student")
    if student is None:
        return None
    if "olympiads_visible" not in g:
        g.olympiads_visible = {s.id for s in visible_students(user)}
    if student.id not in g.olympiads_visible:
        return None
    regs = _registrations_by_day(student.id).get(context.get("date"))
    if not regs:
        return None
    from eschool_olympiads import services

    return SlotFragment(render_template("olympiads/diary_day.html", regs=regs, stages=services.STAGE_LABELS,
                                        results=services.RESULT_LABELS), order=40)


@hookimpl
def eschool_demo_data(school, rng, log):
    from eschool_olympiads.demo import build

    build(school, rng, log)
