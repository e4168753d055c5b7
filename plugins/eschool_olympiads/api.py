"""Olympiads over ``/api/v1/olympiads``: catalogue, registration, consent, results, import, statistics."""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from eschool.plugin_api import (
    API_PREFIX,
    ApiError,
    Municipality,
    School,
    Scope,
    Student,
    doc,
    has_permission,
    load_json,
    load_query,
    require,
    scope_for_municipality,
    scope_for_school,
    visible_students,
)
from eschool_olympiads import services
from eschool_olympiads.models import Olympiad, Registration
from eschool_olympiads.schemas import (
    CatalogueQuerySchema,
    ImportOutSchema,
    NominateInSchema,
    OlympiadInSchema,
    OlympiadOutSchema,
    PortfolioRowSchema,
    PromoteOutSchema,
    RegistrationOutSchema,
    ResultInSchema,
    StatsQuerySchema,
    StatsRowSchema,
)

bp = Blueprint("olympiads_api", __name__, url_prefix=f"{API_PREFIX}/olympiads")
TAGS = ["olympiads"]
VIEW, NOMINATE, MANAGE, CONFIRM, STATS = (services.VIEW, services.NOMINATE, services.MANAGE, services.CONFIRM,
                                          services.STATS)


def _region() -> str:
    return current_app.extensions["eschool"].region.code


def _error(exc: services.OlympiadError):
    code = {400: "invalid", 403: "forbidden", 404: "not_found", 409: "conflict"}.get(exc.status, "invalid")
    message = _("Some fields are not valid.") if exc.status == 400 else next(iter(exc.fields.values()))[0]
    return ApiError(exc.status, code, message, fields=exc.fields)


def _olympiad(olympiad_id: int) -> Olympiad:
    olympiad = services.visible(g.scope).where(Olympiad.id == olympiad_id).first()
    if olympiad is None:
        raise ApiError(404, "not_found", _("No such olympiad."))
    return olympiad


def _organiser(olympiad: Olympiad) -> None:
    if not has_permission(current_user, MANAGE, services.scope_of(olympiad, _region())):
        raise ApiError(403, "forbidden", _("Only the organiser keeps this olympiad's results."))


def _reg_out(r: Registration) -> dict:
    return {"id": r.id, "olympiad_id": r.olympiad_id, "student_id": r.student_id,
            "student_name": f"{r.student.last_name} {r.student.first_name}", "school_id": r.school_id,
            "grade": r.grade, "self_applied": r.self_applied, "final": r.final,
            "consent_at": r.consent_at.isoformat() + "Z" if r.consent_at else None, "score": r.score,
            "result": r.result}


@bp.get("")
@require(VIEW)
@doc(summary="The olympiad catalogue seen from where the user is (filter by year, stage, subject)",
     query=CatalogueQuerySchema, response=OlympiadOutSchema, many=True, tags=TAGS)
def catalogue():
    args = load_query(CatalogueQuerySchema())
    return jsonify(OlympiadOutSchema(many=True).dump(services.catalogue(g.scope, **args).limit(500)))


@bp.post("")
@require(MANAGE)
@doc(summary="Add an olympiad to the catalogue, organised by a school, a municipality or (neither) the region",
     request=OlympiadInSchema, response=OlympiadOutSchema, status=201, tags=TAGS)
def create():
    data = load_json(OlympiadInSchema())
    if data["school_id"]:
        school = School.get_or_none(School.id == data["school_id"])
        if school is None:
            raise ApiError(400, "invalid", _("Some fields are not valid."), fields={"school_id": [_("No such school.")]})
        owner, scope = (school.id, None), scope_for_school(school)
    elif data["municipality_id"]:
        muni = Municipality.get_or_none(Municipality.id == data["municipality_id"])
        if muni is None:
            raise ApiError(400, "invalid", _("Some fields are not valid."),
                           fields={"municipality_id": [_("No such municipality.")]})
        owner, scope = (None, muni.id), scope_for_municipality(muni)
    else:
        owner, scope = (None, None), Scope(_region())
    if not has_permission(current_user, MANAGE, scope):
        raise ApiError(403, "forbidden", _("You may not organise olympiads there."))
    try:
        olympiad = services.create(owner, data)
    except services.OlympiadError as exc:
        raise _error(exc) from None
    return jsonify(OlympiadOutSchema().dump(olympiad)), 201


@bp.get("/<int:olympiad_id>")
@require(VIEW)
@doc(summary="One olympiad", response=OlympiadOutSchema, tags=TAGS)
def get_one(olympiad_id: int):
    return jsonify(OlympiadOutSchema().dump(_olympiad(olympiad_id)))


@bp.put("/<int:olympiad_id>")
@require(MANAGE)
@doc(summary="Change an olympiad (its organiser)", request=OlympiadInSchema, response=OlympiadOutSchema, tags=TAGS)
def update(olympiad_id: int):
    olympiad = _olympiad(olympiad_id)
    _organiser(olympiad)
    data = load_json(OlympiadInSchema())
    try:
        services.update(olympiad, data)
    except services.OlympiadError as exc:
        raise _error(exc) from None
    return jsonify(OlympiadOutSchema().dump(olympiad))


@bp.get("/<int:olympiad_id>/registrations")
@require(VIEW)
@doc(summary="Registrations: all for the organiser, the user's school's for its staff", response=RegistrationOutSchema,
     many=True, tags=TAGS)
