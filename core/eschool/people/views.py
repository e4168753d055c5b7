"""People pages: a class's list, a student's card, the movement book, the audit log."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import ValidationError

from eschool.auth.permissions import AUTHENTICATED, public, require
from eschool.people import services
from eschool.people.schemas import (
    CARD_FIELDS,
    CardInSchema,
    EnrolInSchema,
    ParentLoginInSchema,
    StaffInSchema,
)
from eschool.school import services as school_services
from eschool.school.models import Subgroup
from eschool.school.services import SchoolError
from eschool.structure.models import School
from eschool.structure.services import school_by_id
from eschool.validation import as_text
from eschool.web.errors import PageError

bp = Blueprint("people", __name__, url_prefix="/school/<int:school_id>")
GENDERS = {"m": _l("male"), "f": _l("female")}
DOCUMENTS = {"birth_certificate": _l("birth certificate"), "passport": _l("passport")}
KINDS = {"enrolment": _l("enrolment"), "transfer": _l("transfer"), "leaving": _l("leaving")}
RELATIONS = {"mother": _l("mother"), "father": _l("father"), "guardian": _l("guardian"), "other": _l("other")}


def _school(school_id: int) -> School:
    school = school_by_id(school_id)
    if school is None:
        abort(404)
    return school


def _form(names) -> dict:
    return {k: request.form.get(k, "").strip() for k in names if request.form.get(k, "").strip() != ""}


@bp.get("/classes/<int:class_id>/students")
@require("school.view")
def class_list(school_id: int, class_id: int):
    school = _school(school_id)
    try:
        group = school_services.class_of(school, class_id)
    except SchoolError:
        abort(404)
    students = services.class_students(group)
    can_edit = services.can_edit_class(current_user, school, group)
    can_open = can_edit or services.has_permission(current_user, services.VIEW_CARDS, services.scope_for_school(school))
    bare, parents = services.class_without_logins(group, students) if can_edit else ([], [])
    subgroups = list(group.subgroups.order_by(Subgroup.name)) if can_edit else []
    members = services.subgroup_members(group) if subgroups else {}
    incomplete = sum(1 for s in students if s.to_complete) if can_edit else 0
    return render_template("people/class_list.html", school=school, group=group, students=students,
                           labels=services.name_labels(students), incomplete=incomplete,
                           can_manage=services.has_permission(current_user, services.MANAGE,
                                                              services.scope_for_school(school)),
                           can_open=can_open, can_edit=can_edit, bare_students=len(bare), bare_parents=len(parents),
                           classes=school_services.classes(school, group.academic_year),
                           subgroups=subgroups, members=members)


@bp.post("/classes/<int:class_id>/subgroups")
@require(AUTHENTICATED)
def class_subgroups(school_id: int, class_id: int):
    """Who is in which of the class's subgroups (a box per student and subgroup): the class teacher of
    this class and the school's administration; a subgroup left with nobody ticked is the whole class."""
    school = _school(school_id)
    try:
        group = school_services.class_of(school, class_id)
    except SchoolError:
        abort(404)
    if not services.can_edit_class(current_user, school, group):
        raise PageError(403, _("You do not have permission to do this here."))
    chosen = {s.id: [v for v in request.form.getlist(f"subgroup-{s.id}") if v.isdigit()] for s in group.subgroups}
    try:
        services.set_subgroup_members(school, group, chosen, actor=current_user.id)
    except SchoolError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Subgroups saved."), "success")
    return redirect(url_for("people.class_list", school_id=school.id, class_id=group.id) + "#subgroups")


