"""The final-mark and keeping-rule tests' school: the testing kit's world (``eschool.testing.world``, the
one builder) in the demo school, with the second period from two days ago, plus what these tests name.

5А (class teacher ``classteacher``) with three students: Анна (the demo ``student``, child of ``parent``),
Борис and Вера; 6Б with Глеб (child of ``parent2``). ``teacher`` teaches Математика in 5А (lesson 2 every
weekday); ``other`` teaches Математика in 6Б; ``classteacher`` teaches Русский язык in 5А (lesson 1). The
first period ends three days ago, the second runs from two days ago.
"""
from __future__ import annotations

import datetime as dt

from eschool.auth import services as auth
from eschool.auth.models import User
from eschool.testing.world import PASSWORD, build_world


def build_journal_school(app, school) -> dict:
    from eschool.people import services as people
    from eschool.people.models import Student
    from eschool.school import services as s
    from eschool.school.models import AcademicYear, ClassGroup, Subject
    from eschool.timetable import services as timetable

    world = build_world(app, students=0, others=0, school_id=school.id, second_period_from=2)
    year, maths = AcademicYear.get_by_id(world.year), Subject.get_by_id(world.maths)
    c5, c6 = ClassGroup.get_by_id(world.c5), ClassGroup.get_by_id(world.c6)
    teacher, other, classteacher = (User.get_by_id(world.user_id(name)) for name in ("teacher", "other", "classteacher"))
    russian = s.add_subject(school, {"name": "Русский язык", "short_name": "Рус"})
    s.add_assignment(school, {"teacher_id": classteacher.id, "class_id": c5.id, "subject_id": russian.id,
                              "subgroup_id": None})
    timetable.set_lesson_times(school, 1, [
        {"number": 1, "starts_at": dt.time(8, 0), "ends_at": dt.time(8, 40)},
        {"number": 2, "starts_at": dt.time(8, 50), "ends_at": dt.time(9, 30)},
        {"number": 3, "starts_at": dt.time(9, 40), "ends_at": dt.time(10, 20)}])
    for weekday in range(1, 6):
        timetable.add_entry(school, {"class_id": c5.id, "weekday": weekday, "number": 1, "subject_id": russian.id,
                                     "teacher_id": classteacher.id, "room_id": None})
    card = {"middle_name": "", "birth_date": dt.date(2015, 3, 4), "gender": "f", "document_kind": "birth_certificate",
            "document_number": "", "snils": "", "address": "", "date": year.starts_on, "order_number": "1-у"}
    anna = people.enrol(school, {**card, "last_name": "Аксёнова", "first_name": "Анна", "class_id": c5.id})
    boris = people.enrol(school, {**card, "last_name": "Быков", "first_name": "Борис", "gender": "m", "class_id": c5.id})
    vera = people.enrol(school, {**card, "last_name": "Волкова", "first_name": "Вера", "class_id": c5.id})
    gleb = people.enrol(school, {**card, "last_name": "Горин", "first_name": "Глеб", "gender": "m", "class_id": c6.id})
    Student.update(user=User.get(User.username == "student")).where(Student.id == anna.id).execute()
    people.link_guardian(anna, {"user_id": User.get(User.username == "parent").id, "relation": "mother",
                                "legal_representative": True})
    parent2 = auth.create_user("parent2", "Родитель Второй", password=PASSWORD, must_change_password=False)
    auth.grant_role(parent2, "parent", school=school, allowed_roles=app.extensions["eschool"].roles)
    people.link_guardian(gleb, {"user_id": parent2.id, "relation": "father", "legal_representative": True})
    return {"school": school, "year": year, "today": world.today, "maths": maths, "russian": russian, "c5": c5,
            "c6": c6, "teacher": teacher, "other": other, "classteacher": classteacher, "parent2": parent2,
            "anna": anna, "boris": boris, "vera": vera, "gleb": gleb}
