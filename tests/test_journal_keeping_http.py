"""The rules of keeping the journal through the real routes (the grid's endpoints and the teacher API):
a closed period refuses marks with 409 and the reason until it is reopened, a past (closed) year refuses
every write, a substitute keeps the lesson they gave and none of the teacher's others."""
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


def _period_of(app, lesson):
    from eschool.journal import services
    from eschool.school.models import ClassGroup

    with app.app_context():
        return services.period_of(ClassGroup.get_by_id(lesson.class_group_id), lesson.date)


def test_a_closed_period_refuses_a_mark_on_the_grid_and_the_api_until_reopened(app, client, world):
    from eschool.journal.models import Mark

    lesson = recent_lesson(app, world)
    period = _period_of(app, lesson)
    a = world["students"][0]
    deputy = bearer(client, "deputy")
    periods = f"/api/v1/schools/{world['school']}/periods/{period.id}"
    assert client.post(f"{periods}/close", headers=deputy).status_code == 200

    login(client, "teacher")
    grid_url = f"{world['base']}/lesson/{lesson.id}/mark"
    on_grid = client.post(grid_url, json={"student_id": a, "slot": 0, "value": "5"})
    assert on_grid.status_code == 409
    message = on_grid.get_json()["error"]["message"]
    assert "закрыт" in message.lower() or "closed" in message.lower()
    headers = bearer(client, "teacher")
    on_api = client.put(f"{API}/lessons/{lesson.id}/marks", json={"student_id": a, "slot": 0, "value": "5"},
                        headers=headers)
    assert on_api.status_code == 409 and on_api.get_json()["error"]["message"] == message
    with app.app_context():
        assert not Mark.select().where(Mark.lesson == lesson.id).exists()
    # attendance is no period mark: still taken
    assert client.post(f"{world['base']}/lesson/{lesson.id}/attendance",
                       json={"student_id": a, "kind": "н"}).status_code == 200

    assert client.post(f"{periods}/reopen", headers=deputy).status_code == 200
    assert client.post(grid_url, json={"student_id": a, "slot": 0, "value": "5"}).status_code == 200
    assert client.put(f"{API}/lessons/{lesson.id}/marks", json={"student_id": a, "slot": 1, "value": "4"},
                      headers=headers).status_code == 200
    with app.app_context():
        assert sorted(m.value for m in Mark.select().where(Mark.lesson == lesson.id)) == ["4", "5"]


def test_a_past_year_refuses_every_write_on_the_grid_and_the_api(app, client, world):
    """The year is closed (past years are read-only): marks, attendance, topic and homework are 409."""
    from eschool.auth.models import User
    from eschool.journal import services
    from eschool.journal.models import Homework, Lesson
    from eschool.school.models import AcademicYear

    lesson = recent_lesson(app, world)
    a = world["students"][0]
    with app.app_context():  # homework set before the year closed, to try removing it afterwards
        homework = services.set_homework(User.get_by_id(world["teacher"]), Lesson.get_by_id(lesson.id),
                                         {"text": "№ 1"})
        # no route closes a year yet (the year-end transfer does): the flag as it would set it
        AcademicYear.update(closed=True).where(AcademicYear.id == world["year"]).execute()
        year_name = AcademicYear.get_by_id(world["year"]).name
    login(client, "teacher")
    base = f"{world['base']}/lesson/{lesson.id}"
    refusals = [
        client.post(f"{base}/mark", json={"student_id": a, "slot": 0, "value": "5"}),
        client.post(f"{base}/attendance", json={"student_id": a, "kind": "н"}),
        client.post(f"{base}/topic", json={"topic": "Дроби", "version": lesson.version}),
    ]
    headers = bearer(client, "teacher")
    url = f"{API}/lessons/{lesson.id}"
    refusals += [
        client.put(f"{url}/marks", json={"student_id": a, "slot": 0, "value": "5"}, headers=headers),
        client.post(f"{url}/marks", json={"student_id": a, "value": "5"}, headers=headers),
        client.put(f"{url}/attendance", json={"student_id": a, "kind": "absent"}, headers=headers),
        client.put(url, json={"topic": "Дроби", "version": lesson.version}, headers=headers),
        client.put(f"{url}/homework", json={"text": "№ 2", "version": homework.version}, headers=headers),
        client.delete(f"{url}/homework", query_string={"version": homework.version}, headers=headers),
    ]
    for response in refusals:
        assert response.status_code == 409, (response.request.path, response.get_json())
        assert year_name in response.get_json()["error"]["message"]  # names the closed year
    with app.app_context():
        assert Homework.get_by_id(homework.id).text == "№ 1"
        assert Lesson.get_by_id(lesson.id).topic == ""


def test_a_substitute_keeps_the_substituted_lesson_on_the_grid_but_no_other(app, client, world):
    from eschool.journal.models import Lesson, Mark
    from eschool.structure.models import School
    from eschool.timetable import services as timetable

    lesson = recent_lesson(app, world)
    with app.app_context():
        timetable.substitute(School.get_by_id(world["school"]), {
            "entry_id": lesson.timetable_entry_id, "date": lesson.date, "teacher_id": world["other"], "note": ""})
        earlier = (Lesson.select().where((Lesson.class_group == world["c5"]) & (Lesson.date < lesson.date))
                   .order_by(Lesson.date.desc()).first())
    login(client, "other")
    with app.app_context():
        from eschool.journal import services
        from eschool.school.models import ClassGroup

        services.ensure_lessons(ClassGroup.get_by_id(world["c5"]), lesson.date, lesson.date)
        assert Lesson.get_by_id(lesson.id).teacher_id == world["other"]
    a = world["students"][0]
    mine = f"{world['base']}/lesson/{lesson.id}"
    theirs = f"{world['base']}/lesson/{earlier.id}"
    assert client.post(f"{mine}/mark", json={"student_id": a, "slot": 0, "value": "5"}).status_code == 200
    assert client.post(f"{mine}/attendance", json={"student_id": a, "kind": "н"}).status_code == 200
    assert client.post(f"{mine}/topic", json={"topic": "Замена", "version": None}).status_code == 200
    for response in (client.post(f"{theirs}/mark", json={"student_id": a, "slot": 0, "value": "5"}),
                     client.post(f"{theirs}/attendance", json={"student_id": a, "kind": "н"}),
                     client.post(f"{theirs}/topic", json={"topic": "Чужой", "version": None})):
        assert response.status_code == 403
    headers = bearer(client, "other")
    assert client.put(f"{API}/lessons/{lesson.id}/homework", json={"text": "№ 7"}, headers=headers).status_code == 200
    assert client.put(f"{API}/lessons/{earlier.id}/homework", json={"text": "№ 7"},
                      headers=headers).status_code == 403
    with app.app_context():
        assert [m.value for m in Mark.select().where(Mark.lesson == lesson.id)] == ["5"]
        assert not Mark.select().where(Mark.lesson == earlier.id).exists()
        assert Lesson.get_by_id(lesson.id).topic == "Замена" and Lesson.get_by_id(earlier.id).topic != "Чужой"
