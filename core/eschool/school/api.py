"""The school year over ``/api/v1/schools/<school_id>/...``: years, subjects, rooms, classes, curriculum,
teaching assignments. Reading needs ``school.view``, changing ``school.manage``, both in that school."""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from peewee import JOIN

from eschool.api import API_PREFIX, ApiError, doc, load_json, load_query
from eschool.auth.permissions import public, require
from eschool.school import card, services
from eschool.school.models import Building
from eschool.school.schemas import (
    AddressMatchSchema,
    AddressQuerySchema,
    AssignmentInSchema,
    AssignmentSchema,
    BuildingInSchema,
    BuildingSchema,
    CatchmentInSchema,
    CatchmentSchema,
    ClassInSchema,
    ClassSchema,
    CurriculumInSchema,
    CurriculumLineSchema,
    PeriodInSchema,
    PeriodSchema,
    RoomInSchema,
    RoomSchema,
    SchoolCardOutSchema,
    SchoolCardSchema,
    SchoolSettingsSchema,
    SubjectInSchema,
    SubjectSchema,
    YearInSchema,
    YearSchema,
)
from eschool.school.services import SchoolError
from eschool.structure.models import Municipality, School
from eschool.structure.services import school_by_id

bp = Blueprint("school_api", __name__, url_prefix=f"{API_PREFIX}/schools/<int:school_id>")
VIEW, MANAGE = "school.view", "school.manage"
TAGS = ["school year"]


def school_or_404(school_id: int) -> School:
    school = school_by_id(school_id)
    if school is None:
        raise ApiError(404, "not_found", _("Not found."))
    return school


def refused(exc: SchoolError) -> ApiError:
    """A rule's refusal as an API error: 403 when the user may not, 409 for a state conflict (``stale``
    with the current value when somebody saved in between), else 400, naming the field."""
    fields = {exc.field: [str(exc.message)]} if exc.field else {}
    if getattr(exc, "status", None) == 403:
        return ApiError(403, "forbidden", str(exc.message))
    if hasattr(exc, "current"):
        return ApiError(409, "stale", str(exc.message), fields=fields, current=exc.current)
    if exc.conflict:
        return ApiError(409, "conflict", str(exc.message), fields=fields)
    return ApiError(400, "invalid", _("Some fields are not valid."), fields=fields)


def _run(func, *args):
    try:
        return func(*args)
    except SchoolError as exc:
        raise refused(exc) from exc


@bp.get("/years")
@require(VIEW)
@doc(summary="The school's academic years with their periods", response=YearSchema, many=True, tags=TAGS)
def list_years(school_id):
    return jsonify(YearSchema().dump(services.years(school_or_404(school_id)), many=True))


@bp.post("/years")
@require(MANAGE)
@doc(summary="Add an academic year (and its periods)", request=YearInSchema, response=YearSchema, status=201,
     tags=TAGS)
def create_year(school_id):
    school = school_or_404(school_id)
    year = _run(services.create_year, school, load_json(YearInSchema()))
    year.periods = list(year.periods)
    return jsonify(YearSchema().dump(year)), 201


@bp.post("/years/<int:year_id>/periods")
@require(MANAGE)
@doc(summary="Add a period to an academic year", request=PeriodInSchema, response=PeriodSchema, status=201, tags=TAGS)
def add_period(school_id, year_id):
    school = school_or_404(school_id)
    year = _run(services.year_of, school, year_id)
    return jsonify(PeriodSchema().dump(_run(services.add_period, year, load_json(PeriodInSchema())))), 201


@bp.get("/subjects")
@require(VIEW)
@doc(summary="The school's subjects", response=SubjectSchema, many=True, tags=TAGS)
def list_subjects(school_id):
    school = school_or_404(school_id)
    return jsonify(SubjectSchema().dump(school.subjects.order_by(services.Subject.name), many=True))


@bp.post("/subjects")
@require(MANAGE)
@doc(summary="Add a subject", request=SubjectInSchema, response=SubjectSchema, status=201, tags=TAGS)
def add_subject(school_id):
    school = school_or_404(school_id)
    return jsonify(SubjectSchema().dump(_run(services.add_subject, school, load_json(SubjectInSchema())))), 201


