"""A small school world for tests, built through the services as a school would build it.

One municipality and one school of the region (the profile's first municipality), an account for
every role of the region with the password ``PASSWORD``, a current year whose second quarter covers
today, 5А (class teacher ``classteacher``, maths kept by ``teacher``, a weekday timetable) and 6Б
(maths kept by ``other``), students enrolled in both, the ``student`` account as 5А's first student
and the ``parent`` account as that student's mother.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

PASSWORD = "demo-2026"

#: (username, full name, role, level) of the accounts the world creates, where the region has the role.
ACCOUNTS = (
    ("region", "Оператор Региона", "region_operator", "region"),
    ("municipal", "Оператор Муниципалитета", "municipal_operator", "municipality"),
    ("admin", "Администратор Школы", "school_admin", "school"),
    ("director", "Директор Школы", "director", "school"),
    ("deputy", "Заместитель Директора", "deputy_director", "school"),
    ("classteacher", "Классный Руководитель", "class_teacher", "school"),
    ("teacher", "Учитель Предметник", "subject_teacher", "school"),
    ("other", "Другой Учитель", "subject_teacher", "school"),
    ("secretary", "Секретарь Школы", "secretary", "school"),
    ("hrspec", "Специалист Кадров", "hr_specialist", "school"),
    ("medic", "Медицинский Работник", "medical_worker", "school"),
    ("psychologist", "Педагог Психолог", "psychologist", "school"),
    ("technician", "Технический Сотрудник", "technical_staff", "school"),
    ("student", "Ученик Первый", "student", "school"),
    ("parent", "Родитель Первого", "parent", "school"),
)

#: The role each username acts in (``login_as("class_teacher")`` finds ``classteacher``).
ROLE_USERNAMES = {role: username for username, _name, role, _level in ACCOUNTS}

LAST_NAMES = ["Абрамов", "Белова", "Волков", "Громова", "Данилов", "Ежова", "Жаров", "Зимина", "Ильин", "Котова",
              "Лапин", "Миронова", "Носов", "Осипова", "Петров", "Рябова", "Смирнов", "Титова", "Уваров", "Фомина",
              "Хохлов", "Цыганова", "Чистяков", "Шубина", "Щукин", "Юдина", "Яковлев", "Агеева", "Блинов", "Валиева",
              "Горбунов", "Дроздова", "Ершов", "Жильцова", "Захаров", "Исаева", "Кудрин", "Лыкова", "Мухин", "Нефёдова"]


@dataclass
class World:
    """Ids of what the world holds (read models inside an app context with ``Model.get_by_id``)."""

    municipality: int
    school: int
    year: int
    c5: int
    c6: int
    maths: int
    users: dict[str, int] = field(default_factory=dict)  # username -> user id
    students: list[int] = field(default_factory=list)  # 5А's students, the ``student`` account first
    others: list[int] = field(default_factory=list)  # 6Б's students
    today: dt.date | None = None

    def user_id(self, who: str) -> int:
        """A user's id by username or by role code (``"class_teacher"``)."""
        return self.users[ROLE_USERNAMES.get(who, who)]


def enrol_students(school, group, count: int, on: dt.date, start: int = 0) -> list:
    """Enrol ``count`` students in ``group`` from ``on`` (through the people services), numbered from
    ``start``: «Абрамов Ученик00», «Белова Ученик01», ... Returns the ``Student`` rows."""
    from eschool.people import services as people

    return [people.enrol(school, {
        "last_name": LAST_NAMES[n % len(LAST_NAMES)], "first_name": f"Ученик{n:02d}", "middle_name": "",
        "birth_date": dt.date(2015, 1, 1 + n % 28), "gender": "m" if n % 2 else "f",
        "document_kind": "birth_certificate", "document_number": "", "snils": "", "address": "",
        "class_id": group.id, "date": on, "order_number": f"{n}-у"}, notify=False) for n in range(start, start + count)]


