"""The journey of issue 13, through HTTP only: a teacher posts a mark; after the delay the worker
alerts the parent (the in-app inbox and a real SMTP server), or groups the day in one digest; the
parent writes to the teacher, the teacher answers; another school's parent can address neither."""
from __future__ import annotations

import pytest

from eschool import jobs
from eschool.testing import bearer
from tests.messages_world import add_other_school, later, mail_text, recent_lesson_id, smtp_server


@pytest.fixture
def smtp():
    controller, box, port = smtp_server()
    yield box, port
    controller.stop()


@pytest.fixture
def app(make_app, smtp):
    return make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp[1])


def _inbox(client, headers):
    return [n for n in client.get("/api/v1/notifications", headers=headers).get_json()["items"]
            if n["kind"].startswith("alerts.")]


@pytest.mark.parametrize("digest", [False, True], ids=["at-once", "digest"])
def test_mark_alert_then_mail_between_parent_and_teacher(app, world, smtp, login_as, digest):
    box, _port = smtp
    other = add_other_school(app, world)
    client = app.test_client()
    teacher, parent = bearer(client, "teacher"), bearer(client, "parent")
    lesson = recent_lesson_id(app, world)
    child = world.students[0]
    if digest:
        assert client.put("/api/v1/alerts/choices", json={"digest": True}, headers=parent).status_code == 200

    # the teacher posts marks: the request only records that an alert is due
    values = ["5", "4", "3"] if digest else ["5"]
    for value in values:
        posted = client.post(f"/api/v1/journal/lessons/{lesson}/marks", json={"student_id": child, "value": value},
                             headers=teacher)
        assert posted.status_code == 201, posted.get_json()
    with app.app_context():
        jobs.run_pending(app)
    assert _inbox(client, parent) == [] and box.to("parent@example.org") == []

    # after the delay, the worker
    with app.app_context():
        jobs.run_pending(app, now=later(6))
        if digest:
            assert _inbox(client, parent) == []  # held for the evening
            jobs.run_pending(app, now=later(24 * 60 + 1))
    alerts = _inbox(client, parent)
    [mail] = box.to("parent@example.org")
    if digest:
        [one] = alerts
        assert one["kind"] == "alerts.digest" and all(f"отметка {v}" in one["body"] for v in values)
        assert all(f"отметка {v}" in mail_text(mail) for v in values)
    else:
        [one] = alerts
        assert one["kind"] == "alerts.mark" and "5" in one["title"] and "Математика" in one["title"]
        assert "Математика" in mail_text(mail)

    # the parent writes to the teacher, the teacher answers
    teacher_id, parent_id = world.user_id("teacher"), world.user_id("parent")
    names = {p["id"] for p in client.get("/api/v1/messages/recipients", headers=parent).get_json()}
    assert teacher_id in names
    started = client.post("/api/v1/messages/conversations", json={
        "subject": "Об отметке", "body": "Что нужно подтянуть?", "recipients": [teacher_id]}, headers=parent)
    assert started.status_code == 201, started.get_json()
    cid = started.get_json()["id"]
    browser = login_as("teacher")
    assert "Что нужно подтянуть?" in browser.get(f"/messages/{cid}").get_data(as_text=True)
    assert browser.post(f"/messages/{cid}/reply", data={"body": "Дроби, стр. 40."}).status_code == 302
    thread = client.get(f"/api/v1/messages/conversations/{cid}", headers=parent).get_json()
    assert [m["body"] for m in thread["messages"]] == ["Что нужно подтянуть?", "Дроби, стр. 40."]
    with app.app_context():
        jobs.run_pending(app)
    kinds = [n["kind"] for n in client.get("/api/v1/notifications", headers=parent).get_json()["items"]]
    assert "messages.new" in kinds

    # another school's parent can address neither, by the API or the page
    outsider = bearer(client, "parent2")
    for target in (teacher_id, parent_id):
        refused = client.post("/api/v1/messages/conversations", json={
            "subject": "Привет", "body": "Текст", "recipients": [target]}, headers=outsider)
        assert refused.status_code == 403
        page = login_as("parent2").post("/messages/new", data={"recipients": [str(target)], "subject": "Привет",
                                                               "body": "Текст"})
        assert page.status_code == 403
    listed = {p["id"] for p in client.get("/api/v1/messages/recipients", headers=outsider).get_json()}
    assert not listed & {teacher_id, parent_id}
    assert client.get(f"/api/v1/messages/conversations/{cid}", headers=outsider).status_code == 404
    assert other["parent2"]
