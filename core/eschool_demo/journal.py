"""Journal demo data: a term of lessons with topics, homework, marks and attendance that look real.

``build_journal_demo(school, rng, log)`` fills the school's current year from its timetable, from the
year's first day up to today (or, when today is outside the year, to the end of the first quarter):
every timetable lesson of every school day inside a study period (holidays between periods have no
lessons). Each student has a typical level, so a class shows strong and weak students; most lessons
give one mark to a few students, tests mark everyone; the weight comes from the work type. About 7%
of students' lessons are missed: runs of illness over several days, single absences, an excused
day now and then, and a few students late. Most lessons are filled the same day, some late, and the
last days have lessons not filled yet (the control page has something to show).

Rows go in as bulk inserts inside one transaction: one prepared ``INSERT`` per table run with the
driver's ``executemany`` (peewee's ``insert_many`` spends most of its time building the SQL text of
every value: 12 s instead of about 4 s for a 600-student school on SQLite). Idempotent: nothing happens
when the school already has lessons.
"""
from __future__ import annotations

import datetime as dt
import random
import time
from zoneinfo import ZoneInfo

import peewee
from flask import current_app

from eschool.db import db
from eschool.journal.models import Attendance, Homework, Lesson, Mark, WorkType
from eschool.journal.services import homework_allowed
from eschool.people.models import ClassMembership
from eschool.school.models import AcademicYear, ClassGroup, CurriculumItem, Period, Subgroup, Subject
from eschool.structure.models import School
from eschool.timetable.models import Substitution, TimetableEntry

BATCH = 500

TOPICS = {
    "Русский язык": ["Повторение изученного в начальных классах", "Звуки и буквы. Орфограммы", "Состав слова",
                     "Правописание корней", "Имя существительное как часть речи", "Склонение имён существительных",
                     "Имя прилагательное", "Глагол: время и вид", "Синтаксис и пунктуация", "Сложное предложение",
                     "Прямая речь", "Изложение: подготовка", "Сочинение по картине"],
    "Литература": ["Устное народное творчество", "Сказки народов России", "А. С. Пушкин. Лирика",
                   "М. Ю. Лермонтов. «Бородино»", "Н. В. Гоголь. Повести", "И. С. Тургенев. «Муму»",
                   "Н. А. Некрасов. Стихотворения", "Л. Н. Толстой. «Кавказский пленник»", "Чтение наизусть"],
    "Математика": ["Натуральные числа", "Действия с натуральными числами", "Делимость чисел", "Обыкновенные дроби",
                   "Сложение и вычитание дробей", "Умножение и деление дробей", "Десятичные дроби",
                   "Проценты", "Уравнения", "Решение текстовых задач", "Координатная плоскость", "Площади фигур"],
    "Английский язык": ["Present Simple", "My family", "Present Continuous", "School life", "Past Simple",
                        "Travelling", "Future forms", "Food and health", "Reading: a story", "Vocabulary revision"],
    "История": ["Первобытные люди", "Древний Египет", "Древняя Греция", "Древний Рим", "Средние века в Европе",
                "Русь в IX–XII веках", "Московское государство", "Смутное время", "Работа с историческими источниками"],
    "Обществознание": ["Человек и общество", "Семья", "Школа и образование", "Труд", "Право и мораль",
                       "Государство", "Экономика семьи"],
    "География": ["План и карта", "Географические координаты", "Литосфера", "Гидросфера", "Атмосфера и климат",
                  "Природные зоны", "Население Земли", "Практическая работа с картой"],
    "Биология": ["Живые организмы", "Клетка", "Ткани растений", "Корень и побег", "Лист", "Цветок и плод",
                 "Лабораторная работа с микроскопом"],
    "Физика": ["Физические величины и их измерение", "Строение вещества", "Механическое движение", "Масса и плотность",
               "Силы в природе", "Давление", "Работа и мощность", "Лабораторная работа"],
    "Информатика": ["Информация и её свойства", "Компьютер и его устройство", "Файлы и папки", "Алгоритмы",
                    "Исполнители", "Текстовый редактор", "Электронные таблицы"],
    "Физическая культура": ["Лёгкая атлетика: бег", "Прыжки в длину", "Метание мяча", "Гимнастика",
                            "Баскетбол", "Волейбол", "Подвижные игры"],
}
GENERIC_TOPICS = ["Введение в тему", "Изучение нового материала", "Закрепление", "Практическая работа",
                  "Повторение и обобщение"]
