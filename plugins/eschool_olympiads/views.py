"""Olympiad pages: the catalogue, an olympiad (registrations, nomination, consent, results, import, moving on),
the student's and parents' page, a teacher's students, statistics with a chart and XLSX."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from peewee import fn

from eschool.plugin_api import School, has_permission, require, scope_for_school
from eschool_olympiads import services
from eschool_olympiads.models import STAGES, Olympiad, Registration

bp = Blueprint("olympiads", __name__, url_prefix="/olympiads", template_folder=None)
VIEW, NOMINATE, MANAGE, CONFIRM, STATS = (services.VIEW, services.NOMINATE, services.MANAGE, services.CONFIRM,
                                          services.STATS)


def _region() -> str:
    return current_app.extensions["eschool"].region.code


def _labels() -> dict:
    return {"stages": services.STAGE_LABELS, "results": services.RESULT_LABELS,
            "organisers": services.ORGANISER_LABELS}


def _olympiad(olympiad_id: int) -> Olympiad:
    """An olympiad seen from where the user is; 404 for another school's."""
    olympiad = services.visible(g.scope).where(Olympiad.id == olympiad_id).first()
    if olympiad is None:
        abort(404)
    return olympiad


@bp.get("/")
@require(VIEW)
def catalogue():
    year = request.args.get("year", type=int)
    stage = request.args.get("stage") if request.args.get("stage") in STAGES else None
    subject = request.args.get("subject") or None
    rows = list(services.catalogue(g.scope, year, stage, subject).limit(300))
    counts = dict(Registration.select(Registration.olympiad, fn.COUNT(Registration.id)).where(
        Registration.olympiad.in_([o.id for o in rows] or [0])).group_by(Registration.olympiad).tuples())
    return render_template("olympiads/catalogue.html", rows=rows, counts=counts, labels=_labels(), year=year,
                           stage=stage, subject=subject, subjects=services.subjects(g.scope), stages=STAGES,
                           may_manage=has_permission(current_user, MANAGE),
                           may_nominate=has_permission(current_user, NOMINATE))


def _owner():
    scope = g.scope
    if scope.school_id:
        return scope.school_id, None
    return None, scope.municipality_id


def _form_data():
    f = request.form
    data = {k: f.get(k, "") for k in ("title", "series", "subject", "stage", "grade_from", "grade_to", "year",
                                      "starts_on", "ends_on", "place", "description", "quota", "max_score",
                                      "passing_score", "next_stage_id")}
    data["self_apply"] = f.get("self_apply") == "1"
    return data


@bp.route("/new", methods=["GET", "POST"])
@require(MANAGE)
def create():
    data, errors = {"year": services.school_year(), "grade_from": 5, "grade_to": 11, "stage": "school"}, {}
    if request.method == "POST":
        data = _form_data()
        try:
            olympiad = services.create(_owner(), data)
        except services.OlympiadError as exc:
            errors = exc.fields
        else:
            flash(_("The olympiad is in the catalogue."), "success")
            return redirect(url_for("olympiads.detail", olympiad_id=olympiad.id))
    return render_template("olympiads/form.html", olympiad=None, data=data, errors=errors, stages=STAGES,
                           labels=_labels(), later=list(services.visible(g.scope).limit(200))), 400 if errors else 200


@bp.route("/<int:olympiad_id>/edit", methods=["GET", "POST"])
@require(MANAGE)
def edit(olympiad_id: int):
    olympiad = _olympiad(olympiad_id)
    if not has_permission(current_user, MANAGE, services.scope_of(olympiad, _region())):
        abort(403)
    data = {k: getattr(olympiad, k) for k in ("title", "series", "subject", "stage", "grade_from", "grade_to", "year",
                                              "starts_on", "ends_on", "place", "description", "quota", "max_score",
                                              "passing_score", "self_apply")}
    data["next_stage_id"] = olympiad.next_stage_id
    errors = {}
    if request.method == "POST":
        data = _form_data()
        try:
            services.update(olympiad, data)
        except services.OlympiadError as exc:
            errors = exc.fields
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("olympiads.detail", olympiad_id=olympiad.id))
    return render_template("olympiads/form.html", olympiad=olympiad, data=data, errors=errors, stages=STAGES,
                           labels=_labels(), later=list(services.visible(g.scope).limit(200))), 400 if errors else 200


