"""Knowledge base pages: materials and their review, the question bank, tests and attempts, smart textbooks,
a child's overview for parents. Every rule is in services; a page only reads the form and renders."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from eschool.plugin_api import (
    AttachmentError,
    ClassGroup,
    SchoolError,
    Subject,
    WorkType,
    as_text,
    current_year,
    has_permission,
    region_tz,
    render_markdown,
    require,
    school_by_id,
    utcnow,
)
from eschool_knowledge_base import services
from eschool_knowledge_base.models import LEVELS, Attempt, Quiz, Section
from eschool_knowledge_base.schemas import (
    KbMaterialInSchema,
    KbQuestionInSchema,
    KbQuizInSchema,
    KbReviewInSchema,
)

bp = Blueprint("knowledge_base", __name__, url_prefix="/knowledge_base")
READ, AUTHOR, REVIEW, TAKE = services.READ, services.AUTHOR, services.REVIEW, services.TAKE


def _school(school_id: int):
    school = school_by_id(school_id)
    if school is None:
        abort(404)
    return school


def _lines(text) -> list[str]:
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]


def _errors(exc) -> dict:
    if isinstance(exc, ValidationError):
        return as_text(exc.messages)
    return {exc.field or "_": [str(exc.message)]}


def _local_time(moment) -> str:
    if moment is None:
        return ""
    return moment.replace(tzinfo=dt.UTC).astimezone(region_tz()).strftime("%d.%m.%Y %H:%M")


def _render(template, **context):
    return render_template(f"knowledge_base/{template}", levels=services.LEVEL_LABELS, kinds=services.KINDS,
                           mark_states=services.MARK_STATES, md=render_markdown, key_text=services.key_text, local=_local_time,
                           nav_author=has_permission(current_user, AUTHOR), nav_take=has_permission(current_user, TAKE),
                           **context)


# =========================================================================== materials


@bp.get("/school/<int:school_id>/")
@require(READ)
def materials(school_id: int):
    school = _school(school_id)
    args = {"q": request.args.get("q", "").strip()[:200], "subject": request.args.get("subject", "")[:150],
            "grade": request.args.get("grade", type=int), "topic": request.args.get("topic", "")[:300]}
    rows = list(services.materials(current_user, school, **args).limit(100))
    return _render("materials.html", school=school, rows=rows, args=args, facets=services.facets(school),
                   may_author=has_permission(current_user, AUTHOR))


def _material_form(school, material=None):
    errors = {}
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in ("title", "subject", "grade", "topic", "body", "level")}
        if not form["grade"]:
            form["grade"] = None
        try:
            data = KbMaterialInSchema().load(form)
            material = services.save_material(current_user, school, data, material)
        except (ValidationError, SchoolError) as exc:
            errors = _errors(exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".material", school_id=school.id, material_id=material.id))
    subjects = [s.name for s in Subject.select(Subject.name).where(Subject.school == school.id).order_by(Subject.name)]
    return _render("material_form.html", school=school, material=material, errors=errors, form=request.form,
                   subjects=subjects, topics=services.lesson_topics(current_user, school), level_choices=LEVELS), \
        (400 if errors else 200)


@bp.route("/school/<int:school_id>/materials/new", methods=["GET", "POST"])
@require(AUTHOR)
def material_new(school_id: int):
    return _material_form(_school(school_id))


def _material(school, material_id):
    material = services.material_in(current_user, school, material_id)
    if material is None:
        abort(404)
    return material


@bp.route("/school/<int:school_id>/materials/<int:material_id>/edit", methods=["GET", "POST"])
@require(AUTHOR)
def material_edit(school_id: int, material_id: int):
    school = _school(school_id)
    material = _material(school, material_id)
    if material.author_id != current_user.id:
        abort(403)
    return _material_form(school, material)


@bp.get("/school/<int:school_id>/materials/<int:material_id>")
@require(READ)
def material(school_id: int, material_id: int):
    school = _school(school_id)
    row = _material(school, material_id)
    is_author = row.author_id == current_user.id
    lessons = services.teacher_lessons(current_user, school) if has_permission(current_user, AUTHOR) else []
    return _render("material.html", school=school, m=row, files=services.files_of([row.id])[row.id],
                   is_author=is_author, lessons=lessons, today=dt.date.today())


@bp.post("/school/<int:school_id>/materials/<int:material_id>/publish")
@require(AUTHOR)
def material_publish(school_id: int, material_id: int):
    school = _school(school_id)
    row = _material(school, material_id)
    try:
        services.publish(current_user, row)
    except SchoolError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Published at the school.") if not row.pending else
              _("Published at the school; shared wider once a reviewer approves."), "success")
    return redirect(url_for(".material", school_id=school_id, material_id=material_id))


@bp.post("/school/<int:school_id>/materials/<int:material_id>/files")
@require(AUTHOR)
def material_file(school_id: int, material_id: int):
    school = _school(school_id)
    row = _material(school, material_id)
    try:
        if "file" not in request.files:
            raise SchoolError("file", _("Choose a file."))
        services.add_file(current_user, row, request.files["file"])
    except (SchoolError, AttachmentError) as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("The file is attached. Put ![](its address) into the text to show a picture."), "success")
    return redirect(url_for(".material", school_id=school_id, material_id=material_id))


@bp.post("/school/<int:school_id>/materials/<int:material_id>/assign")
@require(AUTHOR)
def material_assign(school_id: int, material_id: int):
    school = _school(school_id)
    row = _material(school, material_id)
    link = url_for(".material", school_id=school_id, material_id=material_id, _external=True)
    try:
        services.assign_to_lesson(current_user, row, request.form.get("lesson_id", ""), link)
    except SchoolError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for(".material", school_id=school_id, material_id=material_id)), 303
    flash(_("Given as homework: the lesson's homework links to the material."), "success")
    return redirect(url_for(".material", school_id=school_id, material_id=material_id))


@bp.get("/review")
@require(REVIEW)
def review_page():
    rows = list(services.review_queue(current_user).limit(200))
    return _render("review.html", rows=rows)


@bp.post("/review/<int:material_id>")
@require(REVIEW)
def review_post(material_id: int):
    try:
        data = KbReviewInSchema().load({"decision": request.form.get("decision", ""),
                                      "note": request.form.get("note", "")})
        services.review(current_user, material_id, data["decision"], data["note"])
    except ValidationError:
        flash(_("Choose approve or reject."), "error")
    except SchoolError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Saved."), "success")
    return redirect(url_for(".review_page"))


# =========================================================================== question bank


def question_input(form) -> dict:
    """The page's form as the question schema takes it (options one per line, pairs as "left = right")."""
    kind = form.get("kind", "")
    data = {"subject_id": form.get("subject_id", ""), "topic": form.get("topic", ""), "kind": kind,
            "text": form.get("text", ""), "points": form.get("points") or 1}
    data["options"] = _lines(form.get("options"))
    correct = [c for c in form.get("correct", "").replace(";", ",").split(",") if c.strip()]
    data["correct"] = [int(c) - 1 if c.strip().isdigit() else -1 for c in correct]
    if kind == "number":
        data["value"] = form.get("value", "").replace(",", ".") or None
        data["tolerance"] = form.get("tolerance", "").replace(",", ".") or 0
    data["accepted"] = _lines(form.get("accepted"))
    data["pairs"] = [[p.split("=", 1)[0].strip(), p.split("=", 1)[1].strip()] for p in _lines(form.get("pairs"))
                     if "=" in p]
    data["items"] = _lines(form.get("items"))
    return data


