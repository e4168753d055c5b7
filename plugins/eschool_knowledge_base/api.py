"""The knowledge base over ``/api/v1/knowledge_base``. A student's attempt never carries the keys before
the test has closed; another student's attempt answers 404."""
from __future__ import annotations

from flask import Blueprint, jsonify, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eschool.plugin_api import (
    API_PREFIX,
    ApiError,
    AttachmentError,
    ClassGroup,
    SchoolError,
    doc,
    dump,
    has_permission,
    load_json,
    load_query,
    paginate,
    refused,
    require,
    school_or_404,
    utcnow,
)
from eschool_knowledge_base import services
from eschool_knowledge_base.models import Attempt, Section
from eschool_knowledge_base.schemas import (
    KbAnswersInSchema,
    KbAssignInSchema,
    KbAssignOutSchema,
    KbAttemptOutSchema,
    KbItemOutSchema,
    KbMaterialInSchema,
    KbMaterialOutSchema,
    KbMaterialQuerySchema,
    KbProgressOutSchema,
    KbProgressQuerySchema,
    KbPublishOutSchema,
    KbQuestionInSchema,
    KbQuestionOutSchema,
    KbQuestionQuerySchema,
    KbQuizInSchema,
    KbQuizOutSchema,
    KbResultOutSchema,
    KbReviewInSchema,
    KbSectionOutSchema,
    KbTextbookOutSchema,
)

bp = Blueprint("knowledge_base_api", __name__, url_prefix=f"{API_PREFIX}/knowledge_base")
TAGS = ["knowledge_base"]
READ, AUTHOR, REVIEW, TAKE = services.READ, services.AUTHOR, services.REVIEW, services.TAKE


def _not_found():
    return ApiError(404, "not_found", _("Not found."))


class _WithFiles:
    """Dump materials with their files (one query for a page of them)."""

    def dump(self, items, many=False):
        rows = list(items) if many else [items]
        files = services.files_of([m.id for m in rows])
        for m in rows:
            m.files = files.get(m.id, [])
        out = KbMaterialOutSchema().dump(rows, many=True)
        return out if many else out[0]


# =========================================================================== materials


@bp.get("/schools/<int:school_id>/materials")
@require(READ)
@doc(summary="Materials seen in a school (its own, and those shared wider and approved); search and filters",
     query=KbMaterialQuerySchema, response=KbMaterialOutSchema, paginated=True, tags=TAGS)
def list_materials(school_id: int):
    school = school_or_404(school_id)
    args = load_query(KbMaterialQuerySchema())
    query = services.materials(current_user, school, q=args["q"], subject=args["subject"], grade=args["grade"],
                               topic=args["topic"])
    return jsonify(paginate(query, _WithFiles()))


@bp.post("/schools/<int:school_id>/materials")
@require(AUTHOR)
@doc(summary="Write a material (a draft)", request=KbMaterialInSchema, response=KbMaterialOutSchema, status=201, tags=TAGS)
def create_material(school_id: int):
    school = school_or_404(school_id)
    data = load_json(KbMaterialInSchema())
    try:
        material = services.save_material(current_user, school, data)
    except SchoolError as exc:
        raise refused(exc) from exc
    return jsonify(_WithFiles().dump(services.material_in(current_user, school, material.id))), 201


def _material(school, material_id):
    material = services.material_in(current_user, school, material_id)
    if material is None:
        raise _not_found()
    return material


@bp.get("/schools/<int:school_id>/materials/<int:material_id>")
@require(READ)
@doc(summary="One material with its files", response=KbMaterialOutSchema, tags=TAGS)
def get_material(school_id: int, material_id: int):
    return jsonify(_WithFiles().dump(_material(school_or_404(school_id), material_id)))


@bp.patch("/schools/<int:school_id>/materials/<int:material_id>")
@require(AUTHOR)
@doc(summary="Change a material (its author)", request=KbMaterialInSchema, response=KbMaterialOutSchema, tags=TAGS)
def update_material(school_id: int, material_id: int):
    school = school_or_404(school_id)
    material = _material(school, material_id)
    data = load_json(KbMaterialInSchema(), partial=True)
    try:
        services.save_material(current_user, school, data, material)
    except SchoolError as exc:
        raise refused(exc) from exc
    return jsonify(_WithFiles().dump(_material(school, material_id)))


