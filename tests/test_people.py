"""Students' cards, the movement book and the audit log: who may read and change what, by the real routes."""
import datetime as dt

import pytest

from eschool.auth import services as auth
from eschool.auth.models import RoleAssignment, User
from tests.conftest import bearer, login

CARD = {"last_name": "Соколова", "first_name": "Анна", "middle_name": "Игоревна", "birth_date": dt.date(2015, 3, 4),
        "gender": "f", "document_kind": "birth_certificate", "document_number": "II-ЛО 123456", "snils": "",
        "address": "ул. Ленина, 1"}


@pytest.fixture
def people(app, demo):
    """Classes 5А (class teacher: 'classteacher') and 6Б, three students, and the demo parent of the first."""
    from eschool.people import services
    from eschool.school import services as school

    with app.app_context():
        s = demo["school"]
        year = school.create_year(s, {"name": "2026/2027", "starts_on": dt.date(2026, 9, 1),
                                      "ends_on": dt.date(2027, 5, 31), "is_current": True, "periods": []})
        groups = {}
        for grade, letter in ((5, "А"), (6, "Б")):
            groups[f"{grade}{letter}"] = school.create_class(s, {
                "academic_year_id": year.id, "kind": "regular", "grade": grade, "letter": letter, "name": "",
                "shift": 1, "class_teacher_id": None, "subgroups": []})
        teacher = User.get(User.username == "classteacher")
        RoleAssignment.update(class_group_id=groups["5А"].id).where(RoleAssignment.user == teacher).execute()
        enrol = {"date": dt.date(2026, 9, 1), "order_number": "12-у"}
        anna = services.enrol(s, {**CARD, **enrol, "class_id": groups["5А"].id})
        boris = services.enrol(s, {**CARD, "first_name": "Борис", "gender": "m", **enrol, "class_id": groups["5А"].id})
        vera = services.enrol(s, {**CARD, "first_name": "Вера", **enrol, "class_id": groups["6Б"].id})
        services.link_guardian(anna, {"user_id": User.get(User.username == "parent").id, "relation": "mother",
                                      "legal_representative": True})
        from eschool.people.models import Student

        Student.update(user=User.get(User.username == "student")).where(Student.id == anna.id).execute()
        other_parent = auth.create_user("parent2", "Другой Родитель", password="demo-2026", must_change_password=False)
        auth.grant_role(other_parent, "parent", school=s, allowed_roles=app.extensions["eschool"].roles)
        services.link_guardian(vera, {"user_id": other_parent.id, "relation": "father", "legal_representative": True})
        return {"school": s.id, "anna": anna.id, "boris": boris.id, "vera": vera.id, "5А": groups["5А"].id,
                "6Б": groups["6Б"].id}


def card_url(p, who):
    return f"/school/{p['school']}/students/{p[who]}"


@pytest.mark.parametrize("username, anna, vera", [
    ("admin", 200, 200), ("director", 200, 200), ("secretary", 200, 200), ("deputy", 200, 200),
    ("classteacher", 200, 403),  # 5А's class teacher: Anna is in 5А, Vera in 6Б
    ("teacher", 403, 403), ("parent", 200, 403), ("parent2", 403, 200), ("student", 200, 403),
    ("municipal", 403, 403), ("region", 403, 403),
])
def test_who_reads_a_students_card(client, people, username, anna, vera):
    login(client, username)
    assert client.get(card_url(people, "anna")).status_code == anna
    assert client.get(card_url(people, "vera")).status_code == vera
    headers = bearer(client, username)
    api = f"/api/v1/schools/{people['school']}/students"
    assert client.get(f"{api}/{people['anna']}", headers=headers).status_code == anna
    assert client.get(f"{api}/{people['vera']}", headers=headers).status_code == vera


def test_an_unknown_or_foreign_id_is_not_found(client, people):
    login(client, "admin")
    assert client.get(f"/school/{people['school']}/students/99999").status_code == 404


