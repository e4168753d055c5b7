"""Alerts to families (issue 13): sent after a short delay by the worker, re-checked then (a mark
changed meanwhile sends its final value once, a deleted one nothing), by kind and channel, the
evening digest, absences and tomorrow's homework, final marks, the choices page and API."""
from __future__ import annotations

import datetime as dt

import pytest

from eschool import jobs
from tests.messages_world import alerts_of, later, mail_text, recent_lesson_id, smtp_server

JOURNAL = "/api/v1/journal/lessons"


@pytest.fixture
def smtp():
    controller, box, port = smtp_server()
    yield box, port
    controller.stop()


@pytest.fixture
def app(make_app, smtp):
    return make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp[1])


@pytest.fixture
def ready(app, world):
    from eschool.plugin_api import User

    with app.app_context():
        for username in world.users:
            User.update(email=f"{username}@example.org").where(User.username == username).execute()
    return {"lesson": recent_lesson_id(app, world), "child": world.students[0], "parent": world.user_id("parent"),
            "student": world.user_id("student")}


def test_a_mark_alerts_the_parent_after_the_delay_once_with_its_final_value(app, world, ready, api_token, smtp):
    box, _port = smtp
    client, teacher = app.test_client(), api_token("teacher")
    url = f"{JOURNAL}/{ready['lesson']}/marks"
    made = client.post(url, json={"student_id": ready["child"], "value": "5"}, headers=teacher)
    assert made.status_code == 201, made.get_json()
    with app.app_context():
        jobs.run_pending(app)
    assert alerts_of(app, ready["parent"]) == []  # nothing before the delay
    changed = client.put(url, json={"student_id": ready["child"], "slot": 0, "value": "4", "version": 1},
                         headers=teacher)
    assert changed.status_code == 200
    with app.app_context():
        jobs.run_pending(app, now=later(6))
        jobs.run_pending(app, now=later(7))
    [alert] = alerts_of(app, ready["parent"])
    assert alert.kind == "alerts.mark" and "4" in alert.title and "Математика" in alert.title
    assert alerts_of(app, ready["student"]) == []  # students only when they ask
    [mail] = box.to("parent@example.org")
    assert "Математика" in mail_text(mail)


def test_a_deleted_mark_and_a_taken_back_absence_send_nothing(app, world, ready, api_token):
    client, teacher = app.test_client(), api_token("teacher")
    lesson = ready["lesson"]
    assert client.post(f"{JOURNAL}/{lesson}/marks", json={"student_id": ready["child"], "value": "3"},
                       headers=teacher).status_code == 201
    assert client.delete(f"{JOURNAL}/{lesson}/marks", query_string={"student_id": ready["child"], "slot": 0,
                                                                    "version": 1}, headers=teacher).status_code == 204
    absent = client.put(f"{JOURNAL}/{lesson}/attendance", json={"student_id": ready["child"], "kind": "absent"},
                        headers=teacher)
    assert absent.status_code == 200
    assert client.delete(f"{JOURNAL}/{lesson}/attendance", query_string={
        "student_id": ready["child"], "version": absent.get_json()["version"]}, headers=teacher).status_code == 204
    with app.app_context():
        jobs.run_pending(app, now=later(10))
    assert alerts_of(app, ready["parent"]) == []


def test_twos_absences_and_tomorrows_homework_have_their_kinds(app, world, ready, api_token):
    from eschool.plugin_api import local_today

    client, teacher = app.test_client(), api_token("teacher")
    lesson = ready["lesson"]
    assert client.post(f"{JOURNAL}/{lesson}/marks", json={"student_id": ready["child"], "value": "2"},
                       headers=teacher).status_code == 201
    assert client.put(f"{JOURNAL}/{lesson}/attendance", json={"student_id": ready["child"], "kind": "late",
                                                              "minutes_late": 10}, headers=teacher).status_code == 200
    with app.app_context():
        tomorrow = local_today() + dt.timedelta(days=1)
    homework = client.put(f"{JOURNAL}/{lesson}/homework", json={"text": "Стр. 42, № 5", "due_on": tomorrow.isoformat()},
                          headers=teacher)
    assert homework.status_code == 200, homework.get_json()
    with app.app_context():
        jobs.run_pending(app, now=later(6))
    kinds = sorted(a.kind for a in alerts_of(app, ready["parent"]))
    assert kinds == ["alerts.absence", "alerts.homework", "alerts.low_mark"]
    late = [a for a in alerts_of(app, ready["parent"]) if a.kind == "alerts.absence"][0]
    assert "10" in late.body


