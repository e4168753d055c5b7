"""Invitations and password resets go through a real SMTP server (a local one the tests read).

The pages queue the letters (eschool.notifications); the tests run the queued jobs over the real
queue storage (``jobs.run_pending``) where the worker would.
"""
import datetime as dt
import re
import socket

import pytest
from aiosmtpd.controller import Controller

from eschool import jobs
from eschool.auth.models import User
from tests.conftest import login


def run_jobs(app):
    with app.app_context():
        return jobs.run_pending(app)


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"

    def link(self, pattern: str) -> str:
        import email

        body = email.message_from_string(self.messages[-1][1]).get_payload(decode=True).decode("utf-8")
        match = re.search(r"https?://[^/\s]+(" + pattern + r"\S*)", body)
        assert match, body
        return match.group(1)


@pytest.fixture
def smtp():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def mailing_app(make_app, smtp):
    return make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp[1], MAIL_FROM="school@example.org")


@pytest.fixture
def student(mailing_app):
    from eschool.people import services
    from eschool.school import services as school
    from eschool_demo.demo import build_demo

    with mailing_app.app_context():
        demo = build_demo(log=lambda *_: None, school_year=False)
        s = demo["school"]
        year = school.create_year(s, {"name": "2026/2027", "starts_on": dt.date(2026, 9, 1),
                                      "ends_on": dt.date(2027, 5, 31), "is_current": True, "periods": []})
        group = school.create_class(s, {"academic_year_id": year.id, "kind": "regular", "grade": 5, "letter": "А",
                                        "name": "", "shift": 1, "class_teacher_id": None, "subgroups": []})
        kid = services.enrol(s, {"last_name": "Орлова", "first_name": "Мария", "middle_name": "", "gender": "f",
                                 "birth_date": dt.date(2015, 3, 4), "document_kind": "birth_certificate",
                                 "document_number": "", "snils": "", "address": "", "class_id": group.id,
                                 "date": dt.date(2026, 9, 1), "order_number": "1"})
        return {"school": s.id, "id": kid.id}


def test_invitation_by_email_then_the_parent_chooses_login_and_password(mailing_app, smtp, student):
    inbox, _port = smtp
    client = mailing_app.test_client()
    login(client, "secretary")
    sent = client.post(f"/school/{student['school']}/students/{student['id']}/invite",
                       data={"email": "Mama@Example.org", "relation": "mother"})
    assert sent.status_code == 302
    assert inbox.messages == []  # queued: the worker sends it
    assert run_jobs(mailing_app) == 1
    assert inbox.messages and inbox.messages[-1][0] == ["Mama@Example.org"]
    link = inbox.link("/invite/")
    parent = mailing_app.test_client()
    assert "Орлова Мария" in parent.get(link).get_data(as_text=True)
    mismatch = parent.post(link, data={"full_name": "Орлова Елена", "username": "orlova.mama",
                                       "password": "mama-pass-1", "confirm": "other-pass-1"})
    assert mismatch.status_code == 400
    done = parent.post(link, data={"full_name": "Орлова Елена", "username": "orlova.mama",
                                   "password": "mama-pass-1", "confirm": "mama-pass-1"})
    assert done.status_code == 302
    assert parent.get(f"/school/{student['school']}/students/{student['id']}").status_code == 200
    assert mailing_app.test_client().get(link).status_code == 400  # used once, then no more


def test_an_expired_invitation_is_refused(mailing_app, smtp, student, monkeypatch):
    from eschool.people import services

    inbox, _port = smtp
    client = mailing_app.test_client()
    login(client, "secretary")
    client.post(f"/school/{student['school']}/students/{student['id']}/invite",
                data={"email": "papa@example.org", "relation": "father"})
    run_jobs(mailing_app)
    link = inbox.link("/invite/")
    monkeypatch.setattr(services, "INVITE_SECONDS", -1)  # as if a week had passed
    response = mailing_app.test_client().get(link)
    assert response.status_code == 410
    assert mailing_app.test_client().post(link, data={"username": "late.papa", "full_name": "Поздний Папа",
                                                      "password": "late-pass-1", "confirm": "late-pass-1"}
                                          ).status_code == 410
    with mailing_app.app_context():
        assert User.get_or_none(User.username == "late.papa") is None


