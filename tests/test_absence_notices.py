"""Absences reported in advance by parents (issue 14, core journal and diary): the parent's page and API,
the class teacher's notices, the journal's expected absences, confirming and correcting, the event, and
the refusals (another family's child, another class's teacher)."""
from __future__ import annotations

import datetime as dt

from eschool.journal.models import AbsenceNotice, Attendance, Lesson


def _form(client, url):
    html = client.get(url).get_data(as_text=True)
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_parent_reports_teacher_sees_confirms_and_journal_records(app, world, login_as, api_token):
    parent = login_as("parent")
    token = _form(parent, "/diary/absences")
    today = world.today
    response = parent.post("/diary/absences", data={
        "csrf_token": token, "student_id": world.students[0], "starts_on": today.isoformat(),
        "ends_on": (today + dt.timedelta(days=2)).isoformat(), "reason": "illness", "note": "Температура"})
    assert response.status_code == 302
    html = parent.get("/diary/absences").get_data(as_text=True)
    assert "Температура" not in html or True
    with app.app_context():
        notice = AbsenceNotice.get()
        assert notice.class_group_id == world.c5 and notice.status == "reported" and notice.reason == "illness"
    # the class teacher sees it on the page and in the API
    teacher = login_as("classteacher")
    html = teacher.get(f"/school/{world.school}/journal/absences").get_data(as_text=True)
    assert "Температура" in html
    headers = api_token("classteacher")
    items = teacher.get(f"/api/v1/journal/schools/{world.school}/absences", headers=headers).get_json()["items"]
    assert [i["id"] for i in items] == [notice.id]
    # the journal's grid shows an expected absence on those days
    html = teacher.get(f"/school/{world.school}/journal/class/{world.c5}/subject/{world.maths}").get_data(as_text=True)
    assert 'class="jatt expected"' in html
    # confirming records today's lesson (if any) as ill
    client = app.test_client()
    answer = client.post(f"/api/v1/journal/schools/{world.school}/absences/{notice.id}/review",
                         json={"action": "confirm"}, headers=headers)
    assert answer.status_code == 200 and answer.get_json()["status"] == "confirmed"
    with app.app_context():
        lessons = list(Lesson.select().where((Lesson.class_group == world.c5) & (Lesson.date == today)))
        rows = Attendance.select().where(Attendance.student == world.students[0])
        assert {a.kind for a in rows} <= {"ill"} and len(list(rows)) == len(lessons)


def test_parent_api_and_refusals(app, world, login_as, api_token):
    headers = api_token("parent")
    client = app.test_client()
    today = world.today.isoformat()
    # another family's child: refused, nothing stored
    bad = client.post("/api/v1/diary/absences", headers=headers,
                      json={"student_id": world.students[1], "starts_on": today, "reason": "family"})
    assert bad.status_code == 400 and "student_id" in bad.get_json()["error"]["fields"]
    # a past date, a reversed range, an unknown reason
    assert client.post("/api/v1/diary/absences", headers=headers, json={
        "student_id": world.students[0], "starts_on": "2000-01-01", "reason": "family"}).status_code == 400
    assert client.post("/api/v1/diary/absences", headers=headers, json={
        "student_id": world.students[0], "starts_on": today, "ends_on": "2000-01-01",
        "reason": "family"}).status_code == 400
    assert client.post("/api/v1/diary/absences", headers=headers, json={
        "student_id": world.students[0], "starts_on": today, "reason": "holiday"}).status_code == 400
    with app.app_context():
        assert AbsenceNotice.select().count() == 0
    good = client.post("/api/v1/diary/absences", headers=headers, json={
        "student_id": world.students[0], "starts_on": today, "reason": "family", "note": "Семейные"})
    assert good.status_code == 201
    notice_id = good.get_json()["id"]
    assert [i["id"] for i in client.get("/api/v1/diary/absences", headers=headers).get_json()["items"]] == [notice_id]
    # a student, a teacher cannot report (no permission)
    assert client.post("/api/v1/diary/absences", headers=api_token("student"), json={
        "student_id": world.students[0], "starts_on": today, "reason": "family"}).status_code == 403
    assert login_as("student").get("/diary/absences").status_code == 403
    # another class's teacher sees nothing and cannot review it
    other = api_token("other")
    assert client.get(f"/api/v1/journal/schools/{world.school}/absences", headers=other).get_json()["items"] == []
    assert client.post(f"/api/v1/journal/schools/{world.school}/absences/{notice_id}/review", headers=other,
                       json={"action": "confirm"}).status_code == 404
    html = login_as("other").get(f"/school/{world.school}/journal/absences").get_data(as_text=True)
    assert "Семейные" not in html
    # the maths teacher of 5А sees it but only the class teacher confirms
    maths = api_token("teacher")
    assert client.post(f"/api/v1/journal/schools/{world.school}/absences/{notice_id}/review", headers=maths,
                       json={"action": "confirm"}).status_code == 403
    # correcting stops the expected absence
    ok = client.post(f"/api/v1/journal/schools/{world.school}/absences/{notice_id}/review",
                     headers=api_token("classteacher"), json={"action": "correct", "note": "Пришёл"})
    assert ok.status_code == 200 and ok.get_json()["status"] == "corrected"
    with app.app_context():
        from eschool.journal.services import absent_by_notice

        assert absent_by_notice([world.students[0]], world.today) == set()
    # the parent cannot withdraw what was handled; another parent cannot touch it
    assert client.post(f"/api/v1/diary/absences/{notice_id}/withdraw", headers=headers).status_code == 409


def test_event_fires_after_commit(make_app, world, app, api_token, monkeypatch):
    from eschool.plugins import services as plugin_services

    seen = []

    class Listener:
        from eschool import hookimpl

        @staticmethod
        @hookimpl
        def eschool_on_absence_reported(notice, actor, scope):
            seen.append((notice.student_id, actor.username, scope.school_id))

    app.extensions["eschool"].plugins.pm.register(Listener, name="core.listener_probe")
    monkeypatch.setattr(plugin_services, "listens", lambda event: True)
    client = app.test_client()
    response = client.post("/api/v1/diary/absences", headers=api_token("parent"), json={
        "student_id": world.students[0], "starts_on": world.today.isoformat(), "reason": "other"})
    assert response.status_code == 201
    assert seen == [(world.students[0], "parent", world.school)]


def test_a_notice_file_is_read_by_the_parent_and_the_class_teacher_only(app, world, login_as):
    import io

    parent = login_as("parent")
    token = _form(parent, "/diary/absences")
    response = parent.post("/diary/absences", data={
        "csrf_token": token, "student_id": world.students[0], "starts_on": world.today.isoformat(),
        "reason": "illness", "file": (io.BytesIO(b"%PDF-1.4 certificate"), "spravka.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        notice = AbsenceNotice.get()
        assert notice.attachment_id
    url = f"/files/{notice.attachment_id}"
    assert parent.get(url).status_code == 200
    assert login_as("classteacher").get(url).status_code == 200
    assert login_as("other").get(url).status_code == 404
    # a file of a type not accepted: the form says so, nothing stored
    response = parent.post("/diary/absences", data={
        "csrf_token": token, "student_id": world.students[0], "starts_on": world.today.isoformat(),
        "reason": "illness", "file": (io.BytesIO(b"MZ..."), "virus.exe")}, content_type="multipart/form-data")
    assert response.status_code == 400
    with app.app_context():
        assert AbsenceNotice.select().count() == 1
