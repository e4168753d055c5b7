"""A school administrator sets up a new school's year through the pages alone."""
import re

import pytest

from eschool.auth import services as auth
from eschool.auth.models import User
from eschool.structure import services as structure
from tests.conftest import login


@pytest.fixture
def new_school(app):
    """An empty school with its administrator, its deputy and two teachers: nothing else."""
    with app.app_context():
        ext = app.extensions["eschool"]
        munis = structure.sync_municipalities(ext.region)
        school = structure.create_school(munis[0], "МБОУ «Новая школа»", "Новая школа")
        people = {}
        for username, name, role in [("nadmin", "Админ Новой", "school_admin"), ("ndeputy", "Завуч Новой",
                                     "deputy_director"), ("tch1", "Иванова Анна", "subject_teacher"),
                                     ("tch2", "Петров Олег", "class_teacher"), ("nparent", "Родитель", "parent")]:
            user = auth.create_user(username, name, password="demo-2026", must_change_password=False)
            auth.grant_role(user, role, school=school, allowed_roles=ext.roles)
            people[username] = user.id
        return {"id": school.id, **people}


def _post(client, url, data, expect=302):
    response = client.post(url, data=data)
    assert response.status_code == expect, re.findall(r'field-error[^>]*>([^<]*)', response.get_data(as_text=True))
    return response


def _option(html, label):
    """The value of the <option> whose text is ``label``."""
    match = re.search(r'<option value="(\d+)"[^>]*>' + re.escape(label) + "</option>", html)
    assert match, f"no option {label!r}"
    return match.group(1)


def test_the_whole_year_through_the_pages(client, new_school):
    sid = new_school["id"]
    base = f"/school/{sid}/setup"
    login(client, "nadmin")
    assert f"{base}/years" in client.get("/dashboard").get_data(as_text=True)  # the admin menu entry
    _post(client, f"{base}/years", {"name": "2026/2027", "starts_on": "2026-09-01", "ends_on": "2027-05-31",
                                    "is_current": "1"})
    year = _option(client.get(f"{base}/periods").get_data(as_text=True), "2026/2027")
    _post(client, f"{base}/periods", {"academic_year_id": year, "kind": "quarter", "number": "1",
                                      "starts_on": "2026-09-01", "ends_on": "2026-10-25", "grade_to": "9"})
    for name in ("Математика", "Русский язык"):
        _post(client, f"{base}/subjects", {"name": name})
    _post(client, f"{base}/rooms", {"name": "101", "capacity": "30"})
    _post(client, f"{base}/rooms", {"name": "102"})
    _post(client, f"{base}/classes", {"academic_year_id": year, "kind": "regular", "grade": "5", "letter": "а",
                                      "shift": "1", "class_teacher_id": str(new_school["tch2"]),
                                      "subgroups": "1 группа, 2 группа"})
    _post(client, f"{base}/classes", {"academic_year_id": year, "grade": "6", "letter": "Б"})
    html = client.get(f"{base}/curriculum").get_data(as_text=True)
    c5, c6, maths = _option(html, "5А"), _option(html, "6Б"), _option(html, "Математика")
    _post(client, f"{base}/curriculum", {"class_id": c5, "subject_id": maths, "hours_per_week": "5"})
    _post(client, f"{base}/assignments", {"teacher_id": str(new_school["tch1"]), "class_id": c5, "subject_id": maths})
    client.post("/logout")

    login(client, "ndeputy")  # the deputy director makes the timetable
    _post(client, f"{base}/timetable/bells", {"shift": "1", "number": "1", "starts_at": "08:00", "ends_at": "08:40"})
    html = client.get(f"{base}/lessons").get_data(as_text=True)
    room101 = _option(html, "101")
    lesson = {"class_id": c5, "weekday": "1", "number": "1", "subject_id": maths,
              "teacher_id": str(new_school["tch1"]), "room_id": room101}
    _post(client, f"{base}/timetable/lessons", lesson)
    clash = _post(client, f"{base}/timetable/lessons", {**lesson, "class_id": c6}, expect=409)
    text = clash.get_data(as_text=True)
    assert "5А, Математика, понедельник, урок 1" in text  # the lesson in the way is named
    assert f'value="{c6}" selected' in text  # what was chosen is kept
    week = client.get(f"/school/{sid}/timetable?class={c5}").get_data(as_text=True)
    assert "Математика" in week and "08:00" in week and "Иванова Анна" in week


def test_bad_input_names_the_field_and_saves_nothing(app, client, new_school):
    from eschool.school.models import AcademicYear

    base = f"/school/{new_school['id']}/setup"
    login(client, "nadmin")
    response = client.post(f"{base}/years", data={"name": "2026", "starts_on": "2026-09-01", "ends_on": "2026-01-01"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Запишите год в виде 2026/2027." in html and "Конец должен быть позже начала." in html
    assert 'value="2026"' in html
    with app.app_context():
        assert AcademicYear.select().count() == 0


@pytest.mark.parametrize("username", ["tch1", "tch2", "nparent"])
def test_others_cannot_change_the_setup(client, new_school, username):
    base = f"/school/{new_school['id']}/setup"
    login(client, username)
    assert client.post(f"{base}/subjects", data={"name": "Астрономия"}).status_code == 403
    assert client.post(f"{base}/timetable/bells", data={"number": "1", "starts_at": "08:00",
                                                        "ends_at": "08:40"}).status_code == 403
    expected = 403 if username == "nparent" else 200
    assert client.get(f"{base}/subjects").status_code == expected
    if expected == 200:
        assert 'action="' + base not in client.get(f"{base}/subjects").get_data(as_text=True)  # no form shown


def test_a_school_admin_of_another_school_is_refused(app, client, new_school, demo):
    login(client, "admin")  # the demo school's administrator
    base = f"/school/{new_school['id']}/setup"
    assert client.get(f"{base}/subjects").status_code == 403
    assert client.post(f"{base}/subjects", data={"name": "Астрономия"}).status_code == 403
    with app.app_context():
        assert User.get(User.username == "admin")
