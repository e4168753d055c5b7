"""CSV files that leave the portal: one writer, one rule against formulas (docs/plugins.md, "Downloads").

A spreadsheet program opening a CSV runs a cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab /
carriage return) as a formula: a name typed as ``=HYPERLINK("http://evil", "Иванов")`` becomes a link
(CSV/formula injection, OWASP). Every text cell written here that starts with one of those gets a leading
``'`` (``safe_cell``, the rule of the XLSX files too).

* :func:`csv_bytes` / :func:`csv_response`: a :class:`Sheet` (the same sheets as the XLSX downloads) as a
  CSV file: UTF-8 with a byte order mark (spreadsheet programs then read Cyrillic right), comma separated.
* :func:`write_csv`: rows to a text file for other systems (the OneRoster exchange, the school archive),
  every cell through :func:`csv_cell`. There a text that already starts with ``'`` gets one more, so
  that the rule can be undone exactly: :func:`read_cell` takes one ``'`` off a cell that starts with ``'``
  followed by a formula character or another ``'``. A file read back through :func:`read_cell` gives the
  texts as they were; a file from elsewhere is read as written (``'t Hooft`` stays as it is). Only texts
  are escaped: numbers, dates and booleans are written as their plain text, so ``-1`` stays a number.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal

from flask import Response

from eschool.exports.xlsx import FORMULA_STARTS, Sheet, attachment_headers, safe_cell

CSV_MIMETYPE = "text/csv; charset=utf-8"
#: A text starting with one of these gets a leading ``'`` in a file for other systems (``csv_cell``).
ESCAPED_STARTS = (*FORMULA_STARTS, "'")


def csv_bytes(sheet: Sheet) -> bytes:
    """The sheet's header and rows as the bytes of a CSV file (the caption is left out: a CSV file is read
    by programs, its first line names the columns)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if sheet.header:
        writer.writerow([safe_cell(h) for h in sheet.header])
    for row in sheet.rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def csv_response(filename: str, sheet: Sheet) -> Response:
    """A Flask response downloading the sheet as ``filename`` (``.csv`` added when missing)."""
    if not filename.lower().endswith(".csv"):
        filename += ".csv"
    return Response(csv_bytes(sheet), mimetype=CSV_MIMETYPE, headers=attachment_headers(filename))


def csv_cell(value) -> str:
    """The text of one CSV cell: ``None`` empty, a text with its formula start disarmed, numbers, dates
    and booleans (``true``/``false``) as plain text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal, dt.date, dt.time)):
        return value.isoformat() if isinstance(value, (dt.date, dt.time)) else str(value)
    text = str(value)
    return "'" + text if text.startswith(ESCAPED_STARTS) else text


def read_cell(text: str) -> str:
    """Undo :func:`csv_cell` for a text: one leading ``'`` off where ``csv_cell`` put it."""
    if text[:1] == "'" and text[1:2] and text[1:].startswith(ESCAPED_STARTS):
        return text[1:]
    return text


def write_csv(fh, header: list[str], rows: Iterable[Iterable]) -> int:
    """Write ``header`` and ``rows`` (each a sequence in the header's order) to the text file ``fh``
    (opened with ``newline=""``), every cell through :func:`csv_cell`; returns the number of rows."""
    writer = csv.writer(fh, lineterminator="\n")
    writer.writerow([csv_cell(h) for h in header])
    count = 0
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
        count += 1
    return count
