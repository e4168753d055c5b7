"""Surveys over ``/api/v1/surveys``: building, answering, results."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eschool.plugin_api import (
    API_PREFIX,
    ApiError,
    Municipality,
    School,
    Scope,
    doc,
    has_permission,
    load_json,
    load_query,
    paginate,
    require,
    scope_for_municipality,
    scope_for_school,
)
from eschool_surveys import services
from eschool_surveys.models import Survey
from eschool_surveys.schemas import (
    BySchoolOutSchema,
    ManagedQuerySchema,
    MineOutSchema,
    RespondentSchema,
    ResponseInSchema,
    ResponseOutSchema,
    ResultsOutSchema,
    ResultsQuerySchema,
    SurveyFullSchema,
    SurveyInSchema,
    SurveyOutSchema,
    SurveyUpdateSchema,
)

bp = Blueprint("surveys_api", __name__, url_prefix=f"{API_PREFIX}/surveys")
TAGS = ["surveys"]
MANAGE, RESULTS, ANSWER = services.MANAGE, services.RESULTS, services.ANSWER


def _region() -> str:
    return current_app.extensions["eschool"].region.code


def _error(exc: services.SurveyError):
    code = {400: "invalid", 403: "forbidden", 404: "not_found", 409: "conflict"}.get(exc.status, "invalid")
    message = _("Some fields are not valid.") if exc.status == 400 else next(iter(exc.fields.values()))[0]
    return ApiError(exc.status, code, message, fields=exc.fields)


def _survey(survey_id: int, permission: str = MANAGE) -> Survey:
    survey = Survey.get_or_none(Survey.id == survey_id)
    if survey is None or not has_permission(current_user, permission, services.scope_of(survey, _region())):
        raise ApiError(404, "not_found", _("No such survey."))
    return survey


class _Out:
    def __init__(self, schema):
        self.schema = schema

    def dump(self, items, many=False):
        items = list(items) if many else [items]
        for s in items:
            s.state = services.state(s)
        return self.schema.dump(items, many=True) if many else self.schema.dump(items[0])


def _full(survey: Survey) -> dict:
    survey.state = services.state(survey)
    out = SurveyOutSchema().dump(survey)
    out["sections"] = [{"id": p["section"].id if p["section"] else None,
                        "title": p["section"].title if p["section"] else "",
                        "description": p["section"].description if p["section"] else "",
                        "questions": [{"id": q.id, "kind": q.kind, "text": q.text, "required": q.required,
                                       "options": q.option_list, "rows": q.row_list} for q in p["questions"]]}
                       for p in services.structure(survey)]
    return out


def _owner_scope(data):
    """Where a new survey belongs, and the check that the caller manages there."""
    if data["school_id"]:
        school = School.get_or_none(School.id == data["school_id"])
        if school is None:
            raise ApiError(400, "invalid", _("Some fields are not valid."), fields={"school_id": [_("No such school.")]})
        return (school.id, None), scope_for_school(school)
    if data["municipality_id"]:
        muni = Municipality.get_or_none(Municipality.id == data["municipality_id"])
        if muni is None:
            raise ApiError(400, "invalid", _("Some fields are not valid."),
                           fields={"municipality_id": [_("No such municipality.")]})
        return (None, muni.id), scope_for_municipality(muni)
    return (None, None), Scope(_region())


@bp.get("/mine")
@require(ANSWER)
@doc(summary="Open surveys I am asked in, answered or not", response=MineOutSchema, many=True, tags=TAGS)
def mine():
    return jsonify([{"id": i["survey"].id, "title": i["survey"].title, "closes_on": i["survey"].closes_on
                     and i["survey"].closes_on.isoformat(), "anonymous": i["survey"].anonymous,
                     "answered": i["answered"], "pending_children": [k.id for k in i["pending"] if k is not None]}
                    for i in services.open_for(current_user)])


@bp.get("")
@require(MANAGE)
@doc(summary="Surveys a school, a municipality or (neither given) the region runs", query=ManagedQuerySchema,
     response=SurveyOutSchema, paginated=True, tags=TAGS)
def managed():
    args = load_query(ManagedQuerySchema())
    _owner, scope = _owner_scope({"school_id": args["school"], "municipality_id": args["municipality"]})
    if not has_permission(current_user, MANAGE, scope):
        raise ApiError(403, "forbidden", _("You may not manage surveys there."))
    return jsonify(paginate(services.managed(args["school"], args["municipality"]), _Out(SurveyOutSchema())))


@bp.post("")
@require(MANAGE)
@doc(summary="Create a survey (a draft) with its audience and, optionally, its sections and questions",
     request=SurveyInSchema, response=SurveyFullSchema, status=201, tags=TAGS)
def create():
    data = load_json(SurveyInSchema())
    owner, scope = _owner_scope(data)
    if not has_permission(current_user, MANAGE, scope):
        raise ApiError(403, "forbidden", _("You may not manage surveys there."))
    try:
        survey = services.create_survey(owner, data, user=current_user)
    except services.SurveyError as exc:
        raise _error(exc) from None
    return jsonify(_full(survey)), 201


@bp.get("/<int:survey_id>")
@require(ANSWER)
@doc(summary="A survey with its sections and questions (its managers; its respondents while it is open)",
     response=SurveyFullSchema, tags=TAGS)
def get_one(survey_id: int):
    survey = Survey.get_or_none(Survey.id == survey_id)
    if survey is None:
        raise ApiError(404, "not_found", _("No such survey."))
    managing = has_permission(current_user, MANAGE, services.scope_of(survey, _region()))
    if not managing and not (services.state(survey) == "open" and services.is_invited(current_user, survey)):
        raise ApiError(404, "not_found", _("No such survey."))
    return jsonify(_full(survey))


@bp.put("/<int:survey_id>")
@require(MANAGE)
@doc(summary="Change a survey's settings and audience, and (before any answer) its sections and questions",
     request=SurveyUpdateSchema, response=SurveyFullSchema, tags=TAGS)
def update(survey_id: int):
    survey = _survey(survey_id)
    data = load_json(SurveyUpdateSchema())
    try:
        services.update_settings(survey, data)
        if data.get("sections") is not None:
            services.replace_structure(survey, data["sections"])
    except services.SurveyError as exc:
        raise _error(exc) from None
    return jsonify(_full(Survey.get_by_id(survey.id)))


@bp.delete("/<int:survey_id>")
@require(MANAGE)
@doc(summary="Delete a survey that has no answers", status=204, tags=TAGS)
def delete(survey_id: int):
    survey = _survey(survey_id)
    try:
        services.delete_survey(survey)
    except services.SurveyError as exc:
        raise _error(exc) from None
    return "", 204


def _action(survey_id: int, action: str):
    survey = _survey(survey_id)
    link = url_for("surveys.answer", survey_id=survey.id)
    try:
        if action == "publish":
            services.publish(survey, actor=current_user, link=link)
        elif action == "close":
            services.close(survey)
        elif action == "copy":
            return jsonify(_full(services.copy_survey(survey, user=current_user))), 201
    except services.SurveyError as exc:
        raise _error(exc) from None
    return jsonify(_full(survey))


@bp.post("/<int:survey_id>/publish")
@require(MANAGE)
@doc(summary="Publish a survey: its audience is resolved and invited", response=SurveyFullSchema, tags=TAGS)
def publish(survey_id: int):
    return _action(survey_id, "publish")


@bp.post("/<int:survey_id>/close")
@require(MANAGE)
@doc(summary="Close a survey now", response=SurveyFullSchema, tags=TAGS)
def close(survey_id: int):
    return _action(survey_id, "close")


@bp.post("/<int:survey_id>/copy")
@require(MANAGE)
@doc(summary="Copy a survey into a new draft", response=SurveyFullSchema, status=201, tags=TAGS)
def copy(survey_id: int):
    return _action(survey_id, "copy")


@bp.post("/<int:survey_id>/responses")
@require(ANSWER)
@doc(summary="Answer a survey: answers keyed by question id (an option's index, a list of them, a scale value, "
             "a text, or a matrix's {row: column})", request=ResponseInSchema, response=ResponseOutSchema,
     status=201, tags=TAGS)
def respond(survey_id: int):
    survey = Survey.get_or_none(Survey.id == survey_id)
    if survey is None or not services.is_invited(current_user, survey):
        raise ApiError(404, "not_found", _("No such survey."))
    data = load_json(ResponseInSchema())
    try:
        services.submit(survey, current_user, data["answers"], child_id=data["child_id"])
    except services.SurveyError as exc:
        raise _error(exc) from None
    return jsonify({"survey_id": survey.id, "accepted": True}), 201


@bp.get("/<int:survey_id>/results")
@require(RESULTS)
@doc(summary="Counts and percentages per question, free texts, the response rate (filter by school or class; an "
             "anonymous survey's group under 5 answers is hidden)", query=ResultsQuerySchema,
     response=ResultsOutSchema, tags=TAGS)
def results(survey_id: int):
    survey = _survey(survey_id, RESULTS)
    args = load_query(ResultsQuerySchema())
    data = services.results(survey, args["school"], args["class_"])
    return jsonify({"survey_id": survey.id, "total": data["total"], "invited": data["invited"], "rate": data["rate"],
                    "hidden": data["hidden"],
                    "questions": [{"id": i["question"].id, "kind": i["question"].kind, "text": i["question"].text,
                                   "respondents": i["respondents"], "bars": i["bars"], "matrix": i["matrix"],
                                   "average": i["average"], "texts": i["texts"]}
                                  for part in data["sections"] for i in part["questions"]]})


@bp.get("/<int:survey_id>/schools")
@require(RESULTS)
@doc(summary="The survey's schools side by side (an anonymous survey hides schools under 5 answers)",
     response=BySchoolOutSchema, tags=TAGS)
def schools(survey_id: int):
    survey = _survey(survey_id, RESULTS)
    data = services.by_school(survey)
    return jsonify({"schools": data["schools"],
                    "questions": [{"id": i["question"].id, "text": i["question"].text, "kind": i["question"].kind,
                                   "options": i["question"].option_list, "rows": i["rows"]}
                                  for i in data["questions"]]})


@bp.get("/<int:survey_id>/respondents")
@require(RESULTS)
@doc(summary="Who answered a named survey (an anonymous survey answers 404: nobody is linked to an answer)",
     response=RespondentSchema, many=True, tags=TAGS)
def respondents(survey_id: int):
    survey = _survey(survey_id, RESULTS)
    if survey.anonymous:
        raise ApiError(404, "not_found", _("An anonymous survey does not tell who answered what."))
    return jsonify([{"user_id": p.user_id, "name": p.user.full_name, "child_id": p.child or None,
                     "submitted_at": p.submitted_at.isoformat() + "Z" if p.submitted_at else None}
                    for p in services.respondents(survey)])
