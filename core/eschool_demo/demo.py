"""``eschool demo``: a region with its municipalities, a demo school, and an account for every role."""
from __future__ import annotations

import random

from flask import current_app

from eschool.auth import services as auth
from eschool.auth.models import RoleAssignment, User
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


def build_demo(log=print, seed: int = 2026, school_year: bool = True, journal: bool = True) -> dict:
    """Idempotent: running it twice leaves one demo school and one set of accounts.

    ``school_year=False`` leaves out the year, classes and timetable (the tests' quick demo);
    ``journal=False`` leaves out the term of lessons, marks, attendance and homework.
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
        accounts, password_hash = [], None
        for username, full_name, role, level in DEMO_PEOPLE:
            if role not in ext.roles:
                continue  # an extra role this region does not have
            user = User.get_or_none(User.username == username)
            if user is None:
                # one (slow, scrypt) hash for all demo accounts: they share the password anyway
                password_hash = password_hash or auth.hash_password(DEMO_PASSWORD)
                user = auth.create_user(username, full_name, must_change_password=False)
                user.password_hash = password_hash
                user.save(only=[User.password_hash])
            kwargs = {"region": {}, "municipality": {"municipality": muni}, "school": {"school": school},
                      "class": {"school": school, "class_group_id": 1}}[level]
            placed = level == "class" and RoleAssignment.select().where(  # moved to a real class since
                (RoleAssignment.user == user) & (RoleAssignment.role == role)
                & (RoleAssignment.school == school)).exists()
            if not placed:
                auth.grant_role(user, role, allowed_roles=ext.roles, **kwargs)
            accounts.append((username, role))
    year = build_school_year(school, rng, log, password_hash) if school_year else {}
    if school_year and journal:
        from eschool_demo.journal import build_journal_demo

        build_journal_demo(school, rng, log)
    from eschool.plugins.models import PluginToggle
    from eschool.plugins.services import enabled_plugins, scope_for_school, set_toggle

    for code, entry in ext.plugins.region.plugins.items():  # `demo = true`: on at the demo school
        if entry.get("demo") and code in ext.plugins.infos and not PluginToggle.select().where(
                (PluginToggle.plugin == code) & (PluginToggle.scope_type == "school")
                & (PluginToggle.scope_id == school.id)).exists():
            set_toggle(ext.plugins, code, "school", school.id, True, actor="demo")
    enabled = enabled_plugins(scope_for_school(school))
    ext.plugins.call_each("eschool_demo_data", only=enabled, school=school, rng=rng, log=log)
    return {"school": school, "municipalities": munis, "accounts": accounts, "password": DEMO_PASSWORD,
            "school_year": year, "notes": account_notes([u for u, _r in accounts]) if year else {}}


def account_notes(usernames: list[str]) -> dict[str, str]:
    """What each demo account is in the school year, for the list ``eschool demo`` prints:
    ``{"classteacher": "class teacher of 5А; teaches Литература, Русский язык in 5А, 5Б", ...}``."""
    from eschool.people.models import ClassMembership, Guardian, Student
    from eschool.school.models import ClassGroup, TeachingAssignment

    users = {u.id: u.username for u in User.select().where(User.username.in_(usernames))}
    notes: dict[str, list[str]] = {}
    for group in ClassGroup.select().where(ClassGroup.class_teacher.in_(list(users))):
        notes.setdefault(users[group.class_teacher_id], []).append(f"class teacher of {group.name}")
    taught: dict[int, tuple[set, set]] = {}
    for a in TeachingAssignment.select().where(TeachingAssignment.teacher.in_(list(users))):
        subjects, classes = taught.setdefault(a.teacher_id, (set(), set()))
        subjects.add(a.subject.name)
        classes.add(a.class_group.name)
    for user_id, (subjects, classes) in taught.items():
        notes.setdefault(users[user_id], []).append(
            f"teaches {', '.join(sorted(subjects))} in {', '.join(sorted(classes, key=lambda c: (len(c), c)))}")
    def class_of(student):
        membership = ClassMembership.get_or_none((ClassMembership.student == student)
                                                 & ClassMembership.ends_on.is_null())
        return membership.class_group.name if membership else "?"

    for student in Student.select().where(Student.user.in_(list(users))):
        notes.setdefault(users[student.user_id], []).append(f"{student.full_name}, {class_of(student)}")
    for guardian in Guardian.select().where(Guardian.user.in_(list(users))):
        notes.setdefault(users[guardian.user_id], []).append(
            f"{guardian.relation} of {guardian.student.full_name} ({class_of(guardian.student)})")
    return {username: "; ".join(parts) for username, parts in notes.items()}


# --------------------------------------------------------------------------- the school year: what is taught

#: name, short name, hours per week in grades 1..11 (the federal curricula ФОП НОО/ООО/СОО, a five-day week)
SUBJECTS = [
    ("Русский язык", "Рус", (5, 5, 5, 5, 5, 6, 4, 3, 3, 2, 2)),
    ("Литературное чтение", "Лит. чт", (4, 4, 4, 3, 0, 0, 0, 0, 0, 0, 0)),
    ("Литература", "Лит", (0, 0, 0, 0, 3, 3, 2, 2, 3, 3, 3)),
    ("Английский язык", "Англ", (0, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3)),
    ("Математика", "Мат", (4, 4, 4, 4, 5, 5, 0, 0, 0, 0, 0)),
    ("Алгебра", "Алг", (0, 0, 0, 0, 0, 0, 3, 3, 3, 3, 3)),
    ("Геометрия", "Геом", (0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2)),
    ("Вероятность и статистика", "ВиС", (0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1)),
    ("Информатика", "Инф", (0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1)),
    ("Окружающий мир", "Окр. мир", (2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0)),
    ("История", "Ист", (0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2)),
    ("Обществознание", "Общ", (0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2)),
    ("География", "Гео", (0, 0, 0, 0, 1, 1, 2, 2, 2, 1, 1)),
    ("Биология", "Био", (0, 0, 0, 0, 1, 1, 1, 2, 2, 1, 1)),
    ("Физика", "Физ", (0, 0, 0, 0, 0, 0, 2, 2, 3, 2, 2)),
    ("Химия", "Хим", (0, 0, 0, 0, 0, 0, 0, 2, 2, 1, 1)),
    ("Основы религиозных культур и светской этики", "ОРКСЭ", (0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0)),
    ("Основы духовно-нравственной культуры народов России", "ОДНКНР", (0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0)),
    ("Изобразительное искусство", "ИЗО", (1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0)),
    ("Музыка", "Муз", (1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0)),
    ("Технология", "Техн", (1, 1, 1, 1, 2, 2, 2, 1, 0, 0, 0)),
    ("Основы безопасности и защиты Родины", "ОБЗР", (0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1)),
    ("Физическая культура", "Физ-ра", (2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2)),
]
#: What the class's own primary-school teacher teaches in grades 1-4; the rest comes from specialists.
PRIMARY_TEACHER_SUBJECTS = {"Русский язык", "Литературное чтение", "Математика", "Окружающий мир",
                            "Изобразительное искусство", "Технология",
                            "Основы религиозных культур и светской этики"}
#: Which kind of teacher teaches a subject (outside the primary teacher's own subjects).
SPECIALISM = {"Русский язык": "rus", "Литература": "rus", "Английский язык": "eng", "Математика": "math",
              "Алгебра": "math", "Геометрия": "math", "Вероятность и статистика": "math", "Информатика": "inf",
              "История": "hist", "Обществознание": "hist",
              "Основы духовно-нравственной культуры народов России": "hist", "География": "geo",
              "Биология": "bio", "Физика": "phys", "Химия": "chem", "Изобразительное искусство": "art",
              "Музыка": "music", "Технология": "tech", "Основы безопасности и защиты Родины": "obzr",
              "Физическая культура": "pe"}
POSITIONS = {"primary": "Учитель начальных классов", "rus": "Учитель русского языка и литературы",
             "eng": "Учитель английского языка", "math": "Учитель математики", "inf": "Учитель информатики",
             "hist": "Учитель истории и обществознания", "geo": "Учитель географии", "bio": "Учитель биологии",
             "phys": "Учитель физики", "chem": "Учитель химии", "art": "Учитель изобразительного искусства",
             "music": "Учитель музыки", "tech": "Учитель технологии",
             "obzr": "Преподаватель-организатор ОБЗР", "pe": "Учитель физической культуры"}
#: How many hours a week a specialist is planned for (a full post is 18): the specialism's hours are
#: shared out evenly among as few teachers as stay under this, each taking consecutive classes.
MAX_HOURS = {"pe": 26}
MAX_HOURS_DEFAULT = 22
#: Class teachers of grades 5-11 come from these specialisms first.
CLASS_TEACHER_ORDER = ["rus", "math", "hist", "eng", "bio", "geo", "chem", "phys", "inf", "art", "music", "tech",
                       "obzr", "pe"]

CLASSES = {1: "АБВ", 2: "АБВ", 3: "АБ", 4: "АБ", 5: "АБВ", 6: "АБ", 7: "АБ", 8: "АБ", 9: "АБ", 10: "АБ", 11: "АБ"}
#: Grades 2 and 3 study in the second shift, in the home rooms of grades 1 and 4 (too few primary rooms).
SECOND_SHIFT = (2, 3)
SHARED_ROOMS = {"1А": "2А", "1Б": "2Б", "1В": "2В", "4А": "3А", "4Б": "3Б"}
CLASS_SIZE = {1: (25, 28), 2: (24, 28), 3: (24, 27), 4: (23, 27), 5: (23, 27), 6: (22, 27), 7: (22, 26),
              8: (21, 26), 9: (21, 25), 10: (17, 23), 11: (16, 22)}
DAILY_MAX = {1: 4, 2: 5, 3: 5, 4: 5, 5: 6, 6: 6, 7: 7, 8: 7, 9: 7, 10: 7, 11: 7}
ENGLISH_GROUPS = ["1 группа", "2 группа"]  # English is taught in two halves of the class
BELLS = {1: [("08:00", "08:40"), ("08:50", "09:30"), ("09:45", "10:25"), ("10:40", "11:20"), ("11:35", "12:15"),
             ("12:25", "13:05"), ("13:15", "13:55")],
         2: [("13:00", "13:40"), ("13:50", "14:30"), ("14:45", "15:25"), ("15:40", "16:20"), ("16:30", "17:10"),
             ("17:20", "18:00")]}
FIRST_DAY = "2026-09-01"

#: Other staff: (role, position); a role the region does not have is left out.
OTHER_STAFF = [("deputy_director", "Заместитель директора по воспитательной работе"),
               ("subject_teacher", "Педагог-организатор"), ("subject_teacher", "Педагог-библиотекарь"),
               ("subject_teacher", "Педагог дополнительного образования"),
               ("subject_teacher", "Педагог дополнительного образования"),
               ("psychologist", "Социальный педагог"), ("technical_staff", "Лаборант")]
DEMO_POSITIONS = {"admin": "Системный администратор", "director": "Директор",
                  "deputy": "Заместитель директора по учебно-воспитательной работе",
                  "classteacher": POSITIONS["rus"], "teacher": POSITIONS["math"],
                  "secretary": "Секретарь учебной части", "hrspec": "Специалист по кадрам",
                  "medic": "Медицинская сестра", "psychologist": "Педагог-психолог",
                  "technician": "Рабочий по обслуживанию здания"}


def build_school_year(school: School, rng: random.Random, log=print, password_hash: str | None = None) -> dict:
    """The current year with its periods, subjects, bells for two shifts, classes 1-11 (two or three
    letters each), their curriculum, about fifty staff, teaching assignments, a clash-free week, class
    teachers, and some six hundred students with their parents. Idempotent: a school that already has
    a year is left as it is. Returns :func:`school_year_data`.

    Rows are made through the services (years, subjects, rooms, classes, curriculum, bells); the bulk
    rows (accounts, assignments, timetable, students, families) are inserted in batches in the same
    transaction, after the same checks the services make (the timetable through :func:`_schedule`,
    which refuses what ``timetable.services.clashes`` refuses).
    """
    from eschool.school.models import AcademicYear

    if AcademicYear.select().where(AcademicYear.school == school).exists():
        return school_year_data(school)
    ext = current_app.extensions["eschool"]
    with db.atomic():
        year = _create_year(school)
        subjects, groups, rooms = _create_classes(school, year)
        # one hash for all: every demo account has the same password
        password_hash = password_hash or auth.hash_password(DEMO_PASSWORD)
        taken = {u.username for u in User.select(User.username)}
        staff = _hire_staff(school, ext.roles, groups, rooms, password_hash, taken, rng)
        units = staff["units"]
        assignments = _insert_assignments(units, staff["users"], subjects)
        entries, windows, missing = _insert_timetable(year, groups, units, staff["users"], rooms, subjects, rng)
        _class_teachers(school, groups, units, staff["users"])
        families = _enrol_families(school, groups, password_hash, taken, rng)
    teachers = staff["teachers"]
    log(f"school year 2026/2027: {len(groups)} classes (grades 1–11; 2nd and 3rd in the second shift), "
        f"{len(subjects)} subjects, {len(staff['all'])} staff of whom {len(staff['users'])} teachers "
        f"(uchitel01–uchitel{len(teachers):02d}, 'classteacher', 'teacher'), {assignments} teaching "
        f"assignments, {entries} weekly lessons" + (f" ({windows} classes with a free period)" if windows else "")
        + (f"; {missing} lessons found no time" if missing else ""))
    log(f"students: {families['students']} with {families['parents']} parents "
        f"({families['siblings']} families with two children at the school); every account's password is "
        f"{DEMO_PASSWORD}, logins like {families['example_parent']} (parent) and {families['example_student']} "
        f"(student)")
    log("'student' is in 5А, whose class teacher is 'classteacher' (Russian and literature) and whose "
        "mathematics teacher is 'teacher'; 'parent' is the mother of 'student' and of a second child in 2А")
    return school_year_data(school)


def school_year_data(school: School) -> dict:
    """What the demo built, for whoever adds to it (journal data): the current year, its classes
    (with ``subgroups``), subjects by name, teaching assignments (with their teacher) and the week's
    timetable."""
    from eschool.school import services as school_services
    from eschool.school.models import Subject
    from eschool.timetable import services as timetable

    year = school_services.current_year(school)
    if year is None:
        return {}
    return {"year": year, "classes": school_services.classes(school, year),
            "subjects": {s.name: s for s in Subject.select().where(Subject.school == school)},
            "assignments": school_services.assignments(school, year),
            "timetable": timetable.week(school, year)}


def _create_year(school: School):
    import datetime as dt

    from eschool.school import services as school_services
    from eschool.timetable import services as timetable

    start = dt.date.fromisoformat(FIRST_DAY)
    quarters = [("2026-09-01", "2026-10-25"), ("2026-11-05", "2026-12-28"), ("2027-01-12", "2027-03-22"),
                ("2027-04-01", "2027-05-31")]
    periods = [{"kind": "quarter", "number": i + 1, "starts_on": dt.date.fromisoformat(a),
                "ends_on": dt.date.fromisoformat(b), "grade_from": 1, "grade_to": 9} for i, (a, b) in enumerate(quarters)]
    periods += [{"kind": "semester", "number": 1, "starts_on": start, "ends_on": dt.date(2026, 12, 28),
                 "grade_from": 10, "grade_to": 11},
                {"kind": "semester", "number": 2, "starts_on": dt.date(2027, 1, 12), "ends_on": dt.date(2027, 5, 31),
                 "grade_from": 10, "grade_to": 11}]
    year = school_services.create_year(school, {"name": "2026/2027", "starts_on": start,
                                                "ends_on": dt.date(2027, 5, 31), "is_current": True,
                                                "periods": periods})
    for shift, bells in BELLS.items():
        timetable.set_lesson_times(school, shift, [
            {"number": n + 1, "starts_at": dt.time.fromisoformat(a), "ends_at": dt.time.fromisoformat(b)}
            for n, (a, b) in enumerate(bells)])
    return year


def _create_classes(school: School, year):
    """Subjects, the classes with their English halves and curriculum, and the primary home rooms."""
    from eschool.school import services as school_services

    subjects = {name: school_services.add_subject(school, {"name": name, "short_name": short})
                for name, short, _hours in SUBJECTS}
    groups, rooms = [], {}
    for grade, letters in CLASSES.items():
        for letter in letters:
            english = SUBJECTS[3][2][grade - 1] > 0
            group = school_services.create_class(school, {
                "academic_year_id": year.id, "kind": "regular", "grade": grade, "letter": letter, "name": "",
                "shift": 2 if grade in SECOND_SHIFT else 1, "class_teacher_id": None,
                "subgroups": ENGLISH_GROUPS if english else []})
            group.subgroups = {s.name: s for s in group.subgroups}
            group.plan = [(name, hours[grade - 1]) for name, _short, hours in SUBJECTS if hours[grade - 1]]
            school_services.set_curriculum(school, group, [
                {"subject_id": subjects[name].id, "hours_per_week": hours} for name, hours in group.plan])
            groups.append(group)
    for number, (first, second) in enumerate(SHARED_ROOMS.items()):
        room = school_services.add_room(school, {"name": str(101 + number), "building": "", "capacity": 30})
        rooms[("primary", first)] = rooms[("primary", second)] = room
    return subjects, groups, rooms


# --------------------------------------------------------------------------- staff and who teaches what


def _plan_teaching(groups) -> tuple[list[dict], dict]:
    """Every class's subjects as *units* (subject, hours, teachers with their English half), and the
    teachers as keys: ``("primary", "1А")`` for a class's own primary teacher, ``("math", 0)`` ... for the
    specialists, each given consecutive classes up to a full week (:data:`MAX_HOURS`)."""
    import math

    units, items = [], {}  # items: specialism -> [(hours, [(unit, half)])] in class order
    english_halves = {half: [] for half in ENGLISH_GROUPS}
    for group in groups:
        by_specialism: dict[str, list] = {}
        for name, hours in group.plan:
            unit = {"group": group, "subject": name, "hours": hours, "teachers": []}
            units.append(unit)
            if group.grade <= 4 and name in PRIMARY_TEACHER_SUBJECTS:
                unit["teachers"].append((("primary", group.name), None))
            elif name == "Английский язык":
                for half in ENGLISH_GROUPS:
                    english_halves[half].append((hours, [(unit, half)]))
            else:
                by_specialism.setdefault(SPECIALISM[name], []).append(unit)
        for specialism, mine in by_specialism.items():
            items.setdefault(specialism, []).append((sum(u["hours"] for u in mine), [(u, None) for u in mine]))
    items["eng"] = english_halves[ENGLISH_GROUPS[0]] + english_halves[ENGLISH_GROUPS[1]]  # two teachers a class
    counts = {}
    for specialism, rows in items.items():
        total = sum(hours for hours, _ in rows)
        n = math.ceil(total / MAX_HOURS.get(specialism, MAX_HOURS_DEFAULT))
        target, teacher, load = total / n, 0, 0
        for hours, parts in rows:
            if load and load + hours / 2 > target and teacher < n - 1:
                teacher, load = teacher + 1, 0
            load += hours
            for unit, half in parts:
                unit["teachers"].append(((specialism, teacher), half))
        counts[specialism] = n
    return units, counts


def _person(rng: random.Random, female: bool) -> tuple[str, int]:
    """A believable Russian adult: full name (surname in the right gender, a patronymic), birth year."""
    surname = _surname(rng.choice(SURNAMES), female)
    first = rng.choice(WOMEN if female else MEN)
    return f"{surname} {first} {_patronymic(rng.choice(list(PATRONYMICS)), female)}", rng.randint(1965, 1998)


def _hire_staff(school: School, roles: dict, groups, rooms: dict, password_hash: str, taken: set,
                rng: random.Random) -> dict:
    """Teachers for every subject (the demo's 'classteacher' and 'teacher' among them), the other staff,
    their roles, personal files and rooms. Returns the units and the staff: users by teacher key."""
    import datetime as dt

    from eschool.auth.models import RoleAssignment
    from eschool.people.models import StaffFile
    from eschool.school import services as school_services

    units, counts = _plan_teaching(groups)
    keys = [("primary", g.name) for g in groups if g.grade <= 4]
    keys += [(specialism, i) for specialism in POSITIONS if specialism != "primary"
             for i in range(counts.get(specialism, 0))]
    demo_keys = {("rus", 0): "classteacher", ("math", 0): "teacher"}  # 5А's Russian and mathematics
    demo_users = {u.username: u for u in User.select().where(User.username.in_(list(demo_keys.values())))}
    users, new, names = {}, [], set()  # new: (key, username, full name, birth year)
    for key in keys:
        if demo_keys.get(key) in demo_users:
            users[key] = demo_users[demo_keys[key]]
            continue
        female = rng.random() < (0.5 if key[0] in ("pe", "obzr", "inf", "phys") else 0.9)
        full_name, born = _person(rng, female)
        while full_name in names:
            full_name, born = _person(rng, female)
        names.add(full_name)
        username = f"uchitel{len(new) + 1:02d}"
        taken.add(username)
        new.append((key, username, full_name, born))
    others = []  # (role, position, username, full name, birth year)
    for role, position in OTHER_STAFF:
        if role in roles:
            full_name, born = _person(rng, rng.random() < 0.8)
            others.append((role, position, _login(full_name, taken), full_name, born))
    created = _insert_users([(u, n) for _k, u, n, _b in new] + [(u, n) for _r, _p, u, n, _b in others],
                            password_hash)
    for key, username, _name, _born in new:
        users[key] = created[username]
    _insert_rows(RoleAssignment, [{"user": created[username].id, "role": "subject_teacher", "school": school.id}
                                  for _k, username, _n, _b in new]
                 + [{"user": created[username].id, "role": role, "school": school.id}
                    for role, _p, username, _n, _b in others])
    for user in demo_users.values():  # the demo's class teacher teaches a subject too
        auth.grant_role(user, "subject_teacher", school=school, allowed_roles=roles)
    # rooms: the primary classes have their home rooms (101-105); each specialist a room of their own
    cabinets = [str(n) for n in (*range(201, 221), *range(301, 321))]
    gyms = ["Спортзал", "Малый спортзал", "Спортзал №2"]
    for key in keys:
        if key[0] != "primary":
            rooms[key] = school_services.add_room(school, {
                "name": gyms.pop(0) if key[0] == "pe" else cabinets.pop(0), "building": "",
                "capacity": 60 if key[0] == "pe" else 30})
    # personal files with each one's position
    files = [(created[username], POSITIONS[key[0]], born) for key, username, _n, born in new]
    files += [(created[username], position, born) for _r, position, username, _n, born in others]
    files += [(user, DEMO_POSITIONS[user.username], None) for user in
              User.select().where(User.username.in_(list(DEMO_POSITIONS)))]
    _insert_rows(StaffFile, [{
        "school": school.id, "user": user.id, "position": position,
        "birth_date": dt.date(born, rng.randint(1, 12), rng.randint(1, 28)) if born else None,
        "education": "высшее педагогическое" if position.startswith(("Учитель", "Педагог")) else "",
        "hired_on": dt.date(rng.randint(1995, 2025), 8, rng.randint(20, 31)),
        "order_number": f"{rng.randint(10, 150)}-к"} for user, position, born in files])
    staff = school_services.staff(school)
    teachers = [created[username] for _k, username, _n, _b in new]
    return {"units": units, "users": users, "rooms": rooms, "teachers": teachers, "all": staff}


def _insert_assignments(units, users, subjects) -> int:
    from eschool.school.models import TeachingAssignment

    rows = [{"teacher": users[key].id, "class_group": unit["group"].id, "subject": subjects[unit["subject"]].id,
             "subgroup": unit["group"].subgroups[half].id if half else None}
            for unit in units for key, half in unit["teachers"]]
    _insert_rows(TeachingAssignment, rows)
    return len(rows)


# --------------------------------------------------------------------------- the week's timetable


def _insert_timetable(year, groups, units, users, rooms, subjects, rng) -> tuple[int, int, int]:
    """Place the week (:func:`_schedule`) and insert it; returns the number of entries, of classes
    that needed a free period and of lessons left out (none with the demo's numbers)."""
    from eschool.timetable.models import TimetableEntry

    placed, windows = _schedule(groups, units, rooms, rng)
    rows = [{"academic_year": year.id, "class_group": unit["group"].id, "weekday": day, "number": number,
             "subgroup": unit["group"].subgroups[half].id if half else None,
             "subject": subjects[unit["subject"]].id, "teacher": users[key].id, "room": rooms[key].id}
            for unit, day, number in placed for key, half in unit["teachers"]]
    _insert_rows(TimetableEntry, rows)
    return len(rows), windows, sum(u["hours"] for u in units) - len(placed)


def _schedule(groups, units, rooms, rng) -> tuple[list[tuple[dict, int, int]], int]:
    """Every lesson of the week as ``(unit, weekday, number)``, one class at a time.

    The rules are those of ``timetable.services.clashes``: a teacher and a room are in one lesson at a
    time, compared by the bell times of the two shifts (a second-shift lesson may overlap a first-shift
    one); both English halves of a class meet at once, each with its teacher in their room. A class's
    day starts with lesson 1 and has no free periods, the same subject at most once a day (twice for
    more than five hours a week), at most :data:`DAILY_MAX` lessons. Each class's lessons go to its
    cells by a maximum flow; a class whose teachers leave no such week gets a free period instead.
    """
    times = {(shift, n + 1): bell for shift, bells in BELLS.items() for n, bell in enumerate(bells)}
    overlap = {key: [other for other, (a2, b2) in times.items() if a < b2 and a2 < b]
               for key, (a, b) in times.items()}
    busy: dict = {}  # a teacher key or ("room", id) -> {(weekday, shift, number)}
    placed, windows = [], 0
    for group in sorted(groups, key=lambda g: (g.grade <= 4, -g.grade, g.letter)):  # seniors share the most
        mine = [u for u in units if u["group"] is group]
        needs = [[key for key, _ in u["teachers"]] + [("room", rooms[key].id) for key, _ in u["teachers"]]
                 for u in mine]

        def free(i, day, number, needs=needs, shift=group.shift):
            return not any((day, *other) in busy.get(r, ()) for r in needs[i] for other in overlap[(shift, number)])

        hours = sum(u["hours"] for u in mine)
        found = None
        for _attempt in range(30):
            found = _match(mine, _day_shape(hours, DAILY_MAX[group.grade], rng), free, rng)
            if found is not None:
                break
        if found is None:
            windows += 1
            cells = [(day, n) for day in range(1, 6) for n in range(1, len(BELLS[group.shift]) + 1)]
            found = _match(mine, cells, free, rng, partial=True)
        for i, (day, number) in found:
            for r in needs[i]:
                busy.setdefault(r, set()).add((day, group.shift, number))
            placed.append((mine[i], day, number))
    return placed, windows


def _day_shape(hours: int, daily_max: int, rng) -> list[tuple[int, int]]:
    """The class's cells ``(weekday, number)``: the hours spread over five days, longer days at random."""
    base, extra = divmod(hours, 5)
    counts = [base] * 5
    for day in rng.sample(range(5), extra):
        counts[day] += 1
    if max(counts) > daily_max:
        raise ValueError(f"{hours} hours do not fit {daily_max} lessons a day")
    return [(day + 1, n) for day in range(5) for n in range(1, counts[day] + 1)]


def _match(units, cells, free, rng, partial=False) -> list[tuple[int, tuple[int, int]]] | None:
    """Lessons to cells by a maximum flow: source -> unit (its hours) -> unit's day (at most once or
    twice) -> a cell where its teachers and rooms are free -> sink. ``None`` if not every lesson fits,
    unless ``partial``."""
    from collections import deque

    graph: dict = {}

    def edge(a, b, capacity):
        graph.setdefault(a, {})[b] = graph.get(a, {}).get(b, 0) + capacity
        graph.setdefault(b, {}).setdefault(a, 0)

    days = sorted({day for day, _ in cells})
    order = list(range(len(units)))
    rng.shuffle(order)
    for i in order:
        hours = units[i]["hours"]
        edge("source", ("unit", i), hours)
        shuffled = cells[:]
        rng.shuffle(shuffled)
        for day in days:
            edge(("unit", i), ("day", i, day), 1 if hours <= 5 and not partial else 2)
        for day, number in shuffled:
            if free(i, day, number):
                edge(("day", i, day), ("cell", day, number), 1)
    for day, number in cells:
        edge(("cell", day, number), "sink", 1)
    total, flow = sum(u["hours"] for u in units), 0
    while flow < total:
        parent, queue = {"source": None}, deque(["source"])
        while queue and "sink" not in parent:
            node = queue.popleft()
            for nxt, capacity in graph[node].items():
                if capacity > 0 and nxt not in parent:
                    parent[nxt] = node
                    queue.append(nxt)
        if "sink" not in parent:
            break
        node = "sink"
        while parent[node] is not None:
            graph[parent[node]][node] -= 1
            graph[node][parent[node]] += 1
            node = parent[node]
        flow += 1
    if flow < total and not partial:
        return None
    return [(i, (cell[1], cell[2])) for i in range(len(units)) for day in days
            for cell, capacity in graph.get(("day", i, day), {}).items() if cell[0] == "cell" and capacity == 0]


def _class_teachers(school: School, groups, units, users) -> None:
    """A class teacher for every class: the primary teacher in grades 1-4, 'classteacher' in 5А, else one
    of the class's own teachers (Russian first) who has no class yet; never the demo 'teacher'."""
    from eschool.auth.models import RoleAssignment
    from eschool.school.models import ClassGroup

    taught: dict[int, list] = {}
    for unit in units:
        for key, _half in unit["teachers"]:
            taught.setdefault(unit["group"].id, []).append(key)
    used = {("math", 0)}
    rows = []
    for group in groups:
        if group.grade <= 4:
            key = ("primary", group.name)
        elif group.name == "5А":
            key = ("rus", 0)
        else:
            keys = sorted(set(taught[group.id]) - used, key=lambda k: (CLASS_TEACHER_ORDER.index(k[0]), k[1]))
            key = keys[0]
        used.add(key)
        teacher = users[key]
        ClassGroup.update(class_teacher=teacher.id).where(ClassGroup.id == group.id).execute()
        group.class_teacher = teacher
        if teacher.username == "classteacher":
            RoleAssignment.update(class_group_id=group.id).where(
                (RoleAssignment.user == teacher) & (RoleAssignment.role == "class_teacher")).execute()
        else:
            rows.append({"user": teacher.id, "role": "class_teacher", "school": school.id,
                         "class_group_id": group.id})
    _insert_rows(RoleAssignment, rows)


# --------------------------------------------------------------------------- students and their families


def _enrol_families(school: School, groups, password_hash: str, taken: set, rng: random.Random) -> dict:
    """Fill every class (:data:`CLASS_SIZE`) with children of believable families: a mother and/or a
    father linked as guardians, one family in ten with two children at the school (sharing the parents,
    surname, patronymic and address). Each student is enrolled on the first day as ``people.enrol``
    does it (card, class membership, movement-book entry) and has a consent on file; students and
    parents get logins. The demo 'student' is a child in 5А and 'parent' the mother of that child and
    of a younger one in 2А."""
    import datetime as dt

    from eschool.auth.models import RoleAssignment
    from eschool.people.models import ClassMembership, Consent, Guardian, Movement, Student

    first_day = dt.date.fromisoformat(FIRST_DAY)
    seats = [group for group in groups for _ in range(rng.randint(*CLASS_SIZE[group.grade]))]
    by_name = {g.name: g for g in groups}
    demo_children = [seats.index(by_name["5А"]), seats.index(by_name["2А"])]
    alone = [i for i in range(len(seats)) if i not in demo_children]
    rng.shuffle(alone)
    families = [demo_children]
    while alone:
        kids = [alone.pop()]
        if rng.random() < 0.11:  # a brother or sister at least two grades apart
            other = next((j for j, i in enumerate(alone) if abs(seats[i].grade - seats[kids[0]].grade) >= 2), None)
            if other is not None:
                kids.append(alone.pop(other))
        families.append(kids)
    demo_student, demo_parent = (User.get_or_none(User.username == name) for name in ("student", "parent"))
    students, parents = [], []  # students: (seat, family index, card); parents: (family index, relation, name)
    for number, kids in enumerate(families):
        surname, father = rng.choice(SURNAMES), rng.choice(list(PATRONYMICS))
        street = f"{rng.choice(STREETS)}, {rng.randint(1, 90)}, кв. {rng.randint(1, 140)}"
        has_father = rng.random() < 0.72
        has_mother = not has_father or rng.random() < 0.93
        if number == 0 and demo_parent is not None:
            has_mother = True
        first_names = set()
        for seat in sorted(kids, key=lambda i: seats[i].grade):
            group = seats[seat]
            female = rng.random() < 0.5
            first = rng.choice(GIRLS if female else BOYS)
            while first in first_names:
                first = rng.choice(GIRLS if female else BOYS)
            first_names.add(first)
            born = dt.date(2019 - group.grade, 9, 1) + dt.timedelta(days=rng.randint(0, 364))
            passport = (first_day - born).days >= 14 * 365
            students.append((seat, number, {
                "school": school.id, "last_name": _surname(surname, female), "first_name": first,
                "middle_name": _patronymic(father, female), "birth_date": born, "gender": "f" if female else "m",
                "document_kind": "passport" if passport else "birth_certificate",
                "document_number": (f"{rng.randint(3200, 3299)} {rng.randint(100000, 999999)}" if passport else
                                    f"{rng.choice(['I', 'II', 'III', 'IV'])}-ЛО {rng.randint(100000, 999999)}"),
                "snils": _snils(rng), "address": street, "status": "studying"}))
        if has_mother:
            parents.append((number, "mother", f"{_surname(surname, True)} {rng.choice(WOMEN)} "
                                              f"{_patronymic(rng.choice(list(PATRONYMICS)), True)}"))
        if has_father:
            parents.append((number, "father", f"{_surname(surname, False)} {father} "
                                              f"{_patronymic(rng.choice(list(PATRONYMICS)), False)}"))
    # accounts: one login each, the demo 'parent' standing in for the first family's mother
    parent_logins = []
    for family, relation, full_name in parents:
        demo = family == 0 and relation == "mother" and demo_parent is not None
        parent_logins.append(demo_parent.username if demo else _login(full_name, taken))
    student_logins = []
    for seat, _family, card in students:
        demo = seat == demo_children[0] and demo_student is not None
        full_name = f"{card['last_name']} {card['first_name']} {card['middle_name']}"
        student_logins.append(demo_student.username if demo else _login(full_name, taken))
    accounts = _insert_users([(u, p[2]) for u, p in zip(parent_logins, parents, strict=True)
                              if demo_parent is None or u != demo_parent.username]
                             + [(u, f"{s[2]['last_name']} {s[2]['first_name']} {s[2]['middle_name']}")
                                for u, s in zip(student_logins, students, strict=True)
                                if demo_student is None or u != demo_student.username], password_hash)
    for user in (demo_parent, demo_student):
        if user is not None:
            accounts[user.username] = user
    # the cards, in one insert; their ids come back in the order inserted
    before = Student.select(Student.id).order_by(Student.id.desc()).scalar() or 0
    _insert_rows(Student, [dict(card, user=accounts[login].id) for (_s, _f, card), login
                           in zip(students, student_logins, strict=True)])
    ids = [s.id for s in Student.select(Student.id).where((Student.id > before) & (Student.school == school))
           .order_by(Student.id)]
    if len(ids) != len(students):
        raise RuntimeError("the demo students' ids did not come back in order")
    orders = {g.id: f"{120 + n}-у" for n, g in enumerate(groups)}
    _insert_rows(ClassMembership, [{"student": sid, "class_group": seats[seat].id, "starts_on": first_day}
                                   for sid, (seat, _f, _c) in zip(ids, students, strict=True)])
    _insert_rows(Movement, [{"school": school.id, "student": sid, "kind": "enrolment", "date": first_day,
                             "order_number": orders[seats[seat].id], "to_class": seats[seat].id}
                            for sid, (seat, _f, _c) in zip(ids, students, strict=True)])
    children: dict[int, list] = {}
    for sid, (_seat, family, _card) in zip(ids, students, strict=True):
        children.setdefault(family, []).append(sid)
    guardians, consents, first_parent = [], [], {}
    for (family, relation, _name), login in zip(parents, parent_logins, strict=True):
        first_parent.setdefault(family, accounts[login].full_name)
        guardians += [{"student": sid, "user": accounts[login].id, "relation": relation,
                       "legal_representative": True} for sid in children[family]]
    for family, sids in children.items():
        consents += [{"student": sid, "given_by": first_parent[family], "given_on": first_day} for sid in sids]
    _insert_rows(Guardian, guardians)
    _insert_rows(Consent, consents)
    roles = [{"user": accounts[login].id, "role": "parent", "school": school.id}
             for login in dict.fromkeys(parent_logins) if demo_parent is None or login != demo_parent.username]
    roles += [{"user": accounts[login].id, "role": "student", "school": school.id,
               "class_group_id": seats[seat].id} for login, (seat, _f, _c) in zip(student_logins, students, strict=True)
              if demo_student is None or login != demo_student.username]
    _insert_rows(RoleAssignment, roles)
    if demo_student is not None:
        RoleAssignment.update(class_group_id=by_name["5А"].id).where(
            (RoleAssignment.user == demo_student) & (RoleAssignment.role == "student")).execute()
    return {"students": len(students), "parents": len(parents),
            "siblings": sum(1 for kids in families if len(kids) > 1),
            "example_parent": parent_logins[-1], "example_student": student_logins[-1]}


# --------------------------------------------------------------------------- bulk rows and names


def _insert_rows(model, rows: list[dict], size: int = 200) -> None:
    """Insert in batches. peewee takes a batch's columns from its first row, so every row is given the
    same keys first: a key only some rows have (a class-level role's class) would else be dropped."""
    from peewee import chunked

    keys = list(dict.fromkeys(k for row in rows for k in row))
    fields = model._meta.fields

    def default(key):
        value = fields[key].default
        return value() if callable(value) else value

    missing = {k: default(k) for k in keys}
    rows = [{**missing, **row} if len(row) < len(keys) else row for row in rows]
    for batch in chunked(rows, size):
        model.insert_many(batch).execute()


def _insert_users(rows: list[tuple[str, str]], password_hash: str) -> dict[str, User]:
    """Accounts ``(username, full name)`` with the demo password, in batches; returns them by username."""
    from eschool.db import utcnow

    now = utcnow()
    _insert_rows(User, [{"username": username, "full_name": full_name, "password_hash": password_hash,
                         "must_change_password": False, "created_at": now} for username, full_name in rows])
    from peewee import chunked

    users = {}
    for batch in chunked([username for username, _ in rows], 500):
        users.update({u.username: u for u in User.select().where(User.username.in_(batch))})
    return users


def _login(full_name: str, taken: set) -> str:
    """"Соколова Анна Игоревна" -> "sokolova.ai" (then .2, .3 ...), as ``auth.suggest_username`` makes it."""
    latin = ["".join(auth._TRANSLIT.get(ch, ch) for ch in part) for part in full_name.lower().split()]
    base = latin[0] + "." + "".join(p[:1] for p in latin[1:3])
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}.{n}"
    taken.add(candidate)
    return candidate


def _surname(male: str, female: bool) -> str:
    """The surname in the person's gender: Иванов/Иванова, Никитин/Никитина, Белоусский/Белоусская;
    Шевченко, Черных and Ковальчук stay as they are."""
    if not female:
        return male
    if male.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return male + "а"
    if male.endswith(("ский", "цкий")):
        return male[:-2] + "ая"
    if male.endswith("ой"):
        return male[:-2] + "ая"
    return male


def _patronymic(father: str, female: bool) -> str:
    return PATRONYMICS[father][1 if female else 0]


def _snils(rng: random.Random) -> str:
    """A SNILS number with a valid check sum."""
    digits = [rng.randint(0, 9) for _ in range(9)]
    total = sum(d * (9 - i) for i, d in enumerate(digits))
    check = total if total < 100 else 0 if total in (100, 101) else total % 101
    check = 0 if check == 100 else check
    s = "".join(map(str, digits))
    return f"{s[:3]}-{s[3:6]}-{s[6:]} {check:02d}"


SURNAMES = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
            "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов",
            "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв",
            "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов",
            "Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв", "Ильин", "Максимов", "Поляков", "Сорокин",
            "Виноградов", "Ковалёв", "Белов", "Медведев", "Антонов", "Тарасов", "Жуков", "Баранов", "Филиппов",
            "Комаров", "Давыдов", "Беляев", "Герасимов", "Богданов", "Осипов", "Сидоров", "Матвеев", "Титов",
            "Марков", "Миронов", "Крылов", "Куликов", "Карпов", "Власов", "Мельников", "Денисов", "Гаврилов",
            "Тихонов", "Казаков", "Афанасьев", "Данилов", "Савельев", "Тимофеев", "Фомин", "Чернов", "Абрамов",
            "Мартынов", "Ефимов", "Федотов", "Щербаков", "Назаров", "Калинин", "Исаев", "Чернышёв", "Быков",
            "Маслов", "Родионов", "Коновалов", "Лазарев", "Воронин", "Климов", "Филатов", "Пономарёв", "Голубев",
            "Кудрявцев", "Прохоров", "Наумов", "Потапов", "Журавлёв", "Овчинников", "Трофимов", "Леонов",
            "Соболев", "Ермаков", "Колесников", "Гончаров", "Емельянов", "Никифоров", "Грачёв", "Котов",
            "Гришин", "Ефремов", "Архипов", "Громов", "Кириллов", "Малышев", "Панов", "Моисеев", "Румянцев",
            "Акимов", "Кондратьев", "Бирюков", "Горбунов", "Анисимов", "Ерёмин", "Тихомиров", "Галкин",
            "Лукьянов", "Михеев", "Скворцов", "Юдин", "Белоусов", "Нестеров", "Симонов", "Прокофьев",
            "Харитонов", "Князев", "Цветков", "Левин", "Митрофанов", "Воронцов", "Суханов", "Кравцов",
            "Островский", "Покровский", "Вишневский", "Рождественский", "Шевченко", "Бондаренко", "Ковальчук",
            "Черных", "Седых", "Толстой", "Полевой"]