@bp.get("/rooms")
@require(VIEW)
@doc(summary="The school's rooms", response=RoomSchema, many=True, tags=TAGS)
def list_rooms(school_id):
    school = school_or_404(school_id)
    rooms = (services.Room.select(services.Room, Building).join(Building, JOIN.LEFT_OUTER)
             .where(services.Room.school == school).order_by(Building.name, services.Room.name))
    return jsonify(RoomSchema().dump(rooms, many=True))


@bp.post("/rooms")
@require(MANAGE)
@doc(summary="Add a room", request=RoomInSchema, response=RoomSchema, status=201, tags=TAGS)
def add_room(school_id):
    school = school_or_404(school_id)
    return jsonify(RoomSchema().dump(_run(services.add_room, school, load_json(RoomInSchema())))), 201


@bp.get("/classes")
@require(VIEW)
@doc(summary="The school's classes (all years) with their subgroups", response=ClassSchema, many=True, tags=TAGS)
def list_classes(school_id):
    return jsonify(ClassSchema().dump(services.classes(school_or_404(school_id)), many=True))


@bp.post("/classes")
@require(MANAGE)
@doc(summary="Add a class (with its subgroups)", request=ClassInSchema, response=ClassSchema, status=201, tags=TAGS)
def add_class(school_id):
    school = school_or_404(school_id)
    group = _run(services.create_class, school, load_json(ClassInSchema()))
    group.subgroups = list(group.subgroups)
    return jsonify(ClassSchema().dump(group)), 201


@bp.get("/classes/<int:class_id>/curriculum")
@require(VIEW)
@doc(summary="A class's curriculum: hours per week per subject", response=CurriculumLineSchema, many=True, tags=TAGS)
def get_curriculum(school_id, class_id):
    group = _run(services.class_of, school_or_404(school_id), class_id)
    return jsonify(CurriculumLineSchema().dump(group.curriculum, many=True))


@bp.put("/classes/<int:class_id>/curriculum")
@require(MANAGE)
@doc(summary="Replace a class's curriculum", request=CurriculumInSchema, response=CurriculumLineSchema, many=True,
     tags=TAGS)
def put_curriculum(school_id, class_id):
    school = school_or_404(school_id)
    group = _run(services.class_of, school, class_id)
    lines = _run(services.set_curriculum, school, group, load_json(CurriculumInSchema())["lines"])
    return jsonify(CurriculumLineSchema().dump(lines, many=True))


@bp.get("/assignments")
@require(VIEW)
@doc(summary="Teaching assignments: who teaches what to which class", response=AssignmentSchema, many=True,
     tags=TAGS)
def list_assignments(school_id):
    return jsonify(AssignmentSchema().dump(services.assignments(school_or_404(school_id)), many=True))


@bp.post("/assignments")
@require(MANAGE)
@doc(summary="Assign a teacher to a class (or subgroup) and subject", request=AssignmentInSchema,
     response=AssignmentSchema, status=201, tags=TAGS)
def add_assignment(school_id):
    school = school_or_404(school_id)
    return jsonify(AssignmentSchema().dump(_run(services.add_assignment, school,
                                                load_json(AssignmentInSchema())))), 201


# --------------------------------------------------------------------------- the school card, settings, buildings,
# the catchment area (the setup pages' "School card", "School settings", "Buildings", "Catchment area")

CARD_TAGS = ["school card"]


@bp.get("/card")
@require(VIEW)
@doc(summary="The school card: names, contacts, requisites (INN, KPP, OGRN, OKPO), director, website",
     response=SchoolCardOutSchema, tags=CARD_TAGS)
def get_card(school_id):
    return jsonify(SchoolCardOutSchema().dump(school_or_404(school_id)))


@bp.put("/card")
@require(MANAGE)
@doc(summary="Replace the school card (requisites are checked with their check digits)", request=SchoolCardSchema,
     response=SchoolCardOutSchema, tags=CARD_TAGS)
