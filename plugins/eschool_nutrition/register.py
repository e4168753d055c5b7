"""Pupils' meal categories from the social-protection register (реестр органов соцзащиты): a CSV or XLSX file
the municipality's social-protection office sends, checked line by line and then imported all or nothing.

Columns (the first row names them, Russian or English (``HEADERS``; the keys below too), any order, other
columns ignored):

| column | also | required | example |
|---|---|---|---|
| Фамилия | last_name | yes | Соколова |
| Имя | first_name | yes | Анна |
| Отчество | middle_name | | Игоревна |
| Дата рождения | birth_date | yes | 04.03.2015 or 2015-03-04 |
| СНИЛС | snils | | 123-456-789 01 |
| Категория | category | yes | the municipality's category: its code (low_income) or its name |
| Документ | document | for a free category given by a document | Справка УСЗН № 123 от 01.09.2026 |
| Действует с | valid_from | yes | 01.09.2026 |
| Действует по | valid_to | | 31.05.2027 |

A line's pupil is found among the school's pupils by the SNILS when the line has one, else by the last
name, first name, date of birth (and the patronymic when both have one), compared without case, «ё» or
extra spaces. A register covers a whole municipality, so a line that matches no pupil of the school is
not a mistake: it is listed (``unmatched``) and left out. A mistake (a date that is not one, an unknown
category, a free category without its document, a line matching two pupils, the same pupil, category and
start twice) is reported with its line and column, and then nothing is imported. A pupil who has the same
category from the same date already keeps it: its document and end date are brought up to the register's
(``updated``), or it is left alone when they agree (``unchanged``).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from eschool.plugin_api import ImportFileError, School, Student, db, read_table, utcnow
from eschool_nutrition.models import Category, PupilCategory

#: Every header accepted (compared as ``_key`` writes it) and the column it names.
ALIASES = {
    "фамилия": "last_name", "фамилия ребенка": "last_name", "last_name": "last_name", "surname": "last_name",
    "имя": "first_name", "имя ребенка": "first_name", "first_name": "first_name",
    "отчество": "middle_name", "отчество ребенка": "middle_name", "middle_name": "middle_name",
    "дата рождения": "birth_date", "birth_date": "birth_date",
    "снилс": "snils", "снилс ребенка": "snils", "snils": "snils",
    "категория": "category", "категория питания": "category", "льгота": "category", "category": "category",
    "документ": "document", "документ-основание": "document", "основание": "document",
    "реквизиты документа": "document", "document": "document",
    "действует с": "valid_from", "дата начала": "valid_from", "начало": "valid_from", "с": "valid_from",
    "valid_from": "valid_from",
    "действует по": "valid_to", "дата окончания": "valid_to", "окончание": "valid_to", "по": "valid_to",
    "valid_to": "valid_to",
    "last name": "last_name", "first name": "first_name", "middle name": "middle_name", "date of birth": "birth_date",
    "birth date": "birth_date", "valid from": "valid_from", "valid to": "valid_to",
}
#: Each column's header as the page lists it, in Russian and in English (both are accepted).
HEADERS = {"last_name": ("Фамилия", "Last name"), "first_name": ("Имя", "First name"),
           "middle_name": ("Отчество", "Middle name"), "birth_date": ("Дата рождения", "Date of birth"),
           "snils": ("СНИЛС", "SNILS"), "category": ("Категория", "Category"), "document": ("Документ", "Document"),
           "valid_from": ("Действует с", "Valid from"), "valid_to": ("Действует по", "Valid to")}


def headers(locale: str) -> dict[str, str]:
    """Each column's header in the user's language (the page's list, the names in its messages)."""
    return {key: names[0] if locale == "ru" else names[1] for key, names in HEADERS.items()}
#: The Russian headers, as the page and the docs list them.
COLUMNS = ("Фамилия", "Имя", "Отчество", "Дата рождения", "СНИЛС", "Категория", "Документ", "Действует с",
           "Действует по")
REQUIRED = ("last_name", "first_name", "birth_date", "category", "valid_from")
LABELS = {"last_name": "Фамилия", "first_name": "Имя", "middle_name": "Отчество", "birth_date": "Дата рождения",
          "snils": "СНИЛС", "category": "Категория", "document": "Документ", "valid_from": "Действует с",
          "valid_to": "Действует по"}
KIND = "nutrition_register"  # the kept upload's kind between the check and the import


@dataclass
class RegisterPlan:
    """What the import would do; ``ok`` only when no line has a mistake."""

    rows: list[dict] = field(default_factory=list)  # {"line", "student", "category", "document", "valid_from",
    #                                                  "valid_to", "existing": PupilCategory | None}
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, column, reason)
    unmatched: list[tuple[int, str, dt.date | None]] = field(default_factory=list)  # (line, name, birth date)
    unchanged: list[int] = field(default_factory=list)  # lines the portal has already, word for word

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def new(self) -> list[dict]:
        return [r for r in self.rows if r["existing"] is None]

    @property
    def updated(self) -> list[dict]:
        return [r for r in self.rows if r["existing"] is not None]

    def error(self, line: int, column: str, reason) -> None:
        """A mistake of ``line`` in ``column`` (its key: the page names it in the user's language)."""
        self.errors.append((line, column, str(reason)))


