"""Enrolment applications: the public form, the school's queue, enrolment."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.core_parts import part_info
from eschool.types import MenuItem, Permission


@hookimpl
def eschool_plugin_info():
    return part_info("core.applications", _l("Enrolment applications"))


@hookimpl
def eschool_models():
    from eschool.applications.models import Application, ApplicationEvent

    return [Application, ApplicationEvent]


@hookimpl
def eschool_blueprints(app):
    from eschool.applications import api, views

    return [views.bp, api.bp]


@hookimpl
def eschool_permissions():
    return [Permission("applications.manage", _l("Handle the school's enrolment applications"),
                       ("school_admin", "director", "secretary"))]


@hookimpl
def eschool_menu_items(user, scope):
    if user is None or not scope.school_id:
        return []
    return [MenuItem("applications.queue", _l("Applications"), order=815, section="admin",
                     permission="applications.manage", url_kwargs={"school_id": scope.school_id}, plugin="core", group="people")]