HOMEWORK = ["Упражнение {n}, с. {p}", "Параграф {n}, вопросы 1–4", "№ {n}–{m}, с. {p}", "Выучить правило на с. {p}",
            "Подготовить сообщение по теме", "Прочитать с. {p}–{q}", "Рабочая тетрадь, с. {p}"]

#: Work types by code the demo uses: most lessons are oral or class work, some are tests.
ORDINARY, TEST = ("oral", "classwork", "homework"), ("test", "control", "dictation")


def bulk_insert(model, rows: list[dict]) -> None:
    """Insert ``rows`` (dicts with the same keys: field names), each value converted by its field as
    peewee would (dates, decimals, booleans): one prepared statement through ``executemany`` on SQLite,
    multi-row ``VALUES`` pages through psycopg2's ``execute_values`` on PostgreSQL (whose
    ``executemany`` is a round trip per row)."""
    if not rows:
        return
    names = list(rows[0])
    fields = [model._meta.fields[name] for name in names]
    converters = [f.db_value for f in fields]
    database = db.obj
    head = 'INSERT INTO "{}" ({}) VALUES '.format(model._meta.table_name,
                                                   ", ".join(f'"{f.column_name}"' for f in fields))
    cursor = database.cursor()
    for i in range(0, len(rows), BATCH * 10):
        values = [tuple(convert(row[name]) for convert, name in zip(converters, names, strict=True))
                  for row in rows[i:i + BATCH * 10]]
        if isinstance(database, peewee.PostgresqlDatabase):
            from psycopg2.extras import execute_values

            execute_values(cursor, head + "%s", values, page_size=1000)
        else:
            cursor.executemany(head + "({})".format(", ".join([database.param] * len(fields))), values)


def _term(year: AcademicYear, periods: list[Period], today: dt.date) -> tuple[dt.date, dt.date]:
    """The year's start up to today, or to the end of the first quarter when today is outside the year."""
    start = year.starts_on
    if start <= today <= year.ends_on:
        return start, today
    first = sorted((p for p in periods if p.number == 1), key=lambda p: p.ends_on)
    return start, (first[0].ends_on if first else min(year.ends_on, start + dt.timedelta(days=55)))


def _work_types(school: School) -> list[WorkType]:
    from eschool.journal import services as journal

    return journal.work_types(school)


