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


# Caps on a file the school imports (docs/people.md). A municipality's whole list of students fits
# (tens of thousands of rows; a student and three parents are under 30 columns); above them the file is
# refused before it costs the server more than a bounded amount of memory and time.
MAX_FILE_BYTES = 20 * 1024 * 1024  # the upload itself (the app's MAX_CONTENT_LENGTH is the same)
MAX_ROWS = 50_000  # rows with something in them, the header included; empty rows after the last do not count
MAX_COLUMNS = 100  # columns up to the last filled cell of a row
MAX_LINE_CHARS = 10_000  # one line of a CSV file
MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024  # an XLSX file's parts once unzipped (a zip bomb stops here)
XLSX_LAST_ROW = 1_048_576  # the format's own last row: a row number past it is a broken file


def _too_big(filename: str, data: bytes) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(_l("%(file)s: the file is larger than %(limit)s MB.", file=filename,
                                 limit=MAX_FILE_BYTES // (1024 * 1024)))


def _trimmed(values) -> list[str]:
    """A row's cells as text without the empty cells after its last filled one."""
    row = [cell(v) for v in values]
    while row and not row[-1].strip():
        row.pop()
    return row


class _Table:
    """Rows gathered under the caps: empty rows are kept only when a filled row follows them."""

    def __init__(self, filename: str, max_rows: int):
        self.filename, self.max_rows = filename, max_rows
        self.rows: list[list[str]] = []
        self.pending_empty = 0

    def add(self, line: int, values) -> None:
        row = _trimmed(values)
        if not row:
            self.pending_empty += 1
            return
        if len(row) > MAX_COLUMNS:
            raise ImportFileError(_l("%(file)s, line %(line)s: more than %(limit)s columns; the file may have "
                                     "at most %(limit)s.", file=self.filename, line=line, limit=MAX_COLUMNS))
        if line > self.max_rows:
            raise ImportFileError(_l("%(file)s, line %(line)s: more than %(limit)s rows; split the list into "
                                     "files of at most %(limit)s rows.", file=self.filename, line=line,
                                     limit=self.max_rows))
        self.rows.extend([] for _ in range(self.pending_empty))
        self.pending_empty = 0
        self.rows.append(row)


def _read_xlsx(data: bytes, filename: str, table: _Table) -> None:
    import zipfile

    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ImportFileError(_l("%(file)s: not a readable XLSX file.", file=filename)) from exc
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ImportFileError(_l("%(file)s: the XLSX file unpacks to more than %(limit)s MB.", file=filename,
                                 limit=MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)))
    book = None
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        # the size the file declares (<dimension ref="A1:XFD1048576">) is not trusted: rows come as
        # they are in the file, not padded to it (a missing row comes as an empty one)
        sheet.reset_dimensions()
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if not values:
                if line > XLSX_LAST_ROW:
                    raise ImportFileError(_l("%(file)s: not a readable XLSX file.", file=filename))
                table.pending_empty += 1
                continue
            table.add(line, values)
    except ImportFileError:
        raise
    except Exception as exc:  # openpyxl raises several kinds for a damaged file
        raise ImportFileError(_l("%(file)s: not a readable XLSX file.", file=filename)) from exc
    finally:
        if book is not None:
            book.close()


def _read_csv(data: bytes, filename: str, table: _Table) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(_l("%(file)s: save the CSV file in UTF-8.", file=filename)) from exc
    lines = io.StringIO(text)
    for number, line in enumerate(lines, start=1):
        if len(line.rstrip("\r\n")) > MAX_LINE_CHARS:
            raise ImportFileError(_l("%(file)s, line %(line)s: the line is longer than %(limit)s characters.",
                                     file=filename, line=number, limit=MAX_LINE_CHARS))
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    number = 0
    try:
        for number, values in enumerate(reader, start=1):
            table.add(number, values)
    except csv.Error as exc:  # a quote never closed, a field longer than the csv module takes, a NUL
        raise ImportFileError(_l("%(file)s, line %(line)s: not a readable CSV line.", file=filename,
                                 line=number + 1)) from exc


def read_table(data: bytes, filename: str, max_rows: int = MAX_ROWS) -> list[list[str]]:
    """Every row of a CSV (UTF-8, ``;`` or ``,``) or XLSX file (its first sheet), cells as text, each row
    without its empty cells at the end; refused (:class:`ImportFileError`, naming the file and the cap)
    above :data:`MAX_FILE_BYTES`, ``max_rows`` rows (:data:`MAX_ROWS`), :data:`MAX_COLUMNS` columns,
    :data:`MAX_LINE_CHARS` characters on a CSV line, :data:`MAX_XLSX_UNPACKED_BYTES` unzipped. The size
    an XLSX file declares is ignored; memory stays bounded by the caps, whatever the file claims."""
    name = filename.lower()
    if not name.endswith((".xlsx", ".csv")):
        raise ImportFileError(_l("%(file)s: send a .csv or .xlsx file.", file=filename))
    _too_big(filename, data)
    table = _Table(filename, max_rows)
    if name.endswith(".xlsx"):
        _read_xlsx(data, filename, table)
    else:
        _read_csv(data, filename, table)
    if not table.rows:
        raise ImportFileError(_l("%(file)s: the file is empty.", file=filename))
    return table.rows


def header_key(title: str) -> str:
    """A header cell compared without case, extra spaces, «ё» or the dash in «e-mail»."""
    text = " ".join((title or "").replace("ё", "е").replace("Ё", "Е").lower().split())
    return text.replace("e-mail", "email").replace("е-mail", "email")


def read_rows(data: bytes, filename: str, columns: dict[str, str], required: set[str],
              titles: dict | None = None, labels: dict | None = None) -> list[tuple[int, dict]]:
    """``[(line number, {column key: text})]``; ``columns`` maps every accepted header (as
    ``header_key`` writes it) to its key; a missing required column makes the file unreadable (named by
    ``labels``: each key's header in the user's language). ``titles``, when given, gets each key's header as
    the file writes it, so that a mistake names the column the way the user knows it."""
    table = read_table(data, filename)
    aliases = {header_key(name): key for name, key in columns.items()}
    header = [aliases.get(header_key(title)) for title in table[0]]
    if titles is not None:
        for title, key in zip(table[0], header, strict=False):
            if key and key not in titles:
                titles[key] = " ".join(str(title).split())
    missing = required - set(header)
    if missing:
        names = [str((labels or {}).get(key, key)) for key in missing]
        raise ImportFileError(_l("%(file)s, line 1: missing columns: %(columns)s.", file=filename,
                                 columns=", ".join(sorted(names))))
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


def is_date(text: str) -> bool:
    """Does ``parse_date`` read ``text`` as a date?"""
    try:
        dt.date.fromisoformat(parse_date(text))
    except ValueError:
        return False
    return True


def date_help(text: str):
    """What is wrong with a date the file gives, and how to write it, in the user's language («31.02.2015 is not
    a date: write it as DD.MM.YYYY, for example 04.03.2015»)."""
    return _l("“%(value)s” is not a date: write it as %(format)s, for example %(example)s.", value=text,
              format=_l("DD.MM.YYYY"), example="04.03.2015")


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