def _detail(olympiad: Olympiad, errors=None, import_errors=None, status=200):
    region = _region()
    organiser = has_permission(current_user, MANAGE, services.scope_of(olympiad, region))
    school = School.get_or_none(School.id == g.scope.school_id) if g.scope.school_id else None
    # the organiser sees every school's registrations; a school's staff their school's
    school_ids = None if organiser else ([school.id] if school else [])
    regs = list(services.registrations(olympiad, school_ids))
    may_nominate = school is not None and services.reaches(olympiad, school) and \
        has_permission(current_user, NOMINATE, scope_for_school(school))
    return render_template(
        "olympiads/detail.html", olympiad=olympiad, regs=regs, organiser=organiser, labels=_labels(),
        may_nominate=may_nominate, eligible=services.eligible_students(olympiad, school) if may_nominate else [],
        quota_left=services.quota_left(olympiad, school.id) if school else None,
        qualified=services.qualified(olympiad) if organiser or has_permission(
            current_user, CONFIRM, services.confirm_scope(olympiad, region)) else [],
        may_confirm=has_permission(current_user, CONFIRM, services.confirm_scope(olympiad, region)),
        errors=errors or {}, import_errors=import_errors or [], results=services.RESULT_LABELS), status


@bp.get("/<int:olympiad_id>")
@require(VIEW)
def detail(olympiad_id: int):
    return _detail(_olympiad(olympiad_id))


@bp.post("/<int:olympiad_id>/nominate")
@require(NOMINATE)
def nominate(olympiad_id: int):
    olympiad = _olympiad(olympiad_id)
    ids = [int(i) for i in request.form.getlist("student_id") if i.isdigit()]
    try:
        regs = services.nominate(olympiad, ids, current_user, _region())
    except services.OlympiadError as exc:
        return _detail(olympiad, errors=exc.fields, status=exc.status)
    flash(_("Entered: %(n)s. Each registration is final once a parent consents.", n=len(regs)), "success")
    return redirect(url_for("olympiads.detail", olympiad_id=olympiad.id))


def _registration(registration_id: int, olympiad: Olympiad) -> Registration:
    reg = Registration.get_or_none((Registration.id == registration_id) & (Registration.olympiad == olympiad))
    if reg is None:
        abort(404)
    return reg


@bp.post("/<int:olympiad_id>/results")
@require(MANAGE)
def results(olympiad_id: int):
    olympiad = _olympiad(olympiad_id)
    if not has_permission(current_user, MANAGE, services.scope_of(olympiad, _region())):
        abort(403)
    errors = {}
    with services.db.atomic() as tx:
        for reg in services.registrations(olympiad):
            score = request.form.get(f"score_{reg.id}")
            result = request.form.get(f"result_{reg.id}")
            if score is None and result is None or not reg.final:
                continue
            if score in ("", None) and not result:
                continue
            try:
                services.set_result(reg, score, result)
            except services.OlympiadError as exc:
                errors.update({f"{k}_{reg.id}": v for k, v in exc.fields.items()})
        if errors:
            tx.rollback()
    if errors:
        return _detail(olympiad, errors=errors, status=400)
    flash(_("Results saved."), "success")
    return redirect(url_for("olympiads.detail", olympiad_id=olympiad.id))


