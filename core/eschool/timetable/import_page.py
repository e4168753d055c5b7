"""The timetable import page: upload an aSc Timetables XML export or a CSV/XLSX table, see what it would
do (nothing written), then import all of it. The rules are in ``timetable.importing``; the command line
(``eschool import timetable``) calls the same."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eschool.auth.permissions import require
from eschool.people import uploads
from eschool.structure.services import school_by_id
from eschool.timetable import importing

bp = Blueprint("timetable_import", __name__, url_prefix="/school/<int:school_id>/timetable/import")
KIND = "timetable"


def _page(school, status=200, **context):
    context = {"plan": None, "token": None, "file_error": None, **context}
    return render_template("timetable/import.html", school=school, columns=importing.COLUMNS, **context), status


@bp.route("", methods=["GET", "POST"])
@require("timetable.manage")
def index(school_id: int):
    """Check a file (the dry run), then import it with the token of the checked file."""
    school = school_by_id(school_id)
    if school is None:
        abort(404)
    if request.method == "GET":
        return _page(school)
    token = request.form.get("token", "")
    if token:
        try:
            kept = uploads.take(school.id, current_user.id, KIND, token)
        except uploads.UploadGone as exc:
            return _page(school, 400, file_error=str(exc.message))
        data, filename, confirmed = kept.data, kept.filename, True
    else:
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return _page(school, 400, file_error=_("Choose an .xml, .csv or .xlsx file."))
        data, filename, confirmed = upload.read(), upload.filename, False
    try:
        plan = importing.check(school, importing.read_file(data, filename), filename)
    except importing.ImportFileError as exc:
        return _page(school, 400, file_error=str(exc))
    if confirmed and plan.ok:
        done = importing.run(plan)
        flash(_("The timetable is imported: %(added)s lessons added, %(changed)s changed, %(removed)s removed.",
                **done), "success")
        return redirect(url_for("timetable.week", school_id=school.id))
    token = uploads.keep(school.id, current_user.id, KIND, data, filename) if plan.ok else None
    return _page(school, 200 if plan.ok else 400, plan=plan, token=token)
