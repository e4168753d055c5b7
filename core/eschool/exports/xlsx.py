"""XLSX workbooks from rows (openpyxl), with formulas disarmed and a header row people can filter."""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: A text starting with one of these is a formula (or a DDE call) to a spreadsheet program.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Excel refuses a sheet title longer than this or holding one of these characters.
TITLE_LENGTH = 31
TITLE_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def plain(value):
    """The value as a cell may hold it: numbers, dates and booleans as they are (an aware datetime in
    its own wall time: spreadsheets know no zones), anything else as its text."""
    if value is None or isinstance(value, (bool, int, float, Decimal, dt.date, dt.time)):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.replace(tzinfo=None)
        return value
    return str(value)


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def safe_cell(value):
    """For CSV and other plain-text tables: a text a spreadsheet would run as a formula gets a leading
    ``'`` so that it stays text (OWASP's advice for CSV injection); everything else as ``plain``."""
    value = plain(value)
    return "'" + value if is_formula_like(value) else value


@dataclass
class Sheet:
    """One sheet: its title, the header row, the rows, and optional column widths (in characters)."""

    title: str
    header: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    widths: list | None = None
    #: Lines above the header (a report's title, its parameters), written in bold.
    caption: list = field(default_factory=list)


def _title(text: str, taken: set) -> str:
    base = (str(text).translate(TITLE_FORBIDDEN).strip() or "Sheet")[:TITLE_LENGTH]
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[:TITLE_LENGTH - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def xlsx_bytes(sheets: list[Sheet]) -> bytes:
    """The workbook of these sheets, as the bytes of an .xlsx file (write-only mode: memory stays flat
    in the number of rows)."""
    book = Workbook(write_only=True)
    taken: set = set()
    bold = Font(bold=True)
    for sheet in sheets or [Sheet("Sheet")]:
        ws = book.create_sheet(_title(sheet.title, taken))
        widths = list(sheet.widths or [])
        if not widths and sheet.header:
            widths = [max(10, min(40, len(str(h)) + 2)) for h in sheet.header]
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width

        def styled(value, font=None, ws=ws):
            value = plain(value)
            cell = WriteOnlyCell(ws, value=value)
            if is_formula_like(value):
                cell.data_type = "s"  # the text exactly as typed, stored as text, never run
                cell.alignment = Alignment(horizontal="left")
            if font:
                cell.font = font
            return cell

        for line in sheet.caption:
            ws.append([styled(line, bold)])
        if sheet.caption:
            ws.append([])
        if sheet.header:
            ws.append([styled(h, bold) for h in sheet.header])
        for row in sheet.rows:
            ws.append([styled(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def attachment_headers(filename: str) -> dict:
    """``Content-Disposition`` for a download whose name may be Cyrillic (RFC 6266 / 5987)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"}


def xlsx_response(filename: str, sheets: list[Sheet]) -> Response:
    """A Flask response downloading the workbook as ``filename`` (``.xlsx`` added when missing)."""
    if not filename.lower().endswith(".xlsx"):
        filename += ".xlsx"
    return Response(xlsx_bytes(sheets), mimetype=XLSX_MIMETYPE, headers=attachment_headers(filename))
