"""Demo data: a subject's materials, a test taken by a class with its marks in the journal, a smart textbook
chapter with the class's progress. Built through the services; idempotent."""
from __future__ import annotations

import datetime as dt

from eschool.plugin_api import (
    ClassGroup,
    Student,
    TeachingAssignment,
    User,
    class_students,
    current_membership,
    utcnow,
)

MATERIALS = [
    ("Обыкновенные дроби: теория", "Обыкновенные дроби", "school",
     "## Что такое дробь\n\nДробь $\\frac{a}{b}$ показывает, что целое разделили на **b** равных частей и взяли "
     "**a** таких частей.\n\n- *a* — числитель\n- *b* — знаменатель\n\n| Дробь | Десятичная |\n|---|---|\n"
     "| 1/2 | 0,5 |\n| 1/4 | 0,25 |\n| 3/4 | 0,75 |\n"),
    ("Сложение дробей с разными знаменателями", "Сложение и вычитание дробей", "region",
     "1. Найдите общий знаменатель.\n2. Приведите дроби к нему.\n3. Сложите числители.\n\n> Пример: 1/2 + 1/3 = "
     "3/6 + 2/6 = 5/6\n"),
    ("Карточки для устного счёта", "Обыкновенные дроби", "municipality",
     "Двадцать карточек для разминки в начале урока: сравнение, сокращение, перевод в десятичные.\n"),
]
QUESTIONS = [
    {"kind": "single", "text": "Какая дробь больше?", "options": ["1/3", "1/2", "1/4"], "correct": [1]},
    {"kind": "multiple", "text": "Выберите дроби, равные 1/2", "options": ["2/4", "3/6", "2/3", "5/10"],
     "correct": [0, 1, 3]},
    {"kind": "number", "text": "Запишите 3/4 десятичной дробью", "value": 0.75, "tolerance": 0},
    {"kind": "text", "text": "Как называется число над чертой дроби?", "accepted": ["числитель"]},
    {"kind": "matching", "text": "Соотнесите дроби и десятичные записи",
     "pairs": [["1/2", "0,5"], ["1/4", "0,25"], ["1/5", "0,2"]]},
    {"kind": "ordering", "text": "Расположите по возрастанию", "items": ["1/8", "1/4", "1/2", "1"]},
]


def _setting(school):
    """The demo teacher's class and subject (the ``student`` account's class if the teacher teaches there)."""
    student_user = User.get_or_none(User.username == "student")
    student = Student.get_or_none(Student.user == student_user.id) if student_user else None
    membership = current_membership(student) if student else None
    query = (TeachingAssignment.select(TeachingAssignment, ClassGroup).join(ClassGroup)
             .where(ClassGroup.school == school.id))
    if membership is not None:
        mine = query.where(TeachingAssignment.class_group == membership.class_group_id)
        teacher = User.get_or_none(User.username == "teacher")
        pick = (mine.where(TeachingAssignment.teacher == teacher.id).first() if teacher else None) or mine.first()
        if pick is not None:
            return pick
    return query.first()


def build(school, rng, log):
    from eschool_knowledge_base import services
    from eschool_knowledge_base.models import Material

    if Material.select().where(Material.school == school.id).exists():
        return
    pair = _setting(school)
    if pair is None:
        log("knowledge_base: no teaching assignment at the demo school, nothing built")
        return
    teacher = User.get_by_id(pair.teacher_id)
    group = pair.class_group
    subject = pair.subject
    for title, topic, level, body in MATERIALS:
        material = services.save_material(teacher, school, {"title": title, "subject": subject.name,
                                                            "grade": group.grade, "topic": topic, "body": body,
                                                            "level": level})
        services.publish(teacher, material)
    question_ids = [services.save_question(teacher, school, {"subject_id": subject.id, "topic": "Обыкновенные дроби",
                                                             "points": 1, **q}).id for q in QUESTIONS]
    now = utcnow()
    quiz = services.save_quiz(teacher, school, {
        "title": "Проверочная работа: дроби", "description": "Шесть вопросов, 15 минут, одна попытка.",
        "subject_id": subject.id, "question_ids": question_ids, "mode": "fixed", "draw_count": None,
        "time_limit": 15, "attempts_allowed": 1, "opens_at": now - dt.timedelta(days=1),
        "closes_at": now + dt.timedelta(days=6), "class_ids": [group.id], "work_type_id": None, "review": False})
    students = class_students(group)
    taken = 0
    for student in students[: max(len(students) - 2, 1)]:
        attempt = services.start_attempt(None, student, quiz, now=now - dt.timedelta(hours=2))
        answers = {}
        for q in services.attempt_questions(attempt):
            key = services.key_of(q)
            right = rng.random() < 0.7
            answers[str(q.id)] = {
                "single": lambda k=key, r=right: k["correct"] if r else [0],
                "multiple": lambda k=key, r=right: k["correct"] if r else [0, 2],
                "number": lambda k=key, r=right: str(k["value"]) if r else "0,34",
                "text": lambda k=key, r=right: k["accepted"][0] if r else "знаменатель",
                "matching": lambda k=key, r=right: k["pairs"] if r else list(reversed(k["pairs"])),
                "ordering": lambda k=key, r=right: k["order"] if r else list(reversed(k["order"])),
            }[q.kind]()
        services.submit(None, attempt, answers, now=now - dt.timedelta(hours=2) + dt.timedelta(minutes=rng.randint(5, 14)))
        taken += 1
    book = services.save_textbook(teacher, school, {"title": f"{subject.name}, {group.grade} класс: дроби",
                                                    "subject": subject.name, "grade": group.grade})
    chapter = services.add_chapter(book, "Глава 1. Обыкновенные дроби")
    sections = [services.add_section(chapter, title, body, ids) for title, body, ids in (
        ("1.1. Доли и дроби", MATERIALS[0][3], question_ids[:1]),
        ("1.2. Сравнение дробей", "Из двух дробей с одинаковыми знаменателями больше та, у которой числитель больше.",
         question_ids[5:6]),
        ("1.3. Сложение дробей", MATERIALS[1][3], question_ids[2:3]))]
    for n, student in enumerate(students):
        moment = now - dt.timedelta(days=2, minutes=n)
        for depth, section in enumerate(sections):
            if depth > n % 4:
                break
            services.open_section(student, section, now=moment)
            moment += dt.timedelta(minutes=rng.randint(3, 12) + 4 * depth)
            tasks = services.section_tasks(section)
            answers = {str(q.id): (services.key_of(q).get("correct") or services.key_of(q).get("order")
                                   or str(services.key_of(q).get("value")))
                       if rng.random() < 0.8 - 0.25 * depth else None for q in tasks}
            services.answer_section(student, section, answers, now=moment)
    log(f"knowledge_base: {len(MATERIALS)} materials, a test taken by {taken} students of {group.name} "
        f"with marks in the journal, a textbook chapter of {len(sections)} sections with progress")
