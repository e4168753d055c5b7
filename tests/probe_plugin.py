"""A tiny plugin used by the tests: it records every call so tests can see which hooks ran.

Its files (a widget template, a migration creating ``probe_note``) live in ``tests/probe_files/``.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint
from peewee import CharField, IntegerField

from eschool import hookimpl
from eschool.auth.permissions import public, require
from eschool.db import BaseModel
from eschool.types import MenuItem, Permission, PluginInfo, Widget

FILES = Path(__file__).parent / "probe_files"


class ProbeNote(BaseModel):
    """The probe's data: a row per note, kept whether the probe is on or off."""

    school_id = IntegerField(index=True)
    text = CharField(max_length=100)

    class Meta:
        table_name = "probe_note"


class Probe:
    """Register an instance with ``make_app(extra_plugins=[("probe", Probe())])``."""

    def __init__(self):
        self.calls: list[tuple[str, object]] = []
        self.bp = Blueprint("probe", __name__, url_prefix="/probe")

        @self.bp.get("/school/<int:school_id>")
        @public
        def page(school_id):
            notes = ProbeNote.select().where(ProbeNote.school_id == school_id).count()
            return f"probe page {school_id}: {notes} notes"

        @self.bp.get("/secret/<int:school_id>")
        @require("probe.see")
        def secret(school_id):
            return "secret"

    @hookimpl
    def eschool_plugin_info(self):
        return PluginInfo(code="probe", name="Probe", version="1", root=FILES)

    @hookimpl
    def eschool_models(self):
        return [ProbeNote]

    @hookimpl
    def eschool_blueprints(self, app):
        return [self.bp]

    @hookimpl
    def eschool_permissions(self):
        return [Permission("probe.see", "See the probe", ("director",))]

    @hookimpl
    def eschool_menu_items(self, user, scope):
        self.calls.append(("menu", scope))
        return [MenuItem("probe.page", "Probe menu entry", url_kwargs={"school_id": scope.school_id or 0},
                         section="main", plugin="probe")]

    @hookimpl
    def eschool_dashboard_widgets(self, user, scope):
        self.calls.append(("widget", scope))
        school_id = scope.school_id
        return [Widget("probe", "Probe widget", "probe/widget.html", plugin="probe",
                       context=lambda: {"notes": ProbeNote.select().where(ProbeNote.school_id == school_id).count()})]

    @hookimpl
    def eschool_on_mark_saved(self, mark, created, actor, scope):
        self.calls.append(("mark_saved", mark))

    @hookimpl
    def eschool_on_absence_recorded(self, attendance, created, actor, scope):
        self.calls.append(("absence_recorded", attendance))

    @hookimpl
    def eschool_on_homework_set(self, homework, created, actor, scope):
        self.calls.append(("homework_set", homework))

    @hookimpl
    def eschool_check_permission(self, user, permission, obj, scope):
        self.calls.append(("check", permission))
        if permission == "probe.see" and getattr(user, "username", "") == "vetoed":
            return False
        return None

    def called(self, kind: str) -> list:
        return [arg for name, arg in self.calls if name == kind]