@bp.post("/classes/<int:class_id>/logins")
@require(AUTHENTICATED)
def class_logins(school_id: int, class_id: int):
    """Logins for every student (``who=students``), parent (``parents``) or both (``all``) of the class that
    has none yet, on one printable page of slips: the class teacher's job for their own class (and the
    secretary's, administrator's, director's); refused for anyone else."""
    from flask import current_app

    school = _school(school_id)
    try:
        group = school_services.class_of(school, class_id)
    except SchoolError:
        abort(404)
    if not services.can_edit_class(current_user, school, group):
        raise PageError(403, _("You do not have permission to do this here."))
    back = url_for("people.class_list", school_id=school.id, class_id=group.id)
    who = {"students": {"students"}, "parents": {"parents"}}.get(request.form.get("who"), {"students", "parents"})
    try:
        issued = services.issue_class_logins(school, group, who, current_app.extensions["eschool"].roles,
                                             actor=current_user.id)
    except SchoolError as exc:
        flash(str(exc.message), "error")
        return redirect(back)
    if not issued:
        flash(_("Everyone here already has a login."), "success")
        return redirect(back)
    entries = [(i["user"].full_name,
                _("Student, class %(name)s", name=group.name) if i["kind"] == "student"
                else _("Parent of %(children)s", children=", ".join(i["children"])),
                i["user"].username, i["password"]) for i in issued]
    return _slip(school, entries, back)


def _card_sections(student):
    """Sections plugins add to the card (hook ``eschool_student_card_sections``), where they are on."""
    from eschool.plugins.services import hooks_here

    scope = services.scope_for_school(student.school)
    shown = []
    for items in hooks_here(scope).eschool_student_card_sections(student=student, user=current_user, scope=scope):
        for section in items or []:
            if section.permission and not services.has_permission(current_user, section.permission, scope):
                continue
            shown.append(section)
    shown.sort(key=lambda s: (s.order, s.key))
    return [{"key": s.key, "title": str(s.title), "template": s.template, "context": s.context()} for s in shown]


def _card_page(school, student, access, values=None, errors=None, status=200):
    genders = GENDERS if student.gender in GENDERS else {"": "—", **GENDERS}  # never a sex guessed for a blank
    return render_template("people/card.html", school=school, student=services.card(student), access=access,
                           values=values or {}, errors=errors or {}, genders=genders, documents=DOCUMENTS,
                           kinds=KINDS, movements=list(student.movements.order_by(services.Movement.date)),
                           sections=_card_sections(student)), status


def _student(school_id: int, student_id: int, need: str = "read"):
    """The school, the student and the user's access; 404 for no such student, 403 if the card rule
    (``services.card_access``) does not give ``need``."""
    school = _school(school_id)
    student = services.student_of(school, student_id)
    if student is None:
        abort(404)
    access = services.card_access(current_user, student)
    if access is None or (need == "edit" and access != "edit"):
        raise PageError(403, _("You do not have permission to do this here."))
    return school, student, access


@bp.get("/students/<int:student_id>")
@require(AUTHENTICATED)
def card(school_id: int, student_id: int):
    """A student's card: for those the card rule allows, else 403."""
    return _card_page(*_student(school_id, student_id))


@bp.post("/students/<int:student_id>")
@require(AUTHENTICATED)
def update_card(school_id: int, student_id: int):
    school, student, access = _student(school_id, student_id, need="edit")
    try:
        # a field still to complete (an import without it) may stay empty; once filled, it is required
        data = CardInSchema().load(_form(CARD_FIELDS), partial=tuple(student.to_complete))
    except ValidationError as exc:
        return _card_page(school, student, access, request.form, as_text(exc.messages), 400)
    services.update_card(student, data, actor=current_user.id)
    flash(_("Saved."), "success")
    return redirect(url_for("people.card", school_id=school.id, student_id=student.id))


@bp.get("/students/to-complete")
@require(services.MANAGE)
def to_complete(school_id: int):
    """The cards still lacking a birth date or sex (students imported from a file without them), by class:
    the secretary's list to finish."""
    school = _school(school_id)
    return render_template("people/to_complete.html", school=school, students=services.cards_to_complete(school))


@bp.route("/movement", methods=["GET", "POST"])
@require(services.MANAGE)
def movement_book(school_id: int):
    """The movement book, and the form to enrol a student."""
    school = _school(school_id)
    errors, status = {}, 200
    if request.method == "POST":
        try:
            data = EnrolInSchema().load(_form((*CARD_FIELDS, "class_id", "date", "order_number", "other_school")))
            student = services.enrol(school, data, actor=current_user.id)
        except ValidationError as exc:
            errors, status = as_text(exc.messages), 400
        except SchoolError as exc:
            errors, status = {exc.field or "_form": [str(exc.message)]}, 409 if exc.conflict else 400
        else:
            flash(_("%(name)s is enrolled.", name=student.full_name), "success")
            return redirect(url_for("people.movement_book", school_id=school.id))
    year = school_services.current_year(school)
    return render_template("people/movement.html", school=school, movements=services.movements(school),
                           classes=school_services.classes(school, year) if year else [], kinds=KINDS,
                           genders=GENDERS, documents=DOCUMENTS, values=request.form, errors=errors), status


