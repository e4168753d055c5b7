"""Lesson plans (КТП): imported from a file, their topics linked to lessons."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.core_parts import part_info
from eschool.types import MenuItem


@hookimpl
def eschool_plugin_info():
    return part_info("core.lesson_plans", _l("Lesson plans"))


@hookimpl
def eschool_models():
    from eschool.journal.models import LessonPlan, LessonPlanItem

    return [LessonPlan, LessonPlanItem]


@hookimpl
def eschool_blueprints(app):
    from eschool.lesson_plans.api import bp as api_bp
    from eschool.lesson_plans.views import bp

    return [bp, api_bp]


@hookimpl
def eschool_menu_items(user, scope):
    if user is None or not scope.school_id:
        return []
    return [MenuItem("lesson_plans.index", _l("Lesson plans"), order=34, permission="journal.keep",
                     url_kwargs={"school_id": scope.school_id}, plugin="core")]
