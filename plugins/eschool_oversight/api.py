"""The class teacher's overview and the deputy director's control over ``/api/v1/schools/<school_id>``.

The class's pages are for its class teacher and for whoever holds ``journal.control`` (403 for
anyone else); the control endpoints need ``journal.control``.
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from eschool.plugin_api import (
    API_PREFIX,
    ApiError,
    SchoolError,
    class_of,
    doc,
    load_json,
    load_query,
    refused,
    require,
    school_or_404,
    subject_of,
)
from eschool_oversight import services
from eschool_oversight.schemas import (
    ControlQuerySchema,
    ControlSchema,
    DayAttendanceSchema,
    MarksOverviewSchema,
    ProblemLessonSchema,
    RangeQuerySchema,
    ReconcileInSchema,
    SubjectMarksSchema,
)

bp = Blueprint("oversight_api", __name__, url_prefix=f"{API_PREFIX}/schools/<int:school_id>")
KEEP, CONTROL = "journal.keep", services.CONTROL
TAGS = ["journal oversight"]


def _class(school, class_id):
    try:
        group = class_of(school, class_id)
    except SchoolError as exc:
        raise ApiError(404, "not_found", _("Not found.")) from exc
    if not services.may_oversee(current_user, school, group):
        raise ApiError(403, "forbidden", _("Only the class teacher of %(name)s and the school's administration "
                                           "see this.", name=group.name))
    return group


def _range(group):
    args = load_query(RangeQuerySchema())
    try:
        return services.choose_range(group, services.class_periods(group), args["period"], args["start"],
                                     args["end"])
    except SchoolError as exc:
        raise refused(exc) from exc


@bp.get("/classes/<int:class_id>/marks-overview")
@require(KEEP)
@doc(summary="Every subject's marks of a class for a period: each student's weighted average and number of "
             "marks (the class teacher, the administration)", query=RangeQuerySchema, response=MarksOverviewSchema,
     tags=TAGS)
def marks_overview(school_id, class_id):
    school = school_or_404(school_id)
    group = _class(school, class_id)
    start, end, period = _range(group)
    data = services.marks_overview(group, start, end)
    cells = [{"student_id": st, "subject_id": su, **cell} for (st, su), cell in sorted(data["cells"].items())]
    return jsonify(MarksOverviewSchema().dump({**data, "class_id": group.id, "period": period, "cells": cells}))


@bp.get("/classes/<int:class_id>/marks-overview/<int:subject_id>")
@require(KEEP)
@doc(summary="One subject's marks of a class, lesson by lesson (read-only)", query=RangeQuerySchema,
     response=SubjectMarksSchema, tags=TAGS)
def subject_marks(school_id, class_id, subject_id):
    school = school_or_404(school_id)
    group = _class(school, class_id)
    try:
        subject = subject_of(school, subject_id)
    except SchoolError as exc:
        raise ApiError(404, "not_found", _("Not found.")) from exc
    start, end, _period = _range(group)
    data = services.subject_marks(group, subject, start, end)
    marks = [m for key in sorted(data["marks"]) for m in data["marks"][key]]
    averages = [{"student_id": sid, "subject_id": subject.id, **total} for sid, total in sorted(data["summary"].items())]
    return jsonify(SubjectMarksSchema().dump({**data, "class_id": group.id, "marks": marks, "averages": averages}))


def _day(date: str) -> dt.date:
    try:
        return dt.date.fromisoformat(date)
    except ValueError as exc:
        raise ApiError(400, "invalid", _("Some fields are not valid."),
                       fields={"date": [_("Not a date: %(value)s", value=date)]}) from exc


def _day_dump(group, day):
    data = services.day_attendance(group, day)
    disagreements = [{"student_id": sid, "away": [lesson.id for lesson in d["away"]],
                      "present": [lesson.id for lesson in d["present"]], "kinds": d["kinds"]}
                     for sid, d in sorted(data["disagreements"].items())]
    return DayAttendanceSchema().dump({**data, "class_id": group.id, "date": day,
                                       "attendance": sorted(data["rows"].values(),
                                                            key=lambda a: (a.lesson_id, a.student_id)),
                                       "disagreements": disagreements})


@bp.get("/classes/<int:class_id>/attendance-days/<date>")
@require(KEEP)
@doc(summary="The day's attendance of a class: every lesson with who was absent, ill, excused or late, and where "
             "the teachers disagree", response=DayAttendanceSchema, tags=TAGS)
def day_attendance(school_id, class_id, date):
    school = school_or_404(school_id)
    group = _class(school, class_id)
    day = _day(date)
    services.ensure_day(group, day)
    return jsonify(_day_dump(group, day))


@bp.post("/classes/<int:class_id>/attendance-days/<date>/reconcile")
@require(KEEP)
@doc(summary="The class teacher records the reason of a student's absence for the whole day or chosen lessons",
     request=ReconcileInSchema, response=DayAttendanceSchema, tags=TAGS)
def reconcile(school_id, class_id, date):
    school = school_or_404(school_id)
    group = _class(school, class_id)
    day = _day(date)
    data = load_json(ReconcileInSchema())
    versions = None
    if data["versions"] is not None:
        try:
            versions = {int(k): v for k, v in data["versions"].items()}
        except ValueError as exc:
            raise ApiError(400, "invalid", _("Some fields are not valid."),
                           fields={"versions": [_("Keys are lesson ids.")]}) from exc
    try:
        services.reconcile(current_user, school, group, day, data["student_id"], data["kind"], data["reason"],
                           data["lesson_ids"], versions)
    except SchoolError as exc:  # 403 not allowed, 409 stale (with the current record) or closed, 400
        raise refused(exc) from exc
    return jsonify(_day_dump(group, day))


def _control_range(args):
    start, end = services.month_range(services.local_today())
    start, end = args["start"] or start, args["end"] or end
    try:
        services.check_range(start, end)
    except SchoolError as exc:
        raise refused(exc) from exc
    return start, end


@bp.get("/journal-control")
@require(CONTROL)
@doc(summary="Journal filling per teacher (lessons given, without topic or homework, filled late, overdue) and "
             "the share of students without a mark per class and subject; default range: this month",
     query=ControlQuerySchema, response=ControlSchema, tags=TAGS)
def control(school_id):
    school = school_or_404(school_id)
    start, end = _control_range(load_query(ControlQuerySchema()))
    return jsonify(ControlSchema().dump(services.control(school, start, end)))


@bp.get("/journal-control/teachers/<int:teacher_id>")
@require(CONTROL)
@doc(summary="A teacher's lessons with problems in the range (or every lesson: only_problems=false)",
     query=ControlQuerySchema, response=ProblemLessonSchema, many=True, tags=TAGS)
def teacher_lessons(school_id, teacher_id):
    school = school_or_404(school_id)
    args = load_query(ControlQuerySchema())
    start, end = _control_range(args)
    try:
        user = services.teacher_of_lessons(school, teacher_id)
    except SchoolError as exc:
        raise ApiError(404, "not_found", _("Not found.")) from exc
    lessons = services.teacher_lessons(school, user, start, end, only_problems=args["only_problems"])
    return jsonify(ProblemLessonSchema().dump(lessons, many=True))