@bp.post("/<int:olympiad_id>/import")
@require(MANAGE)
def import_file(olympiad_id: int):
    olympiad = _olympiad(olympiad_id)
    if not has_permission(current_user, MANAGE, services.scope_of(olympiad, _region())):
        abort(403)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _detail(olympiad, import_errors=[(0, "file", _("Choose a file."))], status=400)
    count, errors = services.import_results(olympiad, upload.read(), upload.filename)
    if errors:
        return _detail(olympiad, import_errors=errors, status=400)
    flash(_("Imported results: %(n)s.", n=count), "success")
    return redirect(url_for("olympiads.detail", olympiad_id=olympiad.id))


@bp.post("/<int:olympiad_id>/promote")
@require(CONFIRM)
def promote(olympiad_id: int):
    olympiad = _olympiad(olympiad_id)
    if not has_permission(current_user, CONFIRM, services.confirm_scope(olympiad, _region())):
        abort(403)
    try:
        n = services.promote(olympiad, current_user)
    except services.OlympiadError as exc:
        return _detail(olympiad, errors=exc.fields, status=exc.status)
    flash(_("Moved on to the next stage: %(n)s.", n=n), "success")
    return redirect(url_for("olympiads.detail", olympiad_id=olympiad.id))


@bp.post("/registrations/<int:registration_id>/<action>")
@require(VIEW)
def registration_action(registration_id: int, action: str):
    reg = Registration.get_or_none(Registration.id == registration_id) or abort(404)
    try:
        if action == "consent":
            services.consent(reg, current_user)
            flash(_("Consent given: the registration is final."), "success")
        elif action == "withdraw":
            mine = reg.student_id in {s.id for s in services.children_of(current_user)} or \
                reg.nominated_by_id == current_user.id or \
                has_permission(current_user, MANAGE, services.scope_of(reg.olympiad, _region()))
            if not mine:
                abort(404)
            services.withdraw(reg)
            flash(_("The registration is withdrawn."), "success")
        else:
            abort(404)
    except services.OlympiadError as exc:
        flash(next(iter(exc.fields.values()))[0], "error")
        if exc.status == 404:
            abort(404)
    return redirect(request.referrer or url_for("olympiads.mine"))


@bp.route("/my", methods=["GET", "POST"])
@require(VIEW)
def mine():
    """The student's (or the parents' children's) olympiads: registrations, consent, results, applying."""
    student = services.own_student(current_user)
    if request.method == "POST":
        olympiad = _olympiad(request.form.get("olympiad_id", type=int) or 0)
        try:
            services.apply(olympiad, current_user)
        except services.OlympiadError as exc:
            flash(next(iter(exc.fields.values()))[0], "error")
        else:
            flash(_("You are entered. A parent's consent makes it final."), "success")
        return redirect(url_for("olympiads.mine"))
    kids = services.children_of(current_user)
    students = ([student] if student else []) + kids
    regs = services.portfolio([s.id for s in students])
    return render_template("olympiads/mine.html", students=students, regs=regs, kid_ids={k.id for k in kids},
                           open=services.open_for_student(student, g.scope) if student else [], labels=_labels())


@bp.get("/teacher")
@require(NOMINATE)
def teacher():
    return render_template("olympiads/teacher.html", regs=services.teacher_results(current_user), labels=_labels())


def _stats_args():
    by = request.args.get("by") if request.args.get("by") in services.DIMENSIONS else "school"
    return {"by": by, "year": request.args.get("year", type=int),
            "stage": request.args.get("stage") if request.args.get("stage") in STAGES else None,
            "subject": request.args.get("subject") or None, "grade": request.args.get("grade", type=int)}


@bp.get("/stats")
@require(STATS)
def stats():
    args = _stats_args()
    rows = services.statistics(g.scope, **args)
    if request.args.get("format") == "xlsx":
        return current_app.response_class(
            services.statistics_xlsx(rows, args["by"]),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": 'attachment; filename="olympiads.xlsx"'})
    top = max([r["winners"] + r["prize_winners"] for r in rows] + [1])
    return render_template("olympiads/stats.html", rows=rows, args=args, top=top, stages=STAGES,
                           subjects=services.subjects(g.scope), labels=_labels(), dimensions=services.DIMENSIONS)