def registrations(olympiad_id: int):
    olympiad = _olympiad(olympiad_id)
    organiser = has_permission(current_user, MANAGE, services.scope_of(olympiad, _region()))
    if not organiser and not has_permission(current_user, NOMINATE):
        raise ApiError(403, "forbidden", _("You may not see the registrations."))
    schools = None if organiser else ([g.scope.school_id] if g.scope.school_id else [])
    return jsonify([_reg_out(r) for r in services.registrations(olympiad, schools)])


@bp.post("/<int:olympiad_id>/registrations")
@require(VIEW)
@doc(summary="Enter students (a teacher: student_ids of their school) or apply oneself (a student: no body "
             "needed, where the olympiad allows it); final once a parent consents",
     request=NominateInSchema, response=RegistrationOutSchema, many=True, status=201, tags=TAGS)
def register(olympiad_id: int):
    olympiad = _olympiad(olympiad_id)
    data = load_json(NominateInSchema())
    try:
        if data["student_ids"]:
            if not has_permission(current_user, NOMINATE):
                raise ApiError(403, "forbidden", _("You may not enter students."))
            regs = services.nominate(olympiad, data["student_ids"], current_user, _region())
        else:
            regs = [services.apply(olympiad, current_user)]
    except services.OlympiadError as exc:
        raise _error(exc) from None
    return jsonify([_reg_out(Registration.get_by_id(r.id)) for r in regs]), 201


def _registration(registration_id: int) -> Registration:
    reg = Registration.get_or_none(Registration.id == registration_id)
    if reg is None:
        raise ApiError(404, "not_found", _("No such registration."))
    return reg


@bp.post("/registrations/<int:registration_id>/consent")
@require(VIEW)
@doc(summary="A parent consents (152-FZ) to the publication of the child's results: the registration is final",
     response=RegistrationOutSchema, tags=TAGS)
def consent(registration_id: int):
    reg = _registration(registration_id)
    try:
        services.consent(reg, current_user)
    except services.OlympiadError as exc:
        raise _error(exc) from None
    return jsonify(_reg_out(reg))


@bp.put("/registrations/<int:registration_id>/result")
@require(MANAGE)
@doc(summary="Record a score and a result (the organiser; only a final registration)", request=ResultInSchema,
     response=RegistrationOutSchema, tags=TAGS)
def result(registration_id: int):
    reg = _registration(registration_id)
    if not services.visible(g.scope).where(Olympiad.id == reg.olympiad_id).exists():
        raise ApiError(404, "not_found", _("No such registration."))
    _organiser(reg.olympiad)
    data = load_json(ResultInSchema())
    try:
        services.set_result(reg, data["score"], data["result"])
    except services.OlympiadError as exc:
        raise _error(exc) from None
    return jsonify(_reg_out(reg))


@bp.post("/<int:olympiad_id>/results/import")
@require(MANAGE)
@doc(summary="Import the organiser's results (multipart `file`, CSV or XLSX: registration, score, result); a bad "
             "line names its line and column and nothing is imported", response=ImportOutSchema, tags=TAGS)
def import_results(olympiad_id: int):
    olympiad = _olympiad(olympiad_id)
    _organiser(olympiad)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(400, "invalid", _("Some fields are not valid."), fields={"file": [_("Choose a file.")]})
    count, errors = services.import_results(olympiad, upload.read(), upload.filename)
    if errors:
        raise ApiError(400, "invalid", _("Nothing was imported: some lines are wrong."),
                       fields={(f"line {line}: {column}" if line else column): [message]
                               for line, column, message in errors[:200]})
    return jsonify({"imported": count})


@bp.post("/<int:olympiad_id>/promote")
@require(CONFIRM)
@doc(summary="The municipality (region above it) confirms: those at or above the passing score are registered at "
             "the next stage", response=PromoteOutSchema, tags=TAGS)
def promote(olympiad_id: int):
    olympiad = _olympiad(olympiad_id)
    if not has_permission(current_user, CONFIRM, services.confirm_scope(olympiad, _region())):
        raise ApiError(403, "forbidden", _("The municipality confirms this."))
    try:
        moved = services.promote(olympiad, current_user)
    except services.OlympiadError as exc:
        raise _error(exc) from None
    return jsonify({"moved": moved})


@bp.get("/stats")
@require(STATS)
@doc(summary="Statistics by school, subject, grade, year or stage within the user's school, municipality or the "
             "region, ranked", query=StatsQuerySchema, response=StatsRowSchema, many=True, tags=TAGS)
def stats():
    args = load_query(StatsQuerySchema())
    school_id = args.pop("school")
    return jsonify(services.statistics(g.scope, school_id=school_id, **args))


@bp.get("/students/<int:student_id>/results")
@require(VIEW)
@doc(summary="A student's olympiads (the portfolio): the student, their parents, their school's staff",
     response=PortfolioRowSchema, many=True, tags=TAGS)
def portfolio(student_id: int):
    student = Student.get_or_none(Student.id == student_id)
    if student is None:
        raise ApiError(404, "not_found", _("No such student."))
    own = student.id in {s.id for s in visible_students(current_user)}
    if not own and not has_permission(current_user, NOMINATE, scope_for_school(School.get_by_id(student.school_id))):
        raise ApiError(404, "not_found", _("No such student."))
    return jsonify([{"registration_id": r.id, "olympiad_id": r.olympiad_id, "title": r.olympiad.title,
                     "subject": r.olympiad.subject, "stage": r.olympiad.stage, "year": r.olympiad.year,
                     "starts_on": r.olympiad.starts_on.isoformat() if r.olympiad.starts_on else None,
                     "final": r.final, "score": r.score, "result": r.result}
                    for r in services.portfolio([student.id])])
