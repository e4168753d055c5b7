"""Staff import: the school administrator's list of staff (CSV or XLSX), checked row by row, then all or nothing.

Columns (the header row; Russian or English names, any order, extra columns ignored; ``HEADERS`` has the English
headers the page lists in English, and the keys below are accepted too):

| column | also | required | example |
|---|---|---|---|
| Фамилия | last_name | yes | Петрова |
| Имя | first_name | yes | Ольга |
| Отчество | middle_name | | Сергеевна |
| Должность | position | yes | учитель математики |
| Роли | roles | yes | учитель; классный руководитель 5А (or role codes: subject_teacher; class_teacher 5А) |
| E-mail | email | | petrova@school.example |
| Телефон | phone | | +7 900 123-45-67 |
| Дата рождения | birth_date | | 12.05.1980 |
| Дата приёма | hired_on | | 01.09.2015 |
| Образование | education | | высшее, КемГУ |
| Адрес | address | | |
| Приказ | order_number | | 15-к |

Each new person gets an account (a handed-out password, changed at first login), their roles at the
school (a class teacher with their class) and a staff personal file. A person whose e-mail or phone is
already an account's keeps that account and gets the roles and file here; a person who already works
at the school (the same account, or the same full name on the staff list) is reported and skipped.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from eschool.auth.models import RoleAssignment, User
from eschool.db import db
from eschool.people import services, tabular
from eschool.people.schemas import STAFF_FILE_FIELDS, StaffFileInSchema
from eschool.school import services as school_services
from eschool.school.models import ClassGroup
from eschool.validation import as_text

#: Each column's header as the import page lists it, in Russian and in English (both are accepted).
HEADERS = {
    "last_name": ("Фамилия", "Last name"), "first_name": ("Имя", "First name"),
    "middle_name": ("Отчество", "Middle name"), "position": ("Должность", "Position"), "roles": ("Роли", "Roles"),
    "email": ("E-mail", "E-mail"), "phone": ("Телефон", "Phone"), "birth_date": ("Дата рождения", "Date of birth"),
    "hired_on": ("Дата приёма", "Hired on"), "education": ("Образование", "Education"),
    "address": ("Адрес", "Address"), "order_number": ("Приказ", "Order number"),
}


def headers(locale: str) -> dict[str, str]:
    """Each column's header in the user's language."""
    return {key: names[0] if locale == "ru" else names[1] for key, names in HEADERS.items()}


COLUMNS = {
    "фамилия": "last_name", "имя": "first_name", "отчество": "middle_name", "должность": "position",
    "роли": "roles", "e-mail": "email", "телефон": "phone", "дата рождения": "birth_date", "дата приёма": "hired_on",
    "образование": "education", "адрес": "address", "приказ": "order_number",
}
ENGLISH = {"last_name", "first_name", "middle_name", "position", "roles", "email", "phone", "birth_date", "hired_on",
           "education", "address", "order_number"}
ALIASES = {**COLUMNS, **{key: key for key in ENGLISH}, "роль": "roles", "email": "email", "эл. почта": "email",
           "почта": "email", "role": "roles", "дата приема на работу": "hired_on", "принят": "hired_on",
           "приказ о приеме": "order_number", **{english.lower(): key for key, (_ru, english) in HEADERS.items()},
           "birth date": "birth_date", "date hired": "hired_on"}
REQUIRED = {"last_name", "first_name", "position", "roles"}

#: How people write the roles (lower case); role codes and English labels are accepted too.
ROLE_WORDS = {
    "учитель": "subject_teacher", "учитель-предметник": "subject_teacher", "учитель предметник": "subject_teacher",
    "педагог": "subject_teacher", "teacher": "subject_teacher", "subject teacher": "subject_teacher",
    "классный руководитель": "class_teacher", "class teacher": "class_teacher",
    "директор": "director", "director": "director",
    "заместитель директора": "deputy_director", "завуч": "deputy_director", "deputy director": "deputy_director",
    "секретарь": "secretary", "secretary": "secretary",
    "администратор": "school_admin", "администратор школы": "school_admin", "school administrator": "school_admin",
    "специалист по кадрам": "hr_specialist", "кадровик": "hr_specialist", "hr specialist": "hr_specialist",
    "медицинский работник": "medical_worker", "медсестра": "medical_worker", "medical worker": "medical_worker",
    "психолог": "psychologist", "педагог-психолог": "psychologist", "социальный педагог": "psychologist",
    "psychologist": "psychologist",
    "технический персонал": "technical_staff", "технический сотрудник": "technical_staff",
    "technical staff": "technical_staff",
}


def staff_roles(allowed_roles) -> dict:
    """The roles a school's staff member may be given here (as on the Staff page)."""
    return {code: r for code, r in allowed_roles.items() if r.staff and r.levels in (("school",), ("class",))}