#: A man's first name -> the patronymics it gives (a son's, a daughter's).
PATRONYMICS = {
    "Александр": ("Александрович", "Александровна"), "Алексей": ("Алексеевич", "Алексеевна"),
    "Анатолий": ("Анатольевич", "Анатольевна"), "Андрей": ("Андреевич", "Андреевна"),
    "Антон": ("Антонович", "Антоновна"), "Артём": ("Артёмович", "Артёмовна"),
    "Борис": ("Борисович", "Борисовна"), "Вадим": ("Вадимович", "Вадимовна"),
    "Валерий": ("Валерьевич", "Валерьевна"), "Василий": ("Васильевич", "Васильевна"),
    "Виктор": ("Викторович", "Викторовна"), "Виталий": ("Витальевич", "Витальевна"),
    "Владимир": ("Владимирович", "Владимировна"), "Вячеслав": ("Вячеславович", "Вячеславовна"),
    "Геннадий": ("Геннадьевич", "Геннадьевна"), "Георгий": ("Георгиевич", "Георгиевна"),
    "Григорий": ("Григорьевич", "Григорьевна"), "Денис": ("Денисович", "Денисовна"),
    "Дмитрий": ("Дмитриевич", "Дмитриевна"), "Евгений": ("Евгеньевич", "Евгеньевна"),
    "Егор": ("Егорович", "Егоровна"), "Иван": ("Иванович", "Ивановна"), "Игорь": ("Игоревич", "Игоревна"),
    "Илья": ("Ильич", "Ильинична"), "Кирилл": ("Кириллович", "Кирилловна"),
    "Константин": ("Константинович", "Константиновна"), "Леонид": ("Леонидович", "Леонидовна"),
    "Максим": ("Максимович", "Максимовна"), "Михаил": ("Михайлович", "Михайловна"),
    "Никита": ("Никитич", "Никитична"), "Николай": ("Николаевич", "Николаевна"),
    "Олег": ("Олегович", "Олеговна"), "Павел": ("Павлович", "Павловна"), "Пётр": ("Петрович", "Петровна"),
    "Роман": ("Романович", "Романовна"), "Руслан": ("Русланович", "Руслановна"),
    "Сергей": ("Сергеевич", "Сергеевна"), "Станислав": ("Станиславович", "Станиславовна"),
    "Степан": ("Степанович", "Степановна"), "Фёдор": ("Фёдорович", "Фёдоровна"),
    "Юрий": ("Юрьевич", "Юрьевна"), "Ярослав": ("Ярославович", "Ярославовна"),
}
MEN = ["Александр", "Алексей", "Андрей", "Антон", "Артём", "Вадим", "Виктор", "Владимир", "Денис", "Дмитрий",
       "Евгений", "Иван", "Игорь", "Илья", "Кирилл", "Константин", "Максим", "Михаил", "Николай", "Олег",
       "Павел", "Роман", "Руслан", "Сергей", "Станислав", "Юрий"]
