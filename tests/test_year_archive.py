"""The year archive (issue 17): a year's closing builds every class's journal (PDF and XLSX) in the
background, stored and listed per school and year; failures are retried, then shown; lost builds are
queued again; the administrator builds on demand; only those allowed read the files."""
import datetime as dt
import io

import openpyxl
import pytest

from eschool.exports.pdf import pdf_available
from eschool.testing import build_world

IN_WINDOW = dt.date(2027, 6, 15)


@pytest.fixture
def school(app):
    """The kit's world with 5А's lessons of the last weeks, a mark and an absence in them."""
    from eschool.journal.models import Attendance, Lesson, Mark
    from eschool.journal.services import ensure_lessons
    from eschool.school.models import ClassGroup

    world = build_world(app)
    with app.app_context():
        ensure_lessons(ClassGroup.get_by_id(world.c5), world.today - dt.timedelta(days=40), world.today)
        lessons = list(Lesson.select().where(Lesson.class_group == world.c5).order_by(Lesson.date.desc()))
        Mark.create(lesson=lessons[0], student=world.students[2], slot=0, value="5", numeric=5)
        Attendance.create(lesson=lessons[0], student=world.students[0], kind="ill")
        Lesson.update(topic="Дроби").where(Lesson.id == lessons[0].id).execute()
    return world


def _close(app, world, monkeypatch, api_token):
    from eschool.journal.models import FinalMark
    from eschool.school.models import Period
    from eschool.yearend import services

    monkeypatch.setattr(services, "local_today", lambda: IN_WINDOW)
    with app.app_context():
        for class_id, students in ((world.c5, world.students), (world.c6, world.others)):
            for student in students:
                FinalMark.create(student=student, class_group=class_id, subject=world.maths, kind="year", value="4",
                                 numeric=4)
        Period.update(closed=True).where(Period.academic_year == world.year).execute()
    answer = app.test_client().post(f"/api/v1/schools/{world.school}/year-end/close", headers=api_token("admin"),
                                    json={"order_number": "1-у"})
    assert answer.status_code == 201, answer.get_json()


def _entries(app, world):
    from eschool.archive.models import ArchiveEntry

    with app.app_context():
        return {e.class_group_id: e for e in ArchiveEntry.select().where(ArchiveEntry.academic_year == world.year)}


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_closing_the_year_archives_every_class_in_the_background(app, school, login_as, api_token, monkeypatch,
                                                                 count_queries):
    from eschool.jobs import run_pending

    _close(app, school, monkeypatch, api_token)
    entries = _entries(app, school)
    assert set(entries) == {school.c5, school.c6} and {e.status for e in entries.values()} == {"queued"}
    admin = login_as("admin")
    waiting = admin.get(f"/school/{school.school}/archive/{school.year}").get_data(as_text=True)
    assert "ожидает" in waiting and "5А" in waiting and "6Б" in waiting
    assert run_pending(app) >= 2
    entries = _entries(app, school)
    assert {e.status for e in entries.values()} == {"done"} or not pdf_available()
    listing = app.test_client().get(f"/api/v1/schools/{school.school}/archive/{school.year}",
                                    headers=api_token("admin")).get_json()
    five = next(line for line in listing if line["class"] == "5А")
    assert five["state"] == ("done" if pdf_available() else "failed") and five["xlsx_url"].endswith(".xlsx")
    files = f"/school/{school.school}/archive/files/{entries[school.c5].id}"
    assert app.test_client().get(five["xlsx_url"].replace("http://localhost", ""),
                                 headers=api_token("deputy")).status_code == 200
    xlsx = admin.get(f"{files}.xlsx")
    assert xlsx.status_code == 200 and xlsx.headers["Cache-Control"].startswith("private")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    rows = [[c.value for c in row] for ws in book.worksheets if ws.title.startswith("Математика")
            for row in ws.iter_rows()]
    assert any(r[0] == "Волков Ученик02" and "5" in r for r in rows)
    assert any(r[0] == "Абрамов Ученик00" and "б" in r for r in rows)
    assert any("четверть" in ws.title for ws in book.worksheets), "the year goes period by period"
    if pdf_available():
        pdf = admin.get(f"{files}.pdf")
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        text = _pdf_text(pdf.data)
        assert "Классный журнал" in text and "Волков Ученик02" in text and "Дроби" in text
    # the class teacher reads their own class's files, not another class's
    teacher = login_as("classteacher")
    own = teacher.get(f"/school/{school.school}/archive/{school.year}").get_data(as_text=True)
    assert "5А" in own and "6Б" not in own
    assert teacher.get(f"{files}.xlsx").status_code == 200
    six = entries[school.c6].id
    assert teacher.get(f"/school/{school.school}/archive/files/{six}.xlsx").status_code == 403
    # the year list counts the classes per state; the list's queries do not grow with the classes
    years = app.test_client().get(f"/api/v1/schools/{school.school}/archive/", headers=api_token("director")).get_json()
    assert next(y for y in years if y["year_id"] == school.year)["states"] == (
        {"done": 2} if pdf_available() else {"failed": 2})
    url = f"/school/{school.school}/archive/{school.year}"
    admin.get(url)
    with count_queries() as few:
        admin.get(url)
    with app.app_context():
        from eschool.school.models import ClassGroup
        from eschool.structure.models import School

        for letter in "ВГД":
            ClassGroup.create(school=School.get_by_id(school.school), academic_year=school.year, kind="regular",
                              grade=7, letter=letter, name=f"7{letter}", shift=1)
    with count_queries() as many:
        admin.get(url)
    assert many.count == few.count