def read_rows(data: bytes, filename: str, titles: dict | None = None, locale: str = "ru") -> list[tuple[int, dict]]:
    return tabular.read_rows(data, filename, ALIASES, REQUIRED, titles=titles, labels=headers(locale))


def _role(text: str, roles: dict) -> str | None:
    key = " ".join(text.lower().replace("ё", "е").split())
    code = key if key in roles else ROLE_WORDS.get(key)
    return code if code in roles else None


def parse_roles(text: str, roles: dict, classes: dict) -> tuple[list[tuple[str, ClassGroup | None]], list[str]]:
    """``"учитель; классный руководитель 5А"`` -> ``([(code, class or None)], [reasons])``."""
    found, problems = [], []
    for item in (p.strip() for p in re.split(r"[;\n]", text or "")):
        if not item:
            continue
        code, group = _role(item, roles), None
        if code is None:  # the last word may be a class: "классный руководитель 5А", "class_teacher:5А"
            words, _sep, name = item.replace(":", " ").rpartition(" ")
            code = _role(words, roles) if words else None
            if code is None:
                problems.append(str(_l("Unknown role «%(role)s»; known: %(known)s.", role=item,
                                       known=", ".join(sorted(roles)))))
                continue
            if code != "class_teacher":
                problems.append(str(_l("Only a class teacher is named with a class: «%(role)s».", role=item)))
                continue
            group = classes.get(name.replace(" ", "").upper())
            if group is None:
                problems.append(str(_l("No class %(name)s in the current year.", name=name)))
                continue
        if code == "class_teacher" and group is None:
            problems.append(str(_l("Name the class: «class_teacher 5А».")))
            continue
        if (code, group) not in found:
            found.append((code, group))
    if not found and not problems:
        problems.append(str(_l("Give at least one role.")))
    return found, problems


def _working_here(school) -> tuple[set[int], set[str]]:
    """Who already works at the school: their account ids and full names (lower case)."""
    rows = (User.select(User.id, User.full_name).join(RoleAssignment)
            .where((RoleAssignment.school == school.id) & RoleAssignment.role.in_(list(school_services.STAFF_ROLES)))
            .distinct())
    return {u.id for u in rows}, {u.full_name.lower() for u in rows}


