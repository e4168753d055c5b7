"""Students, the movement book and the audit log over ``/api/v1/schools/<school_id>/...``.

A student's card is open only to those the card rule allows (``people.services.card_access``):
the endpoint declares ``authenticated`` and the rule refuses everyone else with 403.
"""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from eschool.api import API_PREFIX, ApiError, doc, load_json
from eschool.auth.permissions import AUTHENTICATED, require
from eschool.people import services
from eschool.people.schemas import (
    AuditSchema,
    CardInSchema,
    CardSchema,
    ClassLoginsInSchema,
    ClassLoginsSchema,
    ConsentInSchema,
    ConsentSchema,
    EnrolInSchema,
    GuardianInSchema,
    GuardianSchema,
    IssuedLoginSchema,
    LeaveInSchema,
    MovementSchema,
    StaffFileInSchema,
    StaffFileSchema,
    StaffInSchema,
    StaffMemberSchema,
    StudentBriefSchema,
    TransferInSchema,
)
from eschool.school import services as school_services
from eschool.school.api import refused, school_or_404
from eschool.school.services import SchoolError

bp = Blueprint("people_api", __name__, url_prefix=f"{API_PREFIX}/schools/<int:school_id>")
TAGS = ["people"]
CARD_RULE = "Only the school's secretary, administrator and director, the class teacher of the student's class, " \
            "the deputy director, psychologist and medical worker, the student and their parents."