def test_the_evening_digest_groups_the_days_alerts_in_one_message(app, world, ready, api_token, smtp):
    from eschool.plugin_api import Student, User, create_user, grant_role, link_guardian

    box, _port = smtp
    client = app.test_client()
    with app.app_context():  # the parent has three children in 5А now
        for sid in world.students[1:3]:
            link_guardian(Student.get_by_id(sid), {"user_id": ready["parent"], "relation": "mother",
                                                   "legal_representative": True})
        nobody = create_user("auntie", "Тётя", password="demo-2026", must_change_password=False)
        grant_role(nobody, "parent", allowed_roles=app.extensions["eschool"].roles, school=world.school)
        assert User.get_by_id(ready["parent"]).email
    parent = api_token("parent")
    assert client.put("/api/v1/alerts/choices", json={"digest": True}, headers=parent).get_json()["digest"] is True
    teacher = api_token("teacher")
    for sid in world.students[:3]:
        for value in ("5", "4"):
            assert client.post(f"{JOURNAL}/{ready['lesson']}/marks", json={"student_id": sid, "value": value},
                               headers=teacher).status_code == 201
    with app.app_context():
        jobs.run_pending(app, now=later(6))
    assert alerts_of(app, ready["parent"]) == []  # held for the evening
    with app.app_context():
        jobs.run_pending(app, now=later(24 * 60 + 1))
    [digest] = alerts_of(app, ready["parent"])
    assert digest.kind == "alerts.digest" and "6" in digest.title and digest.body.count("\n- ") + 1 >= 6
    assert len(box.to("parent@example.org")) == 1
    # the choices are the parent's own; staff have no such page
    assert client.get("/api/v1/alerts/choices", headers=teacher).status_code == 403
    assert client.put("/api/v1/alerts/choices", json={"digest": "maybe"}, headers=parent).status_code == 400


def test_a_student_who_asks_gets_alerts_and_channels_follow_preferences(app, world, ready, api_token, login_as, smtp):
    from eschool.notifications.services import save_preferences
    from eschool.plugin_api import User

    box, _port = smtp
    student = login_as("student")
    assert student.get("/alerts/").status_code == 200
    assert student.post("/alerts/", data={"digest": "0", "as_student": "1"}).status_code == 302
    with app.app_context():
        save_preferences(User.get_by_id(ready["parent"]), {("alerts.mark", "email"): False}, None)
    client = app.test_client()
    assert client.post(f"{JOURNAL}/{ready['lesson']}/marks", json={"student_id": ready["child"], "value": "5"},
                       headers=api_token("teacher")).status_code == 201
    with app.app_context():
        jobs.run_pending(app, now=later(6))
    assert [a.kind for a in alerts_of(app, ready["student"])] == ["alerts.mark"]
    assert [a.kind for a in alerts_of(app, ready["parent"])] == ["alerts.mark"]  # the inbox always
    assert box.to("parent@example.org") == [] and len(box.to("student@example.org")) == 1


def test_switched_off_for_the_school_no_alerts(app, world, ready, api_token, toggle):
    toggle("alerts", False, school=world.school)
    assert app.test_client().post(f"{JOURNAL}/{ready['lesson']}/marks", json={
        "student_id": ready["child"], "value": "5"}, headers=api_token("teacher")).status_code == 201
    with app.app_context():
        jobs.run_pending(app, now=later(6))
    assert alerts_of(app, ready["parent"]) == []


def test_final_marks_of_a_closed_period_reach_the_parents(app, world, ready):
    from eschool.plugin_api import FinalMark, Period, Student, Subject, User
    from eschool_alerts import services

    with app.app_context():
        period = Period.select().where(Period.academic_year == world.year).order_by(Period.number).first()
        FinalMark.create(student=Student.get_by_id(ready["child"]), class_group=world.c5,
                         subject=Subject.get_by_id(world.maths), kind="period", period=period, value="5", numeric=5,
                         set_by=User.get_by_id(world.user_id("teacher")))
        assert services.final_marks(period.id) == 1
    [alert] = alerts_of(app, ready["parent"])
    assert alert.kind == "alerts.final" and "Математика: 5" in alert.body