def test_a_tampered_invitation_is_refused(mailing_app, student):
    assert mailing_app.test_client().get("/invite/not-a-real-token").status_code == 400


def test_teachers_and_parents_cannot_send_invitations(mailing_app, smtp, student):
    inbox, _port = smtp
    for username in ("teacher", "parent"):
        client = mailing_app.test_client()
        login(client, username)
        response = client.post(f"/school/{student['school']}/students/{student['id']}/invite",
                               data={"email": "x@example.org"})
        assert response.status_code == 403
    assert inbox.messages == []


def test_password_reset_by_email_where_the_region_allows(mailing_app, smtp, student):
    inbox, _port = smtp
    with mailing_app.app_context():
        User.update(email="teacher@example.org").where(User.username == "teacher").execute()
    client = mailing_app.test_client()
    assert client.post("/password/forgot", data={"login": "teacher"}).status_code == 302
    unknown = client.post("/password/forgot", data={"login": "nobody"})
    assert unknown.status_code == 302  # the same answer: logins are not revealed
    run_jobs(mailing_app)
    assert len(inbox.messages) == 1 and inbox.messages[0][0] == ["teacher@example.org"]
    link = inbox.link("/password/reset/")
    assert client.post(link, data={"new_password": "brand-new-7", "confirm": "brand-new-7"}).status_code == 302
    assert client.post("/login", data={"login": "teacher", "password": "brand-new-7"}).status_code == 302
    assert mailing_app.test_client().get(link).status_code == 400  # the link dies with the old password


def test_samara_resets_passwords_only_through_the_administrator(make_app, smtp):
    from eschool_demo.demo import build_demo

    app = make_app(region="samara", SMTP_HOST="127.0.0.1", SMTP_PORT=smtp[1])
    with app.app_context():
        build_demo(log=lambda *_: None, school_year=False)
        User.update(email="teacher@example.org").where(User.username == "teacher").execute()
    client = app.test_client()
    page = client.get("/password/forgot", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "administrator" in page and 'name="login"' not in page
    client.post("/password/forgot", data={"login": "teacher"})
    assert run_jobs(app) == 0
    assert smtp[0].messages == []


def test_an_unreachable_smtp_server_is_retried_then_shown_to_the_administrator(make_app, student):
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=1, NOTIFY_RETRY_DELAYS=[0, 0])
    client = app.test_client()
    login(client, "secretary")
    response = client.post(f"/school/{student['school']}/students/{student['id']}/invite",
                           data={"email": "x@example.org"}, follow_redirects=True, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert run_jobs(app) == 3  # the first attempt and two retries
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/notifications/failed", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "x@example.org" in page and "failed" in page



def test_forgotten_password_letters_are_limited_per_account_and_per_address(mailing_app, smtp, student):
    inbox, _port = smtp
    with mailing_app.app_context():
        User.update(email="teacher@example.org").where(User.username == "teacher").execute()
    client = mailing_app.test_client()

    def forgot(login, address):
        return client.post("/password/forgot", data={"login": login}, environ_base={"REMOTE_ADDR": address},
                           headers={"Accept-Language": "en"})

    # 30 requests for one account from 30 addresses (and under its other names): 3 letters an hour
    for i in range(30):
        response = forgot(["teacher", "teacher@example.org", "TEACHER@example.org"][i % 3], f"198.51.100.{i}")
        assert response.status_code == 302  # the answer every login gets
    run_jobs(mailing_app)
    assert len(inbox.messages) == 3
    # one address: 10 requests an hour, then 429 whatever the login, account or not
    answers = [forgot("nobody" if i % 2 else "teacher", "203.0.113.9").status_code for i in range(10)]
    assert answers == [302] * 10
    for name in ("teacher", "nobody"):
        refused = forgot(name, "203.0.113.9")
        assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 3600
        assert "Too many password reset requests" in refused.get_data(as_text=True)
    run_jobs(mailing_app)
    assert len(inbox.messages) == 3


def test_a_reset_letter_that_cannot_be_sent_does_not_reveal_the_account(make_app, student):
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=1)
    with app.app_context():
        User.update(email="teacher@example.org").where(User.username == "teacher").execute()
    client = app.test_client()
    known, unknown = (client.post("/password/forgot", data={"login": name}) for name in ("teacher", "nobody"))
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
