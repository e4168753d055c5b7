"""CSV files from the same sheets as the XLSX ones: UTF-8 with a byte order mark (spreadsheet programs then
read Cyrillic right), comma separated, every text a spreadsheet would run as a formula disarmed
(``safe_cell``)."""
from __future__ import annotations

import csv
import io

from flask import Response

from eschool.exports.xlsx import Sheet, attachment_headers, safe_cell

CSV_MIMETYPE = "text/csv; charset=utf-8"


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
