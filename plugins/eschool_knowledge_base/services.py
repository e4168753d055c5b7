"""The knowledge base's rules: materials and their sharing, the question bank, tests and attempts graded on
the server, marks into the journal through the core's public API, smart textbooks and progress.

No Flask here but translations and the app's settings; views and the API call these functions.
"""
from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections import Counter, defaultdict

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import JOIN, IntegrityError, fn

from eschool.plugin_api import (
    ClassGroup,
    CurriculumItem,
    Homework,
    JournalForbidden,
    Lesson,
    Mark,
    School,
    SchoolError,
    Student,
    Subject,
    TeachingAssignment,
    User,
    WorkType,
    attachments,
    current_membership,
    db,
    ensure_lessons,
    local_today,
    school_by_id,
    scope_for_school,
    search,
    set_homework,
    set_mark,
    settings_for,
    user_assignments,
    utcnow,
    visible_students,
)
from eschool_knowledge_base.models import (
    LEVELS,
    Attempt,
    Chapter,
    Material,
    MaterialAssignment,
    Progress,
    Question,
    Quiz,
    QuizClass,
    QuizQuestion,
    Section,
    SectionTask,
    Textbook,
)

CODE = "knowledge_base"
READ = "knowledge_base.read"
AUTHOR = "knowledge_base.author"
REVIEW = "knowledge_base.review"
TAKE = "knowledge_base.take"

LEVEL_LABELS = {"school": _l("School"), "municipality": _l("Municipality"), "region": _l("Region")}
KINDS = {"single": _l("One answer"), "multiple": _l("Several answers"), "number": _l("A number"),
         "text": _l("A short text"), "matching": _l("Matching"), "ordering": _l("Ordering")}
MARK_STATES = {"none": _l("No mark"), "review": _l("Waits for the teacher"), "published": _l("In the journal"),
               "failed": _l("Not written")}


def config(scope) -> dict:
    return settings_for(CODE, scope)


def _loads(text: str, default):
    try:
        return json.loads(text or "")
    except ValueError:
        return default


# =========================================================================== materials


def _visible_in(school: School):
    """Materials published and shared so that ``school`` sees them."""
    return (Material.status == "published") & (
        (Material.school == school.id)
        | ((Material.approved_level == "municipality") & (Material.municipality_id == school.municipality_id))
        | (Material.approved_level == "region"))


def materials(user, school: School, *, q: str = "", subject: str = "", grade=None, topic: str = ""):
    """What ``user`` sees in ``school``'s knowledge base: the published materials shared with it and their own
    drafts, newest first; ``q`` searches the words of the title and text (every word, any form)."""
    where = _visible_in(school) | ((Material.author == user.id) & (Material.school == school.id))
    if q.strip():
        hits = search.query(CODE, q, scope=scope_for_school(school), limit=200)
        where &= Material.id.in_([h.record_id for h in hits] or [0])
    if subject:
        where &= Material.subject == subject
    if grade:
        where &= Material.grade == grade
    if topic:
        where &= Material.topic == topic
    return (Material.select(Material, School, User).join(School).switch(Material)
            .join(User, JOIN.LEFT_OUTER, on=(Material.author == User.id)).where(where)
            .order_by(Material.published_at.desc(nulls="first"), Material.id.desc()))


def material_in(user, school: School, material_id: int) -> Material | None:
    return materials(user, school).where(Material.id == material_id).first()


def facets(school: School) -> dict:
    """Subjects, grades and topics of the materials visible in the school (the filters' choices)."""
    rows = (Material.select(Material.subject, Material.grade, Material.topic).where(_visible_in(school))
            .distinct().tuples())
    subjects, grades, topics = set(), set(), set()
    for subject, grade, topic in rows:
        subjects.add(subject)
        if grade:
            grades.add(grade)
        if topic:
            topics.add(topic)
    return {"subjects": sorted(subjects), "grades": sorted(grades), "topics": sorted(topics)}


def lesson_topics(user, school: School) -> list[str]:
    """The topics of the lessons this teacher gave or will give (offered when a material names its topic)."""
    rows = (Lesson.select(Lesson.topic).where((Lesson.school == school.id) & (Lesson.teacher == user.id)
                                              & (Lesson.topic != "")).distinct().limit(200).tuples())
    return sorted(t for (t,) in rows)


def save_material(user, school: School, data: dict, material: Material | None = None) -> Material:
    """Create or change a material (its author only); a published one is re-indexed at once."""
    if material is not None and material.author_id != user.id:
        raise JournalForbidden(_l("Only the author changes a material."))
    now = utcnow()
    fields = {k: data[k] for k in ("title", "subject", "grade", "topic", "body", "level") if k in data}
    with db.atomic():
        if material is None:
            material = Material.create(school=school.id, municipality_id=school.municipality_id, author=user.id,
                                       created_at=now, updated_at=now, **fields)
        else:
            if "level" in fields and LEVELS.index(fields["level"]) < LEVELS.index(material.approved_level):
                fields["approved_level"] = fields["level"]  # narrowing needs no review
            for key, value in fields.items():
                setattr(material, key, value)
            material.updated_at = now
            material.save()
        _index(material)
    return material


def _index(material: Material) -> None:
    if material.status != "published":
        search.remove(CODE, material.id)
        return
    body = "\n".join((material.subject, material.topic, material.body))
    if material.approved_level == "region":
        search.index(CODE, material.id, material.title, body)
    elif material.approved_level == "municipality":
        search.index(CODE, material.id, material.title, body, municipality_id=material.municipality_id)
    else:
        search.index(CODE, material.id, material.title, body, school_id=material.school_id)