def _key(text) -> str:
    return " ".join(str(text or "").replace("ё", "е").replace("Ё", "Е").lower().split()).rstrip(":")


def _date(text: str) -> dt.date | None:
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _snils(text: str) -> str:
    return re.sub(r"\D", "", text or "")


def read_rows(data: bytes, filename: str, locale: str = "ru") -> list[tuple[int, dict]]:
    """``[(line number, {column: text})]``; ``ImportFileError`` for a file that is not a table or lacks a
    required column (named in ``locale``'s words)."""
    table = read_table(data, filename)
    header = [ALIASES.get(_key(title)) for title in table[0]]
    names = headers(locale)
    missing = [names[c] for c in REQUIRED if c not in header]
    if missing:
        raise ImportFileError(_l("%(file)s, line 1: missing columns: %(columns)s.", file=filename,
                                 columns=", ".join(missing)))
    rows = []
    for number, values in enumerate(table[1:], start=2):
        if not any((v or "").strip() for v in values):
            continue
        rows.append((number, {key: (values[i] or "").strip() for i, key in enumerate(header)
                              if key and i < len(values)}))
    return rows


def check(school: School, rows: list[tuple[int, dict]]) -> RegisterPlan:
    """Every line checked and its pupil found, nothing written (four queries whatever the file's length)."""
    plan = RegisterPlan()
    cats = list(Category.select().where(Category.municipality == school.municipality_id))
    by_code = {c.code.lower(): c for c in cats}
    by_name = {_key(c.name): c for c in cats}
    pupils = list(Student.select(Student.id, Student.last_name, Student.first_name, Student.middle_name,
                                 Student.birth_date, Student.snils)
                  .where((Student.school == school.id) & (Student.status == "studying")))
    by_snils: dict[str, list] = {}
    by_person: dict[tuple, list] = {}
    for s in pupils:
        if _snils(s.snils):
            by_snils.setdefault(_snils(s.snils), []).append(s)
        by_person.setdefault((_key(s.last_name), _key(s.first_name), s.birth_date), []).append(s)
    existing = {(pc.student_id, pc.category_id, pc.valid_from): pc for pc in PupilCategory.select().where(
        PupilCategory.school == school.id)}
    seen: dict[tuple, int] = {}
    for line, row in rows:
        bad = len(plan.errors)
        for column in ("last_name", "first_name"):
            if not row.get(column) or len(row[column]) > 100:
                plan.error(line, column, _l("Give the pupil's name (at most 100 characters)."))
        birth = _date(row.get("birth_date", ""))
        if birth is None:
            plan.error(line, "birth_date", _l("Enter a date as 31.01.2026 or 2026-01-31."))
        snils = _snils(row.get("snils", ""))
        if row.get("snils") and len(snils) != 11:
            plan.error(line, "snils", _l("SNILS has 11 digits."))
        raw = row.get("category", "")
        category = by_code.get(raw.lower()) or by_name.get(_key(raw))
        if category is None:
            plan.error(line, "category", _l("No such category in the municipality: give one of %(codes)s.",
                                            codes=", ".join(c.code for c in cats)))
        valid_from = _date(row.get("valid_from", ""))
        if valid_from is None:
            plan.error(line, "valid_from", _l("Enter a date as 31.01.2026 or 2026-01-31."))
        valid_to = _date(row["valid_to"]) if row.get("valid_to") else None
        if row.get("valid_to") and valid_to is None:
            plan.error(line, "valid_to", _l("Enter a date as 31.01.2026 or 2026-01-31."))
        elif valid_to is not None and valid_from is not None and valid_to < valid_from:
            plan.error(line, "valid_to", _l("The end comes after the start."))
        document = row.get("document", "")
        if len(document) > 300:
            plan.error(line, "document", _l("At most 300 characters."))
        elif category is not None and category.payer == "budget" and category.grade_from is None and not document:
            plan.error(line, "document", _l("A free category needs its supporting document."))
        if len(plan.errors) > bad:
            continue
        found = by_snils.get(snils) if snils else None
        if not found:
            found = by_person.get((_key(row["last_name"]), _key(row["first_name"]), birth), [])
            middle = _key(row.get("middle_name"))
            if middle:
                found = [s for s in found if not _key(s.middle_name) or _key(s.middle_name) == middle]
        name = " ".join(p for p in (row["last_name"], row["first_name"], row.get("middle_name", "")) if p)
        if not found:
            plan.unmatched.append((line, name, birth))
            continue
        if len(found) > 1:
            plan.error(line, "last_name", _l("Several pupils of the school have this name and date of birth: "
                                             "give the SNILS."))
            continue
        student = found[0]
        key = (student.id, category.id, valid_from)
        if key in seen:
            plan.error(line, "category", _l("The same pupil, category and start as on line %(line)s.", line=seen[key]))
            continue
        seen[key] = line
        before = existing.get(key)
        if before is not None and before.document == document and before.valid_to == valid_to:
            plan.unchanged.append(line)
            continue
        plan.rows.append({"line": line, "student": student, "category": category, "document": document,
                          "valid_from": valid_from, "valid_to": valid_to, "existing": before})
    return plan


