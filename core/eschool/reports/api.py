"""Reports over the API: the list a user may open, and a report as JSON, XLSX or PDF (one definition)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import Blueprint, g, render_template
from flask_babel import gettext as _
from flask_login import current_user

from eschool.api import API_PREFIX, ApiError, doc, load_query
from eschool.auth.permissions import AUTHENTICATED, require
from eschool.exports import pdf_response, xlsx_response
from eschool.reports import services
from eschool.reports.render import cell_text, filename, sheets_of
from eschool.reports.schemas import ReportInfoSchema, ReportQuerySchema, ReportSchema
from eschool.school.api import refused, school_or_404
from eschool.school.services import SchoolError
from eschool.structure.models import Municipality

bp = Blueprint("reports_api", __name__, url_prefix=f"{API_PREFIX}/schools/<int:school_id>/reports")
area = Blueprint("reports_area_api", __name__, url_prefix=f"{API_PREFIX}/municipalities/<municipality_code>/reports")
TAGS = ["reports"]


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _list():
    return [ReportInfoSchema().dump({"key": r.key, "title": str(r.title), "description": str(r.description or ""),
                                     "params": list(r.params), "required": list(r.required)})
            for r in services.available(current_user, g.scope)]


def _report(key: str):
    args = load_query(ReportQuerySchema())
    fmt = args.pop("format")
    raw = {k: (v.isoformat() if isinstance(v, dt.date) else str(v)) for k, v in args.items()}
    try:
        found = services.run(current_user, g.scope, key, raw)
    except services.ReportForbidden:
        raise ApiError(403, "forbidden", _("You do not have permission to do this here.")) from None
    except SchoolError as exc:
        raise refused(exc) from exc
    if found is None:
        raise ApiError(404, "not_found", _("Not found."))
    kind, params, report = found
    if fmt == "xlsx":
        return xlsx_response(filename(report, params), sheets_of(report))
    if fmt == "pdf":
        return pdf_response(filename(report, params), render_template(
            "reports/print.html", report=report, cell_text=cell_text, landscape=report.landscape))
    return ReportSchema().dump({
        "key": kind.key, "title": str(report.title), "caption": [str(c) for c in report.caption],
        "notes": [str(n) for n in report.notes],
        "tables": [{"title": str(t.title), "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind}
                                                       for c in t.columns],
                    "rows": [[_plain(v) for v in row] for row in t.rows],
                    "totals": [_plain(v) for v in t.totals] if t.totals else None} for t in report.tables]})


DESCRIPTION = ("Each report reads the parameters it asks for (`params` in the list; `required` ones must be "
               "given) and answers JSON, or `format=xlsx` / `format=pdf` (503 where PDF output is not "
               "installed). A class teacher opens the reports marked for class teachers for their own class.")


@bp.get("/")
@require(AUTHENTICATED)
@doc("The reports this user may open in the school", response=ReportInfoSchema, many=True, tags=TAGS)
def index(school_id: int):
    school_or_404(school_id)
    return _list()


@bp.get("/<key>")
@require(AUTHENTICATED)
@doc("A report of the school", query=ReportQuerySchema, response=ReportSchema, tags=TAGS, description=DESCRIPTION,
     errors=(503,))
def report(school_id: int, key: str):
    school_or_404(school_id)
    return _report(key)


def _municipality(code: str):
    if Municipality.get_or_none(Municipality.code == code) is None:
        raise ApiError(404, "not_found", _("Not found."))


@area.get("/")
@require(AUTHENTICATED)
@doc("The reports this user may open in the municipality", response=ReportInfoSchema, many=True, tags=TAGS)
def municipality_index(municipality_code: str):
    _municipality(municipality_code)
    return _list()


@area.get("/<key>")
@require(AUTHENTICATED)
@doc("A report of the municipality", query=ReportQuerySchema, response=ReportSchema, tags=TAGS,
     description=DESCRIPTION, errors=(503,))
def municipality_report(municipality_code: str, key: str):
    _municipality(municipality_code)
    return _report(key)
