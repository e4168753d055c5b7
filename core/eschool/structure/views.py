"""The operators' pages for the region's schools: find a school, create one (with its first administrator),
change its card, issue its administrators' logins with one-time passwords (printable slips), load a
municipality's list of schools from a file.

Region operators see every school, municipal operators their municipality's (``schools.manage``); the
rules live in ``structure.services``, ``structure.importing`` and ``accounts.services`` (the one-time
passwords), the API (``structure.api``) and the command line call the same.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import ValidationError

from eschool.auth.permissions import has_permission, municipalities_reached, require
from eschool.db import db
from eschool.structure import importing, services
from eschool.structure.models import Municipality
from eschool.types import Scope
from eschool.validation import as_text
from eschool.web.converters import stored_int
from eschool.web.errors import PageError

bp = Blueprint("schools_admin", __name__, url_prefix="/admin/schools")
MANAGE = "schools.manage"
PAGE_SIZE = 50
#: The form's fields: the school card's, in its order.
FIELDS = [("name", _l("Full name of the school")), ("short_name", _l("Short name")), ("address", _l("Legal address")),
          ("phone", _l("Phone")), ("email", _l("E-mail")), ("website", _l("Website")), ("director_name", _l("Director")),
          ("inn", _l("INN")), ("kpp", _l("KPP")), ("ogrn", _l("OGRN")), ("okpo", _l("OKPO"))]


def _reach() -> set[int] | None:
    return municipalities_reached(current_user, MANAGE)


def _municipalities(reach) -> list[Municipality]:
    query = Municipality.select().order_by(Municipality.name_ru)
    if reach is not None:
        query = query.where(Municipality.id.in_(sorted(reach)) if reach else Municipality.id < 0)
    return list(query)


def _may_manage(municipality: Municipality) -> bool:
    region = current_app.extensions["eschool"].region.code
    return has_permission(current_user, MANAGE, Scope(region, municipality.id, None))


def _school(school_id: int):
    school = services.school_by_id(school_id)
    if school is None:
        abort(404)
    return school


def _slip(school, entries, back_url):
    """The credentials slip of the account tools (``people/slip.html``): shown once, never cached."""
    return render_template("people/slip.html", school=school, entries=entries, back_url=back_url,
                           login_url=url_for("auth.login", _external=True)), 200, {"Cache-Control": "no-store"}


def _admin_label() -> str:
    return str(current_app.extensions["eschool"].roles["school_admin"].label)


@bp.get("/")
@require(MANAGE)
def index():
    """The schools this operator manages: search by name or id, filter by municipality, 50 to a page."""
    from eschool.accounts.services import school_administrators

    reach = _reach()
    municipalities = _municipalities(reach)
    q = request.args.get("q", "").strip()[:100]
    muni_id = request.args.get("municipality", type=stored_int)
    found = services.search_schools(q, reach, muni_id)
    pages = max(1, -(-len(found) // PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=stored_int) or 1, 1), pages)
    rows = found[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    return render_template("structure/schools.html", rows=rows, total=len(found), page=page, pages=pages, q=q,
                           municipality_id=muni_id, municipalities=municipalities,
                           administrators=school_administrators(rows))


def _form_values() -> dict:
    return {k: request.form.get(k, "").strip() for k in (*services.SCHOOL_FIELDS, "municipality", "admin_name",
                                                         "admin_email")}


def _administrator(values: dict) -> dict | None:
    if not (values["admin_name"] or values["admin_email"]):
        return None
    return {"full_name": values["admin_name"], "email": values["admin_email"] or None}


def _errors_of(exc: ValidationError) -> dict:
    errors = as_text(exc.messages)
    admin = errors.pop("administrator", None)
    if isinstance(admin, dict):
        for key, messages in admin.items():
            errors[{"full_name": "admin_name", "email": "admin_email"}.get(key, key)] = messages
    return errors


@bp.route("/new", methods=["GET", "POST"])
@require(MANAGE)
def create():
    """A new school in one of the operator's municipalities, with its first administrator if named: the
    administrator's slip (login and one-time password) is shown once."""
    from eschool.accounts.services import issue_administrator
    from eschool.auth.services import AccountError
    from eschool.structure.schemas import SchoolInSchema

    municipalities = _municipalities(_reach())
    values, errors, status = {}, {}, 200
    if request.method == "POST":
        values = _form_values()
        muni = next((m for m in municipalities if m.code == values["municipality"]), None)
        if muni is None:
            errors["municipality"] = [_("Choose the municipality.")]
        raw = {k: values[k] for k in services.SCHOOL_FIELDS}
        try:
            data = SchoolInSchema().load({**raw, "administrator": _administrator(values)})
        except ValidationError as exc:
            errors.update(_errors_of(exc))
        if not errors:
            try:
                with db.atomic():
                    school = services.new_school(muni, data)
                    login = None
                    if data["administrator"]:
                        login = issue_administrator(current_user, school, data["administrator"]["full_name"],
                                                    data["administrator"].get("email"))
            except services.StructureError as exc:
                errors[exc.field or "name"] = [str(exc.message)]
            except AccountError as exc:
                errors["admin_" + ("email" if exc.field == "email" else "name")] = [
                    _("This e-mail belongs to another account already.") if exc.field == "email" else str(exc.message)]
            else:
                flash(_("The school %(name)s was created.", name=school.short_name), "success")
                back = url_for("schools_admin.school", school_id=school.id)
                if login is None:
                    return redirect(back)
                user, password = login
                return _slip(school, [(user.full_name, _admin_label(), user.username, password)], back)
        status = 400
    elif len(municipalities) == 1:
        values = {"municipality": municipalities[0].code}
    return render_template("structure/school_form.html", school=None, fields=FIELDS, values=values, errors=errors,
                           municipalities=municipalities), status