@bp.post("/schools/<int:school_id>/materials/<int:material_id>/publish")
@require(AUTHOR)
@doc(summary="Publish at the school; a wider level waits for a reviewer", response=KbMaterialOutSchema, tags=TAGS)
def publish_material(school_id: int, material_id: int):
    school = school_or_404(school_id)
    material = _material(school, material_id)
    try:
        services.publish(current_user, material)
    except SchoolError as exc:
        raise refused(exc) from exc
    return jsonify(_WithFiles().dump(_material(school, material_id)))


@bp.post("/schools/<int:school_id>/materials/<int:material_id>/files")
@require(AUTHOR)
@doc(summary="Attach a file (multipart field `file`): a picture, sound, video or document", response=KbMaterialOutSchema,
     status=201, tags=TAGS)
def add_material_file(school_id: int, material_id: int):
    from flask import request

    school = school_or_404(school_id)
    material = _material(school, material_id)
    if "file" not in request.files:
        raise ApiError(400, "invalid", _("Some fields are not valid."), fields={"file": [_("Choose a file.")]})
    try:
        services.add_file(current_user, material, request.files["file"])
    except AttachmentError as exc:
        raise ApiError(400, "invalid", str(exc.message), fields={"file": [str(exc.message)]}) from exc
    except SchoolError as exc:
        raise refused(exc) from exc
    return jsonify(_WithFiles().dump(_material(school, material_id))), 201


@bp.post("/schools/<int:school_id>/materials/<int:material_id>/assign")
@require(AUTHOR)
@doc(summary="Give the material as homework of one of your lessons (the journal's rules apply)",
     request=KbAssignInSchema, response=KbAssignOutSchema, status=201, tags=TAGS)
def assign_material(school_id: int, material_id: int):
    school = school_or_404(school_id)
    material = _material(school, material_id)
    data = load_json(KbAssignInSchema())
    link = url_for("knowledge_base.material", school_id=school_id, material_id=material_id, _external=True)
    try:
        row = services.assign_to_lesson(current_user, material, data["lesson_id"], link)
    except SchoolError as exc:
        raise refused(exc) from exc
    return jsonify(KbAssignOutSchema().dump(row)), 201


@bp.get("/review")
@require(REVIEW)
@doc(summary="Materials waiting for your review (municipality or region)", response=KbMaterialOutSchema,
     paginated=True, tags=TAGS)
def review_queue():
    return jsonify(paginate(services.review_queue(current_user), _WithFiles()))


@bp.post("/review/<int:material_id>")
@require(REVIEW)
@doc(summary="Approve (share wider) or reject a material", request=KbReviewInSchema, response=KbMaterialOutSchema, tags=TAGS)
def review(material_id: int):
    data = load_json(KbReviewInSchema())
    try:
        material = services.review(current_user, material_id, data["decision"], data["note"])
    except SchoolError as exc:
        raise _not_found() from exc
    material.files = services.files_of([material.id])[material.id]
    return jsonify(KbMaterialOutSchema().dump(material))


# =========================================================================== questions


@bp.get("/schools/<int:school_id>/questions")
@require(AUTHOR)
@doc(summary="The school's question bank (with the keys: teachers only)", query=KbQuestionQuerySchema,
     response=KbQuestionOutSchema, paginated=True, tags=TAGS)
def list_questions(school_id: int):
    school = school_or_404(school_id)
    args = load_query(KbQuestionQuerySchema())
    return jsonify(paginate(services.questions(school, args["subject_id"], args["topic"]), KbQuestionOutSchema()))


@bp.post("/schools/<int:school_id>/questions")
@require(AUTHOR)
@doc(summary="Add a question to the bank", request=KbQuestionInSchema, response=KbQuestionOutSchema, status=201, tags=TAGS)
def create_question(school_id: int):
    school = school_or_404(school_id)
    data = load_json(KbQuestionInSchema())
    try:
        question = services.save_question(current_user, school, data)
    except SchoolError as exc:
        raise refused(exc) from exc
    return dump(KbQuestionOutSchema(), question), 201


# =========================================================================== tests


