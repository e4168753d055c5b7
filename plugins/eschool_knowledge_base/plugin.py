"""The knowledge base's hook implementations (the entry-point target ``eschool_knowledge_base.plugin``)."""
from __future__ import annotations

import datetime as dt

from flask import g, render_template, url_for
from flask_babel import lazy_gettext as _l

from eschool.plugin_api import (
    SCHOOL_STAFF,
    CardSection,
    MenuItem,
    Permission,
    PluginInfo,
    SlotFragment,
    Widget,
    __version__,
    hookimpl,
)

CODE = "knowledge_base"
READ = "knowledge_base.read"
AUTHOR = "knowledge_base.author"
REVIEW = "knowledge_base.review"
TAKE = "knowledge_base.take"
TEACHERS = ("director", "deputy_director", "class_teacher", "subject_teacher")


@hookimpl
def eschool_plugin_info():
    return PluginInfo.for_package(
        __name__, code=CODE, name=_l("Knowledge base"), version=__version__,
        description=_l("Materials, auto-graded tests and smart textbooks; the methodical piggy bank"))


@hookimpl
def eschool_models():
    from eschool_knowledge_base import models as m

    return [m.Material, m.MaterialAssignment, m.Question, m.Quiz, m.QuizQuestion, m.QuizClass, m.Attempt,
            m.Textbook, m.Chapter, m.Section, m.SectionTask, m.Progress]


@hookimpl
def eschool_blueprints(app):
    from eschool_knowledge_base.api import bp as api_bp
    from eschool_knowledge_base.views import bp

    return [bp, api_bp]


@hookimpl
def eschool_permissions():
    return [
        Permission(READ, _l("Read the knowledge base"),
                   (*SCHOOL_STAFF, "student", "parent", "municipal_operator", "region_operator")),
        Permission(AUTHOR, _l("Write materials, questions, tests and textbooks"), TEACHERS),
        Permission(REVIEW, _l("Review materials before they are shared wider"), ("municipal_operator", "region_operator")),
        Permission(TAKE, _l("Take tests and work through textbooks"), ("student",)),
    ]


@hookimpl
def eschool_settings_schema():
    from eschool_knowledge_base.schemas import KnowledgeBaseSettingsSchema

    return KnowledgeBaseSettingsSchema


@hookimpl
def eschool_menu_items(user, scope):
    if user is None:
        return []
    items = [MenuItem("knowledge_base.review_page", _l("Materials to review"), order=460, section="admin",
                      permission=REVIEW, plugin=CODE)]
    if scope.school_id is not None:
        items.append(MenuItem("knowledge_base.materials", _l("Knowledge base"), order=45, permission=READ,
                              url_kwargs={"school_id": scope.school_id}, plugin=CODE))
    return items


@hookimpl
def eschool_dashboard_widgets(user, scope):
    if scope.school_id is None or user is None:
        return []
    school_id = scope.school_id

    def context():
        from eschool_knowledge_base import services

        students = [s for s in services.visible_students(user) if s.school_id == school_id]
        return {"children": [(s, services.child_overview(s)) for s in students[:3]], "school_id": school_id}

    return [Widget("knowledge_base", _l("Knowledge base"), "knowledge_base/widget.html", context=context, order=45,
                   permission=READ, plugin=CODE)]


@hookimpl
def eschool_student_card_sections(student, user, scope):
    def context():
        from eschool_knowledge_base import services

        return {"overview": services.child_overview(student), "school_id": student.school_id, "student": student}

    return [CardSection("knowledge_base", _l("Knowledge base"), "knowledge_base/card.html", context=context,
                        order=80, permission=READ, plugin=CODE)]


@hookimpl
def eschool_template_slot(slot, context, user, scope):
    if slot != "diary_day":
        return None
    from eschool_knowledge_base import services

    student, day = context["student"], context["date"]
    monday = day - dt.timedelta(days=day.weekday())
    weeks = g.setdefault("knowledge_base_week_items", {})  # the diary fills seven days: read the week once
    if (student.id, monday) not in weeks:
        weeks[(student.id, monday)] = services.week_items(student, monday)
    items = weeks[(student.id, monday)].get(day)
    if not items:
        return None
    return SlotFragment(render_template("knowledge_base/diary_day.html", items=items, student=context["student"]),
                        order=40)


@hookimpl
def eschool_attachment_readable(attachment, user):
    from eschool_knowledge_base import services
    from eschool_knowledge_base.models import Material

    if attachment.record_id is None:
        return False
    if attachment.record_id < 0:
        return services.section_readable(user, -attachment.record_id)
    material = Material.get_or_none(Material.id == attachment.record_id)
    return material is not None and services.readable_material(user, material)


@hookimpl
def eschool_demo_data(school, rng, log):
    from eschool_knowledge_base.demo import build

    build(school, rng, log)


def material_url(school_id: int, material_id: int) -> str:
    return url_for("knowledge_base.material", school_id=school_id, material_id=material_id)
