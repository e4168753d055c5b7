"""The diary's mobile API: bearer tokens, a parent's student_id, 404 for a child not theirs, the schemas
in the OpenAPI document, and the query guard."""
import datetime as dt

import pytest

from tests import test_diary
from tests.conftest import bearer
from tests.test_diary import World, _add_students

world = test_diary.world  # the shared fixture: the diary's test school

ENDPOINTS = ("/api/v1/diary?start={d}&end={d}", "/api/v1/diary/marks", "/api/v1/diary/homework?start={d}&end={d}",
             "/api/v1/diary/attendance", "/api/v1/diary/final-marks")


def _urls(day, student_id=None):
    extra = f"student_id={student_id}" if student_id is not None else ""
    for url in ENDPOINTS:
        url = url.format(d=day.isoformat())
        yield url + (("&" if "?" in url else "?") + extra if extra else "")


def test_the_parent_reads_the_week_through_the_api(app, client, world: World):
    from eschool.journal.models import FinalMark

    day = world.today
    lesson = world.lesson(day, 1, topic="Дроби")
    other = world.lesson(day, 2, "russian", topic="Причастие")
    world.mark(lesson, world.anna, "5", work_type="test", comment="Отлично")
    world.mark(lesson, world.boris, "2")
    world.attendance(other, world.anna, "absent")
    world.homework(lesson, "Задачи 12-15", links="https://example.org/a\nhttps://example.org/b")
    world.homework(other, "Только Борису", student_ids=[world.boris])
    with app.app_context():
        from eschool.school.models import Period

        period = Period.get((Period.academic_year == world.year) & (Period.number == 2))
        FinalMark.create(student=world.anna, class_group=world.c5, subject=world.maths, kind="period",
                         period=period, value="4", numeric=4)
    headers = bearer(client, "parent")
    body = client.get(f"/api/v1/diary?start={day.isoformat()}&end={day.isoformat()}", headers=headers).get_json()
    assert body["student"]["id"] == world.anna
    [only_day] = body["days"]
    first, second = only_day["lessons"]
    assert (first["subject"], first["topic"], first["starts_at"], first["number"]) == ("Математика", "Дроби", "08:00", 1)
    assert [(m["value"], m["weight"], m["work_type"], m["comment"]) for m in first["marks"]] == [
        ("5", 2.0, "Контрольная работа", "Отлично")]
    assert [h["text"] for h in first["homework"]] == ["Задачи 12-15"]
    assert first["homework"][0]["links"] == ["https://example.org/a", "https://example.org/b"]
    assert first["attendance"] is None and second["attendance"]["kind"] == "absent"

    marks = client.get("/api/v1/diary/marks", headers=headers).get_json()
    maths = next(s for s in marks["subjects"] if s["subject"] == "Математика")
    assert maths["average"] == 5.0 and maths["class_average"] == 3.5 and maths["forecast"] == "5"
    assert maths["final_mark"] == "4" and marks["period"]["number"] == 2
    assert [m["value"] for m in maths["marks"]] == ["5"]  # only her own
    homework = client.get(f"/api/v1/diary/homework?start={day.isoformat()}&end={day.isoformat()}",
                          headers=headers).get_json()
    assert [h["text"] for h in homework] == ["Задачи 12-15"] and homework[0]["subject"] == "Математика"
    attendance = client.get("/api/v1/diary/attendance", headers=headers).get_json()
    assert [(a["kind"], a["subject"]) for a in attendance] == [("absent", "Русский язык")]
    finals = client.get("/api/v1/diary/final-marks", headers=headers).get_json()
    assert [(f["subject"], f["kind"], f["period_number"], f["value"]) for f in finals] == [
        ("Математика", "period", 2, "4")]
    students = client.get("/api/v1/diary/students", headers=headers).get_json()["students"]
    assert [s["id"] for s in students] == [world.anna]


