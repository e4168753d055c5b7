"""Saves of one empty cell at once (issue #11): one homework per lesson and one final mark per student and
kind are database constraints; whoever loses the race gets 409 with what is there now, never a 500 and
never a second row.

The races run against a real threaded server (werkzeug's, as the browser test uses), twenty requests
released together by a barrier; on SQLite the writers queue behind its lock, on PostgreSQL (the
``ESCHOOL_TEST_POSTGRES`` leg) they truly overlap. The deterministic tests put the row in behind the
service's back, between its check and its insert, so that only the database's index can refuse it.
"""
from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.error
import urllib.request

import peewee
import pytest
from peewee import IntegrityError

from tests.conftest import bearer, login
from tests.journal_world import build_world, recent_lesson

RACERS = 20


@pytest.fixture
def live(app):
    """The app served by a threaded werkzeug server in a thread; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def race(url: str, headers: dict, bodies: list[dict]) -> list[tuple[int, dict]]:
    """PUT each body to ``url`` from its own thread, all released at once; the (status, JSON) answers."""
    barrier = threading.Barrier(len(bodies))
    answers: list = [None] * len(bodies)

    def put(index: int, body: dict) -> None:
        request = urllib.request.Request(url, data=json.dumps(body).encode(), method="PUT",
                                         headers={**headers, "Content-Type": "application/json"})
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                answers[index] = (response.status, json.loads(response.read() or b"null"))
        except urllib.error.HTTPError as exc:
            answers[index] = (exc.code, json.loads(exc.read() or b"null"))

    threads = [threading.Thread(target=put, args=(i, body)) for i, body in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _check_answers(answers, ok=(200,)):
    statuses = sorted(status for status, _body in answers)
    assert set(statuses) <= {*ok, 409}, statuses  # never a 500
    assert any(status in ok for status in statuses), statuses
    for status, body in answers:
        if status == 409:
            assert body["error"]["code"] == "stale" and body["error"]["current"] is not None, body


# --------------------------------------------------------------------------- homework


@pytest.fixture
def world(app, client, demo):
    built = build_world(app, demo)
    login(client, "teacher")
    assert client.get(built["grid"]).status_code == 200  # the lessons from the timetable
    client.post("/logout")
    return built


def test_twenty_first_homeworks_at_once_make_one_row_and_the_losers_get_409(app, client, world, live):
    from eschool.journal.models import Homework

    lesson = recent_lesson(app, world)
    headers = bearer(client, "teacher")
    path = f"/api/v1/journal/lessons/{lesson.id}"
    assert client.get(path, headers=headers).get_json()["homework"] is None  # the token is in use: no write later
    answers = race(f"{live}{path}/homework", headers,
                   [{"text": f"Задание {i}", "version": None} for i in range(RACERS)])
    _check_answers(answers)
    with app.app_context():
        rows = list(Homework.select().where(Homework.lesson == lesson.id))
    assert len(rows) == 1
    assert rows[0].text in {f"Задание {i}" for i in range(RACERS)}
    detail = client.get(path, headers=headers).get_json()["homework"]
    edited = client.put(f"{path}/homework", json={"text": "Стр. 7", "version": detail["version"]}, headers=headers)
    assert edited.status_code == 200 and edited.get_json()["text"] == "Стр. 7"  # the one row can be edited


def behind_the_back(monkeypatch, model, **values):
    """Another request's save gets in first: just before the service inserts its row, a row with ``values``
    (else the same fields) is inserted and committed on another connection (another thread), so that only
    the database can tell the service that its cell is no longer empty."""
    from eschool.db import db

    if isinstance(db.obj, peewee.SqliteDatabase):
        pytest.skip("SQLite's writers begin IMMEDIATE (db.py): no other connection can write while the service's "
                    "transaction holds the lock, so this interleaving is PostgreSQL's; the concurrent race tests "
                    "above run on both databases")
    real_create = model.create

    def racing_create(**fields):
        plain = {k: v._get_current_object() if hasattr(v, "_get_current_object") else v for k, v in fields.items()}

        def other_request():  # current_user is not there: the fields' values as they are
            with db.connection_context():
                model.insert(**{**plain, **values}).execute()

        thread = threading.Thread(target=other_request)
        thread.start()
        thread.join()
        return real_create(**fields)

    monkeypatch.setattr(model, "create", racing_create)


def test_a_homework_saved_between_the_check_and_the_insert_is_a_409_not_a_second_row(app, client, world,
                                                                                      monkeypatch):
    from eschool.journal.models import Homework

    lesson = recent_lesson(app, world)
    headers = bearer(client, "teacher")
    behind_the_back(monkeypatch, Homework, text="Первое")
    lost = client.put(f"/api/v1/journal/lessons/{lesson.id}/homework", json={"text": "Второе", "version": None},
                      headers={**headers, "Accept-Language": "en"})
    assert lost.status_code == 409, lost.get_json()
    error = lost.get_json()["error"]
    assert error["code"] == "stale" and error["current"]["value"] == "Первое" and "text" in error["fields"]
    with app.app_context():
        assert [h.text for h in Homework.select().where(Homework.lesson == lesson.id)] == ["Первое"]


def test_the_lesson_form_shows_the_homework_conflict_not_a_500(app, client, world, monkeypatch):
    from eschool.journal.models import Homework

    lesson = recent_lesson(app, world)
    login(client, "teacher")
    behind_the_back(monkeypatch, Homework, text="Первое")
    page = f"{world['base']}/lesson/{lesson.id}"
    answer = client.post(page, data={"hw_text": "Второе", "hw_text_orig": "", "hw_version": ""},
                         headers={"Accept-Language": "en"})
    assert answer.status_code == 409
    assert "Changed in the meantime" in answer.get_data(as_text=True)
    with app.app_context():
        assert [h.text for h in Homework.select().where(Homework.lesson == lesson.id)] == ["Первое"]


# --------------------------------------------------------------------------- final marks


@pytest.fixture
def j(app, demo):
    from tests.test_final_marks import build

    return build(app, demo["school"])


def _final_url(j) -> str:
    return f"/api/v1/schools/{j['school'].id}/classes/{j['c5'].id}/subjects/{j['maths'].id}/final-marks"


def _final_body(j, value, kind):
    body = {"student_id": j["anna"].id, "kind": kind, "value": value, "version": None}
    if kind == "period":
        body["period_id"] = j["p1"].id
    return body


@pytest.mark.parametrize("kind", ["period", "year"])
def test_twenty_first_final_marks_at_once_make_one_row_and_the_losers_get_409(app, client, j, live, kind):
    from eschool.journal.models import FinalMark

    headers = bearer(client, "teacher")
    assert client.get(f"{_final_url(j)}?kind=year", headers=headers).status_code == 200  # the token is in use
    answers = race(f"{live}{_final_url(j)}", headers, [_final_body(j, "45"[i % 2], kind) for i in range(RACERS)])
    _check_answers(answers)
    with app.app_context():
        rows = list(FinalMark.select().where((FinalMark.student == j["anna"].id) & (FinalMark.kind == kind)))
    assert len(rows) == 1 and rows[0].value in ("4", "5")
    winners = [body for status, body in answers if status == 200]
    assert len(winners) == 1 and winners[0]["value"] == rows[0].value  # every later one was stale (version null)


@pytest.mark.parametrize("kind", ["period", "year"])
def test_a_final_mark_saved_between_the_check_and_the_insert_is_a_409(app, client, j, monkeypatch, kind):
    from eschool.journal.models import FinalMark

    behind_the_back(monkeypatch, FinalMark, value="3", numeric=3)
    headers = bearer(client, "teacher")
    lost = client.put(_final_url(j), json=_final_body(j, "5", kind), headers=headers)
    assert lost.status_code == 409, lost.get_json()
    assert lost.get_json()["error"]["code"] == "stale" and lost.get_json()["error"]["current"]["value"] == "3"
    with app.app_context():
        assert [m.value for m in FinalMark.select().where((FinalMark.student == j["anna"].id)
                                                          & (FinalMark.kind == kind))] == ["3"]


# --------------------------------------------------------------------------- the migration's merge


def test_the_migration_merges_duplicate_homework_and_year_marks_and_loses_nothing(app, client, world):
    from eschool.journal.models import FinalMark, Homework, HomeworkFile, HomeworkStudent
    from eschool.people.models import AuditEntry
    from eschool.school.models import ClassGroup

    lesson = recent_lesson(app, world)
    a, b, c = world["students"][:3]
    ext = app.extensions["eschool"]
    core = ext.migration_owners()[0]
    with app.app_context():
        core.runner(ext.database).down(target="0018_one_homework_per_lesson")  # the duplicates were possible
        first = Homework.create(lesson=lesson.id, text="Стр. 10", links="https://example.org/a", for_all=False)
        second = Homework.create(lesson=lesson.id, text="Стр. 11", links="https://example.org/a\nhttps://example.org/b",
                                 minutes_needed=20, for_all=False)
        third = Homework.create(lesson=lesson.id, text="Стр. 10", for_all=False)
        HomeworkStudent.create(homework=first, student=a)
        HomeworkStudent.create(homework=second, student=a)
        HomeworkStudent.create(homework=second, student=b)
        HomeworkStudent.create(homework=third, student=c)
        HomeworkFile.create(homework=second, stored_name="abc.txt", original_name="task.txt", content_type="text/plain",
                            size=5)
        group = ClassGroup.get_by_id(world["c5"])
        old = FinalMark.create(student=a, class_group=group, subject=world["maths"], kind="year", value="3",
                               numeric=3, set_at=dt.datetime(2026, 5, 1))
        new = FinalMark.create(student=a, class_group=group, subject=world["maths"], kind="year", value="4",
                               numeric=4, set_at=dt.datetime(2026, 5, 2))
        assert "0018_one_homework_per_lesson" in ext.upgrade()["core"]
        merged = list(Homework.select().where(Homework.lesson == lesson.id))
        assert [h.id for h in merged] == [first.id]
        assert merged[0].text == "Стр. 10\n\nСтр. 11" and merged[0].minutes_needed == 20
        assert merged[0].links == "https://example.org/a\nhttps://example.org/b" and merged[0].version == 2
        assert not merged[0].for_all
        assert sorted(r.student_id for r in HomeworkStudent.select().where(HomeworkStudent.homework == first.id)) \
            == sorted([a, b, c])
        assert [f.homework_id for f in HomeworkFile.select()] == [first.id]
        assert [m.id for m in FinalMark.select().where(FinalMark.kind == "year")] == [new.id]
        entry = AuditEntry.get((AuditEntry.record == "final_mark") & (AuditEntry.record_id == old.id))
        assert entry.old_value == "3" and entry.new_value is None and entry.actor_id is None
        with pytest.raises(IntegrityError), ext.database.atomic():
            Homework.create(lesson=lesson.id, text="again")
