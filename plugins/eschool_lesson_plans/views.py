"""Lesson plan pages: the school's plans, the import form, a plan's items, attaching it to a class."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eschool.plugin_api import (
    ClassGroup,
    PageError,
    School,
    SchoolError,
    Subject,
    TeachingAssignment,
    class_of,
    current_year,
    require,
    school_by_id,
    subgroup_of,
)
from eschool.plugin_api import JournalForbidden as ResultsForbidden
from eschool_lesson_plans import services

bp = Blueprint("lesson_plans", __name__, url_prefix="/school/<int:school_id>/lesson-plans")
KEEP = "journal.keep"


def _school(school_id: int) -> School:
    school = school_by_id(school_id)
    if school is None:
        abort(404)
    return school


def _forbidden(exc) -> PageError:
    return PageError(403, str(exc.message))


def _list_page(school, errors=None, rows=None, values=None, status=200, selected=None):
    year = current_year(school)
    subjects = list(Subject.select().where(Subject.school == school).order_by(Subject.name))
    items, classes = [], []
    if selected is not None:
        items = services.items_of(selected)
        classes = list(ClassGroup.select().join(TeachingAssignment).where(
            (TeachingAssignment.teacher == current_user.id) & (TeachingAssignment.subject == selected.subject_id)
            & (ClassGroup.academic_year == year) & (ClassGroup.grade == selected.grade)).distinct()
            .order_by(ClassGroup.name)) if year else []
    return render_template("lesson_plans/index.html", school=school, plans=services.plans(school),
                           subjects=subjects, errors=errors or {}, rows=rows or [], values=values or {},
                           columns=services.COLUMNS, year=year, plan=selected, items=items, classes=classes), status


@bp.get("")
@require(KEEP)
def index(school_id: int):
    """The school's plans and the import form; ``?plan=<id>`` shows a plan's items and where to attach it."""
    school = _school(school_id)
    plan_id = request.args.get("plan", "")
    selected = _plan(school, int(plan_id)) if plan_id.isdigit() else None
    return _list_page(school, selected=selected)


@bp.post("")
@require(KEEP)
def import_plan(school_id: int):
    """Upload a CSV or XLSX plan: imported whole, or refused with every bad line named."""
    school = _school(school_id)
    values = {k: request.form.get(k, "").strip() for k in ("subject_id", "grade", "name")}
    errors = {}
    if not values["subject_id"].isdigit():
        errors["subject_id"] = [_("Choose a subject.")]
    if not values["grade"].isdigit() or not (1 <= int(values["grade"]) <= 11):
        errors["grade"] = [_("Choose a grade from 1 to 11.")]
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        errors["file"] = [_("Choose a .csv or .xlsx file.")]
    if errors:
        return _list_page(school, errors, values=values, status=400)
    data = {"subject_id": int(values["subject_id"]), "grade": int(values["grade"]), "name": values["name"]}
    try:
        plan = services.import_plan(current_user, school, data, upload.read(), upload.filename)
    except ResultsForbidden as exc:
        raise _forbidden(exc) from exc
    except services.PlanImportError as exc:
        return _list_page(school, {"file": [str(exc.message)]}, exc.rows, values, 400)
    except SchoolError as exc:
        return _list_page(school, {exc.field or "file": [str(exc.message)]}, values=values, status=400)
    flash(_("The plan is imported: %(count)s topics.", count=len(services.items_of(plan))), "success")
    return redirect(url_for("lesson_plans.index", school_id=school.id, plan=plan.id))


def _plan(school, plan_id):
    try:
        return services.plan_of(school, plan_id)
    except SchoolError:
        abort(404)


def _attach_or_detach(school_id: int, plan_id: int, action):
    school = _school(school_id)
    row = _plan(school, plan_id)
    class_id = request.form.get("class_id", "")
    try:
        group = class_of(school, int(class_id) if class_id.isdigit() else None)
        subgroup_id = request.form.get("subgroup_id", "")
        subgroup = subgroup_of(group, int(subgroup_id)) if subgroup_id.isdigit() else None
        outcome = action(current_user, row, group, subgroup)
    except ResultsForbidden as exc:
        raise _forbidden(exc) from exc
    except SchoolError as exc:
        raise PageError(409 if exc.conflict else 400, str(exc.message)) from exc
    return school, row, outcome


@bp.post("/<int:plan_id>/attach")
@require(KEEP)
def attach(school_id: int, plan_id: int):
    school, row, outcome = _attach_or_detach(school_id, plan_id, services.attach)
    flash(_("Attached to %(lessons)s lessons (%(topics)s topics filled); %(skipped)s lessons could not be changed.",
            lessons=outcome.lessons, topics=outcome.topics, skipped=outcome.skipped), "success")
    return redirect(url_for("lesson_plans.index", school_id=school.id, plan=row.id))


@bp.post("/<int:plan_id>/detach")
@require(KEEP)
def detach(school_id: int, plan_id: int):
    school, row, outcome = _attach_or_detach(school_id, plan_id, services.detach)
    flash(_("Detached from %(lessons)s lessons (%(topics)s topics cleared); %(skipped)s lessons could not be "
            "changed.", lessons=outcome.lessons, topics=outcome.topics, skipped=outcome.skipped), "success")
    return redirect(url_for("lesson_plans.index", school_id=school.id, plan=row.id))


@bp.post("/<int:plan_id>/delete")
@require(KEEP)
def delete(school_id: int, plan_id: int):
    school = _school(school_id)
    try:
        services.delete_plan(current_user, school, plan_id)
    except ResultsForbidden as exc:
        raise _forbidden(exc) from exc
    except SchoolError as exc:
        raise PageError(409 if exc.conflict else 404, str(exc.message)) from exc
    flash(_("The plan is deleted."), "success")
    return redirect(url_for("lesson_plans.index", school_id=school.id))
