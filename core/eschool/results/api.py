"""Final marks, periods, the class period report and the rates per school over ``/api/v1``.

The endpoints declare ``journal.keep`` (or ``journal.control``, ``results.rates``); the object rule
(who teaches the subject, whose class) is the services' and refuses everyone else with 403.
"""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from eschool.api import API_PREFIX, ApiError, doc, load_json, load_query
from eschool.auth.permissions import require
from eschool.results import services
from eschool.results.schemas import (
    ClassReportSchema,
    FinalMarkInSchema,
    FinalMarkSchema,
    PeriodBriefSchema,
    RatesQuerySchema,
    ReportQuerySchema,
    SchoolRatesSchema,
    SheetQuerySchema,
    SheetSchema,
    report_as_dict,
)
from eschool.school import services as school_services
from eschool.school.api import refused, school_or_404
from eschool.school.services import SchoolError
from eschool.structure.models import Municipality

bp = Blueprint("results_api", __name__, url_prefix=API_PREFIX)
KEEP, CONTROL, RATES = "journal.keep", "journal.control", "results.rates"
TAGS = ["results"]


def _run(func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except SchoolError as exc:  # 403 for the forbidden, 409 "stale" with the current row, 409, 400
        raise refused(exc) from exc


def _class_subject(school_id: int, class_id: int, subject_id: int):
    school = school_or_404(school_id)
    try:
        return school, school_services.class_of(school, class_id), school_services.subject_of(school, subject_id)
    except SchoolError as exc:
        raise ApiError(404, "not_found", _("Not found.")) from exc


def _period(school, period_id):
    return _run(services.period_of, school, period_id) if period_id is not None else None


@bp.get("/schools/<int:school_id>/classes/<int:class_id>/subjects/<int:subject_id>/final-marks")
@require(KEEP)
@doc(summary="Every student's weighted average, suggested mark and final mark for a period, the year or an "
             "exam (the subject's teacher, the class teacher, the management)",
     query=SheetQuerySchema, response=SheetSchema, tags=TAGS)
def get_sheet(school_id, class_id, subject_id):
    school, group, subject = _class_subject(school_id, class_id, subject_id)
    args = load_query(SheetQuerySchema())
    result = _run(services.sheet, current_user, group, subject, args["kind"], _period(school, args["period_id"]))
    return jsonify(SheetSchema().dump(result))


@bp.put("/schools/<int:school_id>/classes/<int:class_id>/subjects/<int:subject_id>/final-marks")
@require(KEEP)
@doc(summary="Set or remove one student's final mark (only the subject's teacher); 409 when the period is "
             "closed or the mark changed since the version given (the body's error carries the current row)",
     request=FinalMarkInSchema, response=FinalMarkSchema, tags=TAGS)
def put_final_mark(school_id, class_id, subject_id):
    school, group, subject = _class_subject(school_id, class_id, subject_id)
    data = load_json(FinalMarkInSchema())
    period = _period(school, data["period_id"]) if data["kind"] == "period" else None
    row = _run(services.set_final_mark, current_user, group, subject, data["student_id"], data["kind"], period,
               data["value"], data["version"])
    if row is None:
        return "", 204
    return jsonify(FinalMarkSchema().dump(row))


@bp.get("/schools/<int:school_id>/classes/<int:class_id>/report")
@require(KEEP)
@doc(summary="The class period report: final marks (or suggestions) per subject, pass and quality rates "
             "(the class teacher of the class, the management)",
     query=ReportQuerySchema, response=ClassReportSchema, tags=TAGS)
def class_report(school_id, class_id):
    school = school_or_404(school_id)
    group = _run(school_services.class_of, school, class_id)
    args = load_query(ReportQuerySchema())
    report = _run(services.class_report, current_user, group, args["kind"], _period(school, args["period_id"]))
    return jsonify(ClassReportSchema().dump(report_as_dict(report)))


@bp.post("/schools/<int:school_id>/periods/<int:period_id>/close")
@require(CONTROL)
@doc(summary="Close a period for the school: its marks no longer change", response=PeriodBriefSchema, tags=TAGS)
def close_period(school_id, period_id):
    school = school_or_404(school_id)
    return jsonify(PeriodBriefSchema().dump(_run(services.close_period, current_user, school, period_id)))


@bp.post("/schools/<int:school_id>/periods/<int:period_id>/reopen")
@require(CONTROL)
@doc(summary="Reopen a closed period", response=PeriodBriefSchema, tags=TAGS)
def reopen_period(school_id, period_id):
    school = school_or_404(school_id)
    return jsonify(PeriodBriefSchema().dump(_run(services.reopen_period, current_user, school, period_id)))


@bp.get("/municipalities/<municipality_code>/results")
@require(RATES)
@doc(summary="Pass and quality rates of each school of the municipality (aggregates only)",
     query=RatesQuerySchema, response=SchoolRatesSchema, many=True, tags=TAGS)
def school_rates(municipality_code):
    municipality = Municipality.get_or_none(Municipality.code == municipality_code)
    if municipality is None:
        raise ApiError(404, "not_found", _("Not found."))
    args = load_query(RatesQuerySchema())
    rows = services.school_rates(municipality, args["kind"], args["number"])
    return jsonify(SchoolRatesSchema().dump(rows, many=True))
