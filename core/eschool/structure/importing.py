"""A municipality's (or the region's) list of schools from a CSV or XLSX file: checked line by line, then all or
nothing; the command line (``eschool schools import``), the operators' page and the API share it.

Columns (the header row; Russian or English names, any order, extra columns ignored):

| column | also | required | example |
|---|---|---|---|
| Полное наименование | name | yes | МБОУ «Средняя общеобразовательная школа № 7» |
| Краткое наименование | short_name | | СОШ № 7 (default: the full name) |
| Муниципалитет | municipality | unless the import names one | belovo (the code in the region profile) |
| Адрес | address | | |
| Телефон | phone | | +7 384 522-00-07 |
| E-mail | email | | school7@example.ru |
| ИНН, КПП, ОГРН, ОКПО | inn, kpp, ogrn, okpo | | checked with their check digits |
| Директор | director_name | | |
| Сайт | website | | https://school7.example |
| Администратор | admin_name | | Петрова Ольга Сергеевна: an account with the school_admin role |
| E-mail администратора | admin_email | | |

A school whose short name is already a school of its municipality is reported and skipped (an import run
again after a correction does not make it twice); any other mistake names the line, the column and what is
wrong, and nothing at all is written.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from eschool.db import db
from eschool.people import tabular
from eschool.structure.models import Municipality, School
from eschool.validation import as_text

COLUMNS = {
    "полное наименование": "name", "наименование": "name", "название": "name", "name": "name",
    "краткое наименование": "short_name", "краткое название": "short_name", "short_name": "short_name",
    "муниципалитет": "municipality", "код муниципалитета": "municipality", "municipality": "municipality",
    "адрес": "address", "address": "address", "телефон": "phone", "phone": "phone",
    "e-mail": "email", "email": "email", "эл. почта": "email", "почта": "email",
    "инн": "inn", "inn": "inn", "кпп": "kpp", "kpp": "kpp", "огрн": "ogrn", "ogrn": "ogrn", "окпо": "okpo", "okpo": "okpo",
    "директор": "director_name", "director_name": "director_name", "сайт": "website", "website": "website",
    "администратор": "admin_name", "фио администратора": "admin_name", "admin_name": "admin_name",
    "e-mail администратора": "admin_email", "email администратора": "admin_email", "admin_email": "admin_email",
}
#: The header names shown on the page (Russian, English).
SHOWN = (("Полное наименование", "name"), ("Краткое наименование", "short_name"), ("Муниципалитет", "municipality"),
         ("Адрес", "address"), ("Телефон", "phone"), ("E-mail", "email"), ("ИНН", "inn"), ("КПП", "kpp"),
         ("ОГРН", "ogrn"), ("ОКПО", "okpo"), ("Директор", "director_name"), ("Сайт", "website"),
         ("Администратор", "admin_name"), ("E-mail администратора", "admin_email"))
REQUIRED = {"name"}
MAX_SCHOOLS = 5000
ImportFileError = tabular.ImportFileError


@dataclass
class Plan:
    """What the import would do: ``rows`` to create (each with its line, municipality, checked fields and
    administrator), ``skipped`` (line, name, municipality code) already there, ``errors`` (line, column,
    reason). ``ok`` only when no line has a mistake."""

    rows: list[dict] = field(default_factory=list)
    skipped: list[tuple[int, str, str]] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_lines(self) -> int:
        return len({line for line, _column, _reason in self.errors})

    def error(self, line: int, column: str, reason) -> None:
        self.errors.append((line, column, str(reason)))


def read_rows(data: bytes, filename: str) -> list[tuple[int, dict]]:
    """``[(line, {column key: text})]``; :class:`~eschool.people.tabular.ImportFileError` for a file that
    cannot be read (the message names the file and why)."""
    return tabular.read_rows(data, filename, COLUMNS, REQUIRED)


def check(rows: list[tuple[int, dict]], municipality: Municipality | None = None,
          allowed: set[int] | None = None) -> Plan:
    """Check every row (nothing written): its municipality (the row's ``municipality`` code, else
    ``municipality``; within ``allowed`` ids, None for any), its fields (the school card's rules), its short
    name and INN unique in the file and the database, its administrator's name and e-mail."""
    from eschool.auth.models import User
    from eschool.structure.schemas import AdministratorInSchema, SchoolInSchema

    plan = Plan()
    if len(rows) > MAX_SCHOOLS:
        plan.error(MAX_SCHOOLS + 2, "name", _l("More than %(count)s schools in one file: split it.", count=MAX_SCHOOLS))
        return plan
    munis = {m.code: m for m in Municipality.select()}
    existing = list(School.select(School.id, School.municipality, School.short_name, School.inn))
    by_name = {(s.municipality_id, s.short_name): s for s in existing}
    by_inn = {s.inn: s for s in existing if s.inn}
    seen_names: dict[tuple[int, str], int] = {}
    seen_inns: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    checked = []
    for line, row in rows:
        code = row.get("municipality") or (municipality.code if municipality else "")
        muni = munis.get(code)
        if not code:
            plan.error(line, "municipality", _l("Name the municipality (its code), in the file or for the whole import."))
        elif muni is None:
            plan.error(line, "municipality", _l("No municipality with the code «%(code)s»; known: %(known)s.",
                                                code=code, known=", ".join(sorted(munis))))
        elif allowed is not None and muni.id not in allowed:
            plan.error(line, "municipality", _l("You do not manage the schools of %(name)s.", name=muni.name_ru))
            muni = None
        raw = {k: row.get(k, "") for k in ("name", "short_name", "address", "phone", "email", "inn", "kpp", "ogrn",
                                           "okpo", "director_name", "website")}
        try:
            data = SchoolInSchema().load(raw)
        except ValidationError as exc:
            for column, messages in as_text(exc.messages).items():
                plan.error(line, column, " ".join(messages))
            data = None
        admin = None
        if row.get("admin_name") or row.get("admin_email"):
            try:
                admin = AdministratorInSchema().load({"full_name": row.get("admin_name", ""),
                                                      "email": row.get("admin_email") or None})
            except ValidationError as exc:
                for column, messages in as_text(exc.messages).items():
                    plan.error(line, {"full_name": "admin_name", "email": "admin_email"}.get(column, column),
                               " ".join(messages))
            else:
                email = (admin.get("email") or "").lower()
                if email and email in seen_emails:
                    plan.error(line, "admin_email", _l("The same e-mail is on line %(line)s too.", line=seen_emails[email]))
                elif email:
                    seen_emails[email] = line
        if data is None or muni is None:
            continue
        short_name = (data["short_name"] or data["name"])[:200]
        key = (muni.id, short_name)
        if key in seen_names:
            plan.error(line, "short_name", _l("The same school is on line %(line)s too.", line=seen_names[key]))
            continue
        seen_names[key] = line
        if key in by_name:
            plan.skipped.append((line, short_name, muni.code))
            continue
        inn = data.get("inn") or ""
        if inn and inn in seen_inns:
            plan.error(line, "inn", _l("The same INN is on line %(line)s too.", line=seen_inns[inn]))
            continue
        if inn and inn in by_inn:
            plan.error(line, "inn", _l("School %(name)s (id %(id)s) has this INN already.", name=by_inn[inn].short_name,
                                       id=by_inn[inn].id))
            continue
        if inn:
            seen_inns[inn] = line
        checked.append({"line": line, "municipality": muni, "data": {**data, "short_name": short_name},
                        "admin": admin})
    emails = sorted({(i["admin"].get("email") or "").lower() for i in checked if i["admin"]} - {""})
    if emails:  # only for the schools to create: a skipped school's administrator has their account already
        taken = {e for (e,) in User.select(User.email).where(User.email.in_(emails)).tuples()}
        for item in checked:
            if item["admin"] and (item["admin"].get("email") or "").lower() in taken:
                plan.error(item["line"], "admin_email", _l("This e-mail belongs to another account already."))
    plan.rows = checked
    return plan


def run(plan: Plan, actor=None, progress=None) -> list[tuple[School, object, str | None]]:
    """Create every planned school (and administrator) in one transaction; nothing if the plan has errors.
    Returns ``[(school, administrator or None, password or None)]``: show the passwords once."""
    from eschool.accounts.services import issue_administrator
    from eschool.structure.services import new_school

    if not plan.ok:
        raise ValueError("the plan has errors; nothing was imported")
    done = []
    with db.atomic():
        for item in plan.rows:
            school = new_school(item["municipality"], item["data"])
            user = password = None
            if item["admin"]:
                user, password = issue_administrator(actor, school, item["admin"]["full_name"],
                                                     item["admin"].get("email"))
            done.append((school, user, password))
            if progress is not None:
                progress(1)
    return done
