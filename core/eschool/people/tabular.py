"""Reading the lists the school imports (students, staff): CSV or XLSX rows under a named header.

One place for what every import shares: the file's table, the header mapped to column keys
(Russian or English names, any order, unknown columns ignored), the line numbers (the header is
line 1), dates as people write them, phones and e-mails, and the plan of one import (errors by
line, column and reason; rows to write; rows skipped).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, validate


class ImportFileError(ValueError):
    """The file itself cannot be read (not the rows in it)."""


@dataclass
class Plan:
    """What an import would do; ``ok`` only when no row has a mistake."""

    rows: list[dict] = field(default_factory=list)  # the rows to write, each with its "line"
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, column, reason)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, name) already there

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_lines(self) -> int:
        return len({line for line, _column, _reason in self.errors})

    def error(self, line: int, column: str, reason) -> None:
        self.errors.append((line, column, str(reason)))


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """Every row of a CSV (UTF-8, ``;`` or ``,``) or XLSX file (its first sheet), cells as text."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several kinds for a damaged file
            raise ImportFileError(_l("%(file)s: not a readable XLSX file.", file=filename)) from exc
        sheet = book.worksheets[0]
        table = [[cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    elif name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError(_l("%(file)s: save the CSV file in UTF-8.", file=filename)) from exc
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") >= first.count(",") else ","
        table = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    else:
        raise ImportFileError(_l("%(file)s: send a .csv or .xlsx file.", file=filename))
    if not table:
        raise ImportFileError(_l("%(file)s: the file is empty.", file=filename))
    return table


def header_key(title: str) -> str:
    """A header cell compared without case, extra spaces, «ё» or the dash in «e-mail»."""
    text = " ".join((title or "").replace("ё", "е").replace("Ё", "Е").lower().split())
    return text.replace("e-mail", "email").replace("е-mail", "email")


def read_rows(data: bytes, filename: str, columns: dict[str, str], required: set[str]) -> list[tuple[int, dict]]:
    """``[(line number, {column key: text})]``; ``columns`` maps every accepted header (as
    ``header_key`` writes it) to its key; a missing required column makes the file unreadable."""
    table = read_table(data, filename)
    aliases = {header_key(name): key for name, key in columns.items()}
    header = [aliases.get(header_key(title)) for title in table[0]]
    missing = required - set(header)
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


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_date(text: str) -> str:
    """``04.03.2015`` or ``2015-03-04`` as ISO; anything else is returned for the schema to refuse."""
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return text


def phone(text: str) -> str:
    """A phone number as ``+79001234567``; ``ValueError`` if it is not one.

    Spaces, dashes, dots and brackets are ignored; a Russian number may start with 8 or 7.
    """
    digits = re.sub(r"[\s\-().]", "", text or "")
    if re.fullmatch(r"8\d{10}", digits):
        digits = "+7" + digits[1:]
    elif re.fullmatch(r"7\d{10}", digits):
        digits = "+" + digits
    if not re.fullmatch(r"\+\d{10,15}", digits):
        raise ValueError(text)
    return digits


PHONE_HELP = _l("Write the phone as +7 900 123-45-67 or 8 900 123-45-67.")


def email(text: str) -> str:
    """An e-mail address in lower case; ``ValueError`` if it is not one."""
    address = (text or "").strip().lower()
    try:
        validate.Email()(address)
    except ValidationError as exc:
        raise ValueError(text) from exc
    if len(address) > 254:
        raise ValueError(text)
    return address


EMAIL_HELP = _l("Enter a valid e-mail address.")
