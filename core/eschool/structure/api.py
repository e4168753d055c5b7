"""The region's schools over ``/api/v1/schools`` (permission ``schools.manage``: region operators everywhere,
municipal operators in their municipality): list, create (with a first administrator), read, change, issue
administrators' logins with one-time passwords, load a list of schools from a file."""
from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from eschool.api import API_PREFIX, ApiError, doc, load_json, load_query
from eschool.api.docs import PageQuerySchema
from eschool.auth.permissions import has_permission, municipalities_reached, require
from eschool.db import db
from eschool.structure import importing, services
from eschool.structure.models import Municipality
from eschool.structure.schemas import (
    AdministratorInSchema,
    AdministratorLoginSchema,
    SchoolCreatedSchema,
    SchoolImportQuerySchema,
    SchoolImportResultSchema,
    SchoolInSchema,
    SchoolOutSchema,
    SchoolPatchSchema,
    SchoolQuerySchema,
)
from eschool.types import Scope

bp = Blueprint("schools_admin_api", __name__, url_prefix=f"{API_PREFIX}/schools")
MANAGE = "schools.manage"
TAGS = ["schools"]
NO_STORE = {"Cache-Control": "no-store"}


def _reach():
    return municipalities_reached(current_user, MANAGE)


def _municipality(code: str | None, field: str = "municipality") -> Municipality:
    """The municipality of ``code`` that this operator manages; a municipal operator may leave it out."""
    reach = _reach()
    if not code:
        if reach is not None and len(reach) == 1:
            return Municipality.get_by_id(next(iter(reach)))
        raise ApiError(400, "invalid", _("Some fields are not valid."),
                       fields={field: [_("Name the municipality (its code).")]})
    muni = Municipality.get_or_none(Municipality.code == code)
    if muni is None:
        raise ApiError(400, "invalid", _("Some fields are not valid."),
                       fields={field: [_("No municipality with this code.")]})
    region = current_app.extensions["eschool"].region.code
    if not has_permission(current_user, MANAGE, Scope(region, muni.id, None)):
        raise ApiError(403, "forbidden", _("You do not manage the schools of this municipality."))
    return muni


def _school(school_id: int):
    school = services.school_by_id(school_id)
    if school is None:
        raise ApiError(404, "not_found", _("Not found."))
    return school


def _out(school, schema=SchoolOutSchema, **extra) -> dict:
    from eschool.accounts.services import school_administrators

    school.administrators = school_administrators([school])[school.id]
    for key, value in extra.items():
        setattr(school, key, value)
    return schema().dump(school)


def _login(user, password) -> dict:
    return {"id": user.id, "username": user.username, "full_name": user.full_name, "password": password}


def _refused(exc) -> ApiError:
    """A rule's refusal (``StructureError``, ``AccountError``, ``AccountsError``) as an API error."""
    from eschool.accounts.services import AccountsError

    if isinstance(exc, AccountsError):
        return ApiError(exc.status, "not_found" if exc.status == 404 else "forbidden", str(exc.message))
    field = getattr(exc, "field", None) or "name"
    return ApiError(400, "invalid", _("Some fields are not valid."), fields={field: [str(exc.message)]})


@bp.get("")
@require(MANAGE)
@doc("The schools this operator manages", query=SchoolQuerySchema, response=SchoolOutSchema, paginated=True,
     tags=TAGS, description="A region operator sees every school, a municipal operator their municipality's. `q`: "
                            "words of the name or short name, or the id (any case); `municipality`: a code.")
def list_schools():
    from eschool.accounts.services import school_administrators

    args = load_query(SchoolQuerySchema())
    paging = load_query(PageQuerySchema())
    muni_id = _municipality(args["municipality"]).id if args["municipality"] else None
    found = services.search_schools(args["q"], _reach(), muni_id)
    start = (paging["page"] - 1) * paging["size"]
    rows = found[start:start + paging["size"]]
    admins = school_administrators(rows)
    for school in rows:
        school.administrators = admins[school.id]
    return {"items": SchoolOutSchema().dump(rows, many=True), "total": len(found), "page": paging["page"],
            "size": paging["size"]}


@bp.post("")
@require(MANAGE)
@doc("Create a school (and its first administrator)", request=SchoolInSchema, response=SchoolCreatedSchema,
     status=201, tags=TAGS,
     description="The card's fields are checked as on the school card (INN, KPP, OGRN, OKPO with their check digits); "
                 "the short name must be new in the municipality, the INN in the region. With `administrator`, an "
                 "account holding `school_admin` is made: `login` carries its one-time password, answered once.")
def create():
    from eschool.accounts.services import issue_administrator
    from eschool.auth.services import AccountError

    data = load_json(SchoolInSchema())
    muni = _municipality(data["municipality"])
    try:
        with db.atomic():
            school = services.new_school(muni, data)
            login = None
            if data["administrator"]:
                user, password = issue_administrator(current_user, school, data["administrator"]["full_name"],
                                                     data["administrator"].get("email"))
                login = _login(user, password)
    except services.StructureError as exc:
        raise _refused(exc) from exc
    except AccountError as exc:
        raise ApiError(400, "invalid", _("Some fields are not valid."),
                       fields={"administrator": {exc.field: [str(exc.message)]}}) from exc
    return _out(school, SchoolCreatedSchema, login=login), 201, NO_STORE


