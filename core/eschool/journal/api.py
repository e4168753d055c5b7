"""The teacher's journal over ``/api/v1/journal`` (bearer tokens, for the mobile app): my lessons by date
range, one lesson with its students, marks, attendance and homework, and the writes (topic, marks,
attendance, homework, homework files) through the same services as the pages.

A write names the ``version`` it started from; a stale one is refused with 409 and the current value
in ``error.current``; a lesson that is not yours is 403.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from eschool.api import API_PREFIX, ApiError, doc, load_json, load_query
from eschool.auth.permissions import AUTHENTICATED, require
from eschool.journal import services
from eschool.journal.models import ATTENDANCE_KINDS, Attendance, HomeworkFile, HomeworkStudent, Lesson, Mark
from eschool.journal.schemas import (
    AbsenceNoticeListSchema,
    AbsenceNoticeQuerySchema,
    AbsenceNoticeReviewSchema,
    AbsenceNoticeSchema,
    AttendanceDeleteQuerySchema,
    AttendanceInSchema,
    AttendanceSchema,
    HomeworkDeleteQuerySchema,
    HomeworkFileSchema,
    HomeworkInSchema,
    HomeworkSchema,
    LessonDetailSchema,
    LessonInSchema,
    LessonSchema,
    LessonsQuerySchema,
    MarkDeleteQuerySchema,
    MarkInSchema,
    MarkSchema,
    NewLessonSchema,
)
from eschool.people.services import is_class_teacher
from eschool.school.api import refused
from eschool.school.models import ClassGroup, Subgroup, Subject
from eschool.school.services import SchoolError
from eschool.structure.models import School

bp = Blueprint("journal_api", __name__, url_prefix=f"{API_PREFIX}/journal")
KEEP = "journal.keep"
TAGS = ["journal"]
MAX_RANGE_DAYS = 62


# --------------------------------------------------------------------------- helpers


def _lesson(lesson_id: int) -> Lesson:
    """The lesson with its class, subject and school (the keeping rules read all three: one statement)."""
    lesson = (Lesson.select(Lesson, ClassGroup, Subject, School).join(ClassGroup).switch(Lesson).join(Subject)
              .switch(Lesson).join(School, on=(Lesson.school == School.id))
              .where(Lesson.id == lesson_id).first())
    if lesson is None:
        raise ApiError(404, "not_found", _("Not found."))
    return lesson


def _may_read(lesson: Lesson) -> bool:
    from eschool.auth.permissions import has_permission
    from eschool.plugins.services import scope_for_school

    return services.may_keep(current_user, lesson) or is_class_teacher(current_user, lesson.class_group_id) or \
        has_permission(current_user, services.CONTROL, scope_for_school(lesson.school)) or \
        services.reads_every_journal(current_user, lesson.school)


def _readable(lesson_id: int) -> Lesson:
    lesson = _lesson(lesson_id)
    if not _may_read(lesson):
        raise ApiError(403, "forbidden", _("This is not your lesson: you do not teach this class and subject."))
    return lesson


def _run(func, *args, **kwargs):
    """A rule's refusal as the API's error: 403 not yours, 409 ``stale`` with ``error.current`` or a closed
    state, else 400 (``eschool.school.api.refused``)."""
    try:
        return func(*args, **kwargs)
    except SchoolError as exc:
        raise refused(exc) from exc


def _homework_out(homework):
    if homework is None:
        return None
    homework.student_ids = [r.student_id for r in HomeworkStudent.select().where(HomeworkStudent.homework == homework)]
    homework.files = list(HomeworkFile.select().where(HomeworkFile.homework == homework).order_by(HomeworkFile.id))
    return HomeworkSchema().dump(homework)


# --------------------------------------------------------------------------- reads


@bp.get("/lessons")
@require(KEEP)
@doc(summary="My lessons between two dates (my classes and subjects, and lessons I gave as a substitute)",
     query=LessonsQuerySchema, response=LessonSchema, many=True, tags=TAGS)
def my_lessons():
    from eschool.journal.grid import my_lessons as lessons_of_teacher

    args = load_query(LessonsQuerySchema())
    if args["end"] < args["start"] or (args["end"] - args["start"]).days > MAX_RANGE_DAYS:
        raise ApiError(400, "invalid", _("Some query parameters are not valid."),
                       fields={"to": [_("At most %(days)s days after 'from'.", days=MAX_RANGE_DAYS)]})
    rows = lessons_of_teacher(current_user, args["start"], args["end"])
    return jsonify(LessonSchema().dump(rows, many=True))


@bp.post("/lessons")
@require(KEEP)
@doc(summary="Add a lesson the timetable does not give (an extra or a moved lesson) to a class-subject I teach",
     request=NewLessonSchema, response=LessonSchema, status=201, tags=TAGS)
def add_lesson():
    data = load_json(NewLessonSchema())
    group = ClassGroup.get_or_none(ClassGroup.id == data.pop("class_id"))
    if group is None:
        raise ApiError(400, "invalid", _("Some fields are not valid."),
                       fields={"class_id": [_("No such class at this school.")]})
    lesson = _run(services.add_lesson, current_user, group, data)
    return jsonify(LessonSchema().dump(lesson)), 201


@bp.get("/lessons/<int:lesson_id>")
@require(KEEP)
@doc(summary="A lesson with its students, their marks and attendance, and its homework",
     response=LessonDetailSchema, tags=TAGS)
def lesson_detail(lesson_id: int):
    lesson = _readable(lesson_id)
    subgroup = Subgroup.get_or_none(Subgroup.id == lesson.subgroup_id) if lesson.subgroup_id else None
    students = services.class_students(lesson.class_group, lesson.date, lesson.date, subgroup)
    marks: dict[int, list] = {}
    for mark in Mark.select().where(Mark.lesson == lesson).order_by(Mark.slot):
        marks.setdefault(mark.student_id, []).append(mark)
    attendance = {a.student_id: a for a in Attendance.select().where(Attendance.lesson == lesson)}
    lesson.scale = services.scale_of(lesson.class_group, lesson.subject_id)
    lesson.can_edit = services.may_keep(current_user, lesson)
    lesson.students = [{"id": s.id, "name": s.full_name, "marks": marks.get(s.id, []),
                        "attendance": attendance.get(s.id)} for s in students]
    body = LessonDetailSchema(exclude=("homework",)).dump(lesson)
    body["homework"] = _homework_out(services.homework_of(lesson))
    return jsonify(body)


# --------------------------------------------------------------------------- writes


@bp.put("/lessons/<int:lesson_id>")
@require(KEEP)
@doc(summary="Change the lesson's topic, default work type or lesson-plan item", request=LessonInSchema,
     response=LessonSchema, tags=TAGS)
def put_lesson(lesson_id: int):
    lesson = _lesson(lesson_id)
    data = load_json(LessonInSchema())
    version = data.pop("version")
    saved = _run(services.set_lesson, current_user, lesson, data, version=version)
    return jsonify(LessonSchema().dump(_lesson(saved.id)))


def _save_mark(lesson_id: int, creating: bool):
    lesson = _lesson(lesson_id)
    data = load_json(MarkInSchema())
    slot = data["slot"]
    if slot is None:
        if not creating:
            raise ApiError(400, "invalid", _("Some fields are not valid."), fields={"slot": [_("Give the slot.")]})
        used = {m.slot for m in Mark.select(Mark.slot).where((Mark.lesson == lesson)
                                                             & (Mark.student == data["student_id"]))}
        slot = next((s for s in range(10) if s not in used), 10)
    mark = _run(services.set_mark, current_user, lesson, data["student_id"], slot, data["value"],
                work_type_id=data["work_type_id"], comment=data["comment"],
                version=None if creating else data["version"])
    return jsonify(MarkSchema().dump(mark)), 201 if creating else 200


@bp.post("/lessons/<int:lesson_id>/marks")
@require(KEEP)
@doc(summary="Add a mark (in the next free slot unless one is given)", request=MarkInSchema,
     response=MarkSchema, status=201, tags=TAGS)
def post_mark(lesson_id: int):
    return _save_mark(lesson_id, creating=True)


@bp.put("/lessons/<int:lesson_id>/marks")
@require(KEEP)
@doc(summary="Put or change the mark in a slot; a stale version is 409 with the current mark",
     request=MarkInSchema, response=MarkSchema, tags=TAGS)
def put_mark(lesson_id: int):
    return _save_mark(lesson_id, creating=False)


@bp.delete("/lessons/<int:lesson_id>/marks")
@require(KEEP)
@doc(summary="Clear the mark in a slot (student_id, slot and version in the query)",
     query=MarkDeleteQuerySchema, status=204, tags=TAGS)
def delete_mark(lesson_id: int):
    lesson = _lesson(lesson_id)
    args = load_query(MarkDeleteQuerySchema())
    _run(services.set_mark, current_user, lesson, args["student_id"], args["slot"], None, version=args["version"])
    return "", 204


@bp.put("/lessons/<int:lesson_id>/attendance")
@require(KEEP)
@doc(summary="Record a student's absence, illness, excuse or lateness", request=AttendanceInSchema,
     response=AttendanceSchema, tags=TAGS,
     description="kind: " + ", ".join(ATTENDANCE_KINDS))
def put_attendance(lesson_id: int):
    lesson = _lesson(lesson_id)
    data = load_json(AttendanceInSchema())
    row = _run(services.set_attendance, current_user, lesson, data["student_id"], data["kind"],
               reason=data["reason"], minutes_late=data["minutes_late"], version=data["version"])
    return jsonify(AttendanceSchema().dump(row))


@bp.delete("/lessons/<int:lesson_id>/attendance")
@require(KEEP)
@doc(summary="The student was there after all: clear the attendance record", query=AttendanceDeleteQuerySchema,
     status=204, tags=TAGS)
def delete_attendance(lesson_id: int):
    lesson = _lesson(lesson_id)
    args = load_query(AttendanceDeleteQuerySchema())
    _run(services.set_attendance, current_user, lesson, args["student_id"], None, version=args["version"])
    return "", 204


@bp.put("/lessons/<int:lesson_id>/homework")
@require(KEEP)
@doc(summary="Set or change the lesson's homework (for the whole class or chosen students); 409 when it changed "
             "since the version given or another save made the lesson's one homework meanwhile (error.current)",
     request=HomeworkInSchema, response=HomeworkSchema, tags=TAGS)
def put_homework(lesson_id: int):
    lesson = _lesson(lesson_id)
    data = load_json(HomeworkInSchema())
    version = data.pop("version")
    homework = _run(services.set_homework, current_user, lesson, data, version=version)
    return jsonify(_homework_out(homework))


@bp.delete("/lessons/<int:lesson_id>/homework")
@require(KEEP)
@doc(summary="Remove the lesson's homework with its files (version in the query); 404 when there is none",
     query=HomeworkDeleteQuerySchema, status=204, tags=TAGS)
def delete_homework(lesson_id: int):
    lesson = _lesson(lesson_id)
    version = load_query(HomeworkDeleteQuerySchema())["version"]
    homework = services.homework_of(lesson)
    if homework is None:
        _run(services.check_keep, current_user, lesson, "homework")
        raise ApiError(404, "not_found", _("Not found."))
    _run(services.delete_homework, current_user, homework, version=version)
    return "", 204


@bp.post("/lessons/<int:lesson_id>/homework/files")
@require(KEEP)
@doc(summary="Attach a file to the lesson's homework (multipart/form-data, field 'file')",
     response=HomeworkFileSchema, status=201, tags=TAGS)
def post_homework_file(lesson_id: int):
    lesson = _lesson(lesson_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(400, "invalid", _("Some fields are not valid."), fields={"file": [_("Choose a file.")]})
    homework = services.homework_of(lesson)
    if homework is None:
        homework = _run(services.set_homework, current_user, lesson, {"text": ""})
    row = _run(services.add_homework_file, current_user, homework, upload)
    return jsonify(HomeworkFileSchema().dump(row)), 201


@bp.get("/files/<int:file_id>")
@require(AUTHENTICATED)
@doc(summary="Download a homework file (the lesson's teachers, the students it is for and their parents)",
     tags=TAGS)
def homework_file(file_id: int):
    row, path = _run(services.open_homework_file, current_user, file_id)
    if not path.exists():
        raise ApiError(404, "not_found", _("Not found."))
    return send_file(path, mimetype=row.content_type, as_attachment=True, download_name=row.original_name)


# --------------------------------------------------------------------------- parents' absence notices


def _school_of(school_id: int):
    from eschool.structure.services import school_by_id

    school = school_by_id(school_id)
    if school is None:
        raise ApiError(404, "not_found", _("Not found."))
    return school


@bp.get("/schools/<int:school_id>/absences")
@require(KEEP)
@doc(summary="Parents' notices of absences in advance for my classes (the leadership: every class)",
     query=AbsenceNoticeQuerySchema, response=AbsenceNoticeListSchema, tags=TAGS,
     description="A class's notices are seen by its class teacher, its teachers and the school's leadership; "
                 "another class's teacher does not see them.")
def absences(school_id: int):
    args = load_query(AbsenceNoticeQuerySchema())
    school = _school_of(school_id)
    notices = services.notices_seen_by(current_user, school, class_id=args.get("class_id"))
    return jsonify(AbsenceNoticeListSchema().dump({"items": notices}))


@bp.post("/schools/<int:school_id>/absences/<int:notice_id>/review")
@require(KEEP)
@doc(summary="Confirm a notice (its lessons held get the absence in the journal) or correct it (the child came)",
     request=AbsenceNoticeReviewSchema, response=AbsenceNoticeSchema, tags=TAGS,
     description="Only the class teacher or the school's leadership; a notice not seen is 404.")
def review_absence(school_id: int, notice_id: int):
    data = load_json(AbsenceNoticeReviewSchema())
    school = _school_of(school_id)
    try:
        notice = services.notice_of(current_user, school, notice_id)
    except services.NoticeNotFound:
        raise ApiError(404, "not_found", _("Not found.")) from None
    notice = _run(services.review_notice, current_user, notice, data["action"], data["note"])
    return jsonify(AbsenceNoticeSchema().dump(notice))
