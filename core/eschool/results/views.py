"""Results pages: the teacher's final marks, the class period report, closing periods, the rates per school.

Plain HTML forms. Each view declares its permission; the services' object rules (who teaches the
subject, whose class) refuse everyone else with 403.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from eschool.auth.permissions import require, user_assignments
from eschool.journal.services import JournalForbidden
from eschool.results import services
from eschool.school import services as school_services
from eschool.school.models import ClassGroup, CurriculumItem, Subject, TeachingAssignment
from eschool.school.services import SchoolError
from eschool.structure.models import Municipality, School
from eschool.structure.services import school_by_id
from eschool.web.errors import PageError

bp = Blueprint("results", __name__, url_prefix="/school/<int:school_id>/results")
area = Blueprint("results_area", __name__, url_prefix="/results")
KEEP, CONTROL, RATES = "journal.keep", "journal.control", "results.rates"

VALUE_LABELS = {"5": "5", "4": "4", "3": "3", "2": "2", "pass": _l("pass"), "fail": _l("fail"),
                "exempt": _l("exempt")}
PERIOD_KINDS = {"quarter": _l("quarter"), "semester": _l("semester"), "trimester": _l("trimester")}


def _school(school_id: int) -> School:
    school = school_by_id(school_id)
    if school is None:
        abort(404)
    return school


def _run(func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except JournalForbidden as exc:
        raise PageError(403, str(exc.message)) from exc
    except SchoolError as exc:
        raise PageError(409 if exc.conflict else 404, str(exc.message)) from exc


def _int_arg(name: str):
    value = request.values.get(name, "")
    return int(value) if value.isdigit() else None


def period_label(period) -> str:
    return _("%(kind)s %(number)s (grades %(start)s-%(end)s)", kind=PERIOD_KINDS.get(period.kind, period.kind),
             number=period.number, start=period.grade_from, end=period.grade_to)


@bp.get("")
@require(KEEP)
def index(school_id: int):
    """What the user may open: their class-subjects' final marks, the class reports, and periods to close."""
    school = _school(school_id)
    year = school_services.current_year(school)
    if year is None:
        raise PageError(404, _("The school has no current academic year."))
    teaching = list(TeachingAssignment.select(TeachingAssignment, ClassGroup, Subject).join(ClassGroup)
                    .switch(TeachingAssignment).join(Subject)
                    .where((TeachingAssignment.teacher == current_user.id) & (ClassGroup.academic_year == year))
                    .order_by(ClassGroup.grade, ClassGroup.name, Subject.name))
    pairs, seen = [], set()
    for a in teaching:
        if (a.class_group_id, a.subject_id) not in seen:
            seen.add((a.class_group_id, a.subject_id))
            pairs.append(a)
    controls = services.controls(current_user, school)
    classes = school_services.classes(school, year)
    own = {a.class_group_id for a in user_assignments(current_user) if a.role == "class_teacher"}
    report_classes = classes if controls else [c for c in classes
                                               if c.id in own or c.class_teacher_id == current_user.id]
    periods = services.school_periods(school, year)
    return render_template("results/index.html", school=school, year=year, pairs=pairs, periods=periods,
                           report_classes=report_classes, controls=controls, period_label=period_label)


def _sheet_args(school, group):
    kind = request.values.get("kind", "period")
    if kind not in services.KINDS:
        abort(404)
    period = None
    if kind == "period":
        periods = services.periods_for(group)
        period_id = _int_arg("period")
        if period_id is None:  # the period going on now, else the first
            import datetime as dt

            today = dt.date.today()
            period = next((p for p in periods if p.starts_on <= today <= p.ends_on), periods[0] if periods else None)
            if period is None:
                raise PageError(404, _("The class has no periods in its year."))
        else:
            period = _run(services.period_of, school, period_id)
    return kind, period


def _class_subject(school, class_id):
    """The class, and the subject of ``?subject=`` (by default the first the user teaches there, else the
    first of the class's curriculum)."""
    try:
        group = school_services.class_of(school, class_id)
    except SchoolError:
        abort(404)
    subject_id = _int_arg("subject")
    if subject_id is None:
        mine = (TeachingAssignment.select(TeachingAssignment.subject).join(Subject)
                .where((TeachingAssignment.class_group == group) & (TeachingAssignment.teacher == current_user.id))
                .order_by(Subject.name).first())
        line = mine or (CurriculumItem.select(CurriculumItem.subject).join(Subject)
                        .where(CurriculumItem.class_group == group).order_by(Subject.name).first())
        if line is None:
            raise PageError(404, _("The class has no subjects yet."))
        subject_id = line.subject_id
    try:
        return group, school_services.subject_of(school, subject_id)
    except SchoolError:
        abort(404)


def _sheet_page(school, group, subject, kind, period, errors=None, status=200):
    sheet = _run(services.sheet, current_user, group, subject, kind, period)
    allowed = ["pass", "fail", "exempt"] if sheet.scale == "pass_fail" else ["5", "4", "3", "2", "exempt"]
    return render_template("results/final_marks.html", school=school, group=group, subject=subject, sheet=sheet,
                           kind=kind, period=period, allowed=allowed, labels=VALUE_LABELS, errors=errors or {},
                           period_label=period_label), status


