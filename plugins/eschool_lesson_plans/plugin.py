"""Lesson plans (КТП) as a built-in plugin: imported from a file, their topics linked to lessons."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool.plugin_api import MenuItem, PluginInfo, __version__, hookimpl

CODE = "lesson_plans"


@hookimpl
def eschool_plugin_info():
    return PluginInfo.for_package(
        __name__, code=CODE, name=_l("Lesson plans"), version=__version__,
        description=_l("Calendar-thematic plans imported from a file, their topics given to the lessons"))


@hookimpl
def eschool_models():
    from eschool_lesson_plans.models import LessonPlan, LessonPlanItem, LessonTopic

    return [LessonPlan, LessonPlanItem, LessonTopic]


@hookimpl
def eschool_blueprints(app):
    from eschool_lesson_plans.api import bp as api_bp
    from eschool_lesson_plans.views import bp

    return [bp, api_bp]


@hookimpl
def eschool_menu_items(user, scope):
    if user is None or not scope.school_id:
        return []
    return [MenuItem("lesson_plans.index", _l("Lesson plans"), order=34, permission="journal.keep",
                     url_kwargs={"school_id": scope.school_id}, plugin=CODE, group="journal")]
