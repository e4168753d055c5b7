"""The timetable over ``/api/v1/schools/<school_id>/timetable``: the week by class, teacher or room,
lessons added (clashes refused with 409 naming the clashing lesson), the bell schedule, substitutions."""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _

from eschool.api import API_PREFIX, ApiError, doc, load_json, load_query
from eschool.auth.permissions import require
from eschool.school import services as school_services
from eschool.school.api import refused, school_or_404
from eschool.school.services import SchoolError
from eschool.timetable import services
from eschool.timetable.schemas import (
    CellInSchema,
    DateQuerySchema,
    DayEntrySchema,
    DayQuerySchema,
    EntryInSchema,
    EntrySchema,
    LessonTimeOutSchema,
    LessonTimesInSchema,
    SubstitutionInSchema,
    SubstitutionSchema,
    WeekQuerySchema,
)

bp = Blueprint("timetable_api", __name__, url_prefix=f"{API_PREFIX}/schools/<int:school_id>")
VIEW, MANAGE = "school.view", "timetable.manage"
TAGS = ["timetable"]


def _run(func, *args):
    try:
        return func(*args)
    except SchoolError as exc:
        raise refused(exc) from exc


@bp.get("/timetable")
@require(VIEW)
@doc(summary="The weekly timetable, filtered by class, teacher or room", query=WeekQuerySchema,
     response=EntrySchema, many=True, tags=TAGS)
def week(school_id):
    school = school_or_404(school_id)
    args = load_query(WeekQuerySchema())
    year = (_run(school_services.year_of, school, args["year"], "year") if args["year"]
            else school_services.current_year(school))
    if year is None:
        raise ApiError(404, "not_found", _("The school has no current academic year."))
    rows = services.week(school, year, args["class_id"], args["teacher_id"], args["room_id"], args["weekday"])
    return jsonify(EntrySchema().dump(rows, many=True))


@bp.get("/timetable/day")
@require(VIEW)
@doc(summary="One date's lessons of a class, teacher or room, with that date's substitutions in place",
     query=DayQuerySchema, response=DayEntrySchema, many=True, tags=TAGS)
def day(school_id):
    school = school_or_404(school_id)
    args = load_query(DayQuerySchema())
    year = school_services.current_year(school)
    if year is None:
        raise ApiError(404, "not_found", _("The school has no current academic year."))
    rows = services.day(school, year, args["date"], args["class_id"], args["teacher_id"], args["room_id"])
    return jsonify(DayEntrySchema().dump(rows, many=True))


@bp.post("/timetable")
@require(MANAGE)
@doc(summary="Add a weekly lesson; a clash of teacher, room or class is refused with 409",
     request=EntryInSchema, response=EntrySchema, status=201, tags=TAGS)
def add_entry(school_id):
    school = school_or_404(school_id)
    return jsonify(EntrySchema().dump(_run(services.add_entry, school, load_json(EntryInSchema())))), 201


@bp.put("/timetable/cell")
@require(MANAGE)
@doc(summary="Set one place of a class's week (the lessons it holds, all or nothing); a clash is refused with 409",
     request=CellInSchema, response=EntrySchema, many=True, tags=TAGS)
def put_cell(school_id):
    school = school_or_404(school_id)
    data = load_json(CellInSchema())
    _run(services.set_cell, school, data)
    year = school_services.class_of(school, data["class_id"]).academic_year
    rows = [e for e in services.week(school, year, class_id=data["class_id"], weekday=data["weekday"])
            if e.number == data["number"]]
    return jsonify(EntrySchema().dump(rows, many=True))


@bp.delete("/timetable/<int:entry_id>")
@require(MANAGE)
@doc(summary="Remove a weekly lesson", status=204, tags=TAGS)
def remove_entry(school_id, entry_id):
    _run(services.remove_entry, school_or_404(school_id), entry_id)
    return "", 204


@bp.get("/lesson-times")
@require(VIEW)
@doc(summary="The bell schedule of every shift", response=LessonTimeOutSchema, many=True, tags=TAGS)
def get_lesson_times(school_id):
    times = services.lesson_times(school_or_404(school_id))
    return jsonify(LessonTimeOutSchema().dump([times[k] for k in sorted(times)], many=True))


@bp.put("/lesson-times")
@require(MANAGE)
@doc(summary="Replace one shift's bell schedule", request=LessonTimesInSchema, response=LessonTimeOutSchema,
     many=True, tags=TAGS)
def put_lesson_times(school_id):
    school = school_or_404(school_id)
    data = load_json(LessonTimesInSchema())
    rows = _run(services.set_lesson_times, school, data["shift"], data["times"])
    return jsonify(LessonTimeOutSchema().dump(rows, many=True))


@bp.get("/substitutions")
@require(VIEW)
@doc(summary="Substitutions on a date", query=DateQuerySchema, response=SubstitutionSchema, many=True, tags=TAGS)
def list_substitutions(school_id):
    school = school_or_404(school_id)
    return jsonify(SubstitutionSchema().dump(services.substitutions(school, load_query(DateQuerySchema())["date"]),
                                             many=True))


@bp.post("/substitutions")
@require(MANAGE)
@doc(summary="Another teacher gives a lesson on a date (they must be free then)", request=SubstitutionInSchema,
     response=SubstitutionSchema, status=201, tags=TAGS)
def add_substitution(school_id):
    school = school_or_404(school_id)
    return jsonify(SubstitutionSchema().dump(_run(services.substitute, school,
                                                  load_json(SubstitutionInSchema())))), 201


@bp.delete("/substitutions/<int:substitution_id>")
@require(MANAGE)
@doc(summary="Cancel a substitution (the lesson's own teacher gives it again)", status=204, tags=TAGS)
def remove_substitution(school_id, substitution_id):
    school = school_or_404(school_id)
    try:
        services.remove_substitution(school, substitution_id)
    except SchoolError as exc:
        if exc.conflict:
            raise refused(exc) from exc
        raise ApiError(404, "not_found", _("Not found.")) from exc
    return "", 204
