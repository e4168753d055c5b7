"""Vacancy pages: public lists (region, municipality, school) and the school's management page."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import Optional

from eschool.plugin_api import Municipality, PageError, School, has_permission, public, require
from eschool_vacancies import services
from eschool_vacancies.schemas import CLOSE_REASONS, EMPLOYMENT, STATES

bp = Blueprint("vacancies", __name__, url_prefix="/vacancies", template_folder=None)
MANAGE = "vacancies.manage"
PAGE_SIZE = 20


class VacancyForm(FlaskForm):
    """The page's form; the rules themselves live in ``VacancyInSchema`` (services.validate)."""

    title = StringField(_l("Position"), render_kw={"maxlength": 200, "required": True})
    subject = StringField(_l("Subject or field"), render_kw={"maxlength": 100})
    employment = SelectField(_l("Employment"), choices=[SelectChoice(k, v) for k, v in EMPLOYMENT.items()])
    weekly_hours = IntegerField(_l("Hours per week"), validators=[Optional()], render_kw={"min": 1, "max": 60})
    salary_from = IntegerField(_l("Salary from, roubles"), validators=[Optional()], render_kw={"min": 0})
    salary_to = IntegerField(_l("Salary to, roubles"), validators=[Optional()], render_kw={"min": 0})
    description = TextAreaField(_l("Duties and conditions"), render_kw={"maxlength": 5000, "required": True})
    requirements = TextAreaField(_l("Requirements"), render_kw={"maxlength": 3000})
    contact_name = StringField(_l("Contact person"), render_kw={"maxlength": 200})
    contact_phone = StringField(_l("Contact phone"), render_kw={"maxlength": 32, "inputmode": "tel"})
    contact_email = StringField(_l("Contact e-mail"), render_kw={"maxlength": 254, "inputmode": "email"})


def _labels() -> dict:
    return {"employment": EMPLOYMENT, "states": STATES, "reasons": CLOSE_REASONS}


def _page(query):
    total = query.count()
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(request.args.get("page", 1, type=int), 1), pages)  # past the last page: the last one
    items = services.annotate(list(query.paginate(page, PAGE_SIZE)))
    return {"rows": items, "page": page, "pages": pages, "total": total}


def _municipality(code: str) -> Municipality:
    muni = services.municipality_by_code(code)
    if muni is None:
        abort(404)
    return muni


def _school(school_id: int) -> School:
    school = School.get_or_none(School.id == school_id)
    if school is None:
        abort(404)
    return school


# --------------------------------------------------------------------------- public


def _listing(kind: str, municipality=None, school=None):
    q = request.args.get("q", "").strip()[:100]
    filter_muni = municipality
    if municipality is None and school is None and request.args.get("municipality"):
        try:  # the region's list filtered to a municipality: the same rule as /m/<code> and the API
            filter_muni, _school_id = services.listing_place(request.args["municipality"])
        except services.NotHere:
            abort(404)
    finder = services.public_vacancies if kind == "open" else services.archived_vacancies
    query = finder(municipality=filter_muni, school_id=school.id if school else None, q=q)
    return render_template("vacancies/list.html", kind=kind, result=_page(query), q=q, municipality=municipality,
                           filter_municipality=filter_muni, school=school, labels=_labels(),
                           municipalities=Municipality.select().order_by(Municipality.name_ru))


@bp.get("/")
@public
def region_list():
    """Open vacancies of every school in the region (no login needed)."""
    return _listing("open")


@bp.get("/archive")
@public
def region_archive():
    return _listing("archive")


@bp.get("/m/<municipality_code>")
@public
def municipality_list(municipality_code: str):
    return _listing("open", municipality=_municipality(municipality_code))


@bp.get("/m/<municipality_code>/archive")
@public
def municipality_archive(municipality_code: str):
    return _listing("archive", municipality=_municipality(municipality_code))


@bp.get("/school/<int:school_id>")
@public
def school_list(school_id: int):
    return _listing("open", school=_school(school_id))


@bp.get("/school/<int:school_id>/archive")
@public
def school_archive(school_id: int):
    return _listing("archive", school=_school(school_id))