@bp.get("/audit")
@require(services.AUDIT)
def audit(school_id: int):
    school = _school(school_id)
    from eschool.people.audit import describe

    return render_template("people/audit.html", school=school, rows=describe(services.audit_log(school)))


# --------------------------------------------------------------------------- logins and credentials slips


def _slip(school, entries, back_url):
    """The credentials slip: shown once, never stored, never cached."""
    response = render_template("people/slip.html", school=school, entries=entries, back_url=back_url,
                               login_url=url_for("auth.login", _external=True))
    return response, 200, {"Cache-Control": "no-store"}


@bp.post("/students/<int:student_id>/logins")
@require(AUTHENTICATED)
def issue_login(school_id: int, student_id: int):
    """Issue the student's login (``kind=student``) or a parent's (``kind=parent``): the class teacher's
    job for their class (and the secretary's, administrator's, director's)."""
    from flask import current_app

    school, student, _access = _student(school_id, student_id, need="edit")
    roles = current_app.extensions["eschool"].roles
    back = url_for("people.card", school_id=school.id, student_id=student.id)
    try:
        if request.form.get("kind") == "parent":
            data = ParentLoginInSchema().load(_form(("full_name", "relation", "email")))
            user, password = services.issue_parent_login(student, data, roles, actor=current_user.id)
            role = _("Parent")
        else:
            user, password = services.issue_student_login(student, roles, actor=current_user.id)
            role = _("Student")
    except ValidationError as exc:
        flash("; ".join(f"{k}: {' '.join(v)}" for k, v in as_text(exc.messages).items()), "error")
        return redirect(back)
    except SchoolError as exc:
        flash(str(exc.message), "error")
        return redirect(back)
    return _slip(school, [(user.full_name, role, user.username, password)], back)


@bp.route("/staff", methods=["GET", "POST"])
@require("users.manage")
def staff(school_id: int):
    """The school's staff, and the form that issues a staff login (the school administrator's job)."""
    from flask import current_app

    from eschool.auth import services as auth
    from eschool.auth.models import RoleAssignment
    from eschool.auth.roles import ROLES

    school = _school(school_id)
    roles = {code: r for code, r in current_app.extensions["eschool"].roles.items()
             if r.staff and r.levels in (("school",), ("class",))}
    errors, status = {}, 200
    if request.method == "POST":
        try:
            data = StaffInSchema().load(_form(("full_name", "role", "email")))
            if data["role"] not in roles:
                raise ValidationError({"role": [_("Choose a role from the list.")]})
            user, password = auth.issue_account(data["full_name"], data["role"], roles, email=data["email"],
                                                school=school.id)
        except ValidationError as exc:
            errors, status = as_text(exc.messages), 400
        except auth.AccountError as exc:
            errors, status = {exc.field: [str(exc.message)]}, 400
        else:
            return _slip(school, [(user.full_name, str(ROLES[data["role"]].label), user.username, password)],
                         url_for("people.staff", school_id=school.id))
    people_here = (RoleAssignment.select(RoleAssignment, services.User).join(services.User)
                   .where((RoleAssignment.school == school.id) & RoleAssignment.role.in_(list(roles)))
                   .order_by(services.User.full_name))
    can_files = services.has_permission(current_user, services.STAFF_FILES, services.scope_for_school(school))
    return render_template("people/staff.html", school=school, staff=people_here, roles=roles, can_files=can_files,
                           values=request.form, errors=errors), status


# --------------------------------------------------------------------------- contingent import


def _import_file(school: School, kind: str):
    """``(data, filename, confirmed)`` of the file to check: the one this user checked a moment ago at this
    school (``token`` in the form, taken from the store of uploads waiting for confirmation and deleted
    from it), or the upload; ``None`` and a message when there is neither."""
    from eschool.people import uploads

    token = request.form.get("token", "")
    if token:
        try:
            kept = uploads.take(school.id, current_user.id, kind, token)
        except uploads.UploadGone as exc:
            return None, str(exc.message)
        return (kept.data, kept.filename, True), None
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None, _("Choose a .csv or .xlsx file.")
    return (upload.read(), upload.filename, False), None


