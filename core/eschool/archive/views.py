"""The archive's pages: the school's years, one year's classes with their files, building, downloads."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from eschool.archive import services
from eschool.auth.permissions import AUTHENTICATED, require
from eschool.school.services import SchoolError
from eschool.structure.services import school_by_id
from eschool.web.errors import PageError

bp = Blueprint("archive", __name__, url_prefix="/school/<int:school_id>/archive")


def _school(school_id: int):
    school = school_by_id(school_id)
    if school is None:
        abort(404)
    return school


def _forbidden():
    return PageError(403, _("You do not have permission to do this here."))


@bp.get("/")
@require(AUTHENTICATED)
def index(school_id: int):
    """The school's years and how far each one's archive is (a class teacher: the classes they led)."""
    school = _school(school_id)
    try:
        rows = services.summary(current_user, school)
    except services.ArchiveForbidden:
        raise _forbidden() from None
    return render_template("archive/index.html", school=school, rows=rows)


@bp.get("/<int:year_id>")
@require(AUTHENTICATED)
def year(school_id: int, year_id: int):
    school = _school(school_id)
    try:
        found = services.year_of(school, year_id)
        lines = services.listing(current_user, school, found)
    except SchoolError:
        abort(404)
    except services.ArchiveForbidden:
        raise _forbidden() from None
    return render_template("archive/year.html", school=school, year=found, lines=lines,
                           may_build=services.may_build(current_user, school), attempts=services.MAX_ATTEMPTS)


@bp.post("/<int:year_id>/build")
@require(services.BUILD)
def build(school_id: int, year_id: int):
    school = _school(school_id)
    try:
        found = services.year_of(school, year_id)
        queued = services.request_build(current_user, school, found, rebuild=request.form.get("rebuild") == "1")
    except SchoolError:
        abort(404)
    except services.ArchiveForbidden:
        raise _forbidden() from None
    flash(ngettext("%(num)d class queued; the list shows how it goes.",
                   "%(num)d classes queued; the list shows how they go.", queued) if queued else
          _("Nothing to build: every class is done or on its way."), "success")
    return redirect(url_for("archive.year", school_id=school.id, year_id=found.id))


@bp.get("/files/<int:entry_id>.<fmt>")
@require(AUTHENTICATED)
def download(school_id: int, entry_id: int, fmt: str):
    """An archived file, to those who may read the class's archive."""
    school = _school(school_id)
    try:
        found = services.file_of(current_user, school, entry_id, fmt)
    except services.ArchiveForbidden:
        raise _forbidden() from None
    if found is None:
        abort(404)
    path, name, mimetype = found
    response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-cache"
    return response