@bp.get("/school/<int:school_id>/<int:vacancy_id>")
@public
def detail(school_id: int, vacancy_id: int):
    """One vacancy; a draft only for those who manage the school's vacancies."""
    vacancy = services.get_school_vacancy(school_id, vacancy_id)
    if vacancy is None:
        abort(404)
    can_manage = has_permission(current_user, MANAGE, g.scope)
    if not services.publicly_visible(vacancy) and not can_manage:
        abort(404)
    services.annotate([vacancy])
    return render_template("vacancies/detail.html", vacancy=vacancy, labels=_labels(), can_manage=can_manage)


# --------------------------------------------------------------------------- management


@bp.get("/manage")
@require(MANAGE)
def manage_index():
    """The management page of the school the user works in now."""
    if g.scope.school_id is None:
        raise PageError(404, _("Choose a school first: this page belongs to a school."))
    return redirect(url_for("vacancies.manage", school_id=g.scope.school_id))


@bp.get("/manage/<int:school_id>")
@require(MANAGE)
def manage(school_id: int):
    school = _school(school_id)
    vacancies = services.annotate(list(services.school_vacancies(school)))
    return render_template("vacancies/manage.html", school=school, vacancies=vacancies, labels=_labels())


def _form_page(school, form, vacancy=None, status=200):
    return render_template("vacancies/form.html", school=school, form=form, vacancy=vacancy), status


def _apply_errors(form: VacancyForm, exc: ValidationError) -> None:
    for name, messages in services.error_messages(exc).items():
        field = getattr(form, name, None)
        target = field.errors if field is not None else form.form_errors
        if isinstance(target, tuple):
            field.errors = target = list(target)
        target.extend(messages)


@bp.route("/manage/<int:school_id>/new", methods=["GET", "POST"])
@require(MANAGE)
def create(school_id: int):
    school = _school(school_id)
    form = VacancyForm()
    if request.method == "POST":
        try:
            vacancy = services.create_vacancy(school, request.form.to_dict(), actor=current_user.id,
                                              publish=request.form.get("action") == "publish")
        except ValidationError as exc:
            _apply_errors(form, exc)
            flash(_("The vacancy was not saved: correct the marked fields."), "error")
            return _form_page(school, form, status=400)
        flash(_("Published.") if vacancy.status == "open" else _("Saved as a draft."), "success")
        return redirect(url_for("vacancies.manage", school_id=school.id))
    form.contact_phone.data = school.phone
    form.contact_email.data = school.email
    return _form_page(school, form)


def _own_vacancy(school_id: int, vacancy_id: int):
    vacancy = services.get_school_vacancy(school_id, vacancy_id)
    if vacancy is None:
        abort(404)
    return vacancy


@bp.route("/manage/<int:school_id>/<int:vacancy_id>/edit", methods=["GET", "POST"])
@require(MANAGE)
def edit(school_id: int, vacancy_id: int):
    vacancy = _own_vacancy(school_id, vacancy_id)
    form = VacancyForm(obj=vacancy) if request.method == "GET" else VacancyForm()
    if request.method == "POST":
        try:
            services.update_vacancy(vacancy, request.form.to_dict())
        except ValidationError as exc:
            _apply_errors(form, exc)
            flash(_("The vacancy was not saved: correct the marked fields."), "error")
            return _form_page(vacancy.school, form, vacancy, status=400)
        flash(_("Saved."), "success")
        return redirect(url_for("vacancies.manage", school_id=school_id))
    return _form_page(vacancy.school, form, vacancy)


@bp.post("/manage/<int:school_id>/<int:vacancy_id>/status")
@require(MANAGE)
def change_status(school_id: int, vacancy_id: int):
    """Publish, close (filled / cancelled), reopen, or delete a draft."""
    vacancy = _own_vacancy(school_id, vacancy_id)
    action = request.form.get("action", "")
    try:
        if action == "publish":
            services.publish(vacancy)
            flash(_("Published."), "success")
        elif action in ("filled", "cancelled"):
            services.close(vacancy, action)
            flash(_("Moved to the archive."), "success")
        elif action == "delete":
            services.delete_draft(vacancy)
            flash(_("The draft was deleted."), "success")
        else:
            flash(_("Unknown action."), "error")
    except services.VacancyError as exc:
        flash(str(exc.message), "error")
    return redirect(url_for("vacancies.manage", school_id=school_id))