def publish(user, material: Material) -> Material:
    """Publish at the school at once; a wider level waits for a reviewer (the material is listed for them)."""
    if material.author_id != user.id:
        raise JournalForbidden(_l("Only the author publishes a material."))
    if material.status == "published":
        return material
    with db.atomic():
        material.status = "published"
        material.published_at = utcnow()
        material.save()
        _index(material)
    return material


def reviewer_reach(user) -> tuple[bool, set[int]]:
    """(reviews for the region, the municipalities whose materials the user reviews)."""
    region, munis = False, set()
    for a in user_assignments(user):
        if a.role == "region_operator":
            region = True
        elif a.role == "municipal_operator" and a.municipality_id:
            munis.add(a.municipality_id)
    return region, munis


def review_queue(user):
    """Materials waiting for this reviewer: a municipality's reviewer shares up to the municipality, the
    region's up to the region."""
    region, munis = reviewer_reach(user)
    where = Material.id == 0
    if munis:
        where |= ((Material.approved_level == "school") & Material.level.in_(("municipality", "region"))
                  & Material.municipality_id.in_(list(munis)))
    if region:
        where |= (Material.level == "region") & (Material.approved_level != "region")
    return (Material.select(Material, School).join(School)
            .where((Material.status == "published") & where).order_by(Material.published_at, Material.id))


def review(user, material_id: int, decision: str, note: str = "") -> Material:
    """Approve (share as wide as the reviewer reaches, up to what the author asked) or reject (stays at the
    level shared now, with the reviewer's note)."""
    material = review_queue(user).where(Material.id == material_id).first()
    if material is None:
        raise SchoolError("material_id", _l("This material does not wait for your review."))
    region, _munis = reviewer_reach(user)
    with db.atomic():
        if decision == "approve":
            material.approved_level = material.level if region else "municipality"
        else:
            material.level = material.approved_level
        material.review_note = (note or "")[:500]
        material.reviewed_by = user.id
        material.reviewed_at = utcnow()
        material.save()
        _index(material)
    return material


def readable_material(user, material: Material) -> bool:
    """May ``user`` read ``material`` (and its files) from any of the places they act in?"""
    if not getattr(user, "is_authenticated", False) or getattr(user, "is_device", False):
        return False
    if material.author_id == user.id:
        return True
    if material.status != "published":
        return False
    for a in user_assignments(user):
        if a.role == "region_operator":
            return True
        if a.role == "municipal_operator" and a.municipality_id == material.municipality_id:
            return True
        if a.school_id:
            if a.school_id == material.school_id or material.approved_level == "region":
                return True
            school = school_by_id(a.school_id)
            if material.approved_level == "municipality" and school and \
                    school.municipality_id == material.municipality_id:
                return True
    return False


def files_of(material_ids) -> dict[int, list]:
    """Each material's attachments (one query)."""
    from eschool.plugin_api import Attachment

    out = defaultdict(list)
    ids = list(material_ids)
    if ids:
        for row in Attachment.select().where((Attachment.owner == CODE) & Attachment.record_id.in_(ids)) \
                .order_by(Attachment.id):
            out[row.record_id].append(row)
    return out


def add_file(user, material: Material, storage):
    if material.author_id != user.id:
        raise JournalForbidden(_l("Only the author adds files to a material."))
    return attachments.save(CODE, storage, record_id=material.id, school_id=material.school_id, user=user)


def teacher_lessons(user, school: School, days_back: int = 7, days_ahead: int = 14) -> list[Lesson]:
    """The lessons this teacher keeps around today (made from the timetable if needed), for "give as homework"."""
    today = local_today()
    start, end = today - dt.timedelta(days=days_back), today + dt.timedelta(days=days_ahead)
    pairs = list(TeachingAssignment.select(TeachingAssignment, ClassGroup).join(ClassGroup)
                 .where((TeachingAssignment.teacher == user.id) & (ClassGroup.school == school.id)))
    for group in {p.class_group_id: p.class_group for p in pairs}.values():
        ensure_lessons(group, start, end)
    where = (Lesson.school == school.id) & (Lesson.date.between(start, end)) & (Lesson.teacher == user.id)
    for p in pairs:
        where |= ((Lesson.class_group == p.class_group_id) & (Lesson.subject == p.subject_id)
                  & (Lesson.date.between(start, end)))
    return list(Lesson.select(Lesson, ClassGroup, Subject).join(ClassGroup).switch(Lesson).join(Subject)
                .where(where).order_by(Lesson.date, Lesson.number, ClassGroup.grade))


def assign_to_lesson(user, material: Material, lesson_id, link: str) -> MaterialAssignment:
    """Give ``material`` as the homework of a lesson in one step: the lesson's homework (set through the
    journal's rules: the teacher's own lesson, inside the edit window) names the material and links to it."""
    if not readable_material(user, material):
        raise SchoolError("material_id", _l("Not found."))
    lesson = Lesson.get_or_none(Lesson.id == lesson_id) if str(lesson_id or "").isdigit() else None
    if lesson is None:
        raise SchoolError("lesson_id", _l("Choose one of your lessons."))
    homework = Homework.get_or_none(Homework.lesson == lesson.id)
    if homework is not None and not homework.for_all:
        raise SchoolError("lesson_id", _l("This lesson's homework is for chosen students: add the material "
                                          "in the journal."))
    line = _("Material: %(title)s", title=material.title)
    text = homework.text if homework else ""
    links = [x for x in (homework.links.splitlines() if homework else []) if x.strip()]
    if line not in text:
        text = f"{text}\n{line}".strip()
    if link not in links:
        links.append(link)
    data = {"text": text, "links": links}
    if homework is not None:
        data.update(minutes_needed=homework.minutes_needed, due_on=homework.due_on)
    with db.atomic():
        set_homework(user, lesson, data, version=homework.version if homework else None)
        row, _created = MaterialAssignment.get_or_create(
            material=material.id, lesson=lesson.id,
            defaults={"class_group": lesson.class_group_id, "assigned_by": user.id})
    return row


