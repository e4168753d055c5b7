"""Contingent import: a secretary's list of students (CSV or XLSX) checked row by row, then all or nothing.

Columns (the header row; Russian or English names, any order, extra columns ignored):

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

``check`` reads every row and reports each bad one with its line number and the reason, and the
students it would enrol; ``run`` enrols them all in one transaction, or nothing if any row is bad.
A student already in the school (same name and date of birth) is reported and skipped.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from eschool.db import db
from eschool.people import services
from eschool.people.models import Student
from eschool.people.schemas import CardInSchema
from eschool.school import services as school_services
from eschool.validation import as_text

COLUMNS = {
    "фамилия": "last_name", "имя": "first_name", "отчество": "middle_name", "дата рождения": "birth_date",
    "пол": "gender", "класс": "class", "документ": "document_number", "снилс": "snils", "адрес": "address",
}
ENGLISH = {"last_name", "first_name", "middle_name", "birth_date", "gender", "class", "document_number", "snils",
           "address"}
GENDERS = {"м": "m", "ж": "f", "m": "m", "f": "f", "муж": "m", "жен": "f"}


class ImportFileError(ValueError):
    """The file itself cannot be read (not the rows in it)."""


@dataclass
class Plan:
    rows: list[dict] = field(default_factory=list)  # {"line", "card", "class"} of students to enrol
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, column, reason)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, name) already in the school

    @property
    def ok(self) -> bool:
        return not self.errors


def read_rows(data: bytes, filename: str) -> list[tuple[int, dict]]:
    """``[(line number, {column: text})]`` from a CSV (UTF-8, ``;`` or ``,``) or XLSX file."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several kinds for a damaged file
            raise ImportFileError(_l("%(file)s: not a readable XLSX file.", file=filename)) from exc
        sheet = book.worksheets[0]
        table = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    elif name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError(_l("%(file)s: save the CSV file in UTF-8.", file=filename)) from exc
        delimiter = ";" if text.split("\n", 1)[0].count(";") >= text.split("\n", 1)[0].count(",") else ","
        table = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    else:
        raise ImportFileError(_l("%(file)s: send a .csv or .xlsx file.", file=filename))
    if not table:
        raise ImportFileError(_l("%(file)s: the file is empty.", file=filename))
    header = []
    for title in table[0]:
        key = (title or "").strip().lower()
        header.append(COLUMNS.get(key) or (key if key in ENGLISH else None))
    missing = {"last_name", "first_name", "birth_date", "gender", "class"} - set(header)
    if missing:
        raise ImportFileError(_l("%(file)s, line 1: missing columns: %(columns)s.", file=filename,
                                 columns=", ".join(sorted(missing))))
    rows = []
    for number, values in enumerate(table[1:], start=2):
        if not any((v or "").strip() for v in values):
            continue
        rows.append((number, {key: (values[i] or "").strip() for i, key in enumerate(header)
                              if key and i < len(values)}))
    return rows


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _date(text: str) -> str:
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return text  # the schema says what is wrong


def check(school, rows: list[tuple[int, dict]]) -> Plan:
    """Check every row; nothing is written."""
    plan = Plan()
    year = school_services.current_year(school)
    classes = {c.name.upper(): c for c in school_services.classes(school, year)} if year else {}
    existing = {(s.last_name.lower(), s.first_name.lower(), s.birth_date) for s in
                Student.select(Student.last_name, Student.first_name, Student.birth_date)
                .where(Student.school == school)}
    seen = set()
    for line, row in rows:
        raw = {k: v for k, v in row.items() if k != "class" and v != ""}
        if "birth_date" in raw:
            raw["birth_date"] = _date(raw["birth_date"])
        if "gender" in raw:
            raw["gender"] = GENDERS.get(raw["gender"].lower(), raw["gender"])
        try:
            card = CardInSchema().load(raw)
        except ValidationError as exc:
            for column, messages in as_text(exc.messages).items():
                plan.errors.append((line, column, " ".join(messages)))
            card = None
        group = classes.get(row.get("class", "").replace(" ", "").upper())
        if group is None:
            plan.errors.append((line, "class", str(_l("No class %(name)s in the current year.",
                                                      name=row.get("class", "")))))
        if card is None or group is None:
            continue
        key = (card["last_name"].lower(), card["first_name"].lower(), card["birth_date"])
        if key in seen:
            plan.errors.append((line, "last_name", str(_l("The same student appears twice in the file."))))
            continue
        seen.add(key)
        if key in existing:
            plan.skipped.append((line, f"{card['last_name']} {card['first_name']}"))
            continue
        plan.rows.append({"line": line, "card": card, "class": group})
    return plan


def run(school, plan: Plan, date: dt.date, order_number: str, actor=None, progress=None) -> int:
    """Enrol every planned student in one transaction; nothing if the plan has errors."""
    if not plan.ok:
        raise ValueError("the plan has errors; nothing was imported")
    enrolled = []
    with db.atomic():
        for item in plan.rows:
            enrolled.append(services.enrol(school, {**item["card"], "class_id": item["class"].id, "date": date,
                                                    "order_number": order_number}, actor=actor, notify=False))
            if progress is not None:
                progress(1)
    for student in enrolled:  # after the commit: plugins hear of what is really stored
        services.notify_moved(school, student, student.last_movement, actor)
    return len(enrolled)
