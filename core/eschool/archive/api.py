"""The archive over ``/api/v1/schools/<school_id>/archive``."""
from __future__ import annotations

from flask import Blueprint, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eschool.api import API_PREFIX, ApiError, doc, load_json
from eschool.archive import services
from eschool.archive.schemas import (
    ArchiveBuildInSchema,
    ArchiveLineSchema,
    ArchiveQueuedSchema,
    ArchiveYearSchema,
)
from eschool.auth.permissions import AUTHENTICATED, require
from eschool.school.api import school_or_404
from eschool.school.services import SchoolError

bp = Blueprint("archive_api", __name__, url_prefix=f"{API_PREFIX}/schools/<int:school_id>/archive")
TAGS = ["archive"]


def _forbidden():
    return ApiError(403, "forbidden", _("You do not have permission to do this here."))


def _year(school, year_id: int):
    try:
        return services.year_of(school, year_id)
    except SchoolError:
        raise ApiError(404, "not_found", _("Not found.")) from None


@bp.get("/")
@require(AUTHENTICATED)
@doc("The school's years and how far each one's archive is", response=ArchiveYearSchema, many=True, tags=TAGS)
def years(school_id: int):
    school = school_or_404(school_id)
    try:
        rows = services.summary(current_user, school)
    except services.ArchiveForbidden:
        raise _forbidden() from None
    return [ArchiveYearSchema().dump({"year_id": r.year.id, "name": r.year.name, "closed": r.year.closed,
                                      "classes": r.classes, "states": r.states}) for r in rows]


@bp.get("/<int:year_id>")
@require(AUTHENTICATED)
@doc("A year's classes with their archived journal (PDF, XLSX) and where each build stands",
     response=ArchiveLineSchema, many=True, tags=TAGS)
def year(school_id: int, year_id: int):
    school = school_or_404(school_id)
    found = _year(school, year_id)
    try:
        lines = services.listing(current_user, school, found)
    except services.ArchiveForbidden:
        raise _forbidden() from None

    def link(entry, fmt):
        if entry is None or not getattr(entry, f"{fmt}_name"):
            return None
        return url_for("archive_api.download", school_id=school.id, entry_id=entry.id, fmt=fmt, _external=True)

    return [ArchiveLineSchema().dump({
        "class_id": line.class_group.id, "class_name": line.class_group.name, "state": line.state,
        "attempts": line.entry.attempts if line.entry else 0, "error": line.entry.error if line.entry else "",
        "requested_at": line.entry.requested_at if line.entry else None,
        "built_at": line.entry.built_at if line.entry else None,
        "pdf_url": link(line.entry, "pdf"), "pdf_size": line.entry.pdf_size if line.entry else 0,
        "xlsx_url": link(line.entry, "xlsx"), "xlsx_size": line.entry.xlsx_size if line.entry else 0})
        for line in lines]


@bp.post("/<int:year_id>/build")
@require(services.BUILD)
@doc("Build the year's archive (the classes not done yet; `rebuild`: all again), in the background",
     request=ArchiveBuildInSchema, response=ArchiveQueuedSchema, status=202, tags=TAGS)
def build(school_id: int, year_id: int):
    school = school_or_404(school_id)
    found = _year(school, year_id)
    data = load_json(ArchiveBuildInSchema())
    try:
        queued = services.request_build(current_user, school, found, rebuild=data["rebuild"])
    except services.ArchiveForbidden:
        raise _forbidden() from None
    return ArchiveQueuedSchema().dump({"queued": queued}), 202


@bp.get("/files/<int:entry_id>.<fmt>")
@require(AUTHENTICATED)
@doc("Download an archived class journal (`fmt`: pdf or xlsx)", tags=TAGS)
def download(school_id: int, entry_id: int, fmt: str):
    school = school_or_404(school_id)
    try:
        found = services.file_of(current_user, school, entry_id, fmt)
    except services.ArchiveForbidden:
        raise _forbidden() from None
    if found is None:
        raise ApiError(404, "not_found", _("Not found."))
    path, name, mimetype = found
    response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "private, no-cache"
    return response
