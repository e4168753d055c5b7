"""Vacancies over ``/api/v1/vacancies``: public lists and the school's management endpoints."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from eschool.plugin_api import (
    API_PREFIX,
    ApiError,
    School,
    doc,
    has_permission,
    load_json,
    load_query,
    paginate,
    public,
    require,
)
from eschool_vacancies import services
from eschool_vacancies.schemas import (
    CloseInSchema,
    PublicQuerySchema,
    VacancyInSchema,
    VacancyManageOutSchema,
    VacancyOutSchema,
)

bp = Blueprint("vacancies_api", __name__, url_prefix=f"{API_PREFIX}/vacancies")
MANAGE = "vacancies.manage"
TAGS = ["vacancies"]


class _Annotated:
    """Dump through a schema after computing each vacancy's public state."""

    def __init__(self, schema):
        self.schema = schema

    def dump(self, items, many=False):
        if many:
            return self.schema.dump(services.annotate(list(items)), many=True)
        return self.schema.dump(services.annotate([items])[0])


def _body() -> dict:
    """The JSON object sent; its fields are validated by the service (one set of rules)."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_json", _("Send a JSON object in the request body."))
    return payload


def _filters(args):
    """The list's place: a school or a municipality that does not exist or has vacancies off is 404, as its
    pages are (``services.listing_place``: one rule for both)."""
    try:
        muni, school_id = services.listing_place(args["municipality"], args["school"])
    except services.NotHere as exc:
        raise ApiError(404, "not_found", _("No vacancies here: the school or municipality does not exist, or "
                                           "it does not publish vacancies.")) from exc
    return {"municipality": muni, "school_id": school_id, "q": args["q"]}


@bp.get("")
@public
@doc(summary="Open vacancies in the region (filter by municipality code, school, text)", query=PublicQuerySchema,
     response=VacancyOutSchema, paginated=True, tags=TAGS)
def list_open():
    query = services.public_vacancies(**_filters(load_query(PublicQuerySchema())))
    return jsonify(paginate(query, _Annotated(VacancyOutSchema())))


@bp.get("/archive")
@public
@doc(summary="Closed and expired vacancies", query=PublicQuerySchema, response=VacancyOutSchema,
     paginated=True, tags=TAGS)
def list_archive():
    query = services.archived_vacancies(**_filters(load_query(PublicQuerySchema())))
    return jsonify(paginate(query, _Annotated(VacancyOutSchema())))


@bp.get("/schools/<int:school_id>/<int:vacancy_id>")
@public
@doc(summary="One vacancy (drafts only for the school's managers)", response=VacancyOutSchema, tags=TAGS)
def get_one(school_id: int, vacancy_id: int):
    vacancy = services.get_school_vacancy(school_id, vacancy_id)
    if vacancy is None or (not services.publicly_visible(vacancy)
                           and not has_permission(current_user, MANAGE, g.scope)):
        raise ApiError(404, "not_found", _("Not found."))
    return jsonify(_Annotated(VacancyOutSchema()).dump(vacancy))


# --------------------------------------------------------------------------- management


def _school(school_id: int) -> School:
    school = School.get_or_none(School.id == school_id)
    if school is None:
        raise ApiError(404, "not_found", _("Not found."))
    return school


def _own(school_id: int, vacancy_id: int):
    vacancy = services.get_school_vacancy(school_id, vacancy_id)
    if vacancy is None:
        raise ApiError(404, "not_found", _("Not found."))
    return vacancy


def _invalid(exc: ValidationError):
    return ApiError(400, "invalid", _("Some fields are not valid."), fields=services.error_messages(exc))


def _refused(exc: services.VacancyError):
    return ApiError(409, "conflict", str(exc.message), fields={exc.field: [str(exc.message)]} if exc.field else None)


@bp.get("/manage/<int:school_id>")
@require(MANAGE)
@doc(summary="All vacancies of a school, drafts included", response=VacancyManageOutSchema, many=True, tags=TAGS)
def manage_list(school_id: int):
    return jsonify(_Annotated(VacancyManageOutSchema()).dump(services.school_vacancies(_school(school_id)), many=True))


@bp.post("/manage/<int:school_id>")
@require(MANAGE)
@doc(summary="Create a vacancy (a draft; add ?publish=1 to publish at once)", request=VacancyInSchema,
     response=VacancyManageOutSchema, status=201, tags=TAGS)
def manage_create(school_id: int):
    school = _school(school_id)
    try:
        vacancy = services.create_vacancy(school, _body(), actor=current_user.id,
                                          publish=request.args.get("publish") in ("1", "true"))
    except ValidationError as exc:
        raise _invalid(exc) from exc
    return jsonify(_Annotated(VacancyManageOutSchema()).dump(vacancy)), 201


@bp.get("/manage/<int:school_id>/<int:vacancy_id>")
@require(MANAGE)
@doc(summary="One vacancy of the school, as its managers see it", response=VacancyManageOutSchema, tags=TAGS)
def manage_get(school_id: int, vacancy_id: int):
    return jsonify(_Annotated(VacancyManageOutSchema()).dump(_own(school_id, vacancy_id)))


@bp.patch("/manage/<int:school_id>/<int:vacancy_id>")
@require(MANAGE)
@doc(summary="Change some fields of a vacancy", request=VacancyInSchema, response=VacancyManageOutSchema, tags=TAGS)
def manage_update(school_id: int, vacancy_id: int):
    vacancy = _own(school_id, vacancy_id)
    try:
        services.update_vacancy(vacancy, _body())
    except ValidationError as exc:
        raise _invalid(exc) from exc
    return jsonify(_Annotated(VacancyManageOutSchema()).dump(vacancy))


@bp.post("/manage/<int:school_id>/<int:vacancy_id>/publish")
@require(MANAGE)
@doc(summary="Publish a draft, or publish a closed or expired vacancy again", response=VacancyManageOutSchema,
     tags=TAGS)
def manage_publish(school_id: int, vacancy_id: int):
    vacancy = _own(school_id, vacancy_id)
    try:
        services.publish(vacancy)
    except services.VacancyError as exc:
        raise _refused(exc) from exc
    return jsonify(_Annotated(VacancyManageOutSchema()).dump(vacancy))


@bp.post("/manage/<int:school_id>/<int:vacancy_id>/close")
@require(MANAGE)
@doc(summary="Close a published vacancy (filled or cancelled): it moves to the archive", request=CloseInSchema,
     response=VacancyManageOutSchema, tags=TAGS)
def manage_close(school_id: int, vacancy_id: int):
    vacancy = _own(school_id, vacancy_id)
    data = load_json(CloseInSchema())
    try:
        services.close(vacancy, data["reason"])
    except services.VacancyError as exc:
        raise _refused(exc) from exc
    return jsonify(_Annotated(VacancyManageOutSchema()).dump(vacancy))


@bp.delete("/manage/<int:school_id>/<int:vacancy_id>")
@require(MANAGE)
@doc(summary="Delete a draft (published vacancies stay for the archive)", status=204, tags=TAGS)
def manage_delete(school_id: int, vacancy_id: int):
    vacancy = _own(school_id, vacancy_id)
    try:
        services.delete_draft(vacancy)
    except services.VacancyError as exc:
        raise _refused(exc) from exc
    return "", 204
