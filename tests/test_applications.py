"""Enrolment applications (issue 17): the public form, the queue by priority and time, statuses told by
letter, one application per child, enrolment with the parent's login in one step, and the refusals."""
import datetime as dt
import re

import pytest

from eschool.testing import build_world

CHILD = {"kind": "first_grade", "child_last_name": "Петрова", "child_first_name": "Анна", "child_gender": "f",
         "applicant_name": "Петрова Мария Ивановна", "applicant_email": "maria@example.org", "relation": "mother",
         "street": "ул. Ленина", "house": "5", "consent": True}


@pytest.fixture
def mailbox(monkeypatch):
    """Letters the worker sends (the SMTP layer is tested in test_mail.py)."""
    sent = []
    from eschool import mail

    monkeypatch.setattr(mail, "send_text", lambda to, subject, body: sent.append((to, subject, body)))
    return sent


@pytest.fixture
def school(app):
    from eschool.school import card
    from eschool.structure.models import School

    world = build_world(app)
    with app.app_context():
        card.set_street(School.get_by_id(world.school), {"street": "ул. Ленина", "houses": "1-20"})
    return world


def _birth(years: float = 7) -> str:
    today = dt.date.today()
    september = dt.date(today.year if today.month < 9 else today.year + 1, 9, 1)
    return (september - dt.timedelta(days=int(years * 365.25))).isoformat()


def _submit(app, school, **changes):
    body = {**CHILD, "child_birth_date": _birth(), **changes}
    return app.test_client().post(f"/api/v1/schools/{school.school}/applications/", json=body)


def test_the_public_form_takes_an_application_and_the_applicant_follows_it(app, school, mailbox):
    from eschool.jobs import run_pending

    visitor = app.test_client()
    page = visitor.get(f"/school/{school.school}/apply")
    assert page.status_code == 200
    form = {**{k: v for k, v in CHILD.items() if k != "consent"}, "consent": "yes", "child_birth_date": _birth()}
    sent = visitor.post(f"/school/{school.school}/apply", data=form)
    assert sent.status_code == 302 and "/applications/" in sent.headers["Location"]
    follow = visitor.get(sent.headers["Location"])
    html = follow.get_data(as_text=True)
    assert follow.status_code == 200 and "Петрова Анна" in html and follow.headers["Cache-Control"] == "no-store"
    run_pending(app)
    [(to, subject, body)] = mailbox
    assert to == "maria@example.org" and "Петрова Анна" in body
    link = re.search(r"(http://\S+/applications/\S+)", body).group(1)
    assert visitor.get(link.replace("http://localhost", "")).status_code == 200
    assert visitor.get("/applications/not-a-token").status_code == 404


def test_bad_input_names_the_field_and_keeps_nothing(app, school):
    from eschool.applications.models import Application

    no_consent = _submit(app, school, consent=False)
    assert no_consent.status_code == 400 and "consent" in no_consent.get_json()["error"]["fields"]
    bad = _submit(app, school, child_birth_date="31.02.2019", applicant_email="nope")
    fields = bad.get_json()["error"]["fields"]
    assert bad.status_code == 400 and {"child_birth_date", "applicant_email"} <= set(fields)
    too_young = _submit(app, school, child_birth_date=_birth(4))
    assert too_young.status_code == 400 and "child_birth_date" in too_young.get_json()["error"]["fields"]
    page = app.test_client().post(f"/school/{school.school}/apply", data={"child_last_name": "Иванов"})
    assert page.status_code == 400 and "aria-invalid" in page.get_data(as_text=True)
    with app.app_context():
        assert Application.select().count() == 0


def test_one_application_per_child_even_when_typed_twice(app, school):
    assert _submit(app, school).status_code == 201
    again = _submit(app, school, child_last_name="  петрова ", applicant_email="father@example.org")
    assert again.status_code == 409


def test_the_queue_orders_by_priority_group_then_time(app, school, login_as):
    ids = {}
    for name, changes in (("Первый", {"street": "ул. Мира", "house": "3"}),  # outside the catchment
                          ("Второй", {}),  # catchment
                          ("Третий", {"claimed_priority": "sibling", "street": "ул. Мира", "house": "4"}),
                          ("Четвёртый", {"claimed_priority": "priority", "street": "ул. Мира", "house": "5"})):
        answer = _submit(app, school, child_first_name=name, **changes)
        assert answer.status_code == 201
        ids[name] = answer.get_json()["id"]
    from eschool.testing import bearer

    listed = app.test_client().get(f"/api/v1/schools/{school.school}/applications/",
                                   headers=bearer(app.test_client(), "secretary")).get_json()
    assert [a["id"] for a in listed] == [ids["Четвёртый"], ids["Третий"], ids["Второй"], ids["Первый"]]
    assert [a["priority_group"] for a in listed] == [1, 2, 3, 4]
    assert "Четвёртый" in login_as("secretary").get(f"/school/{school.school}/applications").get_data(as_text=True)


