"""Credentials slips for a whole class at once: the class teacher (or the school's secretary, administrator,
director) issues logins to every student and imported parent of the class that has none, on one page."""
import datetime as dt
import io
import re

import openpyxl
import pytest

from tests.conftest import login

HEADER = ["Фамилия", "Имя", "Дата рождения", "Пол", "Класс", "Мать ФИО", "Мать e-mail", "Отец ФИО"]
ROWS = [["Орлова", "Мария", "04.03.2015", "ж", "5А", "Орлова Елена", "mama@example.org", "Орлов Пётр"],
        ["Орлов", "Глеб", "30.11.2015", "м", "5А", "Орлова Елена", "mama@example.org", ""],
        ["Зуев", "Ян", "01.02.2015", "м", "6Б", "Зуева Анна", "", ""]]


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


@pytest.fixture
def world(app, demo):
    """5А (class teacher: 'classteacher') and 6Б; students and parents as the secretary imports them."""
    from eschool.auth.models import RoleAssignment, User
    from eschool.people import importing
    from eschool.school import services

    with app.app_context():
        s = demo["school"]
        year = services.create_year(s, {"name": "2026/2027", "starts_on": dt.date(2026, 9, 1),
                                        "ends_on": dt.date(2027, 5, 31), "is_current": True, "periods": []})
        groups = {}
        for grade, letter in ((5, "А"), (6, "Б")):
            groups[f"{grade}{letter}"] = services.create_class(s, {
                "academic_year_id": year.id, "kind": "regular", "grade": grade, "letter": letter, "name": "",
                "shift": 1, "class_teacher_id": None, "subgroups": []}).id
        teacher = User.get(User.username == "classteacher")
        RoleAssignment.update(class_group_id=groups["5А"]).where(RoleAssignment.user == teacher).execute()
        plan = importing.check(s, importing.read_rows(xlsx([HEADER, *ROWS]), "list.xlsx"))
        assert plan.ok, plan.errors
        importing.run(s, plan, dt.date(2026, 9, 1), "1-у")
        return {"school": s.id, **groups}


def issue(client, world, group, who="all"):
    return client.post(f"/school/{world['school']}/classes/{world[group]}/logins", data={"who": who})


def slip_passwords(html):
    return dict(re.findall(r"<code>([a-z0-9.]+)</code></dd>\s*<dt>[^<]+</dt><dd><code>([a-z0-9]+)</code>", html))


def test_the_class_teacher_issues_every_login_of_the_class_on_one_page(app, client, world):
    from eschool.auth.models import User
    from eschool.people.models import Student

    login(client, "classteacher")
    page = client.get(f"/school/{world['school']}/classes/{world['5А']}/students").get_data(as_text=True)
    assert f"/classes/{world['5А']}/logins" in page
    response = issue(client, world, "5А")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert html.count('class="card slip"') == 4  # Maria, Gleb, their mother (once), their father
    assert "Орлов Глеб, Орлова Мария" in html  # the mother's slip names both her children
    assert "Зуев" not in html  # another class
    passwords = slip_passwords(html)
    assert len(passwords) == 4
    with app.app_context():
        assert all(s.user_id for s in Student.select().where(Student.last_name.in_(["Орлова", "Орлов"])))
        assert Student.get(Student.last_name == "Зуев").user_id is None
        mother = User.get(User.email == "mama@example.org")
        assert mother.must_change_password and mother.username in passwords
    parent = app.test_client()
    assert parent.post("/login", data={"login": mother.username, "password": passwords[mother.username]}
                       ).status_code == 302
    again = issue(client, world, "5А")  # nobody left without a login: nothing new, no slips
    assert again.status_code == 302


def test_students_only_then_parents_only(app, client, world):
    login(client, "classteacher")
    students = issue(client, world, "5А", "students").get_data(as_text=True)
    assert students.count('class="card slip"') == 2 and "Орлова Елена" not in students
    parents = issue(client, world, "5А", "parents").get_data(as_text=True)
    assert parents.count('class="card slip"') == 2 and "Орлова Елена" in parents


@pytest.mark.parametrize("username", ["classteacher", "teacher", "parent", "deputy", "student"])
def test_refused_for_anyone_but_the_class_teacher_and_the_school_office(app, client, world, username):
    from eschool.people.models import Student

    login(client, username)
    assert issue(client, world, "6Б").status_code == 403  # 'classteacher' teaches 5А, not 6Б
    with app.app_context():
        assert Student.get(Student.last_name == "Зуев").user_id is None
    page = client.get(f"/school/{world['school']}/classes/{world['6Б']}/students")
    assert f"/classes/{world['6Б']}/logins" not in page.get_data(as_text=True)


@pytest.mark.parametrize("username", ["admin", "secretary", "director"])
def test_the_school_office_issues_for_any_class(client, world, username):
    login(client, username)
    response = issue(client, world, "6Б")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('class="card slip"') == 2  # Yan and his mother


def test_the_class_list_runs_the_same_number_of_queries_for_few_and_many_students(app, client, world):
    from playhouse.test_utils import count_queries

    from eschool.people import importing
    from eschool.structure.models import School

    login(client, "classteacher")
    url = f"/school/{world['school']}/classes/{world['5А']}/students"

    def count():
        with app.app_context(), count_queries() as counter:
            assert client.get(url).status_code == 200
        return counter.count

    count()  # the first page after the login does its session checks differently
    few = count()
    rows = [[f"Фамилия{i}", "Имя", "01.01.2015", "м", "5А", f"Родитель Номер{i}", f"p{i}@example.org", ""]
            for i in range(12)]
    with app.app_context():
        school = School.get_by_id(world["school"])
        importing.run(school, importing.check(school, importing.read_rows(xlsx([HEADER, *rows]), "x.xlsx")),
                      dt.date(2026, 9, 1), "2-у")
    assert count() == few
