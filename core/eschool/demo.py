"""``eschool demo``: a region with its municipalities, a demo school, and an account for every role."""
from __future__ import annotations

import random

from flask import current_app

from eschool.auth import services as auth
from eschool.auth.models import User
from eschool.db import db
from eschool.structure import services as structure
from eschool.structure.models import School

DEMO_PASSWORD = "demo-2026"

# (username, full name, role, level)
DEMO_PEOPLE = [
    ("region", "Оператор Региона", "region_operator", "region"),
    ("municipal", "Оператор Муниципалитета", "municipal_operator", "municipality"),
    ("admin", "Администратор Школы", "school_admin", "school"),
    ("director", "Директор Школы", "director", "school"),
    ("deputy", "Заместитель Директора", "deputy_director", "school"),
    ("classteacher", "Классный Руководитель", "class_teacher", "class"),
    ("teacher", "Учитель Предметник", "subject_teacher", "school"),
    ("secretary", "Секретарь Школы", "secretary", "school"),
    ("hrspec", "Специалист Кадров", "hr_specialist", "school"),
    ("medic", "Медицинский Работник", "medical_worker", "school"),
    ("psychologist", "Педагог Психолог", "psychologist", "school"),
    ("technician", "Технический Сотрудник", "technical_staff", "school"),
    ("student", "Ученик Демонстрационный", "student", "class"),
    ("parent", "Родитель Демонстрационный", "parent", "school"),
]


def build_demo(log=print, seed: int = 2026, school_year: bool = True) -> dict:
    """Idempotent: running it twice leaves one demo school and one set of accounts.

    ``school_year=False`` leaves out the year, classes and timetable (the tests' quick demo).
    """
    ext = current_app.extensions["eschool"]
    region = ext.region
    munis = structure.sync_municipalities(region)
    muni = munis[0]
    rng = random.Random(seed)
    with db.atomic():
        school = School.get_or_none(School.short_name == "Демо-школа №1")
        if school is None:
            school = structure.create_school(
                muni, "Муниципальное бюджетное общеобразовательное учреждение «Демонстрационная школа №1»",
                "Демо-школа №1", address="ул. Школьная, 1", phone="+7 900 000-00-01", email="school1@example.org")
        accounts = []
        for username, full_name, role, level in DEMO_PEOPLE:
            if role not in ext.roles:
                continue  # an extra role this region does not have
            user = User.get_or_none(User.username == username)
            if user is None:
                user = auth.create_user(username, full_name, password=DEMO_PASSWORD, must_change_password=False)
            kwargs = {"region": {}, "municipality": {"municipality": muni}, "school": {"school": school},
                      "class": {"school": school, "class_group_id": 1}}[level]
            auth.grant_role(user, role, allowed_roles=ext.roles, **kwargs)
            accounts.append((username, role))
    if school_year:
        build_school_year(school, rng, log)
    from eschool.plugins.services import enabled_plugins, scope_for_school

    enabled = enabled_plugins(scope_for_school(school))
    ext.plugins.call_each("eschool_demo_data", only=enabled, school=school, rng=rng, log=log)
    return {"school": school, "municipalities": munis, "accounts": accounts, "password": DEMO_PASSWORD}


# --------------------------------------------------------------------------- the school year and timetable

SUBJECTS = [  # name, short name, hours per week in grades 5-9, in grades 10-11
    ("Русский язык", "Рус", 5, 3), ("Литература", "Лит", 3, 3), ("Математика", "Мат", 5, 5),
    ("Английский язык", "Англ", 3, 3), ("История", "Ист", 2, 2), ("Обществознание", "Общ", 1, 2),
    ("География", "Гео", 2, 1), ("Биология", "Био", 1, 1), ("Физика", "Физ", 2, 2),
    ("Информатика", "Инф", 1, 1), ("Физическая культура", "Физ-ра", 2, 2),
]
BELLS = [("08:00", "08:40"), ("08:50", "09:30"), ("09:45", "10:25"), ("10:40", "11:20"), ("11:35", "12:15"),
         ("12:25", "13:05"), ("13:15", "13:55")]
TEACHER_NAMES = ["Андреева Ольга Викторовна", "Борисов Игорь Павлович", "Васильева Наталья Сергеевна",
                 "Григорьев Павел Андреевич", "Дмитриева Елена Игоревна", "Егоров Сергей Николаевич",
                 "Жукова Татьяна Михайловна", "Зайцева Марина Олеговна", "Иванов Алексей Петрович",
                 "Козлова Светлана Юрьевна", "Лебедев Дмитрий Александрович", "Морозова Анна Владимировна",
                 "Никитина Ирина Геннадьевна", "Орлов Виктор Степанович", "Павлова Юлия Романовна",
                 "Романов Константин Ильич", "Семёнова Людмила Фёдоровна", "Тихонов Артём Денисович",
                 "Ульянова Вера Аркадьевна", "Федорова Галина Борисовна", "Харитонов Максим Олегович",
                 "Цветкова Дарья Евгеньевна", "Чернов Роман Викторович", "Шестакова Нина Львовна"]