def _quiz(school, quiz_id):
    quiz = services.quiz_in(school, quiz_id)
    if quiz is None:
        raise _not_found()
    quiz.state = services.quiz_state(quiz)
    return quiz


@bp.get("/schools/<int:school_id>/tests")
@require(READ)
@doc(summary="Tests: a teacher sees the school's, a student those open for their class", response=KbQuizOutSchema,
     many=True, tags=TAGS)
def list_tests(school_id: int):
    school = school_or_404(school_id)
    student = services.student_of(current_user, school)
    if student is not None:
        group = services.class_of_student(student)
        rows = list(services.quizzes_for_class(group.id)) if group else []
    elif has_permission(current_user, AUTHOR):
        rows = list(services.school_quizzes(school).limit(200))
    else:
        rows = []
    for q in rows:
        q.state = services.quiz_state(q)
    return jsonify(KbQuizOutSchema().dump(rows, many=True))


@bp.post("/schools/<int:school_id>/tests")
@require(AUTHOR)
@doc(summary="Make a test for chosen classes of your subject", request=KbQuizInSchema, response=KbQuizOutSchema,
     status=201, tags=TAGS)
def create_test(school_id: int):
    school = school_or_404(school_id)
    data = load_json(KbQuizInSchema())
    for key in ("opens_at", "closes_at"):
        data[key] = data[key].astimezone(services.dt.UTC).replace(tzinfo=None)
    try:
        quiz = services.save_quiz(current_user, school, data)
    except SchoolError as exc:
        raise refused(exc) from exc
    return jsonify(KbQuizOutSchema().dump(_quiz(school, quiz.id))), 201


@bp.get("/schools/<int:school_id>/tests/<int:quiz_id>")
@require(READ)
@doc(summary="One test (no questions: a student gets them in an attempt)", response=KbQuizOutSchema, tags=TAGS)
def get_test(school_id: int, quiz_id: int):
    school = school_or_404(school_id)
    quiz = _quiz(school, quiz_id)
    if quiz.author_id != current_user.id:
        student = services.student_of(current_user, school)
        group = services.class_of_student(student) if student else None
        if group is None or not services.QuizClass.select().where(
                (services.QuizClass.quiz == quiz.id) & (services.QuizClass.class_group == group.id)).exists():
            raise _not_found()
    return jsonify(KbQuizOutSchema().dump(quiz))


def _own_quiz(school_id, quiz_id):
    quiz = _quiz(school_or_404(school_id), quiz_id)
    if quiz.author_id != current_user.id:
        raise ApiError(403, "forbidden", _("Only the test's author sees its results."))
    return quiz


@bp.get("/schools/<int:school_id>/tests/<int:quiz_id>/results")
@require(AUTHOR)
@doc(summary="Every attempt with its score and mark (the test's author)", response=KbResultOutSchema, many=True,
     tags=TAGS)
def test_results(school_id: int, quiz_id: int):
    return jsonify(KbResultOutSchema().dump(services.results(_own_quiz(school_id, quiz_id)), many=True))


@bp.get("/schools/<int:school_id>/tests/<int:quiz_id>/analysis")
@require(AUTHOR)
@doc(summary="Item analysis: share correct, discrimination, most chosen wrong answer", response=KbItemOutSchema,
     many=True, tags=TAGS)
def test_analysis(school_id: int, quiz_id: int):
    return jsonify(KbItemOutSchema().dump(services.item_analysis(_own_quiz(school_id, quiz_id)), many=True))


@bp.post("/schools/<int:school_id>/tests/<int:quiz_id>/publish")
@require(AUTHOR)
@doc(summary="Write the reviewed marks into the journal (the journal's rules apply)", response=KbPublishOutSchema,
     tags=TAGS)
def publish_test_marks(school_id: int, quiz_id: int):
    quiz = _own_quiz(school_id, quiz_id)
    try:
        counts = services.publish_marks(current_user, quiz)
    except SchoolError as exc:
        raise refused(exc) from exc
    return jsonify(counts)