def _keep_import_file(school: School, kind: str, data: bytes, filename: str) -> str:
    """Keep a checked file for this user's confirmation; returns its token."""
    from eschool.people import uploads

    return uploads.keep(school.id, current_user.id, kind, data, filename)


@bp.route("/import", methods=["GET", "POST"])
@require(services.MANAGE)
def import_students(school_id: int):
    """Upload a CSV or XLSX list of students; check it (nothing written), then import all of it."""
    import datetime as dt

    from eschool.people import importing

    school = _school(school_id)
    form = {"date": request.form.get("date") or dt.date.today().isoformat(),
            "order_number": request.form.get("order_number", "").strip()}
    locale = str(get_locale() or "ru")
    names = importing.headers(locale)
    context = {"school": school, "form": form, "plan": None, "token": None, "file_error": None,
               "columns": list(names.values()), "column_names": names, "relations": RELATIONS}
    if request.method == "GET":
        return render_template("people/import.html", **context)
    if not form["order_number"]:
        context["file_error"] = _("Give the number of the enrolment order.")
        return render_template("people/import.html", **context), 400
    try:
        date = dt.date.fromisoformat(form["date"])
    except ValueError:
        context["file_error"] = _("Give the enrolment date as YYYY-MM-DD.")
        return render_template("people/import.html", **context), 400
    found, problem = _import_file(school, "students")  # the second step (a token): the file checked before
    if found is None:
        context["file_error"] = problem
        return render_template("people/import.html", **context), 400
    data, filename, confirmed = found
    try:
        titles: dict = {}
        plan = importing.check(school, importing.read_rows(data, filename, titles, locale))
        context["column_names"] = {**names, **titles}  # a mistake names the column as the file does
    except importing.ImportFileError as exc:
        context["file_error"] = str(exc)
        return render_template("people/import.html", **context), 400
    if confirmed and plan.ok:
        count = importing.run(school, plan, date, form["order_number"], actor=current_user.id)
        flash(_("Imported: %(count)s students.", count=count), "success")
        return redirect(url_for("people.movement_book", school_id=school.id))
    context["plan"] = plan
    if plan.ok and plan.rows:
        context["token"] = _keep_import_file(school, "students", data, filename)
    return render_template("people/import.html", **context), 200 if plan.ok else 400


@bp.route("/staff/import", methods=["GET", "POST"])
@require("users.manage")
def import_staff(school_id: int):
    """Upload a CSV or XLSX list of staff; check it (nothing written), then create every account with its
    roles and personal file, and show the new accounts' credentials slips."""
    from flask import current_app

    from eschool.auth.roles import ROLES
    from eschool.people import staff_import

    school = _school(school_id)
    allowed = current_app.extensions["eschool"].roles
    roles = staff_import.staff_roles(allowed)
    locale = str(get_locale() or "ru")
    names = staff_import.headers(locale)
    context = {"school": school, "plan": None, "token": None, "file_error": None, "columns": list(names.values()),
               "column_names": names, "roles": roles}
    if request.method == "GET":
        return render_template("people/import_staff.html", **context)
    found, problem = _import_file(school, "staff")
    if found is None:
        context["file_error"] = problem
        return render_template("people/import_staff.html", **context), 400
    data, filename, confirmed = found
    try:
        titles: dict = {}
        plan = staff_import.check(school, staff_import.read_rows(data, filename, titles, locale), allowed)
        context["column_names"] = {**names, **titles}  # a mistake names the column as the file does
    except staff_import.tabular.ImportFileError as exc:
        context["file_error"] = str(exc)
        return render_template("people/import_staff.html", **context), 400
    if confirmed and plan.ok:
        done = staff_import.run(school, plan, allowed, actor=current_user.id)
        back = url_for("people.staff", school_id=school.id)
        entries = [(user.full_name, ", ".join(str(ROLES[code].label) + (f" {group.name}" if group else "")
                                             for code, group in item_roles), user.username, password)
                   for user, password, item_roles in done if password]
        flash(_("Imported: %(count)s staff.", count=len(done)), "success")
        if not entries:
            return redirect(back)
        return _slip(school, entries, back)
    context["plan"] = plan
    if plan.ok and plan.rows:
        context["token"] = _keep_import_file(school, "staff", data, filename)
    return render_template("people/import_staff.html", **context), 200 if plan.ok else 400