# =========================================================================== the question bank


def _norm(text) -> str:
    return re.sub(r"\s+", " ", str(text).strip().lower().replace("ё", "е"))


def _number(value):
    try:
        return float(str(value).strip().replace(",", "."))
    except (TypeError, ValueError):
        return None


def build_question(data: dict) -> tuple[dict, dict]:
    """(what a student sees, the key) from a question's input; bad input names the field."""
    kind = data["kind"]
    if kind in ("single", "multiple"):
        options = [str(o).strip() for o in data.get("options") or [] if str(o).strip()]
        if len(options) < 2:
            raise SchoolError("options", _l("Give at least two options."))
        correct = sorted(set(data.get("correct") or []))
        if not correct or any(not 0 <= c < len(options) for c in correct):
            raise SchoolError("correct", _l("Mark the right options (numbers of the options, from 1)."))
        if kind == "single" and len(correct) != 1:
            raise SchoolError("correct", _l("A question with one answer has exactly one right option."))
        return {"options": options}, {"correct": correct}
    if kind == "number":
        value = _number(data.get("value"))
        tolerance = _number(data.get("tolerance") or 0)
        if value is None:
            raise SchoolError("value", _l("Enter the right number."))
        if tolerance is None or tolerance < 0:
            raise SchoolError("tolerance", _l("The tolerance is a number of zero or more."))
        return {}, {"value": value, "tolerance": tolerance}
    if kind == "text":
        accepted = [str(a).strip() for a in data.get("accepted") or [] if str(a).strip()]
        if not accepted:
            raise SchoolError("accepted", _l("Give at least one accepted answer."))
        return {}, {"accepted": accepted}
    if kind == "matching":
        pairs = [(str(p[0]).strip(), str(p[1]).strip()) for p in data.get("pairs") or []
                 if isinstance(p, list | tuple) and len(p) == 2 and str(p[0]).strip() and str(p[1]).strip()]
        if len(pairs) < 2:
            raise SchoolError("pairs", _l("Give at least two pairs (left = right)."))
        right = [p[1] for p in pairs]
        shown = right[:]
        random.shuffle(shown)
        return {"left": [p[0] for p in pairs], "right": shown}, {"pairs": [shown.index(r) for r in right]}
    if kind == "ordering":
        items = [str(i).strip() for i in data.get("items") or [] if str(i).strip()]
        if len(items) < 2:
            raise SchoolError("items", _l("Give at least two items in the right order."))
        shown = items[:]
        random.shuffle(shown)
        return {"items": shown}, {"order": [shown.index(i) for i in items]}
    raise SchoolError("kind", _l("Choose the kind of question."))


def save_question(user, school: School, data: dict) -> Question:
    subject = Subject.get_or_none((Subject.id == data["subject_id"]) & (Subject.school == school.id))
    if subject is None:
        raise SchoolError("subject_id", _l("Choose a subject of the school."))
    shown, key = build_question(data)
    return Question.create(school=school.id, author=user.id, subject=subject.id, topic=data.get("topic") or "",
                           kind=data["kind"], text=data["text"], data=json.dumps(shown, ensure_ascii=False),
                           answer=json.dumps(key, ensure_ascii=False), points=data.get("points") or 1)


def questions(school: School, subject_id=None, topic: str = ""):
    query = Question.select(Question, Subject).join(Subject).where(Question.school == school.id)
    if subject_id:
        query = query.where(Question.subject == subject_id)
    if topic:
        query = query.where(Question.topic == topic)
    return query.order_by(Subject.name, Question.topic, Question.id)


def shown(question: Question) -> dict:
    """A question as a student sees it: never the key."""
    return {"id": question.id, "kind": question.kind, "text": question.text, "points": question.points,
            "options": [], "left": [], "right": [], "items": [], **_loads(question.data, {})}


def key_of(question: Question) -> dict:
    return _loads(question.answer, {})


def _ints(value) -> list[int] | None:
    items = value if isinstance(value, list | tuple) else [value]
    try:
        return [int(v) for v in items]
    except (TypeError, ValueError):
        return None


def is_correct(question: Question, given) -> bool:
    """Grade one answer on the server."""
    key = key_of(question)
    if given in (None, "", []):
        return False
    kind = question.kind
    if kind == "single":
        got = _ints(given)
        return got is not None and len(got) == 1 and got == key["correct"]
    if kind == "multiple":
        got = _ints(given)
        return got is not None and sorted(set(got)) == key["correct"]
    if kind == "number":
        got = _number(given[0] if isinstance(given, list) and given else given)
        return got is not None and abs(got - key["value"]) <= key["tolerance"] + 1e-9
    if kind == "text":
        text = given[0] if isinstance(given, list) and given else given
        return _norm(text) in {_norm(a) for a in key["accepted"]}
    if kind == "matching":
        return _ints(given) == key["pairs"]
    if kind == "ordering":
        return _ints(given) == key["order"]
    return False


def answer_label(question: Question, given) -> str:
    """What an answer says, for the item analysis (an option's text, the number typed...)."""
    data = _loads(question.data, {})
    if question.kind in ("single", "multiple"):
        got = _ints(given) or []
        options = data.get("options", [])
        return "; ".join(options[i] for i in sorted(set(got)) if 0 <= i < len(options))
    if question.kind in ("number", "text"):
        return str(given[0] if isinstance(given, list) and given else given)[:100]
    if question.kind == "matching":
        right = data.get("right", [])
        got = _ints(given) or []
        return "; ".join(f"{left} = {right[i]}" for left, i in zip(data.get("left", []), got, strict=False)
                         if 0 <= i < len(right))
    if question.kind == "ordering":
        items = data.get("items", [])
        return " → ".join(items[i] for i in (_ints(given) or []) if 0 <= i < len(items))
    return ""