def build_school_year(school: School, rng: random.Random, log=print) -> None:
    """The current year with its periods, subjects, rooms, classes 5-11 (А and Б), curriculum, teachers,
    teaching assignments, the bell schedule and a week's timetable without clashes. Idempotent."""
    import datetime as dt

    from eschool.school import services as school_services
    from eschool.school.models import AcademicYear, TeachingAssignment
    from eschool.timetable import services as timetable

    if AcademicYear.select().where(AcademicYear.school == school).exists():
        return
    ext = current_app.extensions["eschool"]
    start = dt.date(2026, 9, 1)
    quarters = [("2026-09-01", "2026-10-25"), ("2026-11-05", "2026-12-28"), ("2027-01-12", "2027-03-22"),
                ("2027-04-01", "2027-05-31")]
    periods = [{"kind": "quarter", "number": i + 1, "starts_on": dt.date.fromisoformat(a),
                "ends_on": dt.date.fromisoformat(b), "grade_from": 1, "grade_to": 9} for i, (a, b) in enumerate(quarters)]
    periods += [{"kind": "semester", "number": 1, "starts_on": start, "ends_on": dt.date(2026, 12, 28),
                 "grade_from": 10, "grade_to": 11},
                {"kind": "semester", "number": 2, "starts_on": dt.date(2027, 1, 12), "ends_on": dt.date(2027, 5, 31),
                 "grade_from": 10, "grade_to": 11}]
    with db.atomic():
        year = school_services.create_year(school, {"name": "2026/2027", "starts_on": start,
                                                    "ends_on": dt.date(2027, 5, 31), "is_current": True,
                                                    "periods": periods})
        subjects = {name: school_services.add_subject(school, {"name": name, "short_name": short})
                    for name, short, _a, _b in SUBJECTS}
        timetable.set_lesson_times(school, 1, [
            {"number": n + 1, "starts_at": dt.time.fromisoformat(a), "ends_at": dt.time.fromisoformat(b)}
            for n, (a, b) in enumerate(BELLS)])
        teachers_by_subject: dict[str, list] = {name: [] for name in subjects}
        staff = iter(TEACHER_NAMES)

        def new_teacher(subject_name):
            number = sum(len(v) for v in teachers_by_subject.values()) + 1
            user = auth.create_user(f"uchitel{number:02d}", next(staff, f"Учитель {number}"),
                                    password=DEMO_PASSWORD, must_change_password=False)
            auth.grant_role(user, "subject_teacher", school=school, allowed_roles=ext.roles)
            teachers_by_subject[subject_name].append(user)
            return user

        placed, busy, chosen_for = 0, set(), {}
        for grade in range(5, 12):
            for letter in "АБ":
                room = school_services.add_room(school, {"name": str(200 + (grade - 5) * 2 + "АБ".index(letter)),
                                                         "building": "", "capacity": 30})
                group = school_services.create_class(school, {
                    "academic_year_id": year.id, "kind": "regular", "grade": grade, "letter": letter, "name": "",
                    "shift": 1, "class_teacher_id": None, "subgroups": []})
                plan = [(name, hours_lower if grade < 10 else hours_upper)
                        for name, _s, hours_lower, hours_upper in SUBJECTS]
                school_services.set_curriculum(school, group, [
                    {"subject_id": subjects[name].id, "hours_per_week": hours} for name, hours in plan])
                lessons = [name for name, hours in plan for _ in range(hours)]
                rng.shuffle(lessons)
                free = [(day, number) for day in range(1, 6) for number in range(1, 7)]
                for name in lessons:
                    if name not in chosen_for:
                        chosen_for[name] = {}
                    teacher = chosen_for[name].get(group.id)
                    if teacher is None:  # the least busy teacher of the subject with room for this class
                        load = [(len([k for k in busy if k[0] == t.id]), t) for t in teachers_by_subject[name]]
                        fits = [t for n, t in sorted(load, key=lambda x: x[0]) if n + dict(plan)[name] <= 27]
                        teacher = fits[0] if fits else new_teacher(name)
                        chosen_for[name][group.id] = teacher
                        TeachingAssignment.create(teacher=teacher, class_group=group, subject=subjects[name])
                    slot = next((s for s in free if (teacher.id, *s) not in busy), None)
                    if slot is None:
                        continue
                    timetable.add_entry(school, {"class_id": group.id, "weekday": slot[0], "number": slot[1],
                                                 "subject_id": subjects[name].id, "teacher_id": teacher.id,
                                                 "room_id": room.id})
                    free.remove(slot)
                    busy.add((teacher.id, *slot))
                    placed += 1
        students = _demo_students(school, year, rng)
    teachers = sum(len(v) for v in teachers_by_subject.values())
    log(f"students: {students} in 14 classes; 'student' and 'parent' are linked to one of 5А")
    log(f"school year 2026/2027: 14 classes, {len(subjects)} subjects, {teachers} teachers "
        f"(uchitel01-uchitel{teachers:02d}), {placed} weekly lessons")


