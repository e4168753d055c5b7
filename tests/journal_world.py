"""A school for the journal tests, built through the services: a current year whose second period covers
today, 5А (maths kept by 'teacher', class teacher 'classteacher') with a weekday timetable, 6Б kept by
another teacher ('other'), students enrolled, the demo student and parent linked to 5А's first student."""
from __future__ import annotations

import datetime as dt

from eschool.auth import services as auth
from eschool.auth.models import RoleAssignment, User
from eschool.people import services as people
from eschool.school import services as school_services
from eschool.structure.models import School
from eschool.timetable import services as timetable
from tests.conftest import DEMO_PASSWORD

NAMES = ["Абрамов", "Белова", "Волков", "Громова", "Данилов", "Ежова", "Жаров", "Зимина", "Ильин", "Котова",
         "Лапин", "Миронова", "Носов", "Осипова", "Петров", "Рябова", "Смирнов", "Титова", "Уваров", "Фомина",
         "Хохлов", "Цыганова", "Чистяков", "Шубина", "Щукин", "Юдина", "Яковлев", "Агеева", "Блинов", "Валиева",
         "Горбунов", "Дроздова", "Ершов", "Жильцова", "Захаров", "Исаева", "Кудрин", "Лыкова", "Мухин", "Нефёдова"]


def enrol(school, group, count: int, on: dt.date, start: int = 0):
    return [people.enrol(school, {
        "last_name": NAMES[(start + i) % len(NAMES)], "first_name": f"Ученик{start + i:02d}", "middle_name": "",
        "birth_date": dt.date(2015, 1, 1), "gender": "m", "document_kind": "birth_certificate",
        "document_number": "", "snils": "", "address": "", "class_id": group.id, "date": on,
        "order_number": f"{start + i}-у"}, notify=False) for i in range(count)]


def build_world(app, demo, students: int = 6) -> dict:
    from eschool.journal import services as journal

    with app.app_context():
        school = School.get_by_id(demo["school"].id)
        today = journal.local_today()
        start, end = today - dt.timedelta(days=120), today + dt.timedelta(days=150)
        year = school_services.create_year(school, {
            "name": f"{start.year}/{end.year}", "starts_on": start, "ends_on": end, "is_current": True,
            "periods": [
                {"kind": "quarter", "number": 1, "starts_on": start, "ends_on": today - dt.timedelta(days=30),
                 "grade_from": 1, "grade_to": 11},
                {"kind": "quarter", "number": 2, "starts_on": today - dt.timedelta(days=29),
                 "ends_on": today + dt.timedelta(days=60), "grade_from": 1, "grade_to": 11}]})
        teacher = User.get(User.username == "teacher")
        classteacher = User.get(User.username == "classteacher")
        other = auth.create_user("other", "Другой Учитель", password=DEMO_PASSWORD, must_change_password=False)
        auth.grant_role(other, "subject_teacher", school=school, allowed_roles=app.extensions["eschool"].roles)
        maths = school_services.add_subject(school, {"name": "Математика", "short_name": "Мат"})
        c5 = school_services.create_class(school, {"academic_year_id": year.id, "grade": 5, "letter": "А",
                                                   "kind": "regular", "name": "", "shift": 1,
                                                   "class_teacher_id": classteacher.id, "subgroups": []})
        c6 = school_services.create_class(school, {"academic_year_id": year.id, "grade": 6, "letter": "Б",
                                                   "kind": "regular", "name": "", "shift": 1,
                                                   "class_teacher_id": None, "subgroups": []})
        RoleAssignment.update(class_group_id=c5.id).where(
            (RoleAssignment.user == classteacher) & (RoleAssignment.role == "class_teacher")).execute()
        school_services.add_assignment(school, {"teacher_id": teacher.id, "class_id": c5.id, "subject_id": maths.id,
                                                "subgroup_id": None})
        school_services.add_assignment(school, {"teacher_id": other.id, "class_id": c6.id, "subject_id": maths.id,
                                                "subgroup_id": None})
        for weekday in range(1, 6):
            timetable.add_entry(school, {"class_id": c5.id, "weekday": weekday, "number": 2, "subject_id": maths.id,
                                         "teacher_id": teacher.id, "room_id": None})
            timetable.add_entry(school, {"class_id": c6.id, "weekday": weekday, "number": 3, "subject_id": maths.id,
                                         "teacher_id": other.id, "room_id": None})
        kids = enrol(school, c5, students, start)
        enrol(school, c6, 3, start, start=20)
        student_user = User.get(User.username == "student")
        from eschool.people.models import Student

        Student.update(user=student_user).where(Student.id == kids[0].id).execute()
        RoleAssignment.update(class_group_id=c5.id).where(
            (RoleAssignment.user == student_user) & (RoleAssignment.role == "student")).execute()
        people.link_guardian(kids[0], {"user_id": User.get(User.username == "parent").id, "relation": "mother",
                                       "legal_representative": True})
        return {"school": school.id, "year": year.id, "c5": c5.id, "c6": c6.id, "maths": maths.id,
                "teacher": teacher.id, "other": other.id, "students": [k.id for k in kids], "today": today,
                "grid": f"/school/{school.id}/journal/class/{c5.id}/subject/{maths.id}",
                "base": f"/school/{school.id}/journal"}


def recent_lesson(app, world):
    """The latest 5А maths lesson on or before today (made by the grid page from the timetable)."""
    from eschool.journal.models import Lesson

    with app.app_context():
        return (Lesson.select().where((Lesson.class_group == world["c5"]) & (Lesson.date <= world["today"]))
                .order_by(Lesson.date.desc()).first())
