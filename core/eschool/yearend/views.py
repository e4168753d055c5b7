"""The guided year closing for the school's administration, and the municipality's view of its schools."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from eschool.auth.permissions import require
from eschool.school.services import SchoolError
from eschool.structure.models import Municipality
from eschool.structure.services import school_by_id
from eschool.web.errors import PageError
from eschool.yearend import services
from eschool.yearend.models import DECISIONS

bp = Blueprint("yearend", __name__, url_prefix="/school/<int:school_id>/year-end")
area = Blueprint("yearend_area", __name__, url_prefix="/municipality/<municipality_code>/year-end")
PROGRESS = "year.progress"


def _school_year(school_id: int):
    school = school_by_id(school_id)
    if school is None:
        abort(404)
    return school, services.current_open_year(school)


@bp.get("/")
@require(services.CLOSE)
def index(school_id: int):
    school, year = _school_year(school_id)
    if year is None:
        return render_template("yearend/index.html", school=school, year=None)
    allowed, when = services.window(year)
    next_year = services.suggest_next(year)
    return render_template("yearend/index.html", school=school, year=year, allowed=allowed, when=when,
                           checks=services.checks(year), rows=services.decisions(year), decisions=DECISIONS,
                           next_year=next_year, first_graders=services.first_graders(school, year, next_year["starts_on"]),
                           letters=services.letters_of(school))


@bp.post("/decisions")
@require(services.CLOSE)
def save(school_id: int):
    school, year = _school_year(school_id)
    if year is None:
        abort(404)
    items = []
    for row in services.decisions(year):
        decision = request.form.get(f"d_{row.student.id}")
        if decision is not None:
            items.append({"student_id": row.student.id, "decision": decision,
                          "debts": request.form.get(f"debts_{row.student.id}", "")})
    try:
        services.save_decisions(current_user, school, year, items)
    except services.YearEndForbidden:
        raise PageError(403, _("You do not have permission to do this here.")) from None
    except SchoolError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("yearend.index", school_id=school.id)), 303
    flash(_("Decisions saved."), "success")
    return redirect(url_for("yearend.index", school_id=school.id) + "#decisions")


@bp.post("/close")
@require(services.CLOSE)
def close(school_id: int):
    school, year = _school_year(school_id)
    if year is None:
        abort(404)
    proposal = services.suggest_next(year)
    try:
        for name in ("starts_on", "ends_on"):
            if request.form.get(name):
                proposal[name] = dt.date.fromisoformat(request.form[name])
    except ValueError:
        flash(_("A date as YYYY-MM-DD."), "error")
        return redirect(url_for("yearend.index", school_id=school.id)), 303
    if request.form.get("name", "").strip():
        proposal["name"] = request.form["name"].strip()[:20]
    admissions = []
    for key, letter in request.form.items():
        if key.startswith("place_") and key[6:].isdigit():
            admissions.append({"application_id": int(key[6:]), "letter": letter})
    try:
        closed = services.close_year(current_user, school, year, proposal, request.form.get("order_number", "").strip(),
                                     admissions=admissions,
                                     enrolment_order=request.form.get("enrolment_order", "").strip())
    except services.YearEndForbidden:
        raise PageError(403, _("You do not have permission to do this here.")) from None
    except SchoolError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("yearend.index", school_id=school.id)), 303
    flash(_("The year %(old)s is closed; %(new)s is open.", old=year.name, new=closed.year.name), "success")
    if closed.admitted:  # the new first graders' parents' logins, shown this once on printable slips
        entries = [(a.parent.full_name, _("Parent of %(children)s", children=", ".join((a.student.full_name, a.class_name))),
                    a.parent.username, a.password) for a in closed.admitted]
        return render_template("people/slip.html", school=school, entries=entries,
                               back_url=url_for("yearend.index", school_id=school.id),
                               login_url=url_for("auth.login", _external=True)), 200, {"Cache-Control": "no-store"}
    return redirect(url_for("yearend.index", school_id=school.id))


@area.get("/")
@require(PROGRESS)
def progress(municipality_code: str):
    municipality = Municipality.get_or_none(Municipality.code == municipality_code)
    if municipality is None:
        abort(404)
    return render_template("yearend/progress.html", municipality=municipality,
                           name=municipality.name(str(get_locale() or "ru")),
                           rows=services.municipality_progress(municipality))
