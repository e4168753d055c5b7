"""Contingent import: a secretary's list of students (CSV or XLSX) checked row by row, then all or nothing.

Columns (the header row; Russian or English names, any order, extra columns ignored; ``HEADERS`` has the English
headers the page lists in English, and the keys below are accepted too):

| column | also | required | example |
|---|---|---|---|
| Фамилия | last_name | yes | Соколова |
| Имя | first_name | yes | Анна |
| Отчество | middle_name | | Игоревна |
| Дата рождения | birth_date | yes | 04.03.2015 or 2015-03-04 |
| Пол | gender | yes | ж / м / f / m |
| Класс | class | yes | 5А (a class of the current year) |
| Документ | document_number | | II-ЛО 123456 |
| СНИЛС | snils | | 123-456-789 01 |
| Адрес | address | | ул. Ленина, 1 |
| Мать ФИО, Мать телефон, Мать e-mail | mother_name, mother_phone, mother_email | | Соколова Ирина Петровна |
| Отец ФИО, Отец телефон, Отец e-mail | father_name, father_phone, father_email | | |
| Представитель ФИО, ... телефон, ... e-mail | guardian_name, guardian_phone, guardian_email | | |

``check`` reads every row and reports each bad one with its line number, column and the reason, the
students it would enrol and the parents it would create or link; ``run`` enrols them all in one
transaction, or nothing if any row is bad. A student already in the school (same name and date of
birth) is reported and skipped, with the parents on that row. A parent whose e-mail or phone is
already an account's is linked with that account (and gets the parent role at the school); the same
e-mail or phone on several rows is one parent (the children of one family share them). New parents
get an account without a password: their login comes later from the class teacher (the class's
credentials slips) or an invitation.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from eschool.auth.models import User
from eschool.db import db
from eschool.people import services, tabular
from eschool.people.models import Student
from eschool.people.schemas import CardInSchema
from eschool.people.tabular import ImportFileError  # noqa: F401 - the import's own error, as before
from eschool.school import services as school_services
from eschool.validation import as_text

#: The parents' groups of columns: relation (as Guardian.relation) and its Russian header word.
PARENTS = (("mother", "Мать"), ("father", "Отец"), ("guardian", "Представитель"))

#: Each column's header as the import page lists it, in Russian and in English (both are accepted).
HEADERS = {
    "last_name": ("Фамилия", "Last name"), "first_name": ("Имя", "First name"),
    "middle_name": ("Отчество", "Middle name"), "birth_date": ("Дата рождения", "Date of birth"),
    "gender": ("Пол", "Gender"), "class": ("Класс", "Class"), "document_number": ("Документ", "Document"),
    "snils": ("СНИЛС", "SNILS"), "address": ("Адрес", "Address"),
    **{f"{relation}_{key}": (f"{word} {ru}", f"{en_word} {en}") for (relation, word), en_word in zip(
        (("mother", "Мать"), ("father", "Отец"), ("guardian", "Представитель")), ("Mother", "Father", "Guardian"),
        strict=True) for key, ru, en in (("name", "ФИО", "full name"), ("phone", "телефон", "phone"),
                                         ("email", "e-mail", "e-mail"))},
}

#: The Russian headers, lower case (as ``tabular.header_key`` compares them).
COLUMNS = {
    "фамилия": "last_name", "имя": "first_name", "отчество": "middle_name", "дата рождения": "birth_date",
    "пол": "gender", "класс": "class", "документ": "document_number", "снилс": "snils", "адрес": "address",
    **{f"{word.lower()} {part}": f"{relation}_{key}" for relation, word in PARENTS
       for part, key in (("фио", "name"), ("телефон", "phone"), ("e-mail", "email"))},
}
ENGLISH = {"last_name", "first_name", "middle_name", "birth_date", "gender", "class", "document_number", "snils",
           "address", *(f"{relation}_{key}" for relation, _w in PARENTS for key in ("name", "phone", "email"))}
_GENITIVE = {"mother": "матери", "father": "отца", "guardian": "представителя"}
#: Every header accepted: the Russian ones, the English keys, and a few other ways people write them.
ALIASES = {
    **COLUMNS, **{key: key for key in ENGLISH},
    **{f"{word.lower()}": f"{relation}_name" for relation, word in PARENTS},
    **{f"{word.lower()} {part}": f"{relation}_{key}" for relation, word in PARENTS
       for part, key in (("email", "email"), ("эл. почта", "email"), ("почта", "email"))},
    **{f"{part} {_GENITIVE[relation]}": f"{relation}_{key}" for relation, _w in PARENTS
       for part, key in (("фио", "name"), ("телефон", "phone"), ("e-mail", "email"), ("email", "email"))},
    "законный представитель": "guardian_name", "законный представитель фио": "guardian_name",
    **{english.lower(): key for key, (_ru, english) in HEADERS.items()}, "birth date": "birth_date",
    "sex": "gender", "mother": "mother_name", "father": "father_name", "guardian": "guardian_name",
}


def headers(locale: str) -> dict[str, str]:
    """Each column's header in the user's language (the page's list, the names in messages)."""
    return {key: names[0] if locale == "ru" else names[1] for key, names in HEADERS.items()}
REQUIRED = {"last_name", "first_name", "birth_date", "gender", "class"}
GENDERS = {"м": "m", "ж": "f", "m": "m", "f": "f", "муж": "m", "жен": "f"}


@dataclass(eq=False)
class ParentPlan:
    """A parent the import creates (``user`` is None) or links (an existing account)."""

    name: str
    email: str | None
    phone: str | None
    user: User | None = None
    lines: list[int] = field(default_factory=list)

    @property
    def new(self) -> bool:
        return self.user is None


@dataclass
class Plan(tabular.Plan):
    """The students to enrol (rows: {"line", "card", "class", "parents": [(relation, ParentPlan)]})."""

    parents: list[ParentPlan] = field(default_factory=list)

    @property
    def new_parents(self) -> list[ParentPlan]:
        return [p for p in self.parents if p.new]

    @property
    def linked_parents(self) -> list[ParentPlan]:
        return [p for p in self.parents if not p.new]


def read_rows(data: bytes, filename: str, titles: dict | None = None, locale: str = "ru") -> list[tuple[int, dict]]:
    """``[(line number, {column: text})]`` from a CSV (UTF-8, ``;`` or ``,``) or XLSX file; ``titles`` gets the
    file's own headers (``tabular.read_rows``)."""
    return tabular.read_rows(data, filename, ALIASES, REQUIRED, titles=titles, labels=headers(locale))


def _parent_cells(plan: Plan, line: int, row: dict) -> list[tuple[str, dict]]:
    """The parents named on a row, checked: ``[(relation, {"name", "email", "phone"})]``."""
    found = []
    for relation, _word in PARENTS:
        name, email, phone = (row.get(f"{relation}_{k}", "") for k in ("name", "email", "phone"))
        if not (name or email or phone):
            continue
        good = True
        if len(" ".join(name.split())) < 3:
            plan.error(line, f"{relation}_name", _l("Give the parent's full name."))
            good = False
        if email:
            try:
                email = tabular.email(email)
            except ValueError:
                plan.error(line, f"{relation}_email", tabular.EMAIL_HELP)
                good = False
        if phone:
            try:
                phone = tabular.phone(phone)
            except ValueError:
                plan.error(line, f"{relation}_phone", tabular.PHONE_HELP)
                good = False
        if good:
            found.append((relation, {"name": " ".join(name.split()), "email": email or None, "phone": phone or None}))
    return found


def _accounts(parent_rows) -> tuple[dict, dict]:
    """Existing accounts by e-mail and by phone, for every contact in the file (a query per
    ``values_per_query`` contacts: one for a school's list)."""
    from eschool.db import any_of, values_per_query

    emails = sorted({p["email"] for _line, _item, found in parent_rows for _r, p in found if p["email"]})
    phones = sorted({p["phone"] for _line, _item, found in parent_rows for _r, p in found if p["phone"]})
    contacts = [(User.email, e) for e in emails] + [(User.phone, p) for p in phones]
    users = []
    size = values_per_query() // 2
    for start in range(0, len(contacts), size):
        chunk = contacts[start:start + size]
        users.extend(User.select().where(any_of(User.email, [v for f, v in chunk if f is User.email] or [""])
                                         | any_of(User.phone, [v for f, v in chunk if f is User.phone] or [""])))
    return ({u.email: u for u in users if u.email}, {u.phone: u for u in users if u.phone})


def _plan_parents(plan: Plan, parent_rows) -> None:
    """One ParentPlan per person: the same e-mail or phone (in the file or in an account) is one parent."""
    by_email, by_phone = _accounts(parent_rows)
    planned_email: dict[str, ParentPlan] = {}
    planned_phone: dict[str, ParentPlan] = {}
    for line, item, found in parent_rows:
        linked = []
        for relation, p in found:
            account_e = by_email.get(p["email"]) if p["email"] else None
            account_p = by_phone.get(p["phone"]) if p["phone"] else None
            if account_e and account_p and account_e.id != account_p.id:
                plan.error(line, f"{relation}_phone", _l("The e-mail and the phone belong to two different accounts."))
                continue
            planned = {x for x in (planned_email.get(p["email"]), planned_phone.get(p["phone"])) if x is not None}
            if len(planned) > 1:
                plan.error(line, f"{relation}_phone",
                           _l("The e-mail and the phone belong to two different parents in the file."))
                continue
            parent = planned.pop() if planned else None
            if parent is None:
                parent = ParentPlan(p["name"], p["email"], p["phone"], user=account_e or account_p)
                plan.parents.append(parent)
            else:
                parent.email = parent.email or p["email"]
                parent.phone = parent.phone or p["phone"]
            if any(other is parent for _r, other in linked):
                plan.error(line, f"{relation}_name", _l("The same person is named twice for this student."))
                continue
            for key, index in (("email", planned_email), ("phone", planned_phone)):
                if getattr(parent, key):
                    index.setdefault(getattr(parent, key), parent)
            parent.lines.append(line)
            linked.append((relation, parent))
        if item is not None:
            item["parents"] = linked


def check(school, rows: list[tuple[int, dict]]) -> Plan:
    """Check every row; nothing is written."""
    plan = Plan()
    year = school_services.current_year(school)
    classes = {c.name.upper(): c for c in school_services.classes(school, year)} if year else {}
    existing = {(s.last_name.lower(), s.first_name.lower(), s.birth_date) for s in
                Student.select(Student.last_name, Student.first_name, Student.birth_date)
                .where(Student.school == school)}
    seen = set()
    parent_rows = []  # (line, the planned row or None, the parents on it)
    schema = CardInSchema()  # one for every row: making a schema copies its fields (a third of the check's time)
    card_fields = set(schema.fields)
    for line, row in rows:
        raw = {k: v for k, v in row.items() if k in card_fields and v != ""}
        bad_date = "birth_date" in raw and not tabular.is_date(raw["birth_date"])
        if bad_date:
            plan.error(line, "birth_date", tabular.date_help(raw["birth_date"]))
        if "birth_date" in raw:
            raw["birth_date"] = tabular.parse_date(raw["birth_date"])
        if "gender" in raw:
            raw["gender"] = GENDERS.get(raw["gender"].lower(), raw["gender"])
        try:
            card = schema.load(raw)
        except ValidationError as exc:
            for column, messages in as_text(exc.messages).items():
                if not (bad_date and column == "birth_date"):
                    plan.error(line, column, " ".join(messages))
            card = None
        group = classes.get(row.get("class", "").replace(" ", "").upper())
        if group is None:
            plan.error(line, "class", _l("No class %(name)s in the current year.", name=row.get("class", "")))
        found = _parent_cells(plan, line, row)
        if card is None or group is None:
            continue
        key = (card["last_name"].lower(), card["first_name"].lower(), card["birth_date"])
        if key in seen:
            plan.error(line, "last_name", _l("The same student appears twice in the file."))
            continue
        seen.add(key)
        if key in existing:
            plan.skipped.append((line, f"{card['last_name']} {card['first_name']}"))
            continue
        item = {"line": line, "card": card, "class": group, "parents": []}
        plan.rows.append(item)
        parent_rows.append((line, item, found))
    _plan_parents(plan, parent_rows)
    return plan


def _parent_user(school, parent: ParentPlan, actor=None) -> User:
    """The parent's account: the existing one (with the parent role here) or a new one without a password."""
    from eschool.auth import services as auth

    if parent.user is None:
        parent.user = auth.create_user(auth.suggest_username(parent.name), parent.name, password=None,
                                       email=parent.email, phone=parent.phone, must_change_password=True)
        services._audit(school, actor, "parent", parent.user.id, {"account": (None, parent.user.username)})
    auth.grant_role(parent.user, "parent", school=school)
    return parent.user


def run_each(school, plan: Plan, date: dt.date, order_number: str, actor=None, progress=None) -> int:
    """``run`` one row at a time through ``services.enrol`` and ``services.link_guardian``: the reference
    that ``run``'s batched writes are tested against (tests/test_import.py), a dozen statements a row."""
    if not plan.ok:
        raise ValueError("the plan has errors; nothing was imported")
    enrolled = []
    with db.atomic():
        for item in plan.rows:
            student = services.enrol(school, {**item["card"], "class_id": item["class"].id, "date": date,
                                              "order_number": order_number}, actor=actor, notify=False)
            for relation, parent in item.get("parents", []):
                user = _parent_user(school, parent, actor)
                services.link_guardian(student, {"user_id": user.id, "relation": relation,
                                                 "legal_representative": True}, actor=actor)
            enrolled.append(student)
            if progress is not None:
                progress(1)
    for student in enrolled:  # after the commit: plugins hear of what is really stored
        services.notify_moved(school, student, student.last_movement, actor)
    return len(enrolled)


def _parent_accounts(school, plan: Plan) -> set[int]:
    """The new parents' accounts (logins as ``suggest_username`` gives them one after another) and every
    parent's role at the school, in the order ``run_each`` makes them; the ids of the ParentPlans made."""
    from eschool.auth import services as auth

    parents = list({id(p): p for item in plan.rows for _r, p in item.get("parents", [])}.values())
    new = [p for p in parents if p.user is None]
    logins = auth.suggest_usernames([p.name for p in new])
    users = auth.create_users([{"username": login, "full_name": p.name, "email": p.email, "phone": p.phone}
                               for p, login in zip(new, logins, strict=True)])
    for parent, user in zip(new, users, strict=True):
        parent.user = user
    auth.grant_roles([p.user for p in parents], "parent", school=school)
    return {id(p) for p in new}


def run(school, plan: Plan, date: dt.date, order_number: str, actor=None, progress=None) -> int:
    """Enrol every planned student and link their parents in one transaction; nothing if the plan has errors.

    The rows are those ``run_each`` writes through ``enrol``, ``create_user``, ``grant_role`` and
    ``link_guardian`` (students, class memberships, the movement book, parents' accounts and roles,
    guardian links, the audit log, in the same order), written table by table in multi-row inserts.
    Statements: 11 while no plugin listens to ``eschool_on_student_moved`` (tests/test_import.py counts them),
    up to three more when one does (the plugins on at the school, the municipality's code once per app, the
    acting user), plus one for every further ``rows_per_insert``
    rows of a table (SQLite: its parameter limit over the columns, 4,095 audit rows with the usual
    limit; PostgreSQL: 5,000), plus a lookup per further 5,000 logins looked up or parents whose role is
    looked up (``db.values_per_query``) and per further round of logins when many of the new parents'
    logins are taken already; not a dozen a row as ``run_each``.
    """
    from eschool.db import insert_rows, utcnow
    from eschool.people.models import AuditEntry, ClassMembership, Guardian, Movement
    from eschool.people.schemas import CARD_FIELDS

    if not plan.ok:
        raise ValueError("the plan has errors; nothing was imported")
    if not plan.rows:
        return 0
    now = utcnow()
    with db.atomic():
        groups = services.editable_classes(school, {item["class"].id for item in plan.rows})
        created = _parent_accounts(school, plan)
        students = [Student(school=school, created_at=now, **{k: item["card"][k] for k in CARD_FIELDS})
                    for item in plan.rows]
        ids = insert_rows(Student, [s.__data__ for s in students],
                          key=("last_name", "first_name", "middle_name", "birth_date"))  # unique in a plan
        for student, student_id in zip(students, ids, strict=True):
            student.id = student_id
        enrolled = list(zip(students, [groups[item["class"].id] for item in plan.rows], plan.rows, strict=True))
        insert_rows(ClassMembership, [{"student": s.id, "class_group": group.id, "starts_on": date}
                                      for s, group, _item in enrolled])
        movements = [Movement(school=school, student=s, kind="enrolment", date=date, order_number=order_number,
                              to_class=group, other_school="", recorded_by=actor, recorded_at=now)
                     for s, group, _item in enrolled]
        ids = insert_rows(Movement, [m.__data__ for m in movements], key=("student",))
        for movement, movement_id in zip(movements, ids, strict=True):
            movement.id = movement_id
        links = [{"student": s.id, "user": parent.user.id, "relation": relation, "legal_representative": True}
                 for s, _group, item in enrolled for relation, parent in item.get("parents", [])]
        guardian_ids = iter(insert_rows(Guardian, links, key=("student", "user")))

        audit = []  # as run_each writes it: each student's card, then each parent (a new account once), the link

        def entries(record, record_id, changes):
            audit.extend({"school": school.id, "actor": actor, "record": record, "record_id": record_id,
                          "field": name, "old_value": None, "new_value": str(value), "at": now}
                         for name, value in changes)

        for student, _group, item in enrolled:
            entries("student", student.id, [(k, v) for k in CARD_FIELDS if (v := item["card"][k]) not in ("", None)])
            for relation, parent in item.get("parents", []):
                if id(parent) in created:
                    created.discard(id(parent))
                    entries("parent", parent.user.id, [("account", parent.user.username)])
                entries("guardian", next(guardian_ids), [("student", student.full_name),
                                                         ("user", parent.user.full_name), ("relation", relation)])
        insert_rows(AuditEntry, audit)
        if progress is not None:
            progress(len(students))
    for student, movement in zip(students, movements, strict=True):  # after the commit: plugins hear of it
        student.last_movement = movement
        services.notify_moved(school, student, movement, actor)
    return len(students)
