"""Downloads: XLSX never runs what a user typed; PDF is made offline with the shipped Cyrillic fonts."""
import http.server
import io
import re
import threading
import zlib

import openpyxl
import pytest
from flask import render_template_string

from eschool.exports import Sheet, pdf, safe_cell, xlsx_bytes, xlsx_response
from eschool.exports.pdf import pdf_available, pdf_bytes, pdf_response

needs_pdf = pytest.mark.skipif(not pdf_available(), reason="PDF SKIPPED: WeasyPrint or the Pango library is missing "
                                                              "(bin/test installs libpango on Debian as root)")


def _cells(data: bytes):
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in book.worksheets}


def test_a_cell_that_looks_like_a_formula_is_kept_as_the_text_typed():
    data = xlsx_bytes([Sheet("Отчёт", ["Ученик", "Примечание"],
                             [["Иванов", "=HYPERLINK(\"http://evil\",\"x\")"], ["Петров", "@SUM(A1)"],
                              ["Сидоров", "+7 900"], ["Козлов", "-"], ["Орлов", 5]])])
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book.active
    notes = [row[1] for row in ws.iter_rows(min_row=2)]
    assert [c.value for c in notes] == ["=HYPERLINK(\"http://evil\",\"x\")", "@SUM(A1)", "+7 900", "-", 5]
    assert [c.data_type for c in notes] == ["s", "s", "s", "s", "n"], "a formula-looking text must be stored as text"
    assert safe_cell("=1+2") == "'=1+2" and safe_cell("ok") == "ok" and safe_cell(3) == 3


def test_sheet_titles_are_made_valid_and_unique_and_captions_come_first():
    data = xlsx_bytes([Sheet("5А/6Б: итоги [I четверть]", ["a"], [[1]], caption=["Сводная ведомость"]),
                       Sheet("5А/6Б: итоги [I четверть]", ["a"], [[2]])])
    sheets = _cells(data)
    assert len(sheets) == 2
    first, second = sheets
    assert len(first) <= 31 and not set("[]:*?/\\") & set(first) and first != second
    assert sheets[first][0] == ["Сводная ведомость"] and sheets[first][2] == ["a"]


def test_a_download_keeps_a_cyrillic_file_name(app):
    with app.test_request_context():
        response = xlsx_response("Табель 5А", [Sheet("Лист", ["x"], [[1]])])
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''%D0%A2%D0%B0%D0%B1%D0%B5%D0%BB%D1%8C%205%D0%90.xlsx" in disposition
    assert response.mimetype.endswith("spreadsheetml.sheet")


PAGE = """{% extends "exports/print.html" %}{% set landscape = true %}
{% block title %}Сводная ведомость{% endblock %}
{% block content %}<h1>Сводная ведомость 5А</h1><table><thead><tr><th>Ученик</th></tr></thead>
<tbody><tr><td>Ёлкина Щука</td></tr></tbody></table>{{ extra|safe }}{% endblock %}"""


def _pdf_objects(data: bytes) -> bytes:
    """The PDF with its compressed object streams inflated (where the font dictionaries live)."""
    out = data
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            out += zlib.decompress(match.group(1))
        except zlib.error:
            pass
    return out


@needs_pdf
def test_a_printed_form_is_a_pdf_with_the_shipped_cyrillic_font(app):
    with app.test_request_context():
        html = render_template_string(PAGE, extra="")
        response = pdf_response("Ведомость", html)
    body = response.get_data()
    assert response.mimetype == "application/pdf" and body.startswith(b"%PDF")
    objects = _pdf_objects(body)
    assert re.search(rb"/BaseFont /[A-Z]{6}\+Print-Sans", objects), \
        "the shipped DejaVu font (family Print Sans) must be embedded: Cyrillic without system fonts"
    assert re.search(rb"/MediaBox \[\s*0 0 841", objects), "landscape A4 asked for"


class _Counter(http.server.BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self):  # noqa: N802 (the standard library's name)
        type(self).hits += 1
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@needs_pdf
def test_printing_fetches_nothing_from_the_network_nor_local_files(app, tmp_path):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Counter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    try:
        url = f"http://127.0.0.1:{server.server_port}/tracker.png"
        extra = (f'<img src="{url}"><link rel="stylesheet" href="{url}">'
                 f'<img src="file://{tmp_path}/secret.css"><img src="/static/../../../etc/passwd">')
        with app.test_request_context():
            body = pdf_bytes(render_template_string(PAGE, extra=extra))
    finally:
        server.shutdown()
    assert body.startswith(b"%PDF")
    assert _Counter.hits == 0, "a URL in printed content must never be fetched"


def test_without_the_pdf_library_the_download_says_so_instead_of_failing(app, monkeypatch):
    monkeypatch.setattr(pdf, "_weasyprint", lambda: None)
    from werkzeug.exceptions import ServiceUnavailable

    with app.test_request_context(), pytest.raises(ServiceUnavailable) as refused:
        pdf_response("x", "<p>x</p>")
    assert "PDF" in refused.value.description


def test_the_print_base_is_valid_html_in_the_browser_too(app):
    with app.test_request_context():
        html = render_template_string(PAGE, extra="")
    assert "@page" in html and "/static/fonts/DejaVuSans.ttf" in html
    client = app.test_client()
    font = client.get("/static/fonts/DejaVuSans.ttf")
    assert font.status_code == 200 and len(font.data) > 100_000
    assert zlib.crc32(font.data) != 0