def test_homework_files_through_the_api(client, world: World):
    hw = world.homework(world.lesson(world.today, 1), "Прочитать текст")
    file_id = world.file(hw, "text.txt", b"hello")
    headers = bearer(client, "parent")
    day = world.today.isoformat()
    [item] = client.get(f"/api/v1/diary/homework?start={day}&end={day}", headers=headers).get_json()
    assert item["files"] == [{"id": file_id, "name": "text.txt", "content_type": "text/plain", "size": 5,
                              "url": f"/api/v1/diary/files/{file_id}"}]
    response = client.get(item["files"][0]["url"], headers=headers)
    assert response.status_code == 200 and response.data == b"hello"
    assert client.get(item["files"][0]["url"], headers=bearer(client, "parent2")).status_code == 404
    assert client.get(item["files"][0]["url"]).status_code == 401


@pytest.mark.parametrize("username, anna, vera", [("student", 200, 404), ("parent", 200, 404), ("parent2", 404, 200)])
def test_a_child_not_theirs_is_not_found(client, world, username, anna, vera):
    headers = bearer(client, username)
    for url in _urls(world.today, world.anna):
        assert client.get(url, headers=headers).status_code == anna, url
    for url in _urls(world.today, world.vera):
        assert client.get(url, headers=headers).status_code == vera, url
    for url in _urls(world.today, 999999):
        assert client.get(url, headers=headers).status_code == 404, url


@pytest.mark.parametrize("username", ["classteacher", "admin", "deputy"])
def test_staff_have_no_diary_api(client, world, username):
    headers = bearer(client, username)
    for url in _urls(world.today, world.anna):
        assert client.get(url, headers=headers).status_code == 403, url


def test_no_token_is_401(client, world):
    for url in _urls(world.today):
        assert client.get(url).status_code == 401


def test_a_teacher_who_is_a_parent_reads_only_their_own_child(client, world):
    headers = bearer(client, "teacher")  # through the API all their roles count: the parent role opens the diary
    assert client.get(f"/api/v1/diary/marks?student_id={world.boris}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/diary/marks?student_id={world.anna}", headers=headers).status_code == 404
    students = client.get("/api/v1/diary/students", headers=headers).get_json()["students"]
    assert [s["id"] for s in students] == [world.boris]


def test_bad_ranges_and_periods(client, world):
    headers = bearer(client, "parent")
    assert client.get("/api/v1/diary?start=2026-09-10&end=2026-09-01", headers=headers).status_code == 400
    assert client.get("/api/v1/diary?start=2026-01-01&end=2026-12-31", headers=headers).status_code == 400
    assert client.get("/api/v1/diary?start=nope&end=2026-12-31", headers=headers).status_code == 400
    assert client.get("/api/v1/diary/marks?period_id=999999", headers=headers).status_code == 404


def test_the_endpoints_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/diary", "/api/v1/diary/marks", "/api/v1/diary/homework", "/api/v1/diary/attendance",
                 "/api/v1/diary/final-marks", "/api/v1/diary/students", "/api/v1/diary/files/{file_id}"):
        assert path in spec["paths"], path
    for name in ("Diary", "DiaryPeriodMarks", "DiaryHomeworkItem", "DiaryAttendanceItem", "DiaryFinalMark"):
        assert name in spec["components"]["schemas"], name
    operation = spec["paths"]["/api/v1/diary"]["get"]
    assert operation["x-permission"] == "diary.view" and operation["security"] == [{"bearer": []}]


def test_the_api_runs_the_same_number_of_queries_for_small_and_large_data(app, client, world):
    from playhouse.test_utils import count_queries

    monday = world.monday
    headers = bearer(client, "parent")
    urls = [f"/api/v1/diary?start={monday.isoformat()}&end={(monday + dt.timedelta(days=6)).isoformat()}",
            "/api/v1/diary/marks",
            f"/api/v1/diary/homework?start={monday.isoformat()}&end={(monday + dt.timedelta(days=6)).isoformat()}",
            "/api/v1/diary/attendance", "/api/v1/diary/final-marks"]

    def counts():
        result = {}
        for url in urls:
            # SELECTs only: the token's last-used time is written at most once in a while, not per request
            with app.app_context(), count_queries(only_select=True) as counter:
                assert client.get(url, headers=headers).status_code == 200, url
            result[url] = counter.count
        return result

    ten = [world.anna, world.boris, *_add_students(app, world, 8)]
    world.bulk(5, 1, ten)
    few = counts()
    world.bulk(5, 11, [*ten, *_add_students(app, world, 25, start=8)])
    many = counts()
    assert all(n > 0 for n in few.values()) and many == few