@pytest.mark.parametrize("username, status", [("classteacher", 302), ("secretary", 302), ("admin", 302),
                                              ("deputy", 403), ("parent", 403), ("student", 403), ("teacher", 403)])
def test_who_changes_a_card_and_every_change_is_audited(app, client, people, username, status):
    from eschool.people.models import AuditEntry, Student

    login(client, username)
    form = {**{k: str(v) for k, v in CARD.items()}, "address": "ул. Новая, 5"}
    response = client.post(card_url(people, "anna"), data=form)
    assert response.status_code == status
    with app.app_context():
        address = Student.get_by_id(people["anna"]).address
        entries = list(AuditEntry.select().where((AuditEntry.record_id == people["anna"])
                                                 & (AuditEntry.field == "address")).order_by(AuditEntry.id))
    if status == 302:
        assert address == "ул. Новая, 5"
        last = entries[-1]
        assert (last.old_value, last.new_value) == ("ул. Ленина, 1", "ул. Новая, 5")
        assert last.actor.username == username
    else:
        assert address == "ул. Ленина, 1" and len(entries) == 1  # only the enrolment's entry


def test_class_teacher_cannot_change_another_class(client, people):
    login(client, "classteacher")
    form = {**{k: str(v) for k, v in CARD.items()}, "first_name": "Вероника"}
    assert client.post(card_url(people, "vera"), data=form).status_code == 403