def test_a_failing_build_is_retried_shown_and_built_again_on_demand(app, school, login_as, api_token, monkeypatch):
    from eschool.archive import services
    from eschool.jobs import queue_of, run_pending

    real = services.render

    def broken(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "render", broken)
    api = app.test_client()
    base = f"/api/v1/schools/{school.school}/archive/{school.year}"
    assert api.post(f"{base}/build", headers=api_token("admin"), json={}).get_json() == {"queued": 2}
    run_pending(app)
    first = _entries(app, school)[school.c5]
    assert first.status == "queued" and first.attempts == 1 and "disk full" in first.error
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(hours=2)
    run_pending(app, now=later)
    run_pending(app, now=later + dt.timedelta(hours=1))
    failed = _entries(app, school)[school.c5]
    assert failed.status == "failed" and failed.attempts == services.MAX_ATTEMPTS
    page = login_as("admin").get(f"/school/{school.school}/archive/{school.year}").get_data(as_text=True)
    assert "не удалось" in page and "disk full" in page
    # built again on demand, once the cause is gone
    monkeypatch.setattr(services, "render", lambda *args: (b"%PDF-1.7 test", b"PK test"))
    assert api.post(f"{base}/build", headers=api_token("director"), json={}).get_json() == {"queued": 2}
    run_pending(app)
    assert {e.status for e in _entries(app, school).values()} == {"done"}
    assert api.post(f"{base}/build", headers=api_token("admin"), json={}).get_json() == {"queued": 0}
    # a build lost on the way (the queue emptied) is found by the sweep and queued again
    assert api.post(f"{base}/build", headers=api_token("admin"), json={"rebuild": True}).get_json() == {"queued": 2}
    queue_of(app).huey.flush()
    with app.app_context():
        assert services.sweep() == 0, "not stale yet"
        assert services.sweep(now=dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=31)) == 2
    run_pending(app)
    entries = _entries(app, school)
    assert {e.status for e in entries.values()} == {"done"}
    with app.app_context():
        assert services.stored_path(services.OWNER, entries[school.c5].pdf_name).read_bytes() == b"%PDF-1.7 test"
    # where PDF output is not installed, the XLSX is kept and the class says why (no use retrying)
    from eschool.exports import PdfUnavailable

    def no_pdf(*args):
        raise PdfUnavailable("no pango")

    monkeypatch.setattr(services, "render", real)
    monkeypatch.setattr(services, "pdf_bytes", no_pdf)
    api.post(f"{base}/build", headers=api_token("admin"), json={"rebuild": True})
    run_pending(app)
    five = _entries(app, school)[school.c5]
    assert five.status == "failed" and five.attempts == 1 and "XLSX" in five.error and five.pdf_name is None
    admin = login_as("admin")
    assert admin.get(f"/school/{school.school}/archive/files/{five.id}.xlsx").status_code == 200
    assert admin.get(f"/school/{school.school}/archive/files/{five.id}.pdf").status_code == 404


@pytest.mark.parametrize("who", ["teacher", "other", "student", "parent", "secretary", "municipal", "deputy"])
def test_the_archive_is_refused_to_those_not_allowed(app, school, login_as, api_token, monkeypatch, who):
    from eschool.archive import services
    from eschool.jobs import run_pending

    monkeypatch.setattr(services, "render", lambda *args: (b"%PDF-1.7 test", b"PK test"))
    app.test_client().post(f"/api/v1/schools/{school.school}/archive/{school.year}/build",
                           headers=api_token("admin"), json={})
    run_pending(app)
    entry = _entries(app, school)[school.c5].id
    client, api, headers = login_as(who), app.test_client(), api_token(who)
    base = f"/school/{school.school}/archive"
    if who == "deputy":  # reads every class, builds nothing
        assert client.get(f"{base}/{school.year}").status_code == 200
        assert client.get(f"{base}/files/{entry}.pdf").status_code == 200
    else:
        assert client.get(f"{base}/").status_code == 403
        assert client.get(f"{base}/{school.year}").status_code == 403
        assert client.get(f"{base}/files/{entry}.pdf").status_code == 403
        assert api.get(f"/api/v1/schools/{school.school}/archive/files/{entry}.xlsx", headers=headers).status_code == 403
    assert client.post(f"{base}/{school.year}/build", data={}).status_code == 403
    assert api.post(f"/api/v1/schools/{school.school}/archive/{school.year}/build", headers=headers,
                    json={}).status_code == 403