@bp.get("/<int:school_id>")
@require(MANAGE)
@doc("A school with its administrators", response=SchoolOutSchema, tags=TAGS)
def get_school(school_id: int):
    return _out(_school(school_id))


@bp.patch("/<int:school_id>")
@require(MANAGE)
@doc("Change a school's card (or move it to another municipality)", request=SchoolPatchSchema,
     response=SchoolOutSchema, tags=TAGS,
     description="Only the fields sent change. `municipality` (a code) moves the school: the operator must manage "
                 "both municipalities.")
def update_school(school_id: int):
    school = _school(school_id)
    data = load_json(SchoolPatchSchema(), partial=True)
    target = None
    if data.get("municipality") and data["municipality"] != school.municipality.code:
        target = _municipality(data["municipality"])
    try:
        services.update_school(school, data, target)
    except services.StructureError as exc:
        raise _refused(exc) from exc
    return _out(school)


@bp.post("/<int:school_id>/administrators")
@require(MANAGE)
@doc("Issue a new administrator's login", request=AdministratorInSchema, response=AdministratorLoginSchema, status=201,
     tags=TAGS, description="An account holding `school_admin` in the school, with a one-time password answered once; "
                            "it must be changed at the first login.")
def add_administrator(school_id: int):
    from eschool.accounts.services import AccountsError, issue_administrator
    from eschool.auth.services import AccountError

    school = _school(school_id)
    data = load_json(AdministratorInSchema())
    try:
        user, password = issue_administrator(current_user, school, data["full_name"], data.get("email"))
    except AccountsError as exc:
        raise _refused(exc) from exc
    except AccountError as exc:
        raise ApiError(400, "invalid", _("Some fields are not valid."), fields={exc.field: [str(exc.message)]}) from exc
    return AdministratorLoginSchema().dump(_login(user, password)), 201, NO_STORE


@bp.post("/<int:school_id>/administrators/<int:user_id>/password")
@require(MANAGE)
@doc("A new one-time password for a school administrator", response=AdministratorLoginSchema, tags=TAGS,
     description="Answered once; the administrator must change it at the first login; their sessions and tokens "
                 "end. Refused (403) for an account holding roles outside the school.")
def administrator_password(school_id: int, user_id: int):
    from eschool.accounts.services import AccountsError, administrator_of, administrator_password

    school = _school(school_id)
    try:
        user = administrator_of(school, user_id)
        password = administrator_password(current_user, school, user)
    except AccountsError as exc:
        raise _refused(exc) from exc
    return AdministratorLoginSchema().dump(_login(user, password)), 200, NO_STORE


@bp.post("/import")
@require(MANAGE)
@doc("Load a list of schools (CSV or XLSX, multipart field `file`)", query=SchoolImportQuerySchema,
     response=SchoolImportResultSchema, tags=TAGS,
     description="Every line is checked first; any mistake answers 400 with `fields` keyed `line N` (column: "
                 "reason) and nothing is written. `dry_run=true` only checks. Schools whose short name their "
                 "municipality already has are skipped. Columns: see docs/integrators.md.")
def import_schools():
    args = load_query(SchoolImportQuerySchema())
    muni = _municipality(args["municipality"]) if args["municipality"] else None
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(400, "invalid", _("Some fields are not valid."),
                       fields={"file": [_("Choose a .csv or .xlsx file.")]})
    try:
        plan = importing.check(importing.read_rows(upload.read(), upload.filename), muni, _reach())
    except importing.ImportFileError as exc:
        raise ApiError(400, "invalid", str(exc), fields={"file": [str(exc)]}) from exc
    if not plan.ok:
        fields: dict = {}
        for line, column, reason in plan.errors:
            fields.setdefault(f"line {line}", []).append(f"{column}: {reason}")
        raise ApiError(400, "invalid", _("Nothing was imported: %(count)s rows have mistakes.", count=plan.bad_lines),
                       fields=fields)

    def line_of(item):
        return {"line": item["line"], "name": item["data"]["short_name"], "municipality": item["municipality"].code,
                "administrator": item["admin"]["full_name"] if item["admin"] else None}

    result = {"dry_run": args["dry_run"], "schools": [line_of(i) for i in plan.rows],
              "skipped": [{"line": line, "name": name, "municipality": code} for line, name, code in plan.skipped]}
    if not args["dry_run"]:
        done = importing.run(plan, actor=current_user)
        from eschool.accounts.services import school_administrators

        admins = school_administrators([s for s, _u, _p in done])
        for school, _user, _password in done:
            school.administrators = admins[school.id]
        result["created"] = [school for school, _u, _p in done]
        result["logins"] = [_login(user, password) for _s, user, password in done if user is not None]
    return SchoolImportResultSchema().dump(result), 200, NO_STORE