def key_text(question: Question) -> str:
    """The key in words (for teachers, and for students once the test has closed)."""
    key = key_of(question)
    if question.kind in ("single", "multiple"):
        return answer_label(question, key["correct"])
    if question.kind == "number":
        return f"{key['value']:g}" + (f" ± {key['tolerance']:g}" if key["tolerance"] else "")
    if question.kind == "text":
        return " / ".join(key["accepted"])
    return answer_label(question, key["pairs"] if question.kind == "matching" else key["order"])


# =========================================================================== tests


def _teaches(user, class_id: int, subject_id: int) -> bool:
    return TeachingAssignment.select().where((TeachingAssignment.teacher == user.id)
                                             & (TeachingAssignment.class_group == class_id)
                                             & (TeachingAssignment.subject == subject_id)).exists()


def save_quiz(user, school: School, data: dict) -> Quiz:
    """A test for chosen classes of the teacher's subject; its marks go into the teacher's own lessons."""
    subject = Subject.get_or_none((Subject.id == data["subject_id"]) & (Subject.school == school.id))
    if subject is None:
        raise SchoolError("subject_id", _l("Choose a subject of the school."))
    ids = list(dict.fromkeys(data["question_ids"]))
    found = {q.id for q in Question.select(Question.id).where((Question.id.in_(ids or [0]))
                                                               & (Question.school == school.id))}
    if not ids or len(found) != len(ids):
        raise SchoolError("question_ids", _l("Choose questions of the school's bank."))
    if data["mode"] == "random":
        if not data.get("draw_count") or data["draw_count"] > len(ids):
            raise SchoolError("draw_count", _l("Draw at most as many questions as the test holds."))
    if data["closes_at"] <= data["opens_at"]:
        raise SchoolError("closes_at", _l("The test must close after it opens."))
    classes = list(ClassGroup.select().where((ClassGroup.id.in_(data["class_ids"] or [0]))
                                             & (ClassGroup.school == school.id)))
    if not classes or len(classes) != len(set(data["class_ids"])):
        raise SchoolError("class_ids", _l("Choose classes of the school."))
    for group in classes:
        if not _teaches(user, group.id, subject.id):
            names = {"subject": subject.name, "class": group.name}
            raise JournalForbidden(_l("You do not teach %(subject)s in %(class)s: its marks would not be yours "
                                      "to give.", **names))
    work_type = data.get("work_type_id")
    if work_type and not WorkType.select().where((WorkType.id == work_type) & (WorkType.school == school.id)).exists():
        raise SchoolError("work_type_id", _l("Choose a work type of the school."))
    with db.atomic():
        quiz = Quiz.create(school=school.id, author=user.id, subject=subject.id, title=data["title"],
                           description=data.get("description") or "", mode=data["mode"],
                           draw_count=data.get("draw_count") if data["mode"] == "random" else None,
                           time_limit=data["time_limit"], attempts_allowed=data["attempts_allowed"],
                           opens_at=data["opens_at"], closes_at=data["closes_at"], work_type=work_type or None,
                           review=bool(data.get("review")))
        QuizQuestion.insert_many([{"quiz": quiz.id, "question": q, "position": i} for i, q in enumerate(ids)]).execute()
        QuizClass.insert_many([{"quiz": quiz.id, "class_group": g.id} for g in classes]).execute()
    return quiz


def quiz_state(quiz: Quiz, now: dt.datetime | None = None) -> str:
    now = now or utcnow()
    return "upcoming" if now < quiz.opens_at else "closed" if now >= quiz.closes_at else "open"


def school_quizzes(school: School):
    return (Quiz.select(Quiz, Subject).join(Subject).where(Quiz.school == school.id)
            .order_by(Quiz.opens_at.desc(), Quiz.id.desc()))


def quiz_in(school: School, quiz_id: int) -> Quiz | None:
    return school_quizzes(school).where(Quiz.id == quiz_id).first()


def student_of(user, school: School) -> Student | None:
    """The student the user acts as (a student account) in this school."""
    for student in visible_students(user):
        if getattr(student, "user_id", None) == user.id and student.school_id == school.id:
            return student
    return None


def class_of_student(student: Student) -> ClassGroup | None:
    membership = current_membership(student)
    return membership.class_group if membership else None


def quizzes_for_class(class_group_id: int):
    return (Quiz.select(Quiz, Subject).join(QuizClass).switch(Quiz).join(Subject)
            .where(QuizClass.class_group == class_group_id).order_by(Quiz.closes_at.desc(), Quiz.id.desc()))


def attempts_of(student_id: int, quiz_ids) -> dict[int, list[Attempt]]:
    out = defaultdict(list)
    ids = list(quiz_ids)
    if ids:
        for a in Attempt.select().where((Attempt.student == student_id) & Attempt.quiz.in_(ids)).order_by(Attempt.number):
            out[a.quiz_id].append(a)
    return out


def _grace(quiz: Quiz) -> dt.timedelta:
    return dt.timedelta(seconds=config(scope_for_school(school_by_id(quiz.school_id)))["grace_seconds"])