def put_card(school_id):
    school = school_or_404(school_id)
    return jsonify(SchoolCardOutSchema().dump(_run(card.update_card, school, load_json(SchoolCardSchema()))))


@bp.get("/settings")
@require(MANAGE)
@doc(summary="The school's settings (the settings page's permission: school.manage)", response=SchoolSettingsSchema,
     tags=CARD_TAGS)
def get_settings(school_id):
    return jsonify(SchoolSettingsSchema().dump(school_or_404(school_id)))


@bp.put("/settings")
@require(MANAGE)
@doc(summary="Replace the school's settings: highest class letter, average for a medal, idle minutes",
     request=SchoolSettingsSchema, response=SchoolSettingsSchema, tags=CARD_TAGS)
def put_settings(school_id):
    school = school_or_404(school_id)
    return jsonify(SchoolSettingsSchema().dump(_run(services.update_settings, school,
                                                    load_json(SchoolSettingsSchema()))))


@bp.get("/buildings")
@require(VIEW)
@doc(summary="The school's buildings, each with its number of rooms", response=BuildingSchema, many=True,
     tags=CARD_TAGS)
def list_buildings(school_id):
    return jsonify(BuildingSchema().dump(card.buildings(school_or_404(school_id)), many=True))


@bp.post("/buildings")
@require(MANAGE)
@doc(summary="Add a building", request=BuildingInSchema, response=BuildingSchema, status=201, tags=CARD_TAGS)
def add_building(school_id):
    row = _run(card.add_building, school_or_404(school_id), load_json(BuildingInSchema()))
    row.room_count = 0
    return jsonify(BuildingSchema().dump(row)), 201


@bp.delete("/buildings/<int:building_id>")
@require(MANAGE)
@doc(summary="Remove a building without rooms (one with rooms: 409)", status=204, tags=CARD_TAGS)
def remove_building(school_id, building_id):
    _run(card.remove_building, school_or_404(school_id), building_id)
    return "", 204


@bp.get("/catchment")
@require(VIEW)
@doc(summary="The catchment area: streets and the houses assigned to the school", response=CatchmentSchema,
     many=True, tags=CARD_TAGS)
def list_catchment(school_id):
    return jsonify(CatchmentSchema().dump(card.catchment(school_or_404(school_id)), many=True))


@bp.post("/catchment")
@require(MANAGE)
@doc(summary="Assign a street's houses (replaces the school's line for that street); a house another school "
             "of the municipality serves is refused with 409 naming it",
     request=CatchmentInSchema, response=CatchmentSchema, status=201, tags=CARD_TAGS)
def set_catchment_street(school_id):
    row = _run(card.set_street, school_or_404(school_id), load_json(CatchmentInSchema()))
    return jsonify(CatchmentSchema().dump(row)), 201


@bp.delete("/catchment/<int:line_id>")
@require(MANAGE)
@doc(summary="Take a street out of the catchment area", status=204, tags=CARD_TAGS)
def remove_catchment_street(school_id, line_id):
    school = school_or_404(school_id)
    try:
        card.remove_street(school, line_id)
    except SchoolError as exc:
        raise ApiError(404, "not_found", _("Not found.")) from exc
    return "", 204


municipalities = Blueprint("municipality_api", __name__, url_prefix=f"{API_PREFIX}/municipalities")


@municipalities.get("/<code>/school-for-address")
@public
@doc(summary="Which school serves this address: the catchment lines of the municipality's schools that cover it "
             "(public, as the municipality's order on catchment areas is; empty list: none)",
     query=AddressQuerySchema, response=AddressMatchSchema, many=True, tags=CARD_TAGS)
def school_for_address(code):
    municipality = Municipality.get_or_none(Municipality.code == code)
    if municipality is None:
        raise ApiError(404, "not_found", _("Not found."))
    args = load_query(AddressQuerySchema())
    lines = _run(card.schools_for_address, municipality, args["street"], args["house"])
    return jsonify(AddressMatchSchema().dump(lines, many=True))
