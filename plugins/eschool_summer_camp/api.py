"""The summer camp over ``/api/v1/summer_camp``: the same rules as the pages, for apps and integrations."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from eschool.plugin_api import (
    API_PREFIX,
    ApiError,
    School,
    doc,
    has_permission,
    load_json,
    load_query,
    local_today,
    require,
)
from eschool_summer_camp import services
from eschool_summer_camp.plugin import APPLY, LEAD, MANAGE, REPORT, VIEW
from eschool_summer_camp.schemas import (
    ApplyInSchema,
    CampApplicationSchema,
    CampDaySheetSchema,
    CampDecisionInSchema,
    CampPlanItemSchema,
    CampSummarySchema,
    CategoryInSchema,
    CategorySchema,
    DateQuerySchema,
    DayMarksInSchema,
    MunicipalityQuerySchema,
    PlanItemInSchema,
    SessionDetailSchema,
    SessionInSchema,
    SessionSchema,
    SquadInSchema,
    SquadMoveInSchema,
    SquadSchema,
)
from eschool_summer_camp.views import XLSX

bp = Blueprint("summer_camp_api", __name__, url_prefix=f"{API_PREFIX}/summer_camp")
TAGS = ["summer_camp"]


def _school(school_id: int) -> School:
    school = School.get_or_none(School.id == school_id)
    if school is None:
        raise ApiError(404, "not_found", _("Not found."))
    return school


def _call(func, *args, **kwargs):
    """Run a service; its refusals become the API's errors (400 / 403 / 404 / 409, the field named)."""
    try:
        return func(*args, **kwargs)
    except services.CampError as exc:
        code = {400: "invalid", 403: "forbidden", 404: "not_found", 409: "conflict"}[exc.status]
        fields = {exc.field: [str(exc.message)]} if exc.field and exc.status in (400, 409) else None
        raise ApiError(exc.status, code, str(exc.message), fields=fields) from exc


def _manager() -> bool:
    return has_permission(current_user, MANAGE)


# --------------------------------------------------------------------------- sessions and squads


@bp.get("/schools/<int:school_id>/sessions")
@require(VIEW)
@doc(summary="The school camp's sessions, newest first, with places confirmed and free", response=SessionSchema,
     many=True, tags=TAGS)
def sessions(school_id: int):
    return jsonify(SessionSchema().dump(services.sessions_of(_school(school_id)), many=True))


@bp.post("/schools/<int:school_id>/sessions")
@require(MANAGE)
@doc(summary="Create a session (смена) of the school's day camp", request=SessionInSchema, response=SessionSchema,
     status=201, tags=TAGS)
def session_create(school_id: int):
    school = _school(school_id)
    data = load_json(SessionInSchema())
    row = _call(services.create_session, school, data)
    return jsonify(SessionSchema().dump(_annotated(row))), 201


def _annotated(row):
    services._annotate_sessions([row])
    return row


@bp.get("/schools/<int:school_id>/sessions/<int:session_id>")
@require(VIEW)
@doc(summary="One session with its squads and working days", response=SessionDetailSchema, tags=TAGS)
def session_get(school_id: int, session_id: int):
    _school(school_id)
    row = _call(services.get_session, school_id, session_id)
    return jsonify(SessionDetailSchema().dump(services.session_detail(row)))


@bp.patch("/schools/<int:school_id>/sessions/<int:session_id>")
@require(MANAGE)
@doc(summary="Change a session (dates, capacity, whether it takes applications)", request=SessionInSchema,
     response=SessionSchema, tags=TAGS)
def session_update(school_id: int, session_id: int):
    _school(school_id)
    row = _call(services.get_session, school_id, session_id)
    data = load_json(SessionInSchema(), partial=True)
    _call(services.update_session, row, data)
    return jsonify(SessionSchema().dump(_annotated(row)))


@bp.post("/schools/<int:school_id>/sessions/<int:session_id>/squads")
@require(MANAGE)
@doc(summary="Add a squad: a class group of kind summer_camp, led by a teacher of the school",
     request=SquadInSchema, response=SquadSchema, status=201, tags=TAGS)
def squad_create(school_id: int, session_id: int):
    _school(school_id)
    row = _call(services.get_session, school_id, session_id)
    squad = _call(services.create_squad, row, load_json(SquadInSchema()))
    squad.member_count = 0
    return jsonify(SquadSchema().dump(squad)), 201


# --------------------------------------------------------------------------- applications