def start_attempt(user, student: Student, quiz: Quiz, now: dt.datetime | None = None) -> Attempt:
    """Start (or go on with) the student's attempt; a double start never makes two."""
    now = now or utcnow()
    group = class_of_student(student)
    if group is None or not QuizClass.select().where((QuizClass.quiz == quiz.id)
                                                     & (QuizClass.class_group == group.id)).exists():
        raise SchoolError("quiz_id", _l("This test is not open for your class."))
    if quiz_state(quiz, now) != "open":
        raise SchoolError("quiz_id", _l("The test is not open now."), conflict=True)
    done = list(Attempt.select().where((Attempt.quiz == quiz.id) & (Attempt.student == student.id))
                .order_by(Attempt.number))
    current = [a for a in done if a.status == "open"]
    if current:
        attempt = current[-1]
        if now <= attempt.deadline_at + _grace(quiz):
            return attempt
        close_expired(attempt, now)
        done = list(Attempt.select().where((Attempt.quiz == quiz.id) & (Attempt.student == student.id)))
    if len(done) >= quiz.attempts_allowed:
        raise SchoolError("quiz_id", _l("No attempts left."), conflict=True)
    pool = [r.question_id for r in QuizQuestion.select(QuizQuestion.question).where(QuizQuestion.quiz == quiz.id)
            .order_by(QuizQuestion.position)]
    if quiz.mode == "random":
        pool = random.SystemRandom().sample(pool, min(quiz.draw_count or len(pool), len(pool)))
    deadline = min(now + dt.timedelta(minutes=quiz.time_limit), quiz.closes_at)
    try:
        with db.atomic():
            return Attempt.create(quiz=quiz.id, student=student.id, class_group=group.id,
                                  user=user.id if user is not None else student.user_id,
                                  number=len(done) + 1, questions=json.dumps(pool), started_at=now,
                                  deadline_at=deadline)
    except IntegrityError:  # the same start twice at once: the other one made it
        return (Attempt.select().where((Attempt.quiz == quiz.id) & (Attempt.student == student.id))
                .order_by(Attempt.number.desc()).first())


def attempt_questions(attempt: Attempt) -> list[Question]:
    ids = _loads(attempt.questions, [])
    by_id = {q.id: q for q in Question.select().where(Question.id.in_(ids or [0]))}
    return [by_id[i] for i in ids if i in by_id]


def _clean_answers(attempt: Attempt, answers) -> dict:
    ids = {str(i) for i in _loads(attempt.questions, [])}
    if not isinstance(answers, dict):
        return {}
    return {str(k): v for k, v in answers.items() if str(k) in ids}


def save_answers(attempt: Attempt, answers, now: dt.datetime | None = None) -> Attempt:
    """Keep the answers given so far (graded only at the end)."""
    now = now or utcnow()
    quiz = Quiz.get_by_id(attempt.quiz_id)
    if attempt.status != "open" or now > attempt.deadline_at + _grace(quiz):
        raise SchoolError("answers", _l("The time is up: the attempt is closed."), conflict=True)
    merged = {**_loads(attempt.answers, {}), **_clean_answers(attempt, answers)}
    Attempt.update(answers=json.dumps(merged, ensure_ascii=False)).where(
        (Attempt.id == attempt.id) & (Attempt.status == "open")).execute()
    attempt.answers = json.dumps(merged, ensure_ascii=False)
    return attempt


def _grade(attempt: Attempt, answers: dict) -> dict:
    results, score, total = {}, 0, 0
    for q in attempt_questions(attempt):
        ok = is_correct(q, answers.get(str(q.id)))
        results[str(q.id)] = ok
        total += q.points
        score += q.points if ok else 0
    return {"results": json.dumps(results), "score": score, "max_score": total,
            "percent": round(100 * score / total) if total else 0}


def mark_for(percent: int, scale: str, settings: dict) -> str:
    if scale == "pass_fail":
        return "pass" if percent >= settings["percent_for_3"] else "fail"
    for value, key in (("5", "percent_for_5"), ("4", "percent_for_4"), ("3", "percent_for_3")):
        if percent >= settings[key]:
            return value
    return "2"


def submit(user, attempt: Attempt, answers=None, now: dt.datetime | None = None) -> Attempt:
    """Grade and close the attempt once. Past the time limit and the grace the answers sent are refused: the
    attempt is closed with what was saved in time. A second submit answers a conflict."""
    now = now or utcnow()
    quiz = Quiz.get_by_id(attempt.quiz_id)
    late = now > attempt.deadline_at + _grace(quiz)
    saved = _loads(attempt.answers, {})
    final = saved if late else {**saved, **_clean_answers(attempt, answers or {})}
    graded = _grade(attempt, final)
    scale = _scale(attempt.class_group_id, quiz.subject_id)
    value = mark_for(graded["percent"], scale, config(scope_for_school(school_by_id(quiz.school_id))))
    with db.atomic():
        changed = (Attempt.update(status="expired" if late else "submitted", submitted_at=now,
                                  answers=json.dumps(final, ensure_ascii=False), mark_value=value,
                                  mark_state="review" if quiz.review else "none", **graded)
                   .where((Attempt.id == attempt.id) & (Attempt.status == "open")).execute())
    if not changed:
        raise SchoolError("attempt_id", _l("This attempt is already handed in."), conflict=True)
    attempt = Attempt.get_by_id(attempt.id)
    if not quiz.review:
        publish_mark(User.get_by_id(quiz.author_id), quiz, attempt)
    if late:
        raise SchoolError("answers", _l("The time was up: the answers sent were not accepted; the attempt was "
                                        "closed with the answers saved in time."), conflict=True)
    return attempt


def close_expired(attempt: Attempt, now: dt.datetime | None = None) -> None:
    """An open attempt past its time: closed with the answers saved in time (as a late submit does)."""
    try:
        submit(None, attempt, None, now)
    except SchoolError:
        pass


def _scale(class_id: int, subject_id: int) -> str:
    item = CurriculumItem.get_or_none((CurriculumItem.class_group == class_id) & (CurriculumItem.subject == subject_id))
    return item.scale if item is not None else "five_point"