def check(school, rows: list[tuple[int, dict]], allowed_roles) -> tabular.Plan:
    """Check every row; nothing is written. Plan rows: {"line", "name", "email", "phone", "user" (an
    existing account or None), "roles": [(code, class or None)], "file": the staff file's fields}."""
    plan = tabular.Plan()
    roles = staff_roles(allowed_roles)
    year = school_services.current_year(school)
    classes = {c.name.upper(): c for c in school_services.classes(school, year)} if year else {}
    ids_here, names_here = _working_here(school)
    emails, phones = {}, {}  # in the file so far: contact -> line
    taken_classes = {}  # class id -> line naming its class teacher
    checked = []
    for line, row in rows:
        name = " ".join(" ".join(row.get(k, "") for k in ("last_name", "first_name", "middle_name")).split())
        for column in ("last_name", "first_name"):
            if not row.get(column):
                plan.error(line, column, _l("This field is required."))
        raw = {k: row[k] for k in STAFF_FILE_FIELDS if row.get(k)}
        bad_dates = set()
        for column in ("birth_date", "hired_on"):
            if column in raw and not tabular.is_date(raw[column]):
                plan.error(line, column, tabular.date_help(raw[column]))
                bad_dates.add(column)
            if column in raw:
                raw[column] = tabular.parse_date(raw[column])
        email = phone = None
        if row.get("email"):
            try:
                email = tabular.email(row["email"])
            except ValueError:
                plan.error(line, "email", tabular.EMAIL_HELP)
        if row.get("phone"):
            try:
                phone = raw["phone"] = tabular.phone(row["phone"])
            except ValueError:
                plan.error(line, "phone", tabular.PHONE_HELP)
                raw.pop("phone")
        try:
            data = StaffFileInSchema().load(raw)
        except ValidationError as exc:
            for column, messages in as_text(exc.messages).items():
                if column not in bad_dates:
                    plan.error(line, column, " ".join(messages))
            data = None
        found, problems = parse_roles(row.get("roles", ""), roles, classes)
        for reason in problems:
            plan.error(line, "roles", reason)
        for column, value, seen in (("email", email, emails), ("phone", phone, phones)):
            if value and value in seen:
                plan.error(line, column, _l("The same person appears twice in the file (line %(line)s).",
                                            line=seen[value]))
            elif value:
                seen[value] = line
        for code, group in found:
            if code == "class_teacher" and group.id in taken_classes:
                plan.error(line, "roles", _l("Class %(name)s has two class teachers in the file.", name=group.name))
            elif code == "class_teacher":
                taken_classes[group.id] = line
        if data is not None and not problems and row.get("last_name") and row.get("first_name"):
            checked.append({"line": line, "name": name, "email": email, "phone": phone, "user": None,
                            "roles": found, "file": data})
    contacts = [x for item in checked for x in (item["email"], item["phone"]) if x]
    accounts = list(User.select().where(User.email.in_(contacts) | User.phone.in_(contacts))) if contacts else []
    by_email = {u.email: u for u in accounts if u.email}
    by_phone = {u.phone: u for u in accounts if u.phone}
    for item in checked:
        line = item["line"]
        account_e, account_p = by_email.get(item["email"]), by_phone.get(item["phone"])
        if account_e and account_p and account_e.id != account_p.id:
            plan.error(line, "phone", _l("The e-mail and the phone belong to two different accounts."))
            continue
        item["user"] = account_e or account_p
        if (item["user"] is not None and item["user"].id in ids_here) or (
                item["user"] is None and item["name"].lower() in names_here):
            plan.skipped.append((line, item["name"]))
            continue
        for code, group in item["roles"]:
            if code == "class_teacher" and group.class_teacher_id and (
                    item["user"] is None or group.class_teacher_id != item["user"].id):
                plan.error(line, "roles", _l("Class %(name)s already has a class teacher: %(teacher)s.",
                                             name=group.name, teacher=group.class_teacher.full_name))
        plan.rows.append(item)
    return plan


def run(school, plan: tabular.Plan, allowed_roles, actor=None, progress=None) -> list[tuple[User, str | None, list]]:
    """Create every planned account with its roles and personal file in one transaction; nothing if the
    plan has errors. Returns ``[(user, password or None for an existing account, roles)]``: show the
    passwords once, on the credentials slips."""
    from eschool.auth import services as auth

    if not plan.ok:
        raise ValueError("the plan has errors; nothing was imported")
    done = []
    with db.atomic():
        for item in plan.rows:
            user, password = item["user"], None
            if user is None:
                password = auth.generate_password()
                user = auth.create_user(auth.suggest_username(item["name"]), item["name"], password=password,
                                        email=item["email"], phone=item["phone"], must_change_password=True)
            for code, group in item["roles"]:
                auth.grant_role(user, code, school=school, class_group_id=group.id if group else None,
                                allowed_roles=allowed_roles)
                if group is not None and group.class_teacher_id is None:
                    ClassGroup.update(class_teacher=user).where(ClassGroup.id == group.id).execute()
            services.save_staff_file(school, user.id, item["file"], actor=actor)
            done.append((user, password, item["roles"]))
            if progress is not None:
                progress(1)
    return done