@bp.get("/schools/<int:school_id>/sessions/<int:session_id>/applications")
@require(MANAGE)
@doc(summary="The session's applications in queue order (priority category, then server time)",
     response=CampApplicationSchema, many=True, tags=TAGS)
def queue(school_id: int, session_id: int):
    _school(school_id)
    row = _call(services.get_session, school_id, session_id)
    return jsonify(CampApplicationSchema().dump(services.queue(row), many=True))


@bp.post("/schools/<int:school_id>/sessions/<int:session_id>/applications")
@require(APPLY)
@doc(summary="A parent applies for a place for their child (one application per child and session: 409)",
     request=ApplyInSchema, response=CampApplicationSchema, status=201, tags=TAGS)
def apply(school_id: int, session_id: int):
    _school(school_id)
    row = _call(services.get_session, school_id, session_id)
    application = _call(services.apply, row, current_user, load_json(ApplyInSchema()))
    application.position = None
    return jsonify(CampApplicationSchema().dump(application)), 201


@bp.post("/schools/<int:school_id>/sessions/<int:session_id>/paper-applications")
@require(MANAGE)
@doc(summary="The school enters a paper application for one of its students", request=ApplyInSchema,
     response=CampApplicationSchema, status=201, tags=TAGS)
def paper(school_id: int, session_id: int):
    _school(school_id)
    row = _call(services.get_session, school_id, session_id)
    application = _call(services.enter_paper, row, current_user, load_json(ApplyInSchema()))
    application.position = None
    return jsonify(CampApplicationSchema().dump(application)), 201


@bp.get("/schools/<int:school_id>/my-applications")
@require(APPLY)
@doc(summary="The applications of the user's own children at this school's camp", response=CampApplicationSchema,
     many=True, tags=TAGS)
def family(school_id: int):
    return jsonify(CampApplicationSchema().dump(services.family_applications(current_user, _school(school_id)),
                                            many=True))


@bp.post("/schools/<int:school_id>/applications/<int:application_id>/decision")
@require(MANAGE)
@doc(summary="Confirm (within capacity), move to the waiting list, or reject with a reason; parents are notified",
     request=CampDecisionInSchema, response=CampApplicationSchema, tags=TAGS)
def decide(school_id: int, application_id: int):
    _school(school_id)
    application = _call(services.get_application, school_id, application_id)
    data = load_json(CampDecisionInSchema())
    _call(services.decide, application, data["action"], current_user, data["reason"], data["squad_id"])
    application.position = None
    return jsonify(CampApplicationSchema().dump(application))


@bp.post("/schools/<int:school_id>/applications/<int:application_id>/squad")
@require(MANAGE)
@doc(summary="Move a confirmed child to another squad of the session", request=SquadMoveInSchema,
     response=CampApplicationSchema, tags=TAGS)
def move(school_id: int, application_id: int):
    _school(school_id)
    application = _call(services.get_application, school_id, application_id)
    _call(services.move_to_squad, application, load_json(SquadMoveInSchema())["squad_id"])
    application.position = None
    return jsonify(CampApplicationSchema().dump(application))


@bp.post("/schools/<int:school_id>/applications/<int:application_id>/withdraw")
@require(APPLY)
@doc(summary="A parent withdraws their child's application", response=CampApplicationSchema, tags=TAGS)
def withdraw(school_id: int, application_id: int):
    _school(school_id)
    application = _call(services.get_application, school_id, application_id)
    _call(services.withdraw, application, current_user)
    application.position = None
    return jsonify(CampApplicationSchema().dump(application))


@bp.get("/schools/<int:school_id>/categories")
@require(VIEW)
@doc(summary="The school's priority categories of the camp queue (lower rank first)", response=CategorySchema,
     many=True, tags=TAGS)
def categories(school_id: int):
    school = _school(school_id)
    return jsonify(CategorySchema().dump(services.categories(school, active_only=not _manager()), many=True))


@bp.put("/schools/<int:school_id>/categories")
@require(MANAGE)
@doc(summary="Add or change a priority category (by its code)", request=CategoryInSchema, response=CategorySchema,
     tags=TAGS)
def category_save(school_id: int):
    school = _school(school_id)
    return jsonify(CategorySchema().dump(services.save_category(school, load_json(CategoryInSchema()))))


# --------------------------------------------------------------------------- squads' days


def _own_squad(school_id: int, squad_id: int):
    _school(school_id)
    squad = _call(services.get_squad, school_id, squad_id)
    if not services.may_keep_squad(current_user, squad, _manager()):
        raise ApiError(403, "forbidden", _("You keep only your own squad."))
    return squad