def _lesson_for(quiz: Quiz, class_id: int) -> Lesson | None:
    link = QuizClass.get_or_none((QuizClass.quiz == quiz.id) & (QuizClass.class_group == class_id))
    if link is not None and link.lesson_id:
        return Lesson.get_or_none(Lesson.id == link.lesson_id)
    today = local_today()
    ensure_lessons(ClassGroup.get_by_id(class_id), today - dt.timedelta(days=14), today)
    lesson = (Lesson.select().where((Lesson.class_group == class_id) & (Lesson.subject == quiz.subject_id)
                                    & (Lesson.date <= today))
              .order_by(Lesson.date.desc(), Lesson.number.desc(nulls="last")).first())
    if lesson is not None and link is not None:
        # the class's marks of this test go into one lesson's column: the first one found is kept
        QuizClass.update(lesson=lesson.id).where((QuizClass.id == link.id) & QuizClass.lesson.is_null()).execute()
        link = QuizClass.get_by_id(link.id)
        return Lesson.get_by_id(link.lesson_id)
    return lesson


def publish_mark(teacher, quiz: Quiz, attempt: Attempt) -> Attempt:
    """Write the attempt's mark into the journal through ``set_mark`` as ``teacher`` (the journal's keeping
    rules apply: their own lesson, the period not closed). The best attempt's mark stands in one cell; a
    refusal is kept with its message for the teacher."""
    lesson = _lesson_for(quiz, attempt.class_group_id)
    state, error, mark_id = "failed", "", None
    if lesson is None:
        error = _("No lesson of the subject in the journal yet to put the mark in.")
    else:
        others = list(Attempt.select().where((Attempt.quiz == quiz.id) & (Attempt.student == attempt.student_id)
                                             & (Attempt.id != attempt.id) & Attempt.mark_id.is_null(False)))
        best = max((a.percent or 0 for a in others), default=-1)
        existing = Mark.get_or_none(Mark.id == others[0].mark_id) if others else None
        if existing is not None and existing.lesson_id != lesson.id:
            existing = None
        if others and best > (attempt.percent or 0) and existing is not None:
            state, mark_id = "published", existing.id  # a better attempt's mark stays
        else:
            try:
                if existing is not None:
                    slot, version = existing.slot, existing.version
                else:
                    used = {m.slot for m in Mark.select(Mark.slot).where((Mark.lesson == lesson.id)
                                                                         & (Mark.student == attempt.student_id))}
                    slot, version = next((s for s in range(10) if s not in used), None), None
                    if slot is None:
                        raise SchoolError("slot", _l("A lesson holds at most ten marks per student."))
                mark = set_mark(teacher, lesson, attempt.student_id, slot, attempt.mark_value,
                                work_type_id=quiz.work_type_id, comment=quiz.title[:200], version=version)
                state, mark_id = "published", mark.id if mark else None
            except JournalForbidden as exc:
                error = _("The journal refused the mark: %(why)s", why=str(exc.message))
            except SchoolError as exc:
                error = _("The journal refused the mark: %(why)s", why=str(exc.message))
    Attempt.update(mark_state=state, mark_error=error[:500], mark_id=mark_id).where(Attempt.id == attempt.id).execute()
    attempt.mark_state, attempt.mark_error, attempt.mark_id = state, error, mark_id
    return attempt


def publish_marks(user, quiz: Quiz) -> dict:
    """The teacher's review done: write the marks waiting (or refused before) into the journal."""
    if quiz.author_id != user.id:
        raise JournalForbidden(_l("Only the test's author publishes its marks."))
    rows = list(Attempt.select().where((Attempt.quiz == quiz.id) & Attempt.status.in_(("submitted", "expired"))
                                       & Attempt.mark_state.in_(("review", "failed"))).order_by(Attempt.id))
    counts = Counter()
    for attempt in rows:
        counts[publish_mark(user, quiz, attempt).mark_state] += 1
    return {"published": counts["published"], "failed": counts["failed"]}


def results(quiz: Quiz):
    """Every attempt of the test with its student and class (one query)."""
    return list(Attempt.select(Attempt, Student, ClassGroup).join(Student).switch(Attempt).join(ClassGroup)
                .where(Attempt.quiz == quiz.id)
                .order_by(ClassGroup.grade, ClassGroup.letter, Student.last_name, Student.first_name, Attempt.number))


def item_analysis(quiz: Quiz) -> list[dict]:
    """Per question: how many answered, the share correct, the discrimination index (share correct in the
    best 27% of attempts minus the worst 27%), the most chosen wrong answer. Three queries."""
    attempts = list(Attempt.select().where((Attempt.quiz == quiz.id)
                                           & Attempt.status.in_(("submitted", "expired"))))
    qids = [r.question_id for r in QuizQuestion.select(QuizQuestion.question).where(QuizQuestion.quiz == quiz.id)
            .order_by(QuizQuestion.position)]
    by_id = {q.id: q for q in Question.select().where(Question.id.in_(qids or [0]))}
    ranked = sorted(attempts, key=lambda a: a.percent or 0)
    k = max(1, round(len(ranked) * 0.27)) if ranked else 0
    low, high = {a.id for a in ranked[:k]}, {a.id for a in ranked[-k:]} if k else set()
    out = []
    for qid in qids:
        q = by_id.get(qid)
        if q is None:
            continue
        seen, right, wrong = 0, 0, Counter()
        hi = [0, 0]
        lo = [0, 0]
        for a in attempts:
            res = _loads(a.results, {})
            if str(qid) not in res:
                continue
            ok = res[str(qid)]
            seen += 1
            right += ok
            if a.id in high:
                hi[0] += 1
                hi[1] += ok
            if a.id in low:
                lo[0] += 1
                lo[1] += ok
            if not ok:
                given = _loads(a.answers, {}).get(str(qid))
                label = answer_label(q, given) if given not in (None, "", []) else ""
                if label:
                    wrong[label] += 1
        share = right / seen if seen else None
        disc = (hi[1] / hi[0] - lo[1] / lo[0]) if hi[0] and lo[0] else None
        common = wrong.most_common(1)
        out.append({"question_id": qid, "text": q.text, "kind": q.kind, "answered": seen,
                    "share_correct": round(share, 2) if share is not None else None,
                    "discrimination": round(disc, 2) if disc is not None else None,
                    "common_wrong": common[0][0] if common else "", "common_wrong_count": common[0][1] if common else 0})
    return out


