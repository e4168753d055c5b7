"""A small school for the journal tests, built through the services, around today's date.

5А (class teacher ``classteacher``) with three students: Анна (the demo ``student``, child of ``parent``),
Борис and Вера; 6Б with Глеб (child of ``parent2``). ``teacher`` teaches Математика in 5А; ``teacher2``
teaches Математика in 6Б (lesson 1). Two periods: the first ends three days ago, the second runs from two days ago.
A weekly timetable gives 5А Математика every weekday, lesson 2.
"""
from __future__ import annotations

import datetime as dt

from eschool.auth import services as auth
from eschool.auth.models import RoleAssignment, User

PASSWORD = "demo-2026"


def build_journal_school(app, school) -> dict:
    from eschool.journal.services import local_today
    from eschool.people import services as people
    from eschool.people.models import Student
    from eschool.school import services as s
    from eschool.timetable import services as timetable

    roles = app.extensions["eschool"].roles
    today = local_today()
    year = s.create_year(school, {
        "name": "Тестовый год", "starts_on": today - dt.timedelta(days=120), "ends_on": today + dt.timedelta(days=120),
        "is_current": True, "periods": [
            {"kind": "quarter", "number": 1, "starts_on": today - dt.timedelta(days=120),
             "ends_on": today - dt.timedelta(days=3), "grade_from": 1, "grade_to": 11},
            {"kind": "quarter", "number": 2, "starts_on": today - dt.timedelta(days=2),
             "ends_on": today + dt.timedelta(days=120), "grade_from": 1, "grade_to": 11}]})
    maths = s.add_subject(school, {"name": "Математика", "short_name": "Мат"})
    russian = s.add_subject(school, {"name": "Русский язык", "short_name": "Рус"})
    classteacher = User.get(User.username == "classteacher")
    teacher = User.get(User.username == "teacher")
    teacher2 = auth.create_user("teacher2", "Учитель Второй", password=PASSWORD, must_change_password=False)
    auth.grant_role(teacher2, "subject_teacher", school=school, allowed_roles=roles)
    c5 = s.create_class(school, {"academic_year_id": year.id, "kind": "regular", "grade": 5, "letter": "А",
                                 "name": "", "shift": 1, "class_teacher_id": classteacher.id, "subgroups": []})
    c6 = s.create_class(school, {"academic_year_id": year.id, "kind": "regular", "grade": 6, "letter": "Б",
                                 "name": "", "shift": 1, "class_teacher_id": None, "subgroups": []})
    RoleAssignment.update(class_group_id=c5.id).where(
        (RoleAssignment.user == classteacher) & (RoleAssignment.role == "class_teacher")).execute()
    RoleAssignment.update(class_group_id=c5.id).where(
        (RoleAssignment.role == "student") & (RoleAssignment.user == User.get(User.username == "student"))).execute()
    s.add_assignment(school, {"teacher_id": teacher.id, "class_id": c5.id, "subject_id": maths.id, "subgroup_id": None})
    s.add_assignment(school, {"teacher_id": teacher2.id, "class_id": c6.id, "subject_id": maths.id,
                              "subgroup_id": None})
    s.add_assignment(school, {"teacher_id": classteacher.id, "class_id": c5.id, "subject_id": russian.id,
                              "subgroup_id": None})
    timetable.set_lesson_times(school, 1, [
        {"number": 1, "starts_at": dt.time(8, 0), "ends_at": dt.time(8, 40)},
        {"number": 2, "starts_at": dt.time(8, 50), "ends_at": dt.time(9, 30)}])
    for weekday in range(1, 6):
        timetable.add_entry(school, {"class_id": c5.id, "weekday": weekday, "number": 2, "subject_id": maths.id,
                                     "teacher_id": teacher.id, "room_id": None})
        timetable.add_entry(school, {"class_id": c5.id, "weekday": weekday, "number": 1, "subject_id": russian.id,
                                     "teacher_id": classteacher.id, "room_id": None})
        timetable.add_entry(school, {"class_id": c6.id, "weekday": weekday, "number": 1, "subject_id": maths.id,
                                     "teacher_id": teacher2.id, "room_id": None})
    card = {"middle_name": "", "birth_date": dt.date(2015, 3, 4), "gender": "f", "document_kind": "birth_certificate",
            "document_number": "", "snils": "", "address": ""}
    enrol = {"date": year.starts_on, "order_number": "1-у"}
    anna = people.enrol(school, {**card, "last_name": "Аксёнова", "first_name": "Анна", **enrol, "class_id": c5.id})
    boris = people.enrol(school, {**card, "last_name": "Быков", "first_name": "Борис", "gender": "m", **enrol,
                                  "class_id": c5.id})
    vera = people.enrol(school, {**card, "last_name": "Волкова", "first_name": "Вера", **enrol, "class_id": c5.id})
    gleb = people.enrol(school, {**card, "last_name": "Горин", "first_name": "Глеб", "gender": "m", **enrol,
                                 "class_id": c6.id})
    Student.update(user=User.get(User.username == "student")).where(Student.id == anna.id).execute()
    people.link_guardian(anna, {"user_id": User.get(User.username == "parent").id, "relation": "mother",
                                "legal_representative": True})
    parent2 = auth.create_user("parent2", "Родитель Второй", password=PASSWORD, must_change_password=False)
    auth.grant_role(parent2, "parent", school=school, allowed_roles=roles)
    people.link_guardian(gleb, {"user_id": parent2.id, "relation": "father", "legal_representative": True})
    return {"school": school, "year": year, "today": today, "maths": maths, "russian": russian, "c5": c5, "c6": c6,
            "teacher": teacher, "teacher2": teacher2, "classteacher": classteacher, "parent2": parent2,
            "anna": anna, "boris": boris, "vera": vera, "gleb": gleb}
