"""The journal demo data: a term of lessons from the timetable with believable marks and attendance."""
import datetime as dt
import random
from collections import Counter

import pytest

from eschool.auth.models import User
from eschool.journal.models import Attendance, Homework, Lesson, Mark
from eschool_demo.journal import build_journal_demo

START, Q1_END, Q2_START, TODAY = dt.date(2026, 9, 1), dt.date(2026, 10, 25), dt.date(2026, 11, 5), dt.date(2026, 11, 20)
FIRST = ["Анна", "Борис", "Вера", "Глеб", "Дина", "Егор", "Жанна", "Зоя", "Иван", "Кира"]


@pytest.fixture
def small_school(app, demo):
    """Two classes of 20 with a timetable of 12 weekly lessons each, built through the services."""
    from eschool.people import services as people
    from eschool.school import services as school_services
    from eschool.timetable import services as timetable

    with app.app_context():
        s = demo["school"]
        year = school_services.create_year(s, {
            "name": "2026/2027", "starts_on": START, "ends_on": dt.date(2027, 5, 31), "is_current": True,
            "periods": [{"kind": "quarter", "number": 1, "starts_on": START, "ends_on": Q1_END, "grade_from": 1,
                         "grade_to": 11},
                        {"kind": "quarter", "number": 2, "starts_on": Q2_START, "ends_on": dt.date(2026, 12, 28),
                         "grade_from": 1, "grade_to": 11}]})
        subjects = [school_services.add_subject(s, {"name": name, "short_name": ""})
                    for name in ("Математика", "Русский язык", "История")]
        teachers = [User.get(User.username == "teacher"), User.get(User.username == "classteacher")]
        groups = []
        for grade in (5, 6):
            group = school_services.create_class(s, {
                "academic_year_id": year.id, "kind": "regular", "grade": grade, "letter": "А", "name": "",
                "shift": 1, "class_teacher_id": None, "subgroups": ["1 группа", "2 группа"] if grade == 6 else []})
            groups.append(group)
            for weekday in range(1, 7 if grade == 6 else 6):  # 6А also learns on Saturdays
                for number, subject in ((1, subjects[0]), (2, subjects[1])):
                    teacher = teachers[(number + grade) % 2]
                    timetable.add_entry(s, {"class_id": group.id, "weekday": weekday, "number": number + grade % 2 * 2,
                                            "subject_id": subject.id, "teacher_id": teacher.id, "room_id": None})
            if grade == 6:  # English in two halves at the same time, on Mondays
                english = school_services.add_subject(s, {"name": "Английский язык", "short_name": ""})
                for sub, teacher in zip(school_services.classes(s)[-1].subgroups, teachers, strict=True):
                    timetable.add_entry(s, {"class_id": group.id, "subgroup_id": sub.id, "weekday": 1, "number": 5,
                                            "subject_id": english.id, "teacher_id": teacher.id, "room_id": None})
            for i in range(20):
                people.enrol(s, {"last_name": f"Ученик{grade}", "first_name": FIRST[i % 10], "middle_name": str(i),
                                 "birth_date": dt.date(2015, 1, 1), "gender": "f", "document_kind": "birth_certificate",
                                 "document_number": "", "snils": "", "address": "", "class_id": group.id,
                                 "date": START, "order_number": f"{i}-у"})
        return {"school": s, "groups": groups, "year": year}