WOMEN = ["Анастасия", "Анна", "Валентина", "Вера", "Виктория", "Галина", "Дарья", "Евгения", "Екатерина",
         "Елена", "Ирина", "Карина", "Ксения", "Лариса", "Людмила", "Марина", "Мария", "Надежда", "Наталья",
         "Оксана", "Ольга", "Светлана", "Татьяна", "Юлия"]
BOYS = ["Александр", "Максим", "Артём", "Михаил", "Даниил", "Иван", "Кирилл", "Егор", "Никита", "Матвей",
        "Тимофей", "Дмитрий", "Илья", "Алексей", "Роман", "Марк", "Лев", "Андрей", "Фёдор", "Ярослав", "Глеб",
        "Степан", "Владимир", "Арсений", "Семён", "Мирон", "Платон", "Захар"]
GIRLS = ["София", "Анна", "Мария", "Алиса", "Виктория", "Полина", "Елизавета", "Дарья", "Варвара", "Ксения",
         "Александра", "Вероника", "Арина", "Ева", "Милана", "Василиса", "Екатерина", "Ульяна", "Валерия",
         "Таисия", "Кира", "Злата", "Агата", "Есения"]
STREETS = ["ул. Ленина", "ул. Советская", "ул. Школьная", "ул. Мира", "пр. Победы", "ул. Гагарина",
           "ул. Молодёжная", "ул. Садовая", "ул. Центральная", "ул. Набережная", "ул. Строителей",
           "ул. Пушкина", "ул. Весенняя", "б-р Пионеров", "ул. Кирова"]
