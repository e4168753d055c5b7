"""The teacher's journal API (bearer tokens): my lessons, a lesson with its students, the writes with
versions (409 with the current value when stale), 403 for a class not yours, the OpenAPI document."""
import datetime as dt
import io

import pytest

from tests.conftest import bearer, login
from tests.journal_world import build_world, recent_lesson

API = "/api/v1/journal"


@pytest.fixture
def world(app, client, demo):
    built = build_world(app, demo)
    login(client, "teacher")
    assert client.get(built["grid"]).status_code == 200  # the lessons from the timetable
    client.post("/logout")
    return built


def test_my_lessons_by_date_range(app, client, world):
    headers = bearer(client, "teacher")
    today = world["today"]
    response = client.get(f"{API}/lessons", query_string={"from": (today - dt.timedelta(days=6)).isoformat(),
                                                          "to": today.isoformat()}, headers=headers)
    assert response.status_code == 200, response.get_json()
    lessons = response.get_json()
    assert 3 <= len(lessons) <= 5 and {row["class_name"] for row in lessons} == {"5А"}
    assert all(row["subject"] == "Математика" and row["state"] in ("open", "overdue", "filled", "late")
               for row in lessons)
    too_long = client.get(f"{API}/lessons", query_string={"from": "2026-01-01", "to": "2026-12-31"}, headers=headers)
    assert too_long.status_code == 400 and "to" in too_long.get_json()["error"]["fields"]
    other = client.get(f"{API}/lessons", query_string={"from": (today - dt.timedelta(days=6)).isoformat(),
                                                       "to": today.isoformat()}, headers=bearer(client, "other"))
    assert {row["class_name"] for row in other.get_json()} == {"6Б"}


def test_a_teacher_fills_a_lesson_through_the_api(app, client, world):
    from eschool.journal.models import Attendance, Homework, Mark

    headers = bearer(client, "teacher")
    lesson = recent_lesson(app, world)
    url = f"{API}/lessons/{lesson.id}"
    a, b = world["students"][:2]
    topic = client.put(url, json={"topic": "Дроби", "version": lesson.version}, headers=headers)
    assert topic.status_code == 200 and topic.get_json()["topic"] == "Дроби"
    created = client.post(f"{url}/marks", json={"student_id": a, "value": "5"}, headers=headers)
    assert created.status_code == 201 and created.get_json()["slot"] == 0
    added = client.post(f"{url}/marks", json={"student_id": a, "value": "4"}, headers=headers)
    assert added.status_code == 201 and added.get_json()["slot"] == 1
    changed = client.put(f"{url}/marks", json={"student_id": a, "slot": 1, "value": "3", "version": 1},
                         headers=headers)
    assert changed.status_code == 200 and changed.get_json()["version"] == 2
    absent = client.put(f"{url}/attendance", json={"student_id": b, "kind": "ill"}, headers=headers)
    assert absent.status_code == 200 and absent.get_json()["kind"] == "ill"
    homework = client.put(f"{url}/homework", json={"text": "Стр. 42", "links": ["https://example.org/a"],
                                                   "minutes_needed": 20, "student_ids": [b]}, headers=headers)
    assert homework.status_code == 200, homework.get_json()
    assert homework.get_json()["student_ids"] == [b] and not homework.get_json()["for_all"]
    upload = client.post(f"{url}/homework/files", data={"file": (io.BytesIO(b"hello"), "task.txt")},
                         headers=headers, content_type="multipart/form-data")
    assert upload.status_code == 201 and upload.get_json()["name"] == "task.txt"
    assert client.get(f"{API}/files/{upload.get_json()['id']}", headers=headers).data == b"hello"
    detail = client.get(url, headers=headers).get_json()
    rows = {row["id"]: row for row in detail["students"]}
    assert [m["value"] for m in rows[a]["marks"]] == ["5", "3"] and rows[b]["attendance"]["kind"] == "ill"
    assert detail["homework"]["text"] == "Стр. 42" and detail["topic"] == "Дроби" and detail["can_edit"]
    # clear one mark and the absence
    cleared = client.delete(f"{url}/marks", query_string={"student_id": a, "slot": 0, "version": 1}, headers=headers)
    assert cleared.status_code == 204
    back = client.delete(f"{url}/attendance", query_string={"student_id": b, "version": 1}, headers=headers)
    assert back.status_code == 204
    with app.app_context():
        assert [(m.slot, m.value) for m in Mark.select().where(Mark.lesson == lesson.id)] == [(1, "3")]
        assert not Attendance.select().where(Attendance.lesson == lesson.id).exists()
        assert Homework.get(Homework.lesson == lesson.id).minutes_needed == 20