def test_a_term_of_lessons_marks_and_attendance(app, small_school):
    from eschool.journal import services as journal
    from eschool.timetable.models import TimetableEntry

    with app.app_context():
        school = small_school["school"]
        result = build_journal_demo(school, random.Random(7), log=lambda *_: None, today=TODAY)
        assert result["start"] == START and result["end"] == TODAY
        # every timetable slot of every study day, none in the autumn holiday, none on Sundays
        entries = list(TimetableEntry.select())
        expected = set()
        day = START
        while day <= TODAY:
            if day <= Q1_END or day >= Q2_START:
                expected |= {(e.id, day) for e in entries if e.weekday == day.isoweekday()}
            day += dt.timedelta(days=1)
        lessons = list(Lesson.select())
        assert {(lesson.timetable_entry_id, lesson.date) for lesson in lessons} == expected
        assert len(lessons) == len(expected) == result["lessons"]
        assert {lesson.teacher_id for lesson in lessons} == {e.teacher_id for e in entries}
        # the journal's own lesson making finds nothing missing (the grid will not double them)
        assert all(journal.ensure_lessons(group, START, TODAY) == 0 for group in small_school["groups"])

        # topics on almost every lesson; the last days have some not filled yet; some filled late
        states = Counter(journal.lesson_state(lesson, school=school) for lesson in lessons)
        assert states["filled"] > 0.7 * len(lessons) and 0 < states["late"] < 0.25 * len(lessons)
        assert 0 < states["overdue"] + states["open"] < 0.15 * len(lessons)
        homework = Homework.select().count()
        assert 0.3 * len(lessons) < homework < 0.6 * len(lessons)

        # marks: around four, a few per lesson, every student different, weights from the work types
        marks = list(Mark.select())
        values = Counter(m.value for m in marks)
        assert set(values) <= {"2", "3", "4", "5"} and values["5"] > values["2"] and values["4"] > values["2"]
        mean = sum(m.numeric for m in marks) / len(marks)
        assert 3.4 < mean < 4.5
        assert 2 <= len(marks) / (states["filled"] + states["late"]) and len(marks) / len(lessons) < 12
        weights = {w.id: w.weight for w in journal.work_types(school)}
        assert all(m.weight == weights[m.work_type_id] for m in marks)
        per_student: dict[int, list[int]] = {}
        for m in marks:
            per_student.setdefault(m.student_id, []).append(m.numeric)
        averages = sorted(sum(v) / len(v) for v in per_student.values())
        assert len(averages) == 40 and averages[-1] - averages[0] > 0.8  # strong and weak students

        # attendance: about 7% of students' lessons missed, illness in runs of days, a few late
        rows = list(Attendance.select())
        kinds = Counter(a.kind for a in rows)
        missed = kinds["absent"] + kinds["ill"] + kinds["excused"]
        subgroup_of = {lesson.id: lesson.subgroup_id for lesson in lessons if lesson.subgroup_id}
        whole = len(lessons) - len(subgroup_of)
        whole_missed = sum(1 for a in rows if a.kind != "late" and a.lesson_id not in subgroup_of)
        assert 0.04 < whole_missed / (20 * whole) < 0.12
        assert kinds["ill"] > kinds["absent"] > 0 and 0 < kinds["late"] < missed
        assert all(a.minutes_late for a in rows if a.kind == "late")
        lesson_day = {lesson.id: lesson.date for lesson in lessons}
        ill_days: dict[int, set] = {}
        for a in rows:
            if a.kind == "ill":
                ill_days.setdefault(a.student_id, set()).add(lesson_day[a.lesson_id])
        longest = max(_longest_run(sorted(days)) for days in ill_days.values())
        assert longest >= 3
        # a subgroup's lessons mark and record only its half of the class
        halves: dict[int, set] = {}
        for row in [*marks, *rows]:
            if row.lesson_id in subgroup_of:
                halves.setdefault(subgroup_of[row.lesson_id], set()).add(row.student_id)
        assert len(halves) == 2 and not set.intersection(*halves.values())
        # nobody has a mark in a lesson they missed
        away = {(a.lesson_id, a.student_id) for a in rows if a.kind != "late"}
        assert not any((m.lesson_id, m.student_id) in away for m in marks)


def _longest_run(days: list[dt.date]) -> int:
    """The longest run of consecutive school days (a weekend does not break it)."""
    best = run = 1
    for before, after in zip(days, days[1:], strict=False):
        gap = (after - before).days
        run = run + 1 if gap == 1 or (gap <= 3 and before.isoweekday() >= 5) else 1
        best = max(best, run)
    return best


def test_it_is_idempotent_and_skips_a_school_without_a_year(app, small_school, demo):
    with app.app_context():
        school = small_school["school"]
        first = build_journal_demo(school, random.Random(1), log=lambda *_: None, today=TODAY)
        counts = (Lesson.select().count(), Mark.select().count(), Attendance.select().count())
        assert first["lessons"] > 0
        assert build_journal_demo(school, random.Random(2), log=lambda *_: None, today=TODAY) == {}
        assert (Lesson.select().count(), Mark.select().count(), Attendance.select().count()) == counts


def test_outside_the_year_it_fills_the_first_quarter(app, small_school):
    with app.app_context():
        result = build_journal_demo(small_school["school"], random.Random(3), log=lambda *_: None,
                                    today=dt.date(2027, 8, 1))
        assert (result["start"], result["end"]) == (START, Q1_END)
        assert Lesson.select().where(Lesson.date > Q1_END).count() == 0