@bp.route("/school/<int:school_id>/questions", methods=["GET", "POST"])
@require(AUTHOR)
def questions(school_id: int):
    school = _school(school_id)
    errors = {}
    if request.method == "POST":
        try:
            services.save_question(current_user, school, KbQuestionInSchema().load(question_input(request.form)))
        except (ValidationError, SchoolError) as exc:
            errors = _errors(exc)
        else:
            flash(_("The question is in the bank."), "success")
            return redirect(url_for(".questions", school_id=school_id))
    subject_id = request.args.get("subject_id", type=int)
    rows = list(services.questions(school, subject_id, request.args.get("topic", "")).limit(300))
    subjects = list(Subject.select().where(Subject.school == school.id).order_by(Subject.name))
    return _render("questions.html", school=school, rows=rows, subjects=subjects, errors=errors, form=request.form,
                   shown=services.shown, key_of=services.key_of), (400 if errors else 200)


# =========================================================================== tests


def _local(value: str):
    """A datetime-local input (the region's time) as naive UTC."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    return moment.replace(tzinfo=region_tz()).isoformat()


def _utc_naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


@bp.get("/school/<int:school_id>/tests")
@require(READ)
def tests(school_id: int):
    school = _school(school_id)
    student = services.student_of(current_user, school)
    if student is not None:
        group = services.class_of_student(student)
        quizzes = list(services.quizzes_for_class(group.id)) if group else []
        tries = services.attempts_of(student.id, [q.id for q in quizzes])
        return _render("tests_student.html", school=school, quizzes=quizzes, tries=tries, state=services.quiz_state)
    if not has_permission(current_user, AUTHOR):
        return redirect(url_for(".child", school_id=school_id))
    rows = list(services.school_quizzes(school).limit(200))
    return _render("tests.html", school=school, rows=rows, state=services.quiz_state)


@bp.route("/school/<int:school_id>/tests/new", methods=["GET", "POST"])
@require(AUTHOR)
def test_new(school_id: int):
    school = _school(school_id)
    errors = {}
    if request.method == "POST":
        f = request.form
        raw = {"title": f.get("title", ""), "description": f.get("description", ""),
               "subject_id": f.get("subject_id", ""), "question_ids": f.getlist("question_ids"),
               "mode": f.get("mode", "fixed"), "draw_count": f.get("draw_count") or None,
               "time_limit": f.get("time_limit") or 20, "attempts_allowed": f.get("attempts_allowed") or 1,
               "opens_at": _local(f.get("opens_at", "")), "closes_at": _local(f.get("closes_at", "")),
               "class_ids": f.getlist("class_ids"), "work_type_id": f.get("work_type_id") or None,
               "review": bool(f.get("review"))}
        try:
            data = KbQuizInSchema().load(raw)
            data["opens_at"], data["closes_at"] = _utc_naive(data["opens_at"]), _utc_naive(data["closes_at"])
            quiz = services.save_quiz(current_user, school, data)
        except (ValidationError, SchoolError) as exc:
            errors = _errors(exc)
        else:
            flash(_("The test is saved and opens for the chosen classes in its window."), "success")
            return redirect(url_for(".test", school_id=school_id, quiz_id=quiz.id))
    year = current_year(school)
    classes = list(ClassGroup.select().where((ClassGroup.school == school.id)
                                             & (ClassGroup.academic_year == (year.id if year else 0)))
                   .order_by(ClassGroup.grade, ClassGroup.letter))
    return _render("test_form.html", school=school, errors=errors, form=request.form, classes=classes,
                   subjects=list(Subject.select().where(Subject.school == school.id).order_by(Subject.name)),
                   bank=list(services.questions(school).limit(300)),
                   work_types=list(WorkType.select().where((WorkType.school == school.id)
                                                           & (WorkType.active == True))  # noqa: E712
                                   .order_by(WorkType.order))), (400 if errors else 200)


def _quiz(school, quiz_id) -> Quiz:
    quiz = services.quiz_in(school, quiz_id)
    if quiz is None:
        abort(404)
    return quiz


@bp.get("/school/<int:school_id>/tests/<int:quiz_id>")
@require(READ)
def test(school_id: int, quiz_id: int):
    school = _school(school_id)
    quiz = _quiz(school, quiz_id)
    if quiz.author_id == current_user.id:
        return _render("test.html", school=school, quiz=quiz, state=services.quiz_state(quiz),
                       results=services.results(quiz), items=services.item_analysis(quiz))
    student = services.student_of(current_user, school)
    if student is None:
        abort(403)
    group = services.class_of_student(student)
    if group is None or not services.QuizClass.select().where(
            (services.QuizClass.quiz == quiz.id) & (services.QuizClass.class_group == group.id)).exists():
        abort(404)
    tries = services.attempts_of(student.id, [quiz.id])[quiz.id]
    return _render("test_student.html", school=school, quiz=quiz, state=services.quiz_state(quiz), tries=tries)


@bp.post("/school/<int:school_id>/tests/<int:quiz_id>/start")
@require(TAKE)
def test_start(school_id: int, quiz_id: int):
    school = _school(school_id)
    quiz = _quiz(school, quiz_id)
    student = services.student_of(current_user, school)
    if student is None:
        abort(403)
    try:
        attempt = services.start_attempt(current_user, student, quiz)
    except SchoolError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for(".test", school_id=school_id, quiz_id=quiz_id))
    return redirect(url_for(".attempt", school_id=school_id, attempt_id=attempt.id))


@bp.post("/school/<int:school_id>/tests/<int:quiz_id>/publish")
@require(AUTHOR)
def test_publish(school_id: int, quiz_id: int):
    school = _school(school_id)
    quiz = _quiz(school, quiz_id)
    try:
        counts = services.publish_marks(current_user, quiz)
    except SchoolError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Marks written into the journal: %(published)s; refused: %(failed)s.", **counts),
              "success" if not counts["failed"] else "error")
    return redirect(url_for(".test", school_id=school_id, quiz_id=quiz_id))


def _attempt(school, attempt_id):
    attempt = Attempt.get_or_none(Attempt.id == attempt_id)
    quiz = services.quiz_in(school, attempt.quiz_id) if attempt else None
    if attempt is None or quiz is None:
        abort(404)
    if not services.may_see_attempt(current_user, attempt, quiz):
        abort(403)  # not theirs: refused (a student never reads another student's attempt)
    return attempt, quiz


def answers_from_form(form, questions) -> dict:
    out = {}
    for q in questions:
        name = f"q{q.id}"
        if q.kind == "multiple":
            out[str(q.id)] = [int(v) for v in form.getlist(name) if v.isdigit()]
        elif q.kind in ("matching", "ordering"):
            size = len(services.shown(q).get("left" if q.kind == "matching" else "items", []))
            values = [form.get(f"{name}_{i}", "") for i in range(size)]
            out[str(q.id)] = [int(v) if v.isdigit() else -1 for v in values] if any(values) else None
        elif q.kind == "single":
            value = form.get(name, "")
            out[str(q.id)] = [int(value)] if value.isdigit() else None
        else:
            out[str(q.id)] = form.get(name, "").strip()[:200] or None
    return out


@bp.get("/school/<int:school_id>/attempts/<int:attempt_id>")
@require(READ)
def attempt(school_id: int, attempt_id: int):
    school = _school(school_id)
    row, quiz = _attempt(school, attempt_id)
    now = utcnow()
    if row.status == "open" and now > row.deadline_at + services._grace(quiz):
        services.close_expired(row, now)
        row = Attempt.get_by_id(row.id)
    questions = services.attempt_questions(row)
    reveal = services.reveal_key(quiz, now) and row.status != "open"
    return _render("attempt.html", school=school, quiz=quiz, a=row, questions=questions,
                   shown=services.shown, given=services._loads(row.answers, {}),
                   results=services._loads(row.results, {}) if row.status != "open" else {},
                   keys={q.id: services.key_of(q) for q in questions} if reveal else {},
                   mine=row.user_id == current_user.id,
                   seconds_left=max(0, int((row.deadline_at - now).total_seconds())))


@bp.post("/school/<int:school_id>/attempts/<int:attempt_id>")
@require(TAKE)
def attempt_submit(school_id: int, attempt_id: int):
    school = _school(school_id)
    row, quiz = _attempt(school, attempt_id)
    if row.user_id != current_user.id:
        abort(404)
    try:
        services.submit(current_user, row, answers_from_form(request.form, services.attempt_questions(row)))
    except SchoolError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Handed in."), "success")
    return redirect(url_for(".attempt", school_id=school_id, attempt_id=attempt_id))


# =========================================================================== textbooks


@bp.route("/school/<int:school_id>/textbooks", methods=["GET", "POST"])
@require(READ)
def textbooks(school_id: int):
    school = _school(school_id)
    errors = {}
    if request.method == "POST":
        if not has_permission(current_user, AUTHOR):
            abort(403)
        title, subject = request.form.get("title", "").strip()[:200], request.form.get("subject", "").strip()[:150]
        grade = request.form.get("grade", type=int)
        if len(title) < 3:
            errors["title"] = [_("At least 3 characters.")]
        if not subject:
            errors["subject"] = [_("Choose a subject.")]
        if grade is not None and not 1 <= grade <= 11:
            errors["grade"] = [_("A grade from 1 to 11.")]
        if not errors:
            book = services.save_textbook(current_user, school, {"title": title, "subject": subject, "grade": grade})
            return redirect(url_for(".textbook", school_id=school_id, textbook_id=book.id))
    return _render("textbooks.html", school=school, rows=list(services.textbooks(school).limit(200)), errors=errors,
                   may_author=has_permission(current_user, AUTHOR)), (400 if errors else 200)


def _textbook(school, textbook_id):
    book = services.textbook_in(school, textbook_id)
    if book is None:
        abort(404)
    return book


@bp.route("/school/<int:school_id>/textbooks/<int:textbook_id>", methods=["GET", "POST"])
@require(READ)
def textbook(school_id: int, textbook_id: int):
    school = _school(school_id)
    book = _textbook(school, textbook_id)
    is_author = book.author_id == current_user.id
    if request.method == "POST":
        if not is_author:
            abort(403)
        title = request.form.get("title", "").strip()[:200]
        if len(title) < 2:
            flash(_("Give a title."), "error")
        elif request.form.get("chapter_id"):
            chapter = services.Chapter.get_or_none((services.Chapter.id == request.form.get("chapter_id", type=int))
                                                   & (services.Chapter.textbook == book.id))
            if chapter is None:
                abort(404)
            try:
                services.add_section(chapter, title, request.form.get("body", "")[:100_000],
                                     [int(i) for i in request.form.getlist("question_ids") if i.isdigit()])
            except SchoolError as exc:
                flash(str(exc.message), "error")
        else:
            services.add_chapter(book, title)
        return redirect(url_for(".textbook", school_id=school_id, textbook_id=textbook_id))
    student = services.student_of(current_user, school)
    mine = services.progress_of(student.id, book) if student else {}
    year = current_year(school)
    classes = list(ClassGroup.select().where((ClassGroup.school == school.id)
                                             & (ClassGroup.academic_year == (year.id if year else 0)))
                   .order_by(ClassGroup.grade, ClassGroup.letter)) if has_permission(current_user, AUTHOR) else []
    return _render("textbook.html", school=school, book=book, contents=services.contents(book), mine=mine,
                   resume=services.resume(student.id, book) if student else None, is_author=is_author,
                   classes=classes, bank=list(services.questions(school).limit(300)) if is_author else [])


def _section(book, section_id) -> Section:
    section = Section.get_or_none((Section.id == section_id) & (Section.textbook == book.id))
    if section is None:
        abort(404)
    return section


@bp.route("/school/<int:school_id>/textbooks/<int:textbook_id>/sections/<int:book_section_id>", methods=["GET", "POST"])
@require(READ)
def section(school_id: int, textbook_id: int, book_section_id: int):
    school = _school(school_id)
    book = _textbook(school, textbook_id)
    row = _section(book, book_section_id)
    student = services.student_of(current_user, school)
    if request.method == "POST":
        if student is None:
            abort(403)
        if "file" in request.files:
            abort(403)
        tasks = services.section_tasks(row)
        services.answer_section(student, row, answers_from_form(request.form, tasks))
        flash(_("Saved: the section is completed."), "success")
        return redirect(url_for(".section", school_id=school_id, textbook_id=textbook_id, book_section_id=book_section_id))
    progress = services.open_section(student, row) if student else None
    order = [s for _c, ss in services.contents(book) for s in ss]
    index = next((i for i, s in enumerate(order) if s.id == row.id), 0)
    return _render("section.html", school=school, book=book, s=row, tasks=services.section_tasks(row),
                   shown=services.shown, progress=progress, given=services._loads(progress.answers, {}) if progress else {},
                   prev=order[index - 1] if index > 0 else None, next=order[index + 1] if index + 1 < len(order) else None,
                   files=services.files_of([-row.id])[-row.id], is_author=book.author_id == current_user.id)


@bp.post("/school/<int:school_id>/textbooks/<int:textbook_id>/sections/<int:book_section_id>/files")
@require(AUTHOR)
def section_file(school_id: int, textbook_id: int, book_section_id: int):
    school = _school(school_id)
    row = _section(_textbook(school, textbook_id), book_section_id)
    try:
        if "file" not in request.files:
            raise SchoolError("file", _("Choose a file."))
        services.add_section_file(current_user, row, request.files["file"])
    except (SchoolError, AttachmentError) as exc:
        flash(str(exc.message), "error")
    return redirect(url_for(".section", school_id=school_id, textbook_id=textbook_id, book_section_id=book_section_id))


@bp.get("/school/<int:school_id>/textbooks/<int:textbook_id>/progress")
@require(AUTHOR)
def progress(school_id: int, textbook_id: int):
    school = _school(school_id)
    book = _textbook(school, textbook_id)
    group = ClassGroup.get_or_none((ClassGroup.id == request.args.get("class_id", type=int))
                                   & (ClassGroup.school == school.id))
    if group is None:
        abort(404)
    return _render("progress.html", school=school, book=book, group=group, map=services.class_map(book, group),
                   hardest=services.hardest(book, group))


# =========================================================================== parents


@bp.get("/school/<int:school_id>/child")
@require(READ)
def child(school_id: int):
    school = _school(school_id)
    students = [s for s in services.visible_students(current_user) if s.school_id == school.id]
    wanted = request.args.get("student_id", type=int)
    chosen = next((s for s in students if s.id == wanted), None) if wanted else (students[0] if students else None)
    if wanted and chosen is None:
        abort(404)
    overview = services.child_overview(chosen) if chosen else None
    return _render("child.html", school=school, students=students, chosen=chosen, o=overview,
                   state=services.quiz_state)