def test_a_stale_api_edit_is_409_with_the_current_value(app, client, world):
    headers = bearer(client, "teacher")
    lesson = recent_lesson(app, world)
    url = f"{API}/lessons/{lesson.id}"
    a = world["students"][0]
    assert client.put(f"{url}/marks", json={"student_id": a, "slot": 0, "value": "4"}, headers=headers).status_code \
        == 200
    stale = client.put(f"{url}/marks", json={"student_id": a, "slot": 0, "value": "2", "version": None},
                       headers=headers)
    assert stale.status_code == 409
    assert stale.get_json()["error"]["current"]["value"] == "4"
    topic = client.put(url, json={"topic": "Первая", "version": lesson.version}, headers=headers)
    assert topic.status_code == 200
    again = client.put(url, json={"topic": "Вторая", "version": lesson.version}, headers=headers)
    assert again.status_code == 409 and again.get_json()["error"]["current"]["value"] == "Первая"


def test_a_class_not_yours_is_403_on_every_write(app, client, world):
    headers = bearer(client, "other")
    lesson = recent_lesson(app, world)
    url = f"{API}/lessons/{lesson.id}"
    a = world["students"][0]
    calls = [
        client.get(url, headers=headers),
        client.put(url, json={"topic": "x", "version": lesson.version}, headers=headers),
        client.post(f"{url}/marks", json={"student_id": a, "value": "5"}, headers=headers),
        client.put(f"{url}/marks", json={"student_id": a, "slot": 0, "value": "5"}, headers=headers),
        client.delete(f"{url}/marks", query_string={"student_id": a, "slot": 0, "version": 1}, headers=headers),
        client.put(f"{url}/attendance", json={"student_id": a, "kind": "absent"}, headers=headers),
        client.delete(f"{url}/attendance", query_string={"student_id": a, "version": 1}, headers=headers),
        client.put(f"{url}/homework", json={"text": "x"}, headers=headers),
        client.post(f"{url}/homework/files", data={"file": (io.BytesIO(b"x"), "a.txt")}, headers=headers,
                    content_type="multipart/form-data"),
    ]
    assert [c.status_code for c in calls] == [403] * len(calls), [c.get_json() for c in calls]
    assert client.get(f"{API}/lessons/999999", headers=headers).status_code == 404


@pytest.mark.parametrize("username", ["student", "parent"])
def test_students_and_parents_cannot_use_the_teacher_api(app, client, world, username):
    lesson = recent_lesson(app, world)
    headers = bearer(client, username)
    assert client.get(f"{API}/lessons/{lesson.id}", headers=headers).status_code == 403
    assert client.put(f"{API}/lessons/{lesson.id}/marks", json={"student_id": world["students"][0], "slot": 0,
                                                                "value": "5"}, headers=headers).status_code == 403


def test_the_api_takes_no_session(app, client, world):
    lesson = recent_lesson(app, world)
    login(client, "teacher")
    assert client.get(f"{API}/lessons/{lesson.id}").status_code == 401


def test_the_teacher_endpoints_are_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    paths = doc["paths"]
    assert set(paths["/api/v1/journal/lessons/{lesson_id}/marks"]) == {"post", "put", "delete"}
    assert "put" in paths["/api/v1/journal/lessons/{lesson_id}/attendance"]
    assert "put" in paths["/api/v1/journal/lessons/{lesson_id}/homework"]
    assert "LessonDetail" in doc["components"]["schemas"]
    assert paths["/api/v1/journal/lessons"]["get"]["x-permission"] == "journal.keep"


def test_a_substitute_keeps_the_lesson_they_gave_and_no_other(app, client, world):
    from eschool.journal.models import Lesson
    from eschool.structure.models import School
    from eschool.timetable import services as timetable

    lesson = recent_lesson(app, world)
    with app.app_context():
        timetable.substitute(School.get_by_id(world["school"]), {
            "entry_id": lesson.timetable_entry_id, "date": lesson.date, "teacher_id": world["other"], "note": ""})
        earlier = (Lesson.select().where((Lesson.class_group == world["c5"]) & (Lesson.date < lesson.date))
                   .order_by(Lesson.date.desc()).first())
    headers = bearer(client, "other")
    day = lesson.date.isoformat()
    listed = client.get(f"{API}/lessons", query_string={"from": day, "to": day}, headers=headers).get_json()
    assert lesson.id in [row["id"] for row in listed]  # made the substitute's by the listing
    a = world["students"][0]
    assert client.put(f"{API}/lessons/{lesson.id}/marks", json={"student_id": a, "slot": 0, "value": "5"},
                      headers=headers).status_code == 200
    assert client.put(f"{API}/lessons/{earlier.id}/marks", json={"student_id": a, "slot": 0, "value": "5"},
                      headers=headers).status_code == 403


def test_my_lessons_run_the_same_number_of_queries_for_a_week_and_two_months(app, client, world):
    from playhouse.test_utils import count_queries

    headers = bearer(client, "teacher")
    today = world["today"]

    def count(days):
        args = {"from": (today - dt.timedelta(days=days)).isoformat(), "to": today.isoformat()}
        client.get(f"{API}/lessons", query_string=args, headers=headers)  # the lessons made once
        with app.app_context(), count_queries() as counter:
            response = client.get(f"{API}/lessons", query_string=args, headers=headers)
        assert response.status_code == 200
        return counter.count, len(response.get_json())

    week, month = count(6), count(60)
    assert month[1] > week[1] and month[0] == week[0]