def may_see_attempt(user, attempt: Attempt, quiz: Quiz) -> bool:
    """The student who made it, their parents, the test's author."""
    if quiz.author_id == user.id:
        return True
    return any(s.id == attempt.student_id for s in visible_students(user))


def reveal_key(quiz: Quiz, now: dt.datetime | None = None) -> bool:
    """Correct answers are shown to students only after the test closed for everyone."""
    return quiz_state(quiz, now) == "closed"


# =========================================================================== smart textbooks


def save_textbook(user, school: School, data: dict) -> Textbook:
    return Textbook.create(school=school.id, author=user.id, subject=data["subject"], grade=data.get("grade"),
                           title=data["title"], description=data.get("description") or "")


def add_chapter(textbook: Textbook, title: str) -> Chapter:
    position = Chapter.select().where(Chapter.textbook == textbook.id).count()
    return Chapter.create(textbook=textbook.id, title=title, position=position)


def add_section(chapter: Chapter, title: str, body: str = "", question_ids=()) -> Section:
    textbook = Textbook.get_by_id(chapter.textbook_id)
    ids = list(dict.fromkeys(int(i) for i in question_ids))
    if ids and Question.select().where(Question.id.in_(ids) & (Question.school == textbook.school_id)).count() != len(ids):
        raise SchoolError("question_ids", _l("Choose questions of the school's bank."))
    with db.atomic():
        position = Section.select().where(Section.chapter == chapter.id).count()
        section = Section.create(chapter=chapter.id, textbook=textbook.id, title=title, body=body, position=position)
        if ids:
            SectionTask.insert_many([{"section": section.id, "question": q, "position": i}
                                     for i, q in enumerate(ids)]).execute()
    return section


def textbooks(school: School):
    return Textbook.select().where(Textbook.school == school.id).order_by(Textbook.subject, Textbook.grade, Textbook.title)


def textbook_in(school: School, textbook_id: int) -> Textbook | None:
    return textbooks(school).where(Textbook.id == textbook_id).first()


def contents(textbook: Textbook) -> list[tuple[Chapter, list[Section]]]:
    chapters = list(Chapter.select().where(Chapter.textbook == textbook.id).order_by(Chapter.position, Chapter.id))
    sections = defaultdict(list)
    for s in Section.select().where(Section.textbook == textbook.id).order_by(Section.position, Section.id):
        sections[s.chapter_id].append(s)
    return [(c, sections[c.id]) for c in chapters]


def section_tasks(section: Section) -> list[Question]:
    return list(Question.select().join(SectionTask).where(SectionTask.section == section.id)
                .order_by(SectionTask.position))


def _spent(row: Progress, now: dt.datetime) -> int:
    """Seconds since the student's last step in the section, counted up to 15 minutes (a break is not work)."""
    return max(0, min(int((now - row.last_seen_at).total_seconds()), 900))


def open_section(student: Student, section: Section, now: dt.datetime | None = None) -> Progress:
    now = now or utcnow()
    row = Progress.get_or_none((Progress.section == section.id) & (Progress.student == student.id))
    if row is None:
        try:
            with db.atomic():
                return Progress.create(section=section.id, textbook=section.textbook_id, student=student.id,
                                       opened_at=now, last_seen_at=now)
        except IntegrityError:
            row = Progress.get((Progress.section == section.id) & (Progress.student == student.id))
    Progress.update(seconds=Progress.seconds + _spent(row, now), last_seen_at=now).where(Progress.id == row.id).execute()
    return Progress.get_by_id(row.id)


def answer_section(student: Student, section: Section, answers: dict, now: dt.datetime | None = None) -> Progress:
    """Grade the section's practice tasks (on the server) and complete the section."""
    now = now or utcnow()
    row = open_section(student, section, now)
    tasks = section_tasks(section)
    given = {str(k): v for k, v in (answers or {}).items()}
    correct = sum(1 for q in tasks if is_correct(q, given.get(str(q.id))))
    Progress.update(tasks_total=len(tasks), tasks_correct=correct, completed_at=now,
                    answers=json.dumps({str(q.id): given.get(str(q.id)) for q in tasks}, ensure_ascii=False)) \
        .where(Progress.id == row.id).execute()
    return Progress.get_by_id(row.id)


def progress_of(student_id: int, textbook: Textbook) -> dict[int, Progress]:
    return {p.section_id: p for p in Progress.select().where((Progress.student == student_id)
                                                             & (Progress.textbook == textbook.id))}


def resume(student_id: int, textbook: Textbook) -> Section | None:
    """Where the student stopped: the last section they worked in if not completed, else the next one."""
    order = [s for _c, sections in contents(textbook) for s in sections]
    if not order:
        return None
    mine = progress_of(student_id, textbook)
    if not mine:
        return order[0]
    last = max(mine.values(), key=lambda p: (p.last_seen_at, p.id))
    index = next((i for i, s in enumerate(order) if s.id == last.section_id), 0)
    if last.completed_at is None:
        return order[index]
    for s in order[index + 1:]:
        if s.id not in mine or mine[s.id].completed_at is None:
            return s
    return order[index]


def class_map(textbook: Textbook, class_group: ClassGroup) -> dict:
    """The class's progress map: each student against each section (three queries)."""
    from eschool.plugin_api import class_students

    students = class_students(class_group)
    sections = [s for _c, ss in contents(textbook) for s in ss]
    cells = {}
    for p in Progress.select().where((Progress.textbook == textbook.id)
                                     & Progress.student.in_([s.id for s in students] or [0])):
        cells[(p.student_id, p.section_id)] = p
    return {"students": students, "sections": sections, "cells": cells}