def test_a_mark_changed_after_its_alert_alerts_again_and_other_homework_is_not_alerted(app, world, ready, api_token):
    from eschool.plugin_api import local_today

    client, teacher = app.test_client(), api_token("teacher")
    url = f"{JOURNAL}/{ready['lesson']}/marks"
    assert client.post(url, json={"student_id": ready["child"], "value": "5"}, headers=teacher).status_code == 201
    with app.app_context():
        jobs.run_pending(app, now=later(6))
        in_a_week = local_today() + dt.timedelta(days=7)
    assert [a.kind for a in alerts_of(app, ready["parent"])] == ["alerts.mark"]
    # minutes later (the test's clock is the queue's; the app's note of the lesson's queued job lapses)
    app.extensions["alerts_scheduled"].clear()
    assert client.put(url, json={"student_id": ready["child"], "slot": 0, "value": "3", "version": 1},
                      headers=teacher).status_code == 200
    assert client.put(f"{JOURNAL}/{ready['lesson']}/homework", json={"text": "Стр. 50", "due_on": in_a_week.isoformat()},
                      headers=teacher).status_code == 200
    with app.app_context():
        jobs.run_pending(app, now=later(12))
        jobs.run_pending(app, now=later(20))
    alerts = alerts_of(app, ready["parent"])
    assert [a.kind for a in alerts] == ["alerts.mark", "alerts.mark"] and "3" in alerts[1].title


def test_a_lessons_alerts_cost_the_same_statements_for_one_mark_or_five(app, world, ready, api_token, count_queries):
    """The worker addresses a lesson's alerts together: five marks (five families) cost no more statements
    than one; the version claimed by one job is not taken again by another."""
    from eschool.plugin_api import Guardian, User, utcnow
    from eschool_alerts import services

    client, teacher = app.test_client(), api_token("teacher")
    url = f"{JOURNAL}/{ready['lesson']}/marks"
    students = world.students[:5]
    with app.app_context():
        for n, student in enumerate(students[1:]):
            parent = User.create(username=f"alerts-parent-{n}", full_name=f"Родитель {n}", email=f"p{n}@example.org")
            Guardian.create(user=parent.id, student=student, relation="mother")

    def post_and_fire(chosen):
        since = utcnow() - dt.timedelta(seconds=1)
        for student in chosen:
            made = client.post(url, json={"student_id": student, "value": "4"}, headers=teacher)
            assert made.status_code == 201, made.get_json()
        with app.app_context():
            delay = services.settings(scope=None).get("delay_seconds", 300)
            due = (utcnow() + dt.timedelta(seconds=delay)).isoformat()
            with count_queries() as counted:
                reached = services.fire_lesson(ready["lesson"], since.isoformat(), due)
            return reached, counted.count, since, due

    one, one_count, _s, _d = post_and_fire(students[:1])
    many, many_count, since, due = post_and_fire(students[1:])
    assert (one, many) == (1, 4)
    assert many_count <= one_count, (one_count, many_count)
    with app.app_context():
        assert services.fire_lesson(ready["lesson"], since.isoformat(), due) == 0  # claimed already: nothing twice
        assert services.claim(["test:1:1", "test:1:1", "test:2:1"]) == {"test:1:1", "test:2:1"}
        assert services.claim(["test:1:1"]) == set()


def test_a_change_just_before_the_queued_job_queues_its_own(app, monkeypatch):
    """The queue may start a job up to a second early: a change saved less than GUARD before the lesson's
    queued job is due queues a job of its own instead of counting on that one (a mark was never alerted)."""
    from eschool_alerts import services

    queued, clock = [], [dt.datetime(2026, 12, 3, 14, 0, 0)]
    monkeypatch.setattr(services, "utcnow", lambda: clock[0])
    monkeypatch.setattr(services, "enqueue", lambda func, *args, eta=None: queued.append(eta))
    monkeypatch.setattr(services, "settings", lambda school_id=None, scope=None: {"delay_seconds": 10})
    with app.app_context():
        services.touch(1, scope=None)  # the first change: a job due at 14:00:10
        clock[0] += dt.timedelta(seconds=7)
        services.touch(1, scope=None)  # 3 s before it: covered by it
        assert queued == [dt.datetime(2026, 12, 3, 14, 0, 10)]
        clock[0] += dt.timedelta(seconds=2, milliseconds=500)
        services.touch(1, scope=None)  # 0.5 s before it: the job may have started already
        assert queued == [dt.datetime(2026, 12, 3, 14, 0, 10), dt.datetime(2026, 12, 3, 14, 0, 19, 500000)]