def build_journal_demo(school: School, rng: random.Random, log=print, today: dt.date | None = None) -> dict:
    """Lessons, topics, homework, marks and attendance for the current year's first term. Idempotent."""
    started = time.perf_counter()
    year = AcademicYear.get_or_none((AcademicYear.school == school) & AcademicYear.is_current)
    if year is None:
        return {}
    if Lesson.select().where(Lesson.school == school).exists():
        log("journal: the school already has lessons; left as it is")
        return {}
    zone = ZoneInfo(current_app.extensions["eschool"].region.timezone)
    today = today or dt.datetime.now(zone).date()
    periods = list(Period.select().where(Period.academic_year == year))
    start, end = _term(year, periods, today)
    classes = {c.id: c for c in ClassGroup.select().where(ClassGroup.academic_year == year)}
    entries = list(TimetableEntry.select().where(TimetableEntry.academic_year == year)
                   .order_by(TimetableEntry.class_group, TimetableEntry.weekday, TimetableEntry.number))
    subjects = {s.id: s.name for s in Subject.select().where(Subject.school == school)}
    substitutes = {(s.entry_id, s.date): s.teacher_id for s in Substitution.select().join(TimetableEntry)
                   .where(TimetableEntry.academic_year == year)}
    scales = {(c.class_group_id, c.subject_id): c.scale for c in CurriculumItem.select()
              .where(CurriculumItem.class_group.in_(list(classes)))}
    first_grade_marks = current_app.extensions["eschool"].region.rules.get("first_grade_marks", False)
    # The school records no subgroup membership: the demo splits each class's students among its
    # subgroups by their place in the list, so a subgroup's lesson marks only its half of the class.
    subgroups: dict[int, list[int]] = {}
    for sub in Subgroup.select().where(Subgroup.class_group.in_(list(classes))).order_by(Subgroup.name, Subgroup.id):
        subgroups.setdefault(sub.class_group_id, []).append(sub.id)
    kinds = _work_types(school)
    by_code = {w.code: w for w in kinds}
    ordinary = [by_code[c] for c in ORDINARY if c in by_code] or kinds[:1]
    tests = [by_code[c] for c in TEST if c in by_code] or kinds[-1:]

    def studying(class_group: ClassGroup, day: dt.date) -> bool:
        return any(p.starts_on <= day <= p.ends_on and p.grade_from <= class_group.grade <= p.grade_to
                   for p in periods)

    def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return (dt.datetime.combine(day, dt.time(hour, minute), zone).astimezone(dt.UTC).replace(tzinfo=None))

    by_weekday: dict[tuple[int, int], list[TimetableEntry]] = {}
    for entry in entries:
        by_weekday.setdefault((entry.class_group_id, entry.weekday), []).append(entry)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    recent = end - dt.timedelta(days=6)

    # ---- lessons, with topics and who filled them when
    counters: dict[tuple[int, int], int] = {}
    lesson_rows = []
    for class_id, group in sorted(classes.items()):
        for day in days:
            if day.isoweekday() > 6 or not studying(group, day):
                continue
            for entry in by_weekday.get((class_id, day.isoweekday()), []):
                key = (class_id, entry.subject_id)
                index = counters[key] = counters.get(key, 0) + 1
                topics = TOPICS.get(subjects[entry.subject_id], GENERIC_TOPICS)
                topic = topics[(index - 1) // 2 % len(topics)]
                if index % 2 == 0:
                    topic += " (закрепление)"
                work_type = rng.choice(tests) if index % 8 == 0 else rng.choice(ordinary)
                roll = rng.random()
                if roll < (0.2 if day >= recent else 0.02):
                    topic, filled_at = "", None  # not filled (yet)
                elif roll < 0.12 + (0.2 if day >= recent else 0.02):
                    filled_at = local(day + dt.timedelta(days=rng.randint(1, 4)), 20, rng.randint(0, 59))
                else:
                    filled_at = local(day, 13 + rng.randint(0, 4), rng.randint(0, 59))
                filled_at = None if not topic else min(filled_at, local(end, 23, 0))
                lesson_rows.append({
                    "school": school.id, "class_group": class_id, "subgroup": entry.subgroup_id,
                    "subject": entry.subject_id, "date": day, "number": entry.number, "timetable_entry": entry.id,
                    "teacher": substitutes.get((entry.id, day), entry.teacher_id), "topic": topic,
                    "work_type": work_type.id, "created_at": local(day, 7), "updated_at": filled_at or local(day, 7),
                    "filled_at": filled_at, "version": 1})
    memberships: dict[int, list[ClassMembership]] = {}
    for m in ClassMembership.select().where(ClassMembership.class_group.in_(list(classes))):
        memberships.setdefault(m.class_group_id, []).append(m)
    students = sorted({m.student_id for ms in memberships.values() for m in ms})
    order = {m.student_id: i for ms in memberships.values()
             for i, m in enumerate(sorted(ms, key=lambda m: m.student_id))}
    level = {sid: min(4.9, max(2.6, rng.gauss(3.9, 0.55))) for sid in students}

    with db.atomic():
        bulk_insert(Lesson, lesson_rows)
        lessons = list(Lesson.select(Lesson.id, Lesson.class_group, Lesson.subject, Lesson.date, Lesson.number,
                                     Lesson.teacher, Lesson.work_type, Lesson.topic, Lesson.subgroup)
                       .where(Lesson.school == school).order_by(Lesson.class_group, Lesson.date, Lesson.number)
                       .tuples())

        # ---- attendance: runs of illness, single absences, an excused day, a few late
        away: dict[tuple[int, dt.date], str] = {}  # (student, day) -> kind for the whole day
        for class_id, ms in memberships.items():
            group = classes[class_id]
            school_days = [d for d in days if d.isoweekday() <= 6 and studying(group, d)
                           and by_weekday.get((class_id, d.isoweekday()))]
            for m in ms:
                ill_left = 0
                for day in school_days:
                    if m.starts_on > day or (m.ends_on is not None and m.ends_on < day):
                        continue
                    if ill_left:
                        away[(m.student_id, day)], ill_left = "ill", ill_left - 1
                    elif rng.random() < 0.011:
                        away[(m.student_id, day)], ill_left = "ill", rng.randint(2, 6)
                    elif rng.random() < 0.004:
                        away[(m.student_id, day)] = "excused"
        attendance_rows, mark_rows, homework_rows = [], [], []
        homework_for = {class_id: homework_allowed(group) for class_id, group in classes.items()}  # not the 1st grade in Kuzbass
        weights = {w.id: w.weight for w in kinds}
        tests_ids = {w.id for w in tests}
        for lesson_id, class_id, subject_id, day, number, teacher_id, work_type_id, topic, subgroup_id in lessons:
            at = local(day, 8 + (number or 1))
            present = []
            split = subgroups.get(class_id, [])
            for m in memberships.get(class_id, []):
                if m.starts_on > day or (m.ends_on is not None and m.ends_on < day):
                    continue
                if subgroup_id is not None and split and split[order[m.student_id] % len(split)] != subgroup_id:
                    continue
                kind = away.get((m.student_id, day))
                if kind is None and rng.random() < 0.02:
                    kind = "absent"
                if kind is None and number == 1 and rng.random() < 0.03 or kind is None and rng.random() < 0.003:
                    kind = "late"
                if kind is not None:
                    attendance_rows.append({
                        "lesson": lesson_id, "student": m.student_id, "kind": kind,
                        "reason": "справка" if kind == "ill" and rng.random() < 0.6 else "",
                        "minutes_late": rng.randint(3, 15) if kind == "late" else None, "recorded_by": teacher_id,
                        "created_at": at, "updated_at": at, "version": 1})
                if kind in (None, "late"):
                    present.append(m.student_id)
            scale = ("none" if classes[class_id].grade == 1 and not first_grade_marks
                     else scales.get((class_id, subject_id), "five_point"))
            if scale != "none" and topic:
                marked = present if work_type_id in tests_ids else rng.sample(present, min(len(present),
                                                                                        rng.randint(2, 6)))
                for student_id in marked:
                    for slot in range(1 if rng.random() < 0.85 else 2):
                        value = _mark(rng, level[student_id], scale)
                        mark_rows.append({
                            "lesson": lesson_id, "student": student_id, "slot": slot, "value": value,
                            "numeric": int(value) if value.isdigit() else None, "work_type": work_type_id,
                            "weight": weights[work_type_id], "comment": "", "author": teacher_id, "created_at": at,
                            "updated_at": at, "version": 1})
            if topic and homework_for[class_id] and rng.random() < 0.5:
                n = rng.randint(1, 300)
                homework_rows.append({
                    "lesson": lesson_id, "text": rng.choice(HOMEWORK).format(n=n, m=n + rng.randint(2, 6),
                                                                            p=rng.randint(5, 200),
                                                                            q=rng.randint(201, 220)),
                    "links": "", "minutes_needed": rng.choice((15, 20, 30, 40, None)), "for_all": True,
                    "created_by": teacher_id, "created_at": at, "updated_at": at, "version": 1})
        for model, rows in ((Attendance, attendance_rows), (Mark, mark_rows), (Homework, homework_rows)):
            bulk_insert(model, rows)
    seconds = time.perf_counter() - started
    log(f"journal: {len(lessons)} lessons {start:%d.%m}-{end:%d.%m}, {len(mark_rows)} marks, "
        f"{len(attendance_rows)} attendance records, {len(homework_rows)} homework ({seconds:.1f} s)")
    return {"lessons": len(lessons), "marks": len(mark_rows), "attendance": len(attendance_rows),
            "homework": len(homework_rows), "start": start, "end": end, "seconds": seconds}


def _mark(rng: random.Random, level: float, scale: str) -> str:
    """A mark around the student's level: a strong student gets mostly fives, a weak one threes."""
    if scale == "pass_fail":
        return "pass" if rng.random() < min(0.97, level / 4.6) else "fail"
    return str(min(5, max(2, round(rng.gauss(level, 0.75)))))