@bp.get("/classes/<int:class_id>/final-marks")
@require(KEEP)
def final_marks(school_id: int, class_id: int):
    """The sheet: averages, suggestions (a forecast while the period goes on) and the final marks."""
    school = _school(school_id)
    group, subject = _class_subject(school, class_id)
    kind, period = _sheet_args(school, group)
    return _sheet_page(school, group, subject, kind, period)


@bp.post("/classes/<int:class_id>/final-marks")
@require(KEEP)
def save_final_marks(school_id: int, class_id: int):
    """Save the changed cells (``value_<student>`` with ``version_<student>``); each cell on its own."""
    school = _school(school_id)
    group, subject = _class_subject(school, class_id)
    kind, period = _sheet_args(school, group)
    errors, saved, status = {}, 0, 200
    for key, value in request.form.items():
        if not key.startswith("value_") or not key[6:].isdigit():
            continue
        student_id = int(key[6:])
        before = request.form.get(f"was_{student_id}", "")
        if value == before:
            continue
        version_text = request.form.get(f"version_{student_id}", "")
        version = int(version_text) if version_text.isdigit() else None
        try:
            services.set_final_mark(current_user, group, subject, student_id, kind, period, value, version)
            saved += 1
        except JournalForbidden as exc:
            raise PageError(403, str(exc.message)) from exc
        except services.StaleFinalMark as exc:
            errors[student_id] = str(exc.message)
            status = 409
        except SchoolError as exc:
            errors[student_id] = str(exc.message)
            status = 409 if exc.conflict else 400 if status == 200 else status
    if errors:
        return _sheet_page(school, group, subject, kind, period, errors, status)
    flash(_("Saved: %(count)s.", count=saved), "success")
    return redirect(url_for("results.final_marks", school_id=school.id, class_id=group.id, subject=subject.id,
                            kind=kind, period=period.id if period else None))


@bp.post("/classes/<int:class_id>/final-marks/accept")
@require(KEEP)
def accept_final_marks(school_id: int, class_id: int):
    """Accept the suggested marks: each student without a final mark gets the suggestion (all or nothing)."""
    school = _school(school_id)
    group, subject = _class_subject(school, class_id)
    kind, period = _sheet_args(school, group)
    try:
        done = services.accept_suggestions(current_user, group, subject, kind, period)
    except JournalForbidden as exc:
        raise PageError(403, str(exc.message)) from exc
    except SchoolError as exc:
        flash(str(exc.message), "error")
    else:
        flash(ngettext("Accepted: %(num)d final mark.", "Accepted: %(num)d final marks.", done.count), "success")
        if done.left:
            flash(_("Fewer than three marks, left for you to decide: %(names)s.",
                    names=", ".join(s.full_name for s in done.left)), "info")
    return redirect(url_for("results.final_marks", school_id=school.id, class_id=group.id, subject=subject.id,
                            kind=kind, period=period.id if period else None))


@bp.get("/classes/<int:class_id>/report")
@require(KEEP)
def class_report(school_id: int, class_id: int):
    """The class period report: final marks (or suggestions) per subject, pass and quality rates."""
    school = _school(school_id)
    try:
        group = school_services.class_of(school, class_id)
    except SchoolError:
        abort(404)
    kind = request.args.get("kind", "period")
    if kind not in ("period", "year"):
        abort(404)
    kind, period = _sheet_args(school, group) if kind == "period" else ("year", None)
    report = _run(services.class_report, current_user, group, kind, period)
    return render_template("results/report.html", school=school, group=group, report=report, kind=kind,
                           period=period, periods=services.periods_for(group), labels=VALUE_LABELS,
                           period_label=period_label)


@bp.post("/periods/<int:period_id>/close")
@require(CONTROL)
def close_period(school_id: int, period_id: int):
    school = _school(school_id)
    period = _run(services.close_period, current_user, school, period_id)
    flash(_("%(period)s is closed.", period=period_label(period)), "success")
    return redirect(url_for("results.index", school_id=school.id))


@bp.post("/periods/<int:period_id>/reopen")
@require(CONTROL)
def reopen_period(school_id: int, period_id: int):
    school = _school(school_id)
    period = _run(services.reopen_period, current_user, school, period_id)
    flash(_("%(period)s is open again.", period=period_label(period)), "success")
    return redirect(url_for("results.index", school_id=school.id))


@area.get("/municipalities/<municipality_code>")
@require(RATES)
def school_rates(municipality_code: str):
    """Pass and quality rates per school of the municipality: aggregates only, never a student."""
    municipality = Municipality.get_or_none(Municipality.code == municipality_code)
    if municipality is None:
        abort(404)
    kind = request.args.get("kind", "quarter")
    if kind not in (*PERIOD_KINDS, "year"):
        kind = "quarter"
    number = _int_arg("number") or 1
    rows = services.school_rates(municipality, kind, number)
    from flask_babel import get_locale

    return render_template("results/rates.html", municipality=municipality, rows=rows,
                           municipality_name=municipality.name(str(get_locale() or "ru")), kind=kind, number=number,
                           kinds=PERIOD_KINDS)
