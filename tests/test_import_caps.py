"""The files the school imports (students, staff, lesson plans) are read under caps (people/tabular.py):
the size an XLSX file declares is ignored, and a file above the caps is refused with a message naming
it and the cap, never read into memory whole."""
import datetime as dt
import io
import re
import tracemalloc
import zipfile

import openpyxl
import pytest

from eschool.people import tabular
from tests.conftest import login
from tests.journal_setup import build_journal_school


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def claiming(data: bytes, ref: str = "A1:XFD1048576") -> bytes:
    """The XLSX file with its sheet's declared size (``<dimension ref>``) replaced by ``ref``."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            part = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                part, count = re.subn(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), part)
                assert count == 1
            target.writestr(item, part)
    return out.getvalue()


def cells_at(values: dict) -> bytes:
    """An XLSX file with ``{"A1": value, ...}`` and nothing else."""
    book = openpyxl.Workbook()
    for ref, value in values.items():
        book.active[ref] = value
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def peak_mb(read) -> tuple[object, float]:
    tracemalloc.start()
    try:
        result = read()
    except tabular.ImportFileError as exc:
        result = exc
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result, peak / 2**20


@pytest.fixture
def english(app):
    """Messages in English (outside a request a message would be in whatever locale was left)."""
    from flask_babel import force_locale

    with app.test_request_context("/"), force_locale("en"):
        yield


PLAN = [["Номер", "Тема", "Часы"], *[[n, f"Тема {n}", 1] for n in range(1, 200)]]


def test_the_size_an_xlsx_file_declares_is_ignored():
    """<dimension ref="A1:XFD1048576"> padded every row to 16,384 cells and the sheet to 1,048,576 rows."""
    data = claiming(xlsx(PLAN))
    assert len(data) < 20_000
    table, peak = peak_mb(lambda: tabular.read_table(data, "plan.xlsx"))
    assert table == [[str(c) for c in row] for row in PLAN]
    assert peak < 30


def test_trailing_empty_cells_and_rows_do_not_count():
    rows = [["Фамилия", "Имя", None, None], ["Орлова", "Мария", "", None], [None], [], ["Зуев", "Глеб"]]
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.active["CZ60000"] = ""  # an empty cell far below and right: counts for nothing
    buf = io.BytesIO()
    book.save(buf)
    assert tabular.read_table(buf.getvalue(), "x.xlsx") == [["Фамилия", "Имя"], ["Орлова", "Мария"], [], [],
                                                           ["Зуев", "Глеб"]]
    text = "Фамилия;Имя;;;\nОрлова;Мария;;\n\n" + ";;;;\n" * (tabular.MAX_ROWS + 5)
    assert tabular.read_table(text.encode(), "x.csv") == [["Фамилия", "Имя"], ["Орлова", "Мария"]]


@pytest.mark.parametrize("cells, message", [
    ({"A1": "Фамилия", "XFD1048576": "x"}, "far.xlsx, line 1048576: more than 100 columns"),
    ({"A1": "Фамилия", "A1048576": "x"}, "far.xlsx, line 1048576: more than 50000 rows"),
    ({"A1": "Фамилия", **{f"XFD{n}": "x" for n in range(1, 3000)}}, "far.xlsx, line 1: more than 100 columns"),
    ({"A1": "Фамилия", "CW2": "x"}, "far.xlsx, line 2: more than 100 columns"),
])
def test_cells_far_apart_are_refused_with_the_cap(cells, message, english):
    data = cells_at(cells)
    assert len(data) < 30_000
    with pytest.raises(tabular.ImportFileError) as refused:
        tabular.read_table(data, "far.xlsx")
    assert message in str(refused.value)


def test_the_refusal_costs_bounded_memory(english):
    data = claiming(cells_at({"A1": "Фамилия", **{f"XFD{n}": "x" for n in range(2, 3000)}}))
    refused, peak = peak_mb(lambda: tabular.read_table(data, "wide.xlsx"))
    assert isinstance(refused, tabular.ImportFileError) and "more than 100 columns" in str(refused)
    assert peak < 30


def test_csv_caps(english):
    def refusal(text: str) -> str:
        with pytest.raises(tabular.ImportFileError) as refused:
            tabular.read_table(text.encode(), "list.csv")
        return str(refused.value)

    assert "list.csv, line 2: the line is longer than 10000 characters" in refusal("a;b\n" + "x" * 10_001 + "\n")
    assert "list.csv, line 1: more than 100 columns" in refusal(";" * 100 + "x\n")
    rows = "a;b\n" * (tabular.MAX_ROWS + 1)
    assert f"list.csv, line {tabular.MAX_ROWS + 1}: more than 50000 rows" in refusal(rows)
    assert "list.csv, line 2: not a readable CSV line" in refusal('a;b\n"' + "x\n" * 70_000 + "\n")
    assert len(tabular.read_table(("a;b\n" * tabular.MAX_ROWS).encode(), "list.csv")) == tabular.MAX_ROWS


def test_an_xlsx_bomb_is_refused_before_unpacking(english):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in zipfile.ZipFile(io.BytesIO(xlsx([["a"]]))).infolist():
            target.writestr(item, b"")
        target.writestr("xl/padding.bin", b"\0" * (tabular.MAX_XLSX_UNPACKED_BYTES + 1))
    assert len(out.getvalue()) < 1_000_000
    with pytest.raises(tabular.ImportFileError) as refused:
        tabular.read_table(out.getvalue(), "bomb.xlsx")
    assert "bomb.xlsx: the XLSX file unpacks to more than 200 MB" in str(refused.value)


def test_a_file_above_the_upload_cap_is_refused(english):
    with pytest.raises(tabular.ImportFileError) as refused:
        tabular.read_table(b"a" * (tabular.MAX_FILE_BYTES + 1), "big.csv")
    assert "big.csv: the file is larger than 20 MB" in str(refused.value)


# --------------------------------------------------------------------------- through HTTP

HOSTILE = {"A1": "Номер", "B1": "Тема", "A2": 1, "B2": "Тема", "XFD1048576": "x"}


def test_a_teachers_lesson_plan_upload_is_refused_with_the_cap(app, demo):
    from eschool_lesson_plans.models import LessonPlan

    with app.test_request_context("/"):
        j = build_journal_school(app, demo["school"])
    client = app.test_client()
    login(client, "teacher")
    client.post("/language", data={"locale": "en"})
    response = client.post(f"/school/{j['school'].id}/lesson-plans", content_type="multipart/form-data",
                           data={"subject_id": str(j["maths"].id), "grade": "5", "name": "",
                                 "file": (io.BytesIO(cells_at(HOSTILE)), "plan.xlsx")})
    assert response.status_code == 400
    assert "plan.xlsx, line 1048576: more than 100 columns" in response.get_data(as_text=True)
    with app.app_context():
        assert LessonPlan.select().count() == 0


def test_an_admins_student_import_is_refused_with_the_cap(app, client, demo):
    from eschool.people.models import Student
    from eschool.school import services

    with app.app_context():
        school = demo["school"]
        services.create_year(school, {"name": "2026/2027", "starts_on": dt.date(2026, 9, 1),
                                      "ends_on": dt.date(2027, 5, 31), "is_current": True, "periods": []})
    login(client, "admin")
    client.post("/language", data={"locale": "en"})
    hostile = claiming(cells_at({"A1": "Фамилия", "B1": "Имя", "A2": "Орлова", "B2": "Мария", "A60000": "Зуев"}))
    response = client.post(f"/school/{demo['school'].id}/import", content_type="multipart/form-data",
                           data={"order_number": "1", "date": "2026-09-01",
                                 "file": (io.BytesIO(hostile), "список.xlsx")})
    assert response.status_code == 400
    assert "список.xlsx, line 60000: more than 50000 rows" in response.get_data(as_text=True)
    assert 'name="token" value="' not in response.get_data(as_text=True).replace('value=""', "")
    with app.app_context():
        assert Student.select().count() == 0