def test_a_bad_card_names_the_field_and_changes_nothing(app, client, people):
    from eschool.people.models import Student

    login(client, "secretary")
    form = {**{k: str(v) for k, v in CARD.items()}, "birth_date": "31.02.2015", "snils": "12345", "last_name": ""}
    response = client.post(card_url(people, "anna"), data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Запишите СНИЛС" in html or "SNILS" in html
    assert html.count('class="field-error"') >= 3
    with app.app_context():
        assert Student.get_by_id(people["anna"]).last_name == "Соколова"


def test_enrol_transfer_and_leave_through_the_movement_book(app, client, people):
    from eschool.people import services
    from eschool.school.models import ClassGroup

    login(client, "secretary")
    base = f"/school/{people['school']}/movement"
    response = client.post(base, data={"class_id": people["6Б"], "last_name": "Орлов", "first_name": "Пётр",
                                       "birth_date": "2014-05-06", "gender": "m", "date": "2026-09-02",
                                       "order_number": "15-у", "other_school": "МБОУ СОШ №3"})
    assert response.status_code == 302
    headers = bearer(client, "secretary")
    api = f"/api/v1/schools/{people['school']}"
    moved = client.post(f"{api}/students/{people['boris']}/transfer", headers=headers,
                        json={"class_id": people["6Б"], "date": "2026-10-01", "order_number": "20-у"})
    assert moved.status_code == 201 and moved.get_json()["from_class"] == "5А"
    left = client.post(f"{api}/students/{people['vera']}/leave", headers=headers,
                       json={"date": "2026-11-01", "order_number": "25-у", "reason": "переезд",
                             "other_school": "Школа №5 г. Томска"})
    assert left.status_code == 201
    again = client.post(f"{api}/students/{people['vera']}/leave", headers=headers,
                        json={"date": "2026-11-02", "order_number": "26-у", "reason": "ошибка"})
    assert again.status_code == 409
    book = client.get(f"{api}/movements", headers=headers).get_json()
    assert [m["kind"] for m in book][:3] == ["leaving", "transfer", "enrolment"]
    html = client.get(base).get_data(as_text=True)
    assert "Орлов Пётр" in html and "20-у" in html
    with app.app_context():
        six = ClassGroup.get_by_id(people["6Б"])
        names = lambda day: sorted(s.first_name for s in services.class_students(six, day))  # noqa: E731
        assert names(dt.date(2026, 9, 15)) == ["Вера", "Пётр"]  # Boris comes in October, Vera leaves in November
        assert names(dt.date(2026, 10, 15)) == ["Борис", "Вера", "Пётр"]
        assert names(dt.date(2026, 11, 15)) == ["Борис", "Пётр"]
    assert client.get(f"/school/{people['school']}/classes/{people['6Б']}/students").status_code == 200


@pytest.mark.parametrize("username", ["teacher", "classteacher", "parent", "deputy"])
def test_only_the_secretary_administrator_and_director_keep_the_movement_book(client, people, username):
    login(client, username)
    assert client.get(f"/school/{people['school']}/movement").status_code == 403
    headers = bearer(client, username)
    response = client.post(f"/api/v1/schools/{people['school']}/students", headers=headers,
                           json={**{k: str(v) for k, v in CARD.items()}, "class_id": people["5А"],
                                 "date": "2026-09-03", "order_number": "1"})
    assert response.status_code == 403


def test_guardians_and_consent(client, people):
    headers = bearer(client, "classteacher")
    api = f"/api/v1/schools/{people['school']}/students/{people['boris']}"
    not_parent = client.post(f"{api}/guardians", headers=headers, json={"user_id": 1})
    assert not_parent.status_code == 400 and "user_id" in not_parent.get_json()["error"]["fields"]
    consent = client.post(f"{api}/consents", headers=headers, json={"given_by": "Соколов Игорь", "given_on": "2026-09-01"})
    assert consent.status_code == 201 and consent.get_json()["taken_by"] == "Классный Руководитель"
    card = client.get(api, headers=headers).get_json()
    assert card["consents"][0]["given_on"] == "2026-09-01" and card["class_name"] == "5А"
    future = client.post(f"{api}/consents", headers=headers, json={"given_by": "Кто-то", "given_on": "2999-01-01"})
    assert future.status_code == 400 and "given_on" in future.get_json()["error"]["fields"]


@pytest.mark.parametrize("username, status", [("admin", 200), ("secretary", 403), ("director", 403),
                                              ("classteacher", 403), ("parent", 403)])
def test_the_audit_log_is_for_the_school_administrator(client, people, username, status):
    login(client, username)
    response = client.get(f"/school/{people['school']}/audit")
    assert response.status_code == status
    if status == 200:
        assert "Соколова" in response.get_data(as_text=True)


def test_class_list_shows_names_and_opens_cards_only_for_those_allowed(client, people):
    url = f"/school/{people['school']}/classes/{people['5А']}/students"
    login(client, "teacher")
    html = client.get(url).get_data(as_text=True)
    assert "Соколова Анна Игоревна" in html and f"/students/{people['anna']}" not in html
    client.post("/logout")
    login(client, "classteacher")
    assert f"/students/{people['anna']}" in client.get(url).get_data(as_text=True)
    assert "/classes/" in client.get("/dashboard").get_data(as_text=True)  # "My class" in the menu
    client.post("/logout")
    login(client, "parent")
    assert client.get(url).status_code == 403


def test_a_teacher_who_is_also_a_parent_switches_roles(app, client, people):
    """On pages a person acts in one role at a time and switches between their own roles only."""
    from eschool.auth.models import RoleAssignment
    from eschool.people import services
    from eschool.people.models import Student
    from eschool.structure.models import School

    with app.app_context():
        teacher = User.get(User.username == "teacher")
        auth.grant_role(teacher, "parent", school=School.get_by_id(people["school"]),
                        allowed_roles=app.extensions["eschool"].roles)
        services.link_guardian(Student.get_by_id(people["boris"]), {"user_id": teacher.id, "relation": "father",
                                                                    "legal_representative": True})
        as_parent = RoleAssignment.get((RoleAssignment.user == teacher) & (RoleAssignment.role == "parent")).id
        as_teacher = RoleAssignment.get((RoleAssignment.user == teacher)
                                        & (RoleAssignment.role == "subject_teacher")).id
        foreign = RoleAssignment.get(RoleAssignment.role == "school_admin").id
    login(client, "teacher")
    boris = card_url(people, "boris")
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert 'name="assignment"' in dashboard  # the role switcher is shown
    assert client.get(f"/school/{people['school']}/timetable").status_code in (200, 404)  # acting as a teacher
    assert client.get(boris).status_code == 403  # a subject teacher does not open cards
    client.post("/account/role", data={"assignment": as_parent})
    assert client.get(boris).status_code == 200  # as Boris's father
    answer = client.get(f"/school/{people['school']}/timetable")  # the school's page is its staff's ...
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/diary/timetable")  # ... a parent's is in the diary
    client.post("/account/role", data={"assignment": foreign})  # somebody else's role: refused
    assert client.get(boris).status_code == 200
    client.post("/account/role", data={"assignment": as_teacher})
    assert client.get(boris).status_code == 403


def _slip_credentials(html):
    import re

    codes = re.findall(r"<code>([^<]+)</code>", html)
    assert len(codes) == 2, html[-2000:]
    return codes[0], codes[1]


def test_class_teacher_issues_student_and_parent_logins_with_a_slip(app, client, people):
    login(client, "classteacher")
    url = f"/school/{people['school']}/students/{people['boris']}/logins"
    response = client.post(url, data={"kind": "student"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    username, password = _slip_credentials(response.get_data(as_text=True))
    assert username.startswith("sokolova.")  # from the Russian name
    again = client.post(url, data={"kind": "student"})
    assert again.status_code == 302  # refused: Boris has a login already (said in a flash message)
    parent = client.post(url, data={"kind": "parent", "full_name": "Соколов Игорь Петрович", "relation": "father"})
    parent_login, parent_password = _slip_credentials(parent.get_data(as_text=True))
    assert parent_login == "sokolov.ip"
    client.post("/logout")
    other = app.test_client()
    assert other.post("/login", data={"login": username, "password": password}).headers["Location"].endswith(
        "/account/password")  # a handed-out password is changed first
    parent_client = app.test_client()
    login(parent_client, parent_login, parent_password)
    parent_client.post("/account/password", data={"current_password": parent_password,
                                                  "new_password": "family-pass-9", "confirm": "family-pass-9"})
    assert parent_client.get(card_url(people, "boris")).status_code == 200  # their child
    assert parent_client.get(card_url(people, "anna")).status_code == 403  # not another family's


@pytest.mark.parametrize("username, status", [("teacher", 403), ("parent", 403), ("deputy", 403)])
def test_others_cannot_issue_family_logins(client, people, username, status):
    login(client, username)
    url = f"/school/{people['school']}/students/{people['anna']}/logins"
    assert client.post(url, data={"kind": "student"}).status_code == status


def test_class_teacher_cannot_issue_logins_for_another_class(client, people):
    login(client, "classteacher")
    url = f"/school/{people['school']}/students/{people['vera']}/logins"
    assert client.post(url, data={"kind": "parent", "full_name": "Кто-то Чужой"}).status_code == 403


def test_school_administrator_issues_staff_logins(app, client, people):
    login(client, "admin")
    url = f"/school/{people['school']}/staff"
    assert "Учитель Предметник" in client.get(url).get_data(as_text=True)
    bad = client.post(url, data={"full_name": "Новикова Ольга", "role": "region_operator"})
    assert bad.status_code == 400  # not a school role
    response = client.post(url, data={"full_name": "Новикова Ольга Сергеевна", "role": "subject_teacher"})
    username, password = _slip_credentials(response.get_data(as_text=True))
    assert username == "novikova.os"
    with app.app_context():
        user = User.get(User.username == username)
        assert user.must_change_password
        assert RoleAssignment.get(RoleAssignment.user == user).role == "subject_teacher"
    client.post("/logout")
    login(client, "teacher")
    assert client.get(url).status_code == 403
    assert client.post(url, data={"full_name": "Самозванец", "role": "director"}).status_code == 403


def test_staff_personal_files_are_for_the_administrator_and_hr_only(make_app):
    """Samara has HR specialists; students, parents and other staff are refused."""
    from eschool_demo.demo import build_demo

    app = make_app(region="samara")
    with app.app_context():
        demo = build_demo(log=lambda *_: None, school_year=False)
        teacher_id = User.get(User.username == "teacher").id
    sid = demo["school"].id
    url = f"/school/{sid}/staff/{teacher_id}/file"
    admin = app.test_client()
    login(admin, "admin")
    assert admin.get(url).status_code == 200
    saved = admin.post(url, data={"position": "Учитель математики", "birth_date": "1980-02-03",
                                  "hired_on": "2005-09-01", "order_number": "33-к"})
    assert saved.status_code == 302
    bad = admin.post(url, data={"position": "", "birth_date": "вчера"})
    assert bad.status_code == 400
    hr = app.test_client()
    login(hr, "hrspec")
    assert "Учитель математики" in hr.get(url).get_data(as_text=True)
    for username in ("student", "parent", "teacher", "director", "deputy", "secretary", "psychologist"):
        other = app.test_client()
        login(other, username)
        assert other.get(url).status_code == 403, username
    assert admin.get(f"/school/{sid}/staff/999999/file").status_code == 404
    with app.app_context():
        from eschool.people.models import AuditEntry

        assert AuditEntry.select().where(AuditEntry.record == "staff_file").count() >= 4


def test_plugins_hear_of_movements_and_add_card_sections(make_app, regions_copy, tmp_path):
    """eschool_on_student_moved after each movement; eschool_student_card_sections on the card."""
    from eschool import hookimpl
    from eschool.people import services
    from eschool.school import services as school
    from eschool.types import CardSection, PluginInfo
    from eschool_demo.demo import build_demo

    (tmp_path / "templates" / "watcher").mkdir(parents=True)
    (tmp_path / "templates" / "watcher" / "section.html").write_text("<p>Кружки: {{ ctx.clubs }}</p>")

    class Watcher:
        moved = []

        @hookimpl
        def eschool_plugin_info(self):
            return PluginInfo(code="watcher", name="Watcher", root=tmp_path)

        @hookimpl
        def eschool_on_student_moved(self, student, movement, actor, scope):
            self.moved.append((student.first_name, movement.kind, scope.school_id))

        @hookimpl
        def eschool_student_card_sections(self, student, user, scope):
            return [CardSection("clubs", "Кружки", "watcher/section.html", context=lambda: {"clubs": "шахматы"})]

    regions_copy.append("kemerovo", "[plugins.watcher]")
    watcher = Watcher()
    app = make_app(extra_plugins=[("watcher", watcher)])
    with app.app_context():
        s = build_demo(log=lambda *_: None, school_year=False)["school"]
        year = school.create_year(s, {"name": "2026/2027", "starts_on": dt.date(2026, 9, 1),
                                      "ends_on": dt.date(2027, 5, 31), "is_current": True, "periods": []})
        groups = [school.create_class(s, {"academic_year_id": year.id, "kind": "regular", "grade": 5, "letter": x,
                                          "name": "", "shift": 1, "class_teacher_id": None, "subgroups": []})
                  for x in "АБ"]
        kid = services.enrol(s, {**CARD, "class_id": groups[0].id, "date": dt.date(2026, 9, 1), "order_number": "1"})
        services.transfer(s, kid, {"class_id": groups[1].id, "date": dt.date(2026, 10, 1), "order_number": "2"})
    assert watcher.moved == [("Анна", "enrolment", s.id), ("Анна", "transfer", s.id)]
    client = app.test_client()
    login(client, "secretary")
    assert "Кружки: шахматы" in client.get(f"/school/{s.id}/students/{kid.id}").get_data(as_text=True)