def _run(func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except SchoolError as exc:
        raise refused(exc) from exc


def _school_student(school_id: int, student_id: int):
    school = school_or_404(school_id)
    student = services.student_of(school, student_id)
    if student is None:
        raise ApiError(404, "not_found", _("Not found."))
    return school, student


def _student(school_id: int, student_id: int, need: str = "read"):
    school, student = _school_student(school_id, student_id)
    access = services.card_access(current_user, student)
    if access is None or (need == "edit" and access != "edit"):
        raise ApiError(403, "forbidden", _("You do not have permission to do this here."))
    return school, student


@bp.get("/classes/<int:class_id>/students")
@require("school.view")
@doc(summary="The students of a class today", response=StudentBriefSchema, many=True, tags=TAGS)
def class_list(school_id, class_id):
    group = _run(school_services.class_of, school_or_404(school_id), class_id)
    return jsonify(StudentBriefSchema().dump(services.class_students(group), many=True))


@bp.post("/classes/<int:class_id>/logins")
@require(AUTHENTICATED)
@doc(summary="Issue the logins of a class", request=ClassLoginsInSchema, response=ClassLoginsSchema, tags=TAGS,
     description="A login with a one-time password for every student of the class who has none (or whose "
                 "imported account has no password yet) and/or a password for each of their parents whose "
                 "account has none; the passwords are returned this once (print them on slips) and must be "
                 "changed at the first login. The class teacher of the class, the secretary, administrator and "
                 "director; refused (403) for anyone else.")
def class_logins(school_id, class_id):
    from flask import current_app

    school = school_or_404(school_id)
    group = _run(school_services.class_of, school, class_id)
    if not services.can_edit_class(current_user, school, group):
        raise ApiError(403, "forbidden", _("You do not have permission to do this here."))
    data = load_json(ClassLoginsInSchema())
    who = {"students": {"students"}, "parents": {"parents"}}.get(data["who"], {"students", "parents"})
    issued = _run(services.issue_class_logins, school, group, who, current_app.extensions["eschool"].roles,
                  actor=current_user.id)
    return jsonify(ClassLoginsSchema().dump({"items": issued})), 200, {"Cache-Control": "no-store"}


@bp.post("/students")
@require(services.MANAGE)
@doc(summary="Enrol a student into a class (card, membership, movement-book entry)", request=EnrolInSchema,
     response=CardSchema, status=201, tags=TAGS)
def enrol(school_id):
    school = school_or_404(school_id)
    student = _run(services.enrol, school, load_json(EnrolInSchema()), actor=current_user.id)
    return jsonify(CardSchema().dump(services.card(student))), 201


@bp.get("/students/<int:student_id>")
@require(AUTHENTICATED)
@doc(summary="A student's card", response=CardSchema, tags=TAGS, description=CARD_RULE)
def get_card(school_id, student_id):
    _school, student = _student(school_id, student_id)
    return jsonify(CardSchema().dump(services.card(student)))


@bp.patch("/students/<int:student_id>")
@require(AUTHENTICATED)
@doc(summary="Change a student's personal data (each change is audited)", request=CardInSchema,
     response=CardSchema, tags=TAGS, description="The secretary, administrator, director and the class teacher.")
def patch_card(school_id, student_id):
    _school, student = _student(school_id, student_id, need="edit")
    data = load_json(CardInSchema(partial=True), partial=True)
    services.update_card(student, data, actor=current_user.id)
    return jsonify(CardSchema().dump(services.card(student)))


@bp.post("/students/<int:student_id>/guardians")
@require(AUTHENTICATED)
@doc(summary="Link a parent's account to the student", request=GuardianInSchema, response=GuardianSchema,
     status=201, tags=TAGS, description="The secretary, administrator, director and the class teacher.")
def add_guardian(school_id, student_id):
    _school, student = _student(school_id, student_id, need="edit")
    return jsonify(GuardianSchema().dump(_run(services.link_guardian, student, load_json(GuardianInSchema()),
                                              actor=current_user.id))), 201


@bp.post("/students/<int:student_id>/consents")
@require(AUTHENTICATED)
@doc(summary="Record consent to personal-data processing (152-FZ)", request=ConsentInSchema, response=ConsentSchema,
     status=201, tags=TAGS, description="The secretary, administrator, director and the class teacher.")
def add_consent(school_id, student_id):
    _school, student = _student(school_id, student_id, need="edit")
    return jsonify(ConsentSchema().dump(_run(services.record_consent, student, load_json(ConsentInSchema()),
                                             actor=current_user.id))), 201


@bp.post("/students/<int:student_id>/transfer")
@require(services.MANAGE)
@doc(summary="Transfer a student to another class", request=TransferInSchema, response=MovementSchema, status=201,
     tags=TAGS)
def transfer(school_id, student_id):
    school, student = _school_student(school_id, student_id)
    movement = _run(services.transfer, school, student, load_json(TransferInSchema()), actor=current_user.id)
    return jsonify(MovementSchema().dump(movement)), 201


@bp.post("/students/<int:student_id>/leave")
@require(services.MANAGE)
@doc(summary="The student leaves the school", request=LeaveInSchema, response=MovementSchema, status=201, tags=TAGS)
def leave(school_id, student_id):
    school, student = _school_student(school_id, student_id)
    movement = _run(services.leave, school, student, load_json(LeaveInSchema()), actor=current_user.id)
    return jsonify(MovementSchema().dump(movement)), 201


@bp.get("/movements")
@require(services.MANAGE)
@doc(summary="The movement book: enrolments, transfers and leavings, newest first", response=MovementSchema,
     many=True, tags=TAGS)
def movement_book(school_id):
    return jsonify(MovementSchema().dump(services.movements(school_or_404(school_id)), many=True))


@bp.get("/audit")
@require(services.AUDIT)
@doc(summary="The audit log of personal-data changes, newest first", response=AuditSchema, many=True, tags=TAGS)
def audit(school_id):
    return jsonify(AuditSchema().dump(services.audit_log(school_or_404(school_id)), many=True))


# --------------------------------------------------------------------------- staff (the "Staff" page and personal files)


@bp.get("/staff")
@require("users.manage")
@doc(summary="The school's staff with their roles and positions", response=StaffMemberSchema, many=True,
     tags=TAGS)
def staff(school_id):
    from flask import current_app

    school = school_or_404(school_id)
    roles = [code for code, r in current_app.extensions["eschool"].roles.items()
             if r.staff and r.levels in (("school",), ("class",))]
    return jsonify(StaffMemberSchema().dump(services.staff_list(school, roles), many=True))


@bp.post("/staff")
@require("users.manage")
@doc(summary="Issue a staff login with a handed-out password (shown once; changed at the first login)",
     request=StaffInSchema, response=IssuedLoginSchema, status=201, tags=TAGS)
def issue_staff_login(school_id):
    from flask import current_app

    from eschool.auth import services as auth

    school = school_or_404(school_id)
    roles = {code: r for code, r in current_app.extensions["eschool"].roles.items()
             if r.staff and r.levels in (("school",), ("class",))}
    data = load_json(StaffInSchema())
    if data["role"] not in roles:
        raise ApiError(400, "invalid", _("Some fields are not valid."),
                       fields={"role": [_("Choose a role from the list.")]})
    try:
        user, password = auth.issue_account(data["full_name"], data["role"], roles, email=data["email"],
                                            school=school.id)
    except auth.AccountError as exc:
        raise ApiError(400, "invalid", _("Some fields are not valid."), fields={exc.field: [str(exc.message)]}) from exc
    return jsonify(IssuedLoginSchema().dump({"user_id": user.id, "full_name": user.full_name,
                                             "username": user.username, "role": data["role"],
                                             "password": password})), 201


def _staff_file_out(user, row) -> dict:
    data = StaffFileSchema().dump(row) if row is not None else {}
    data["user_id"] = user.id
    return data


@bp.get("/staff/<int:user_id>/file")
@require(services.STAFF_FILES)
@doc(summary="A staff member's personal file (empty fields if none yet)", response=StaffFileSchema, tags=TAGS)
def get_staff_file(school_id, user_id):
    school = school_or_404(school_id)
    try:
        user, row = services.staff_file(school, user_id)
    except SchoolError as exc:
        raise ApiError(404, "not_found", _("Not found.")) from exc
    return jsonify(_staff_file_out(user, row))


@bp.put("/staff/<int:user_id>/file")
@require(services.STAFF_FILES)
@doc(summary="Create or replace a staff member's personal file (each change is audited)",
     request=StaffFileInSchema, response=StaffFileSchema, tags=TAGS)
def put_staff_file(school_id, user_id):
    school = school_or_404(school_id)
    try:
        user, _row = services.staff_file(school, user_id)
    except SchoolError as exc:
        raise ApiError(404, "not_found", _("Not found.")) from exc
    row = services.save_staff_file(school, user.id, load_json(StaffFileInSchema()), actor=current_user.id)
    return jsonify(_staff_file_out(user, row))
