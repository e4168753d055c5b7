"""How a report becomes a page's cells, XLSX sheets and a file name (shared by the pages and the API)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import format_decimal
from flask_babel import gettext as _

from eschool.exports import Sheet


def cell_text(value, kind: str = "text") -> str:
    """A value as the page and the PDF show it: numbers in the user's locale, dates as dd.mm.yyyy,
    nothing as a dash."""
    if value is None or value == "":
        return "—" if kind in ("number", "percent") else ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (int, float, Decimal)):
        return format_decimal(value, format="#,##0.##" if kind != "percent" else "#,##0.0")
    if isinstance(value, dt.date):
        return f"{value:%d.%m.%Y}"
    return str(value)


def sheets_of(report) -> list[Sheet]:
    caption = [str(report.title), *[str(c) for c in report.caption], *[str(n) for n in report.notes]]
    return [Sheet(str(table.title), [str(c.label) for c in table.columns],
                  [[float(v) if isinstance(v, Decimal) else v for v in row]
                   for row in table.rows + ([table.totals] if table.totals else [])],
                  caption=caption if n == 0 else [str(report.title), str(table.title)])
            for n, table in enumerate(report.tables)]


def filename(report, params) -> str:
    parts = [str(report.title)]
    if params.get("class_group") is not None:
        parts.append(params["class_group"].name)
    parts.append(f"{dt.date.today():%Y-%m-%d}")
    return " ".join(parts).replace("/", "-")