LAST_NAMES = [("Иванов", "Иванова"), ("Смирнов", "Смирнова"), ("Кузнецов", "Кузнецова"), ("Попов", "Попова"),
              ("Соколов", "Соколова"), ("Лебедев", "Лебедева"), ("Новиков", "Новикова"), ("Морозов", "Морозова"),
              ("Волков", "Волкова"), ("Алексеев", "Алексеева"), ("Зайцев", "Зайцева"), ("Павлов", "Павлова"),
              ("Семёнов", "Семёнова"), ("Голубев", "Голубева"), ("Виноградов", "Виноградова"), ("Богданов", "Богданова")]
BOYS = ["Александр", "Максим", "Артём", "Михаил", "Даниил", "Иван", "Кирилл", "Егор", "Никита", "Матвей"]
GIRLS = ["София", "Анна", "Мария", "Алиса", "Виктория", "Полина", "Елизавета", "Дарья", "Варвара", "Ксения"]
PATRONYMICS = [("Александрович", "Александровна"), ("Сергеевич", "Сергеевна"), ("Андреевич", "Андреевна"),
               ("Дмитриевич", "Дмитриевна"), ("Игоревич", "Игоревна")]


def _demo_students(school: School, year, rng: random.Random) -> int:
    """20 to 28 students in each class, enrolled through the movement book; the demo student and
    parent accounts are linked to the first student of 5А, whose class teacher is 'classteacher'."""
    import datetime as dt

    from eschool.auth.models import RoleAssignment
    from eschool.people import services as people
    from eschool.people.models import Student
    from eschool.school.models import ClassGroup

    count = 0
    for group in ClassGroup.select().where(ClassGroup.academic_year == year).order_by(ClassGroup.grade,
                                                                                      ClassGroup.letter):
        for number in range(rng.randint(20, 28)):
            girl = rng.random() < 0.5
            last = rng.choice(LAST_NAMES)[1 if girl else 0]
            born = dt.date(2026 - group.grade - 6, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
            people.enrol(school, {
                "last_name": last, "first_name": rng.choice(GIRLS if girl else BOYS),
                "middle_name": rng.choice(PATRONYMICS)[1 if girl else 0], "birth_date": born,
                "gender": "f" if girl else "m", "document_kind": "birth_certificate" if group.grade < 9 else "passport",
                "document_number": f"{rng.randint(1000, 9999)} {rng.randint(100000, 999999)}", "snils": "",
                "address": f"ул. Школьная, {rng.randint(1, 60)}, кв. {rng.randint(1, 120)}",
                "class_id": group.id, "date": dt.date(2026, 9, 1), "order_number": f"{number + 1}-у"})
            count += 1
    first_class = ClassGroup.get((ClassGroup.academic_year == year) & (ClassGroup.name == "5А"))
    teacher = User.get_or_none(User.username == "classteacher")
    if teacher is not None:
        RoleAssignment.update(class_group_id=first_class.id).where(
            (RoleAssignment.user == teacher) & (RoleAssignment.role == "class_teacher")).execute()
        first_class.class_teacher = teacher
        first_class.save()
    first = people.class_students(first_class, dt.date(2026, 9, 1))[0]
    student_user = User.get_or_none(User.username == "student")
    if student_user is not None:
        Student.update(user=student_user).where(Student.id == first.id).execute()
        RoleAssignment.update(class_group_id=first_class.id).where(
            (RoleAssignment.user == student_user) & (RoleAssignment.role == "student")).execute()
    parent = User.get_or_none(User.username == "parent")
    if parent is not None:
        people.link_guardian(first, {"user_id": parent.id, "relation": "mother", "legal_representative": True})
        people.record_consent(first, {"given_by": parent.full_name, "given_on": dt.date(2026, 9, 1)})
    return count