def run(school: School, plan: RegisterPlan, user=None) -> dict:
    """Write a checked plan, all of it in one transaction (refused if it has mistakes)."""
    if not plan.ok:
        raise ValueError("the plan has mistakes")
    actor = user.id if user is not None and getattr(user, "id", None) else None
    now = utcnow()
    with db.atomic():
        new = [{"school": school.id, "student": r["student"].id, "category": r["category"].id,
                "document": r["document"], "valid_from": r["valid_from"], "valid_to": r["valid_to"],
                "created_by": actor, "created_at": now} for r in plan.new]
        for start in range(0, len(new), 500):
            PupilCategory.insert_many(new[start:start + 500]).execute()
        for r in plan.updated:
            PupilCategory.update(document=r["document"], valid_to=r["valid_to"]).where(
                PupilCategory.id == r["existing"].id).execute()
    return {"added": len(plan.new), "updated": len(plan.updated), "unchanged": len(plan.unchanged),
            "unmatched": len(plan.unmatched)}


def import_file(school: School, data: bytes, filename: str, user=None, dry_run: bool = False) -> tuple[RegisterPlan, dict]:
    """Check a register and, unless ``dry_run`` or it has mistakes, import it: ``(plan, counts)``;
    ``ImportFileError`` for a file that cannot be read."""
    plan = check(school, read_rows(data, filename))
    if dry_run or not plan.ok:
        return plan, {"added": 0, "updated": 0, "unchanged": len(plan.unchanged), "unmatched": len(plan.unmatched)}
    return plan, run(school, plan, user)
