"""The year archive: its table, pages, API, permissions, menu entry, its build when a year closes, and the
sweep that queues lost builds again."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.core_parts import part_info
from eschool.types import MenuItem, Permission


@hookimpl
def eschool_plugin_info():
    return part_info("core.archive", _l("Year archive"))


@hookimpl
def eschool_models():
    from eschool.archive.models import ArchiveEntry

    return [ArchiveEntry]


@hookimpl
def eschool_blueprints(app):
    from eschool.archive import api, views

    return [views.bp, api.bp]


@hookimpl
def eschool_permissions():
    return [Permission("archive.view", _l("Read the year archive of every class of the school"),
                       ("school_admin", "director", "deputy_director")),
            Permission("archive.build", _l("Build the school's year archive on demand"), ("school_admin", "director"))]


@hookimpl
def eschool_menu_items(user, scope):
    """«Archive» for whoever may open it here (a class teacher for the classes they led)."""
    if user is None or not scope.school_id:
        return []
    from eschool.archive import services
    from eschool.structure.services import school_by_id

    school = school_by_id(scope.school_id)
    if school is None or not services.may_open(user, school):
        return []
    return [MenuItem("archive.index", _l("Year archive"), order=36, url_kwargs={"school_id": scope.school_id},
                     plugin="core", group="reports")]


@hookimpl
def eschool_on_year_closed(academic_year, actor, scope):
    """A closed year's archive is built at once (after the closing's commit), in the background."""
    from eschool.archive import services
    from eschool.structure.services import school_by_id

    services.request_build(None, school_by_id(scope.school_id), academic_year, check=False, requested_by=actor)


@hookimpl
def eschool_periodic_tasks():
    from huey import crontab

    from eschool.archive import services

    return [(crontab(minute="*/10"), services.sweep)]
