"""The year closing over ``/api/v1/schools/<school_id>/year-end``."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _
from flask_login import current_user

from eschool.api import API_PREFIX, ApiError, doc, load_json
from eschool.auth.permissions import require
from eschool.school.api import refused, school_or_404
from eschool.school.services import SchoolError
from eschool.yearend import services
from eschool.yearend.schemas import DecisionsInSchema, NewYearSchema, YearCloseInSchema, YearEndSchema

bp = Blueprint("yearend_api", __name__, url_prefix=f"{API_PREFIX}/schools/<int:school_id>/year-end")
TAGS = ["year-end"]


def _year(school_id: int):
    school = school_or_404(school_id)
    year = services.current_open_year(school)
    if year is None:
        raise ApiError(404, "not_found", _("Not found."))
    return school, year


def _run(func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except services.YearEndForbidden:
        raise ApiError(403, "forbidden", _("You do not have permission to do this here.")) from None
    except SchoolError as exc:
        raise refused(exc) from exc


@bp.get("")
@require(services.CLOSE)
@doc("The year's closing: the window, the checks and each student's decision", response=YearEndSchema, tags=TAGS)
def state(school_id: int):
    school, year = _year(school_id)
    allowed, when = services.window(year)
    found = services.checks(year)
    first = services.first_graders(school, year)
    return YearEndSchema().dump({
        "first_graders": [{"application_id": a.application.id, "child": a.application.child_name,
                           "priority_group": a.application.priority_group, "letter": a.letter} for a in first],
        "year": year.name, "window_open": allowed, "window": when, "open_periods": len(found.open_periods),
        "missing_marks": [list(m) for m in found.missing_marks], "unfilled_lessons": found.unfilled_lessons,
        "decisions": [{"student_id": r.student.id, "student": r.student.full_name, "class_name": r.class_group.name,
                       "decision": r.decision, "debts": r.debts, "saved": r.saved} for r in services.decisions(year)]})


@bp.put("/decisions")
@require(services.CLOSE)
@doc("Save decisions (promoted, conditional, repeat, graduated, left)", request=DecisionsInSchema,
     response=YearEndSchema, tags=TAGS)
def decisions(school_id: int):
    school, year = _year(school_id)
    data = load_json(DecisionsInSchema())
    _run(services.save_decisions, current_user, school, year, data["decisions"])
    return state(school_id)


@bp.post("/close")
@require(services.CLOSE)
@doc("Close the year and open the next", request=YearCloseInSchema, response=NewYearSchema, status=201, tags=TAGS,
     description="Inside the region's window, once every period is closed and every year mark set. All or nothing: "
                 "the classes move up, leavers leave, the new year gets the curriculum and the timetable as a draft, "
                 "the accepted 1st-grade applications become students of the new 1st grades with their parents' "
                 "logins (shown this once in `admitted`); the old year becomes read-only and its archive is built.")
def close(school_id: int):
    school, year = _year(school_id)
    data = load_json(YearCloseInSchema())
    proposal = services.suggest_next(year)
    proposal.update({k: data[k] for k in ("name", "starts_on", "ends_on") if data.get(k)})
    closed = _run(services.close_year, current_user, school, year, proposal, data["order_number"],
                  admissions=data["admissions"], enrolment_order=data["enrolment_order"])
    new = closed.year
    return NewYearSchema().dump({
        "id": new.id, "name": new.name, "starts_on": new.starts_on, "ends_on": new.ends_on,
        "admitted": [{"application_id": a.application_id, "student_id": a.student.id, "class_name": a.class_name,
                      "parent_username": a.parent.username, "parent_password": a.password}
                     for a in closed.admitted]}), 201, {"Cache-Control": "no-store"}