def test_statuses_are_told_by_letter_and_the_accepted_child_is_enrolled_with_a_parent_login(app, school, mailbox,
                                                                                             api_token):
    from eschool.auth.models import User
    from eschool.jobs import run_pending
    from eschool.people.models import ClassMembership, Guardian, Student

    made = _submit(app, school).get_json()
    api, headers = app.test_client(), api_token("secretary")
    base = f"/api/v1/schools/{school.school}/applications/{made['id']}"
    assert api.put(f"{base}/status", headers=headers, json={"status": "refused"}).status_code == 400  # no reason
    assert api.put(f"{base}/status", headers=headers,
                   json={"status": "documents_needed", "reason": "Нужна справка о регистрации"}).status_code == 200
    assert api.put(f"{base}/status", headers=headers, json={"status": "accepted"}).status_code == 200
    assert api.put(f"{base}/status", headers=headers, json={"status": "received"}).status_code == 409
    run_pending(app)
    assert [s for _t, s, _b in mailbox][1:] == [f"Заявление {made['id']}: нужны документы",
                                                f"Заявление {made['id']}: принято"]
    assert "справка о регистрации" in mailbox[1][2]
    enrolled = api.post(f"{base}/enrol", headers=headers, json={"class_id": school.c5, "order_number": "12-у"})
    assert enrolled.status_code == 201, enrolled.get_json()
    result = enrolled.get_json()
    with app.app_context():
        student = Student.get_by_id(result["student_id"])
        assert student.full_name.startswith("Петрова Анна")
        assert ClassMembership.get(ClassMembership.student == student).class_group_id == school.c5
        parent = User.get(User.username == result["parent_username"])
        assert Guardian.get(Guardian.student == student).user_id == parent.id and parent.must_change_password
    login = app.test_client().post("/login", data={"login": result["parent_username"],
                                                   "password": result["parent_password"]})
    assert login.status_code == 302
    assert api.post(f"{base}/enrol", headers=headers, json={"class_id": school.c5, "order_number": "1"}).status_code == 409


def test_a_letter_that_cannot_go_is_retried_and_shown(app, school, monkeypatch, login_as):
    from eschool import mail
    from eschool.applications.models import ApplicationEvent
    from eschool.jobs import run_pending

    def down(*args):
        raise mail.MailError("connection refused")

    monkeypatch.setattr(mail, "send_text", down)
    made = _submit(app, school).get_json()
    run_pending(app)
    with app.app_context():
        event = ApplicationEvent.get(ApplicationEvent.application == made["id"])
        assert event.mailed_at is None and "refused" in event.mail_error
    page = login_as("secretary").get(f"/school/{school.school}/applications/{made['id']}").get_data(as_text=True)
    assert "connection refused" in page


@pytest.mark.parametrize("who", ["teacher", "classteacher", "parent", "student", "municipal"])
def test_the_queue_is_the_schools_administration_only(app, school, login_as, api_token, who):
    made = _submit(app, school).get_json()
    client = login_as(who)
    assert client.get(f"/school/{school.school}/applications").status_code == 403
    assert client.get(f"/school/{school.school}/applications/{made['id']}").status_code == 403
    api = app.test_client()
    headers = api_token(who)
    assert api.get(f"/api/v1/schools/{school.school}/applications/", headers=headers).status_code == 403
    assert api.put(f"/api/v1/schools/{school.school}/applications/{made['id']}/status", headers=headers,
                   json={"status": "accepted"}).status_code == 403


def test_another_schools_secretary_cannot_reach_these_applications(app, school):
    from eschool.auth import services as auth
    from eschool.structure import services as structure
    from eschool.structure.models import Municipality
    from eschool.testing import PASSWORD, bearer

    made = _submit(app, school).get_json()
    with app.app_context():
        other = structure.create_school(Municipality.get_by_id(school.municipality), "Вторая школа", "Школа 2")
        user = auth.create_user("secretary2", "Секретарь Второй", password=PASSWORD, must_change_password=False)
        auth.grant_role(user, "secretary", school=other, allowed_roles=app.extensions["eschool"].roles)
    headers = bearer(app.test_client(), "secretary2")
    api = app.test_client()
    assert api.get(f"/api/v1/schools/{school.school}/applications/", headers=headers).status_code == 403
    moved = api.put(f"/api/v1/schools/{other.id}/applications/{made['id']}/status", headers=headers,
                    json={"status": "accepted"})
    assert moved.status_code in (400, 404)


def test_the_public_form_is_limited_per_client_address(make_app):
    """Past ``APPLICATION_RATE_LIMIT`` sendings from one address (valid or not), the form and the API answer
    429 with Retry-After and keep nothing; another address is not held back."""
    from eschool.applications.models import Application

    app = make_app(APPLICATION_RATE_LIMIT="2 per hour", PROXY_FIX=1)
    world = build_world(app)
    visitor, url = app.test_client(), f"/api/v1/schools/{world.school}/applications/"
    here = {"X-Forwarded-For": "203.0.113.7"}
    assert visitor.post(url, json={**CHILD, "child_birth_date": _birth()}, headers=here).status_code == 201
    assert visitor.post(url, json={"consent": True}, headers=here).status_code == 400  # counted too
    refused = visitor.post(url, json={**CHILD, "child_first_name": "Вера", "child_birth_date": _birth()}, headers=here)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["error"]["code"] == "rate_limited"
    page = visitor.post(f"/school/{world.school}/apply", data={**CHILD, "consent": "yes"}, headers=here)
    assert page.status_code == 429 and "Retry-After" in page.headers
    assert "слишком много заявлений" in page.get_data(as_text=True)
    elsewhere = visitor.post(url, json={**CHILD, "child_first_name": "Вера", "child_birth_date": _birth()},
                             headers={"X-Forwarded-For": "198.51.100.9"})
    assert elsewhere.status_code == 201
    with app.app_context():
        assert sorted(a.child_first_name for a in Application.select()) == ["Анна", "Вера"]