def build_world(app, students: int = 6, others: int = 3, school_id: int | None = None,
                second_period_from: int = 29) -> World:
    """Build the world in ``app``'s database (empty but migrated) and return its ids.

    ``school_id``: build it in that existing school instead (e.g. the demo school of
    ``eschool demo``): its municipality, and the accounts above that already exist by username (the
    demo's), are used as they are; the missing ones are created. ``second_period_from``: how many days
    before today the second quarter starts (the first ends the day before)."""
    from eschool.auth import services as auth
    from eschool.auth.models import RoleAssignment, User
    from eschool.journal.services import local_today
    from eschool.people import services as people
    from eschool.school import services as school_services
    from eschool.structure import services as structure
    from eschool.structure.models import School
    from eschool.timetable import services as timetable

    ext = app.extensions["eschool"]
    with app.app_context():
        if school_id is None:
            municipality = structure.sync_municipalities(ext.region)[0]
            school = structure.create_school(municipality, "Тестовая школа № 1", "Тестовая школа")
        else:
            school = School.get_by_id(school_id)
            municipality = school.municipality
        users = {}
        for username, full_name, role, level in ACCOUNTS:
            if role not in ext.roles:
                continue  # an extra role this region does not have
            existing = User.get_or_none(User.username == username) if school_id is not None else None
            if existing is not None:
                users[username] = existing
                continue
            user = auth.create_user(username, full_name, password=PASSWORD, must_change_password=False)
            scope = {"municipality": municipality} if level == "municipality" else \
                {"school": school} if level == "school" else {}
            auth.grant_role(user, role, allowed_roles=ext.roles, **scope)
            users[username] = user
        today = local_today()
        start, end = today - dt.timedelta(days=120), today + dt.timedelta(days=150)
        year = school_services.create_year(school, {
            "name": f"{start.year}/{end.year}", "starts_on": start, "ends_on": end, "is_current": True,
            "periods": [
                {"kind": "quarter", "number": 1, "starts_on": start,
                 "ends_on": today - dt.timedelta(days=second_period_from + 1), "grade_from": 1, "grade_to": 11},
                {"kind": "quarter", "number": 2, "starts_on": today - dt.timedelta(days=second_period_from),
                 "ends_on": today + dt.timedelta(days=60), "grade_from": 1, "grade_to": 11}]})
        maths = school_services.add_subject(school, {"name": "Математика", "short_name": "Мат"})
        c5 = school_services.create_class(school, {
            "academic_year_id": year.id, "grade": 5, "letter": "А", "kind": "regular", "name": "", "shift": 1,
            "class_teacher_id": users["classteacher"].id, "subgroups": []})
        c6 = school_services.create_class(school, {
            "academic_year_id": year.id, "grade": 6, "letter": "Б", "kind": "regular", "name": "", "shift": 1,
            "class_teacher_id": None, "subgroups": []})
        RoleAssignment.update(class_group_id=c5.id).where(
            (RoleAssignment.user == users["classteacher"]) & (RoleAssignment.role == "class_teacher")).execute()
        for teacher, group in ((users["teacher"], c5), (users["other"], c6)):
            school_services.add_assignment(school, {"teacher_id": teacher.id, "class_id": group.id,
                                                    "subject_id": maths.id, "subgroup_id": None})
        for weekday in range(1, 6):
            timetable.add_entry(school, {"class_id": c5.id, "weekday": weekday, "number": 2, "subject_id": maths.id,
                                         "teacher_id": users["teacher"].id, "room_id": None})
            timetable.add_entry(school, {"class_id": c6.id, "weekday": weekday, "number": 3, "subject_id": maths.id,
                                         "teacher_id": users["other"].id, "room_id": None})
        kids = enrol_students(school, c5, students, start)
        rest = enrol_students(school, c6, others, start, start=20)
        from eschool.people.models import Student

        RoleAssignment.update(class_group_id=c5.id).where(
            (RoleAssignment.user == users["student"]) & (RoleAssignment.role == "student")).execute()
        if kids:  # with students=0 the caller enrols its own and links the accounts itself
            Student.update(user=users["student"]).where(Student.id == kids[0].id).execute()
            people.link_guardian(kids[0], {"user_id": users["parent"].id, "relation": "mother",
                                           "legal_representative": True})
        return World(municipality=municipality.id, school=school.id, year=year.id, c5=c5.id, c6=c6.id,
                     maths=maths.id, users={u: user.id for u, user in users.items()},
                     students=[k.id for k in kids], others=[k.id for k in rest], today=today)
