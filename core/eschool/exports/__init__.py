"""Files people download: spreadsheets (XLSX) and printable documents (PDF), one way for the whole portal.

Every report, tabulation sheet and list that leaves the portal goes through here, so that two rules
hold everywhere:

* a spreadsheet never runs what a user typed: a text cell starting with ``=``, ``+``, ``-``, ``@``
  (or a tab / carriage return) is written as text, not as a formula (CSV/formula injection);
* a PDF is made without the network: the fonts with Cyrillic ship with the package
  (``static/fonts``, DejaVu), and the renderer fetches nothing but the portal's own static files and
  inline ``data:`` images, so a picture URL typed into a text cannot make the server call out.

``xlsx``, ``csvfile`` and ``pdf`` hold the formats; the names below are the public surface (also in
``eschool.plugin_api``).
"""
from eschool.exports.csvfile import csv_bytes, csv_response
from eschool.exports.pdf import PdfUnavailable, pdf_available, pdf_bytes, pdf_response
from eschool.exports.xlsx import Sheet, safe_cell, xlsx_bytes, xlsx_response

__all__ = ["Sheet", "safe_cell", "xlsx_bytes", "xlsx_response", "csv_bytes", "csv_response", "pdf_bytes",
           "pdf_response", "pdf_available", "PdfUnavailable"]
