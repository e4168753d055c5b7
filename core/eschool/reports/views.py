"""The reports pages: the list a user may open here, each report's page with its parameters, and its
XLSX and PDF downloads from the same definition (``?format=xlsx`` / ``?format=pdf``)."""
from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from eschool.auth.permissions import AUTHENTICATED, require
from eschool.exports import pdf_response, xlsx_response
from eschool.reports import services
from eschool.reports.render import cell_text, filename, sheets_of
from eschool.school.services import SchoolError
from eschool.structure.models import Municipality
from eschool.structure.services import school_by_id
from eschool.web.errors import PageError

bp = Blueprint("reports", __name__, url_prefix="/school/<int:school_id>/reports")
area = Blueprint("reports_area", __name__, url_prefix="/municipality/<municipality_code>/reports")
FORMATS = ("html", "xlsx", "pdf")


def _show(scope, place: dict, key: str, school=None):
    fmt = request.args.get("format", "html")
    if fmt not in FORMATS:
        raise PageError(400, _("Unknown format: choose html, xlsx or pdf."))
    args = {k: v for k, v in request.args.items() if k != "format"}
    try:
        found = services.run(current_user, scope, key, args)
    except services.ReportForbidden:
        raise PageError(403, _("You do not have permission to do this here.")) from None
    except SchoolError as exc:
        report = services.find(current_user, scope, key)
        if report is None:
            abort(404)
        first_visit = not args and fmt == "html"
        return render_template("reports/report.html", report=None, kind=report, place=place, args=args,
                               error=None if first_visit else exc, hint=exc if first_visit else None,
                               options=services.form_options(current_user, scope, school, report), cell_text=cell_text), \
            200 if first_visit else 400
    if found is None:
        abort(404)
    kind, params, report = found
    if fmt == "xlsx":
        return xlsx_response(filename(report, params), sheets_of(report))
    if fmt == "pdf":
        html = render_template("reports/print.html", report=report, cell_text=cell_text, landscape=report.landscape)
        return pdf_response(filename(report, params), html)
    return render_template("reports/report.html", report=report, kind=kind, place=place, args=args, error=None,
                           hint=None, options=services.form_options(current_user, scope, school, kind), cell_text=cell_text)


def _list(scope, place: dict):
    reports = services.available(current_user, scope)
    if not reports:
        raise PageError(403, _("You do not have permission to do this here."))
    return render_template("reports/index.html", reports=reports, place=place)


def _school(school_id: int):
    school = school_by_id(school_id)
    if school is None:
        abort(404)
    return school


def _municipality(code: str):
    municipality = Municipality.get_or_none(Municipality.code == code)
    if municipality is None:
        abort(404)
    return municipality


@bp.get("/")
@require(AUTHENTICATED)
def index(school_id: int):
    """The reports this user may open in the school (each report's own permission decides)."""
    school = _school(school_id)
    return _list(g.scope, {"endpoint": "reports.show", "kwargs": {"school_id": school.id}, "name": school.short_name})


@bp.get("/<key>")
@require(AUTHENTICATED)
def show(school_id: int, key: str):
    school = _school(school_id)
    return _show(g.scope, {"endpoint": "reports.show", "kwargs": {"school_id": school.id}, "name": school.short_name,
                           "index": "reports.index"}, key, school)


@area.get("/")
@require(AUTHENTICATED)
def municipality_index(municipality_code: str):
    municipality = _municipality(municipality_code)
    from flask_babel import get_locale

    return _list(g.scope, {"endpoint": "reports_area.show", "kwargs": {"municipality_code": municipality.code},
                           "name": municipality.name(str(get_locale() or "ru"))})


@area.get("/<key>", endpoint="show")
@require(AUTHENTICATED)
def show_area(municipality_code: str, key: str):
    municipality = _municipality(municipality_code)
    from flask_babel import get_locale

    return _show(g.scope, {"endpoint": "reports_area.show", "kwargs": {"municipality_code": municipality.code},
                           "name": municipality.name(str(get_locale() or "ru")), "index": "reports_area.municipality_index"},
                 key)