def _attempt_out(attempt, quiz):
    now = utcnow()
    questions = services.attempt_questions(attempt)
    closed = attempt.status != "open"
    attempt.questions_shown = [services.shown(q) for q in questions]
    data = {"id": attempt.id, "quiz_id": attempt.quiz_id, "number": attempt.number, "status": attempt.status,
            "started_at": attempt.started_at, "deadline_at": attempt.deadline_at,
            "submitted_at": attempt.submitted_at,
            "seconds_left": max(0, int((attempt.deadline_at - now).total_seconds())) if not closed else 0,
            "questions": attempt.questions_shown, "answers": services._loads(attempt.answers, {}),
            "results": services._loads(attempt.results, {}) if closed else None,
            "score": attempt.score if closed else None, "max_score": attempt.max_score if closed else None,
            "percent": attempt.percent if closed else None, "mark_value": attempt.mark_value if closed else "",
            "mark_state": attempt.mark_state,
            "keys": {str(q.id): services.key_of(q) for q in questions}
            if closed and services.reveal_key(quiz, now) else None}
    return jsonify(KbAttemptOutSchema().dump(data))


@bp.post("/schools/<int:school_id>/tests/<int:quiz_id>/attempts")
@require(TAKE)
@doc(summary="Start an attempt (or get the one under way): the questions without their keys",
     response=KbAttemptOutSchema, status=201, tags=TAGS)
def start_attempt(school_id: int, quiz_id: int):
    school = school_or_404(school_id)
    quiz = _quiz(school, quiz_id)
    student = services.student_of(current_user, school)
    if student is None:
        raise _not_found()
    try:
        attempt = services.start_attempt(current_user, student, quiz)
    except SchoolError as exc:
        raise refused(exc) from exc
    response = _attempt_out(attempt, quiz)
    return response, 201


def _attempt(school_id, attempt_id, own=False):
    school = school_or_404(school_id)
    attempt = Attempt.get_or_none(Attempt.id == attempt_id)
    quiz = services.quiz_in(school, attempt.quiz_id) if attempt else None
    if attempt is None or quiz is None or not services.may_see_attempt(current_user, attempt, quiz) \
            or own and attempt.user_id != current_user.id:
        raise _not_found()
    return attempt, quiz


@bp.get("/schools/<int:school_id>/attempts/<int:attempt_id>")
@require(READ)
@doc(summary="An attempt: its student's, their parents' or the test author's", response=KbAttemptOutSchema, tags=TAGS)
def get_attempt(school_id: int, attempt_id: int):
    attempt, quiz = _attempt(school_id, attempt_id)
    return _attempt_out(attempt, quiz)


@bp.put("/schools/<int:school_id>/attempts/<int:attempt_id>/answers")
@require(TAKE)
@doc(summary="Save the answers given so far (before the time is up)", request=KbAnswersInSchema,
     response=KbAttemptOutSchema, tags=TAGS)
def save_answers(school_id: int, attempt_id: int):
    attempt, quiz = _attempt(school_id, attempt_id, own=True)
    data = load_json(KbAnswersInSchema())
    try:
        services.save_answers(attempt, data["answers"])
    except SchoolError as exc:
        raise refused(exc) from exc
    return _attempt_out(Attempt.get_by_id(attempt.id), quiz)


@bp.post("/schools/<int:school_id>/attempts/<int:attempt_id>/submit")
@require(TAKE)
@doc(summary="Hand the attempt in: graded on the server once (a second submit or a late one answers 409)",
     request=KbAnswersInSchema, response=KbAttemptOutSchema, tags=TAGS)
def submit_attempt(school_id: int, attempt_id: int):
    attempt, quiz = _attempt(school_id, attempt_id, own=True)
    data = load_json(KbAnswersInSchema())
    try:
        services.submit(current_user, attempt, data["answers"])
    except SchoolError as exc:
        raise refused(exc) from exc
    return _attempt_out(Attempt.get_by_id(attempt.id), quiz)


# =========================================================================== textbooks


def _textbook(school, textbook_id):
    book = services.textbook_in(school, textbook_id)
    if book is None:
        raise _not_found()
    return book


@bp.get("/schools/<int:school_id>/textbooks")
@require(READ)
@doc(summary="The school's smart textbooks", response=KbTextbookOutSchema, many=True, tags=TAGS)
def list_textbooks(school_id: int):
    school = school_or_404(school_id)
    return jsonify(KbTextbookOutSchema(exclude=("chapters", "resume_section_id")).dump(
        list(services.textbooks(school).limit(200)), many=True))