@bp.get("/schools/<int:school_id>/squads/<int:squad_id>/attendance")
@require(LEAD)
@doc(summary="A squad's children and their marks on a day (the squad's leader or the administration)",
     query=DateQuerySchema, response=CampDaySheetSchema, tags=TAGS)
def attendance(school_id: int, squad_id: int):
    squad = _own_squad(school_id, squad_id)
    day = load_query(DateQuerySchema())["date"] or local_today()
    return jsonify(CampDaySheetSchema().dump({"squad_id": squad.id, "date": day, "rows": services.day_sheet(squad, day)}))


@bp.put("/schools/<int:school_id>/squads/<int:squad_id>/attendance")
@require(LEAD)
@doc(summary="Mark a day: present, absent or ill, for children of the squad", request=DayMarksInSchema,
     response=CampDaySheetSchema, tags=TAGS)
def attendance_save(school_id: int, squad_id: int):
    squad = _own_squad(school_id, squad_id)
    data = load_json(DayMarksInSchema())
    rows = _call(services.mark_day, squad, data["date"], data["marks"], current_user)
    return jsonify(CampDaySheetSchema().dump({"squad_id": squad.id, "date": data["date"], "rows": rows}))


@bp.get("/schools/<int:school_id>/sessions/<int:session_id>/plan")
@require(VIEW)
@doc(summary="The session's plan of activities (a day's with ?date=)", query=DateQuerySchema,
     response=CampPlanItemSchema, many=True, tags=TAGS)
def plan(school_id: int, session_id: int):
    _school(school_id)
    row = _call(services.get_session, school_id, session_id)
    return jsonify(CampPlanItemSchema().dump(services.plan(row, load_query(DateQuerySchema())["date"]), many=True))


@bp.post("/schools/<int:school_id>/sessions/<int:session_id>/plan")
@require(LEAD)
@doc(summary="Add an activity to a day's plan (a leader for their squad, the administration for the camp)",
     request=PlanItemInSchema, response=CampPlanItemSchema, status=201, tags=TAGS)
def plan_add(school_id: int, session_id: int):
    _school(school_id)
    row = _call(services.get_session, school_id, session_id)
    item = _call(services.add_plan_item, row, load_json(PlanItemInSchema()), current_user, _manager())
    return jsonify(CampPlanItemSchema().dump(item)), 201


@bp.delete("/schools/<int:school_id>/plan/<int:item_id>")
@require(LEAD)
@doc(summary="Remove an activity from the plan", status=204, tags=TAGS)
def plan_delete(school_id: int, item_id: int):
    _school(school_id)
    item = _call(services.get_plan_item, school_id, item_id)
    _call(services.delete_plan_item, item, current_user, _manager())
    return "", 204


@bp.get("/schools/<int:school_id>/sessions/<int:session_id>/attendance.xlsx")
@require(MANAGE)
@doc(summary="The session's attendance and health days as XLSX", tags=TAGS)
def attendance_xlsx(school_id: int, session_id: int):
    _school(school_id)
    row = _call(services.get_session, school_id, session_id)
    return Response(services.attendance_xlsx(row), mimetype=XLSX)


# --------------------------------------------------------------------------- the municipality


def _municipality(code: str):
    muni = services.municipality_by_code(code)
    if muni is None:
        raise ApiError(404, "not_found", _("Not found."))
    return muni


@bp.get("/municipalities/<municipality_code>/camps")
@require(REPORT)
@doc(summary="Every camp session of the municipality's schools in a year: places, queue, health days",
     query=MunicipalityQuerySchema, response=CampSummarySchema, many=True, tags=TAGS)
def municipality_camps(municipality_code: str):
    muni = _municipality(municipality_code)
    return jsonify(CampSummarySchema().dump(services.municipality_camps(muni, load_query(MunicipalityQuerySchema())
                                                                        ["year"]), many=True))


@bp.get("/municipalities/<municipality_code>/children.xlsx")
@require(REPORT)
@doc(summary="The list for the municipality: every confirmed child of its camps in a year, as XLSX",
     query=MunicipalityQuerySchema, tags=TAGS)
def municipality_children(municipality_code: str):
    muni = _municipality(municipality_code)
    data = services.children_xlsx(services.municipality_children(muni, load_query(MunicipalityQuerySchema())["year"]))
    return Response(data, mimetype=XLSX)