def hardest(textbook: Textbook, class_group: ClassGroup | None = None, limit: int = 5) -> list[dict]:
    """Sections by lowest share of tasks solved, then longest average time (one query)."""
    query = (Progress.select(Progress.section, fn.SUM(Progress.tasks_correct).alias("ok"),
                             fn.SUM(Progress.tasks_total).alias("total"), fn.AVG(Progress.seconds).alias("secs"),
                             fn.COUNT(Progress.id).alias("n"))
             .where(Progress.textbook == textbook.id).group_by(Progress.section))
    if class_group is not None:
        from eschool.plugin_api import ClassMembership

        members = ClassMembership.select(ClassMembership.student).where(
            (ClassMembership.class_group == class_group.id) & ClassMembership.ends_on.is_null())
        query = query.where(Progress.student.in_(members))
    titles = {s.id: s.title for s in Section.select(Section.id, Section.title).where(Section.textbook == textbook.id)}
    rows = []
    for r in query.dicts():
        total = int(r["total"] or 0)
        rows.append({"section_id": r["section"], "title": titles.get(r["section"], ""), "students": r["n"],
                     "success": round(int(r["ok"] or 0) / total, 2) if total else None,
                     "avg_seconds": int(float(r["secs"] or 0))})
    rows.sort(key=lambda r: (r["success"] if r["success"] is not None else 2, -r["avg_seconds"]))
    return rows[:limit]


def section_readable(user, section_id: int) -> bool:
    section = Section.get_or_none(Section.id == section_id)
    if section is None:
        return False
    textbook = Textbook.get_by_id(section.textbook_id)
    return any(a.school_id == textbook.school_id or a.role == "region_operator"
               or (a.role == "municipal_operator" and school_by_id(textbook.school_id)
                   and school_by_id(textbook.school_id).municipality_id == a.municipality_id)
               for a in user_assignments(user))


def add_section_file(user, section: Section, storage):
    textbook = Textbook.get_by_id(section.textbook_id)
    if textbook.author_id != user.id:
        raise JournalForbidden(_l("Only the textbook's author adds files."))
    return attachments.save(CODE, storage, record_id=-section.id, school_id=textbook.school_id, user=user)


# =========================================================================== parents and students


def child_overview(student: Student) -> dict:
    """What a parent (or the student) sees: materials given as homework, tests for the class with the
    student's results, textbook progress. A fixed number of queries."""
    group = class_of_student(student)
    if group is None:
        return {"class": None, "materials": [], "quizzes": [], "textbooks": []}
    assigned = list(MaterialAssignment.select(MaterialAssignment, Material, Lesson)
                    .join(Material).switch(MaterialAssignment).join(Lesson)
                    .where(MaterialAssignment.class_group == group.id)
                    .order_by(Lesson.date.desc(), MaterialAssignment.id.desc()).limit(30))
    quizzes = list(quizzes_for_class(group.id).limit(30))
    tries = attempts_of(student.id, [q.id for q in quizzes])
    rows = []
    for q in quizzes:
        done = [a for a in tries.get(q.id, []) if a.status != "open"]
        best = max(done, key=lambda a: a.percent or 0) if done else None
        rows.append({"quiz": q, "state": quiz_state(q), "best": best, "attempts": len(tries.get(q.id, []))})
    books = list(textbooks(School.get_by_id(group.school_id)).where(
        (Textbook.grade == group.grade) | Textbook.grade.is_null()))
    totals = Counter(s.textbook_id for s in Section.select(Section.textbook).where(
        Section.textbook.in_([b.id for b in books] or [0])))
    done = Counter(p.textbook_id for p in Progress.select(Progress.textbook).where(
        (Progress.student == student.id) & Progress.completed_at.is_null(False)
        & Progress.textbook.in_([b.id for b in books] or [0])))
    return {"class": group, "materials": assigned, "quizzes": rows,
            "textbooks": [{"textbook": b, "sections": totals[b.id], "completed": done[b.id]} for b in books]}


def day_items(student: Student, day: dt.date) -> dict:
    """A diary day: materials given in that day's lessons, tests closing that day."""
    return week_items(student, day - dt.timedelta(days=day.weekday())).get(day, {})


def week_items(student: Student, monday: dt.date) -> dict[dt.date, dict]:
    """The diary week's days from Monday: materials given in each day's lessons, tests closing each day
    (three queries for the week, not three a day: the diary fills every day's slot)."""
    group = class_of_student(student)
    if group is None:
        return {}
    end = monday + dt.timedelta(days=7)
    days: dict[dt.date, dict] = defaultdict(lambda: {"materials": [], "quizzes": [], "school_id": group.school_id})
    for material in (Material.select(Material.id, Material.title, Material.school, Lesson.date.alias("day"))
                     .join(MaterialAssignment).join(Lesson)
                     .where((MaterialAssignment.class_group == group.id) & (Lesson.date >= monday)
                            & (Lesson.date < end)).objects()):
        day = material.day if isinstance(material.day, dt.date) else dt.date.fromisoformat(str(material.day)[:10])
        days[day]["materials"].append(material)
    from eschool.plugin_api import region_tz

    tz = region_tz()

    def utc(day):
        return dt.datetime.combine(day, dt.time()).replace(tzinfo=tz).astimezone(dt.UTC).replace(tzinfo=None)

    for quiz in quizzes_for_class(group.id).where((Quiz.closes_at >= utc(monday)) & (Quiz.closes_at <= utc(end))):
        local = quiz.closes_at.replace(tzinfo=dt.UTC).astimezone(tz)
        day = local.date() if local.time() != dt.time() else local.date() - dt.timedelta(days=1)
        if monday <= day < end:
            days[day]["quizzes"].append(quiz)
    return dict(days)