@bp.route("/<int:school_id>", methods=["GET", "POST"])
@require(MANAGE)
def school(school_id: int):
    """A school's card (changed by its operators; a region operator may move it to another municipality)
    and its administrators."""
    from eschool.accounts.services import school_administrators
    from eschool.structure.schemas import SchoolPatchSchema

    school = _school(school_id)
    municipalities = [m for m in _municipalities(_reach())]
    values, errors, status = {}, {}, 200
    if request.method == "POST":
        values = _form_values()
        target = None
        if values["municipality"] and values["municipality"] != school.municipality.code:
            target = next((m for m in municipalities if m.code == values["municipality"]), None)
            if target is None or not _may_manage(target):
                errors["municipality"] = [_("You do not manage the schools of this municipality.")]
        try:
            data = SchoolPatchSchema().load({k: values[k] for k in services.SCHOOL_FIELDS})
        except ValidationError as exc:
            errors.update(as_text(exc.messages))
        if not errors:
            try:
                services.update_school(school, data, target)
            except services.StructureError as exc:
                errors[exc.field or "name"] = [str(exc.message)]
            else:
                flash(_("Saved."), "success")
                return redirect(url_for("schools_admin.school", school_id=school.id))
        status = 400
    return render_template("structure/school_form.html", school=school, fields=FIELDS, values=values, errors=errors,
                           municipalities=municipalities,
                           administrators=school_administrators([school])[school.id]), status


@bp.post("/<int:school_id>/administrators")
@require(MANAGE)
def add_administrator(school_id: int):
    """A new administrator account for the school: its slip, with a one-time password, shown once."""
    from eschool.accounts.services import AccountsError, issue_administrator
    from eschool.auth.services import AccountError
    from eschool.structure.schemas import AdministratorInSchema

    school = _school(school_id)
    back = url_for("schools_admin.school", school_id=school.id)
    try:
        data = AdministratorInSchema().load({"full_name": request.form.get("admin_name", "").strip(),
                                             "email": request.form.get("admin_email", "").strip() or None})
        user, password = issue_administrator(current_user, school, data["full_name"], data.get("email"))
    except ValidationError as exc:
        labels = {"full_name": _("Full name"), "email": _("E-mail")}
        flash("; ".join(f"{labels.get(k, k)}: {' '.join(v)}" for k, v in as_text(exc.messages).items()), "error")
        return redirect(back)
    except AccountError as exc:
        flash(_("This e-mail belongs to another account already.") if exc.field == "email" else str(exc.message),
              "error")
        return redirect(back)
    except AccountsError as exc:
        raise PageError(exc.status, str(exc.message)) from exc
    return _slip(school, [(user.full_name, _admin_label(), user.username, password)], back)


@bp.post("/<int:school_id>/administrators/<int:user_id>/password")
@require(MANAGE)
def administrator_password(school_id: int, user_id: int):
    """A new one-time password for one of the school's administrators: the slip, shown once."""
    from eschool.accounts.services import AccountsError, administrator_of, administrator_password

    school = _school(school_id)
    try:
        user = administrator_of(school, user_id)
        password = administrator_password(current_user, school, user)
    except AccountsError as exc:
        if exc.status == 404:
            abort(404)
        raise PageError(exc.status, str(exc.message)) from exc
    return _slip(school, [(user.full_name, _admin_label(), user.username, password)],
                 url_for("schools_admin.school", school_id=school.id))


@bp.route("/import", methods=["GET", "POST"])
@require(MANAGE)
def import_schools():
    """Load a list of schools (CSV or XLSX): checked first, nothing written; then, confirmed, all of it or
    nothing; the new administrators' slips are shown once."""
    from eschool.people import uploads

    reach = _reach()
    municipalities = _municipalities(reach)
    code = request.form.get("municipality", "").strip()
    context = {"plan": None, "token": None, "file_error": None, "columns": importing.SHOWN,
               "municipalities": municipalities, "municipality": code}
    if request.method == "GET":
        return render_template("structure/import.html", **context)
    muni = None
    if code:
        muni = next((m for m in municipalities if m.code == code), None)
        if muni is None:
            context["file_error"] = _("You do not manage the schools of this municipality.")
            return render_template("structure/import.html", **context), 400
    token = request.form.get("token", "")
    if token:
        try:
            kept = uploads.take(0, current_user.id, "schools", token)
        except uploads.UploadGone as exc:
            context["file_error"] = str(exc.message)
            return render_template("structure/import.html", **context), 400
        data, filename, confirmed = kept.data, kept.filename, True
    else:
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            context["file_error"] = _("Choose a .csv or .xlsx file.")
            return render_template("structure/import.html", **context), 400
        data, filename, confirmed = upload.read(), upload.filename, False
    try:
        plan = importing.check(importing.read_rows(data, filename), muni, reach)
    except importing.ImportFileError as exc:
        context["file_error"] = str(exc)
        return render_template("structure/import.html", **context), 400
    if confirmed and plan.ok:
        done = importing.run(plan, actor=current_user)
        flash(_("Imported: %(count)s schools.", count=len(done)), "success")
        entries = [(user.full_name, f"{_admin_label()}, {school.short_name}", user.username, password)
                   for school, user, password in done if user is not None]
        if not entries:
            return redirect(url_for("schools_admin.index"))
        return render_template("people/slip.html", school=None, entries=entries,
                               back_url=url_for("schools_admin.index"),
                               login_url=url_for("auth.login", _external=True)), 200, {"Cache-Control": "no-store"}
    context["plan"] = plan
    if plan.ok and plan.rows:
        context["token"] = uploads.keep(0, current_user.id, "schools", data, filename)
    return render_template("structure/import.html", **context), 200 if plan.ok else 400