@bp.get("/schools/<int:school_id>/textbooks/<int:textbook_id>")
@require(READ)
@doc(summary="A textbook's contents; for a student each section's state and where to resume",
     response=KbTextbookOutSchema, tags=TAGS)
def get_textbook(school_id: int, textbook_id: int):
    school = school_or_404(school_id)
    book = _textbook(school, textbook_id)
    student = services.student_of(current_user, school)
    mine = services.progress_of(student.id, book) if student else {}

    def status(s):
        p = mine.get(s.id)
        return "completed" if p and p.completed_at else "opened" if p else "new"

    resume = services.resume(student.id, book) if student else None
    return jsonify(KbTextbookOutSchema().dump({
        "id": book.id, "title": book.title, "subject": book.subject, "grade": book.grade,
        "description": book.description, "resume_section_id": resume.id if resume else None,
        "chapters": [{"id": c.id, "title": c.title, "sections": [{"id": s.id, "title": s.title, "status": status(s)}
                                                                 for s in ss]} for c, ss in services.contents(book)]}))


def _section_out(section, progress):
    return jsonify(KbSectionOutSchema().dump({
        "id": section.id, "textbook_id": section.textbook_id, "title": section.title, "body": section.body,
        "tasks": [services.shown(q) for q in services.section_tasks(section)],
        "tasks_total": progress.tasks_total if progress else 0, "tasks_correct": progress.tasks_correct if progress else 0,
        "completed": bool(progress and progress.completed_at), "seconds": progress.seconds if progress else 0}))


@bp.get("/schools/<int:school_id>/textbooks/<int:textbook_id>/sections/<int:section_id>")
@require(READ)
@doc(summary="Open a section (a student's progress is recorded)", response=KbSectionOutSchema, tags=TAGS)
def get_section(school_id: int, textbook_id: int, section_id: int):
    school = school_or_404(school_id)
    book = _textbook(school, textbook_id)
    section = Section.get_or_none((Section.id == section_id) & (Section.textbook == book.id))
    if section is None:
        raise _not_found()
    student = services.student_of(current_user, school)
    return _section_out(section, services.open_section(student, section) if student else None)


@bp.post("/schools/<int:school_id>/textbooks/<int:textbook_id>/sections/<int:section_id>/answers")
@require(TAKE)
@doc(summary="Answer a section's practice tasks (graded on the server) and complete it", request=KbAnswersInSchema,
     response=KbSectionOutSchema, tags=TAGS)
def answer_section(school_id: int, textbook_id: int, section_id: int):
    school = school_or_404(school_id)
    book = _textbook(school, textbook_id)
    section = Section.get_or_none((Section.id == section_id) & (Section.textbook == book.id))
    student = services.student_of(current_user, school)
    if section is None or student is None:
        raise _not_found()
    data = load_json(KbAnswersInSchema())
    return _section_out(section, services.answer_section(student, section, data["answers"]))


@bp.get("/schools/<int:school_id>/textbooks/<int:textbook_id>/progress")
@require(AUTHOR)
@doc(summary="A class's progress map and the hardest sections", query=KbProgressQuerySchema,
     response=KbProgressOutSchema, tags=TAGS)
def textbook_progress(school_id: int, textbook_id: int):
    school = school_or_404(school_id)
    book = _textbook(school, textbook_id)
    args = load_query(KbProgressQuerySchema())
    group = ClassGroup.get_or_none((ClassGroup.id == args["class_id"]) & (ClassGroup.school == school.id))
    if group is None:
        raise _not_found()
    m = services.class_map(book, group)
    return jsonify(KbProgressOutSchema().dump({
        "students": [{"id": s.id, "name": f"{s.last_name} {s.first_name}"} for s in m["students"]],
        "sections": [{"id": s.id, "title": s.title} for s in m["sections"]],
        "cells": [{"student_id": p.student_id, "section_id": p.section_id, "completed": p.completed_at is not None,
                   "tasks_total": p.tasks_total, "tasks_correct": p.tasks_correct, "seconds": p.seconds}
                  for p in m["cells"].values()],
        "hardest": services.hardest(book, group)}))
