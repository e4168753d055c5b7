"""The diary over ``/api/v1/diary`` for the mobile app: the diary by date range (lessons, homework,
marks, attendance), marks by period with the averages and the forecast, homework by date range,
attendance by period, final marks, and homework files.

A student reads their own diary; a parent passes ``student_id`` for one of their children. Anybody
else's child is 404 (not visible), whether the id exists or not.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from eschool.api import API_PREFIX, ApiError, doc, load_json, load_query
from eschool.auth.permissions import AUTHENTICATED, require
from eschool.diary import services
from eschool.diary.answer import week_answer
from eschool.diary.schemas import (
    DiaryAttendanceItemSchema,
    DiaryFinalMarkSchema,
    DiaryHomeworkItemSchema,
    DiaryPeriodMarksSchema,
    DiaryPeriodQuerySchema,
    DiaryRangeQuerySchema,
    DiarySchema,
    DiaryStudentQuerySchema,
    DiaryStudentsSchema,
)
from eschool.journal import services as journal
from eschool.journal.schemas import AbsenceNoticeInSchema, AbsenceNoticeListSchema, AbsenceNoticeSchema
from eschool.school.api import refused
from eschool.school.services import SchoolError

bp = Blueprint("diary_api", __name__, url_prefix=f"{API_PREFIX}/diary")
TAGS = ["diary"]
RULE = "A student reads their own diary, a parent their children's (student_id); anybody else's is 404."


def _today():
    return journal.local_today()


def _student(args):
    try:
        return services.student_for(current_user, args.get("student_id"))[0]
    except services.NotVisible:
        raise ApiError(404, "not_found", _("Not found.")) from None


def _range(args):
    try:
        services.check_range(args["start"], args["end"])
    except SchoolError as exc:
        raise refused(exc) from exc
    return args["start"], args["end"]


def _period(student, args):
    try:
        return services.period_for(student, _today(), args.get("period_id"))
    except SchoolError as exc:
        raise ApiError(404, "not_found", str(exc.message), fields={"period_id": [str(exc.message)]}) from exc


@bp.get("/students")
@require(services.VIEW)
@doc(summary="The students whose diary the user reads (oneself, or one's children)", response=DiaryStudentsSchema,
     tags=TAGS)
def students():
    return jsonify(DiaryStudentsSchema().dump({"students": services.visible_students(current_user)}))


@bp.get("")
@require(services.VIEW)
@doc(summary="The diary between two dates: each day's lessons with times, topic, homework, marks, attendance",
     query=DiaryRangeQuerySchema, response=DiarySchema, tags=TAGS, description=RULE)
def diary():
    args = load_query(DiaryRangeQuerySchema())
    student = _student(args)
    start, end = _range(args)
    def build(*args, shared=None):
        return week_answer(*args, lambda file_id: url_for("diary_api.homework_file", file_id=file_id), shared)

    body = services.built_week_rows(current_app.extensions["eschool"].cache, student, start, end,
                                    ("api", str(get_locale())), build,
                                    lambda answer: current_app.json.dumps(answer).encode())
    return current_app.response_class(body, mimetype=current_app.json.mimetype)


@bp.get("/marks")
@require(services.VIEW)
@doc(summary="Marks of a period per subject, with the weighted average, the class average (an aggregate), "
             "the forecast, the final mark and the weekly running average",
     query=DiaryPeriodQuerySchema, response=DiaryPeriodMarksSchema, tags=TAGS, description=RULE)
def marks():
    args = load_query(DiaryPeriodQuerySchema())
    student = _student(args)
    try:
        data = services.period_summary(student, _today(), args["period_id"])
    except SchoolError as exc:
        raise ApiError(404, "not_found", str(exc.message)) from exc
    return jsonify(DiaryPeriodMarksSchema().dump(data))


@bp.get("/homework")
@require(services.VIEW)
@doc(summary="Homework set or due between two dates", query=DiaryRangeQuerySchema, response=DiaryHomeworkItemSchema,
     many=True, tags=TAGS, description=RULE)
def homework():
    args = load_query(DiaryRangeQuerySchema())
    student = _student(args)
    start, end = _range(args)
    rows = services.homework_between(student, start, end)
    return jsonify(DiaryHomeworkItemSchema().dump([hw for _lesson, hw in rows], many=True))


@bp.get("/attendance")
@require(services.VIEW)
@doc(summary="Missed and late lessons of a period (only exceptions; present is not listed)",
     query=DiaryPeriodQuerySchema, response=DiaryAttendanceItemSchema, many=True, tags=TAGS, description=RULE)
def attendance():
    args = load_query(DiaryPeriodQuerySchema())
    student = _student(args)
    period = _period(student, args)
    if period is None:
        return jsonify([])
    rows = services.attendance_between(student, period.starts_on, period.ends_on)
    return jsonify(DiaryAttendanceItemSchema().dump(rows, many=True))


@bp.get("/final-marks")
@require(services.VIEW)
@doc(summary="Final marks: per period, for the year, exams", query=DiaryStudentQuerySchema, response=DiaryFinalMarkSchema,
     many=True, tags=TAGS, description=RULE)
def final_marks():
    student = _student(load_query(DiaryStudentQuerySchema()))
    return jsonify(DiaryFinalMarkSchema().dump(services.final_marks(student), many=True))


@bp.get("/files/<int:file_id>")
@require(AUTHENTICATED)
@doc(summary="Download a homework file (the journal's permission check; not visible: 404)", tags=TAGS)
def homework_file(file_id):
    try:
        row, path = journal.open_homework_file(current_user, file_id)
    except SchoolError:
        raise ApiError(404, "not_found", _("Not found.")) from None
    return send_file(path, mimetype=row.content_type, as_attachment=True, download_name=row.original_name)


# --------------------------------------------------------------------------- absences reported in advance

REPORT = "diary.report_absence"


@bp.get("/absences")
@require(REPORT)
@doc(summary="The absences I reported in advance for my children, newest first", response=AbsenceNoticeListSchema,
     tags=TAGS)
def absences():
    return jsonify(AbsenceNoticeListSchema().dump({"items": journal.parent_notices(current_user)}))


@bp.post("/absences")
@require(REPORT)
@doc(summary="Report in advance that my child will be away: the dates, the reason, a note",
     request=AbsenceNoticeInSchema, response=AbsenceNoticeSchema, status=201, tags=TAGS,
     description="Only for one's own child (another child: 400 on student_id, nothing stored); from today on, "
                 "at most 31 days. The class teacher sees it; the journal shows those days as an expected, "
                 "excused absence. A file is attached from the diary page.")
def report_absence():
    data = load_json(AbsenceNoticeInSchema())
    try:
        notice = journal.report_absence(current_user, data.pop("student_id"), data)
    except SchoolError as exc:
        raise refused(exc) from exc
    return jsonify(AbsenceNoticeSchema().dump(notice)), 201


@bp.post("/absences/<int:notice_id>/withdraw")
@require(REPORT)
@doc(summary="Withdraw a notice the class teacher has not handled yet", response=AbsenceNoticeSchema, tags=TAGS)
def withdraw_absence(notice_id: int):
    try:
        notice = journal.withdraw_notice(current_user, notice_id)
    except journal.NoticeNotFound:
        raise ApiError(404, "not_found", _("Not found.")) from None
    except SchoolError as exc:
        raise refused(exc) from exc
    return jsonify(AbsenceNoticeSchema().dump(notice))