# --------------------------------------------------------------------------- invitations


@bp.post("/students/<int:student_id>/invite")
@require(AUTHENTICATED)
def invite_parent(school_id: int, student_id: int):
    """Send a parent an invitation: they choose their own login and password (link valid 7 days).

    The letter is queued (``notifications.send_to_address``): retried if the mail server is down, and
    shown to the school's administrator if it never goes."""
    from eschool.notifications import services as notifications

    school, student, _access = _student(school_id, student_id, need="edit")
    back = redirect(url_for("people.card", school_id=school.id, student_id=student.id))
    try:
        data = ParentLoginInSchema().load({"full_name": "(invited)", **_form(("email", "relation"))})
    except ValidationError as exc:
        flash("; ".join(f"{k}: {' '.join(v)}" for k, v in as_text(exc.messages).items()), "error")
        return back
    if not data.get("email"):
        flash(_("Give the parent's e-mail address."), "error")
        return back
    token = services.invitation_token(student, data["email"], data["relation"], actor=current_user.id)
    link = url_for("invitations.accept", token=token, _external=True)
    notifications.send_to_address(data["email"], "account.invitation",
                                  {"school": {"short_name": school.short_name},
                                   "student": {"full_name": student.full_name}, "link": link}, school_id=school.id)
    flash(_("The invitation was sent to %(email)s.", email=data["email"]), "success")
    return back


invitations = Blueprint("invitations", __name__)


@invitations.route("/invite/<token>", methods=["GET", "POST"])
@public
def accept(token: str):
    """The invited parent chooses a login and a password and is linked to the child."""
    from flask import current_app

    from eschool.auth import services as auth
    from eschool.auth.views import start_session

    try:
        student, email, _relation = services.read_invitation(token)
    except auth.LinkExpired:
        return render_template("errors/error.html", status=410,
                               message=_("The invitation has expired. Ask the school for a new one.")), 410
    except auth.LinkInvalid:
        return render_template("errors/error.html", status=400,
                               message=_("The invitation is not valid or was used already.")), 400
    errors, status = {}, 200
    if request.method == "POST":
        values = _form(("username", "full_name", "password", "confirm"))
        if values.get("password") != values.get("confirm"):
            errors["confirm"] = [_("The passwords differ.")]
        else:
            try:
                user = services.accept_invitation(token, values.get("username", ""), values.get("full_name", ""),
                                                  values.get("password", ""),
                                                  current_app.extensions["eschool"].roles)
            except auth.AccountError as exc:
                errors[exc.field] = [str(exc.message)]
            else:
                start_session(user)  # bound to the account's session epoch like a login
                flash(_("Welcome! Your account is linked to %(name)s.", name=student.full_name), "success")
                return redirect(url_for("web.dashboard"))
        status = 400
    return render_template("people/accept.html", student=student, email=email, values=request.form,
                           errors=errors), status


# --------------------------------------------------------------------------- staff personal files


@bp.route("/staff/<int:user_id>/file", methods=["GET", "POST"])
@require(services.STAFF_FILES)
def staff_file(school_id: int, user_id: int):
    """A staff member's personal file: the school administrator and HR only."""
    from eschool.people.schemas import STAFF_FILE_FIELDS, StaffFileInSchema

    school = _school(school_id)
    try:
        person, row = services.staff_file(school, user_id)
    except SchoolError:
        abort(404)
    errors, status = {}, 200
    if request.method == "POST":
        try:
            data = StaffFileInSchema().load(_form(STAFF_FILE_FIELDS))
        except ValidationError as exc:
            errors, status = as_text(exc.messages), 400
        else:
            services.save_staff_file(school, user_id, data, actor=current_user.id)
            flash(_("Saved."), "success")
            return redirect(url_for("people.staff_file", school_id=school.id, user_id=user_id))
    return render_template("people/staff_file.html", school=school, person=person, row=row,
                           values=request.form, errors=errors), status
