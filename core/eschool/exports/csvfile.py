"""CSV files that leave the portal (the OneRoster exchange, the school archive): one writer, one rule.

A spreadsheet program opening a CSV runs a cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab /
carriage return) as a formula: a name typed as ``=HYPERLINK("http://evil", "Иванов")`` becomes a link
(CSV/formula injection, OWASP). Every text cell written here that starts with one of those gets a
leading ``'``, the same rule :func:`eschool.exports.safe_cell` applies to plain-text tables. A text that
already starts with ``'`` gets one more, so that the rule can be undone exactly: :func:`read_cell`
takes one ``'`` off a cell that starts with ``'`` followed by a formula character or another ``'``.
A file read back through :func:`read_cell` gives the texts as they were; a file from elsewhere is read
as written (``'t Hooft`` stays as it is).

Only texts are escaped: numbers, dates and booleans are written as their plain text, so ``-1`` stays a
number for the spreadsheet (it is not a formula there).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal

from eschool.exports.xlsx import FORMULA_STARTS, attachment_headers

#: A text starting with one of these gets a leading ``'`` in a CSV file.
ESCAPED_STARTS = (*FORMULA_STARTS, "'")


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


def csv_bytes(header: list[str], rows: Iterable[Iterable]) -> bytes:
    """The CSV file (UTF-8 with a byte-order mark, so that Excel reads Cyrillic right) as bytes."""
    out = io.StringIO()
    write_csv(out, header, rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]):
    """A Flask response downloading the CSV as ``filename`` (``.csv`` added when missing)."""
    from flask import Response

    if not filename.lower().endswith(".csv"):
        filename += ".csv"
    return Response(csv_bytes(header, rows), mimetype="text/csv; charset=utf-8",
                    headers=attachment_headers(filename))
