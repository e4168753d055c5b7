"""Contingent import: a CSV or XLSX list is checked row by row, then imported all or nothing."""
import datetime as dt
import io

import openpyxl
import pytest
from click.testing import CliRunner

from tests.conftest import login

HEADER = ["Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "Класс", "СНИЛС"]
GOOD = [["Орлова", "Мария", "Петровна", "04.03.2015", "ж", "5А", ""],
        ["Зуев", "Глеб", "", "2014-11-30", "м", "6б", "123-456-789 01"],
        ["Ким", "Виктор", "Андреевич", dt.date(2015, 1, 9), "m", "5А", ""]]


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


@pytest.fixture
def school(app, demo):
    from eschool.school import services

    with app.app_context():
        s = demo["school"]
        year = services.create_year(s, {"name": "2026/2027", "starts_on": dt.date(2026, 9, 1),
                                        "ends_on": dt.date(2027, 5, 31), "is_current": True, "periods": []})
        for grade, letter in ((5, "А"), (6, "Б")):
            services.create_class(s, {"academic_year_id": year.id, "kind": "regular", "grade": grade, "letter": letter,
                                      "name": "", "shift": 1, "class_teacher_id": None, "subgroups": []})
    return demo["school"].id


def upload(client, school_id, data, filename, **extra):
    form = {"order_number": "45-у", "date": "2026-09-01", "file": (io.BytesIO(data), filename), **extra}
    return client.post(f"/school/{school_id}/import", data=form, content_type="multipart/form-data")


def count_students(app):
    from eschool.people.models import Student

    with app.app_context():
        return Student.select().count()


def test_xlsx_is_checked_then_imported(app, client, school):
    import re

    login(client, "secretary")
    checked = upload(client, school, xlsx([HEADER, *GOOD]), "список.xlsx")
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200 and "Орлова Мария" in html
    assert count_students(app) == 0  # checking writes nothing
    token = re.search(r'name="token" value="([0-9a-f]+)"', html).group(1)
    done = client.post(f"/school/{school}/import", data={"token": token, "order_number": "45-у", "date": "2026-09-01"})
    assert done.status_code == 302
    assert count_students(app) == 3
    book = client.get(f"/school/{school}/movement").get_data(as_text=True)
    assert "Ким Виктор" in book and "45-у" in book
    again = upload(client, school, xlsx([HEADER, *GOOD]), "список.xlsx")
    assert "Already in the school" in again.get_data(as_text=True) or "Уже в школе" in again.get_data(as_text=True)


def test_one_bad_row_changes_nothing_and_says_which_and_why(app, client, school):
    login(client, "secretary")
    rows = [HEADER, GOOD[0], ["Белов", "Ян", "", "31.02.2015", "м", "5А", ""], GOOD[2],
            ["Сидоров", "Ян", "", "01.01.2015", "м", "9Z", ""]]
    response = upload(client, school, xlsx(rows), "list.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<td>3</td><td>birth_date</td>" in html  # line 3 (the header is line 1), the column, the reason
    assert "<td>5</td><td>class</td>" in html and "9Z" in html
    assert 'name="token"' not in html  # nothing to confirm
    assert count_students(app) == 0


def test_csv_with_semicolons_and_a_bom(app, client, school):
    text = "\ufeff" + "\n".join(";".join(str(v) for v in row) for row in [HEADER, GOOD[0], GOOD[1]])
    login(client, "secretary")
    response = upload(client, school, text.encode("utf-8"), "list.csv")
    assert response.status_code == 200 and "Зуев Глеб" in response.get_data(as_text=True)


@pytest.mark.parametrize("data, name, message", [
    (b"last_name,first_name\nA,B\n", "x.csv", "line 1: missing columns"),
    (b"not a spreadsheet", "x.xlsx", "not a readable XLSX file"),
    (b"a;b", "x.txt", "send a .csv or .xlsx file"),
])
def test_unreadable_files_are_named(client, school, data, name, message):
    login(client, "secretary")
    response = upload(client, school, data, name, order_number="1")
    assert response.status_code == 400
    client.post("/language", data={"locale": "en"})
    response = upload(client, school, data, name, order_number="1")
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize("username", ["teacher", "classteacher", "parent", "deputy"])
def test_only_the_secretary_administrator_and_director_import(client, school, username):
    login(client, username)
    assert upload(client, school, xlsx([HEADER, *GOOD]), "list.xlsx").status_code == 403


def test_cli_import_dry_run_then_run(app, school, tmp_path, monkeypatch, database_url):
    from eschool import cli

    app.extensions["eschool"].database.close()
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ESCHOOL_INSTANCE", str(tmp_path / "cli"))
    monkeypatch.setattr(cli, "_APPS", {})
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(xlsx([HEADER, *GOOD]))
    bad.write_bytes(xlsx([HEADER, GOOD[0], ["Белов", "", "", "01.01.2015", "м", "5А", ""]]))
    runner = CliRunner()
    refused = runner.invoke(cli.main, ["import", "students", str(bad), "--school", str(school), "--order", "7"])
    assert refused.exit_code != 0 and "bad.xlsx, line 3, first_name" in refused.output
    dry = runner.invoke(cli.main, ["import", "students", str(good), "--school", str(school), "--order", "7",
                                   "--dry-run"])
    assert dry.exit_code == 0 and "3 students would be enrolled" in dry.output
    assert count_students(app) == 0
    done = runner.invoke(cli.main, ["import", "students", str(good), "--school", str(school), "--order", "7",
                                    "--date", "2026-09-01"])
    assert done.exit_code == 0, done.output
    assert "Enrolled 3 students" in done.output
    assert count_students(app) == 3


# --------------------------------------------------------------------------- parents in the student import

P_HEADER = ["Фамилия", "Имя", "Дата рождения", "Пол", "Класс", "Мать ФИО", "Мать телефон", "Мать e-mail",
            "Отец ФИО", "Отец телефон", "father_email"]
P_ROWS = [
    ["Орлова", "Мария", "04.03.2015", "ж", "5А", "Орлова Елена Ивановна", "8 (900) 111-22-33", "Mama@Example.org",
     "Орлов Пётр", "", ""],
    ["Орлов", "Глеб", "30.11.2016", "м", "5А", "Орлова Елена Ивановна", "", "mama@example.org",  # her second child
     "", "", ""],
    ["Зуев", "Ян", "01.02.2014", "м", "6Б", "", "", "", "Зуев Олег", "+7 900 555-44-33", ""],  # an existing account
]


def _parent_world(app):
    from eschool.auth import services as auth

    with app.app_context():
        dad = auth.create_user("zuev.father", "Зуев Олег Олегович", password="dad-pass-1", phone="+79005554433",
                               must_change_password=False)
        return dad.id


def test_parents_are_created_shared_by_siblings_and_linked_to_existing_accounts(app, client, school):
    import re

    from eschool.auth.models import RoleAssignment, User
    from eschool.people.models import Guardian, Student

    dad_id = _parent_world(app)
    login(client, "secretary")
    checked = upload(client, school, xlsx([P_HEADER, *P_ROWS]), "семьи.xlsx")
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200, html
    assert "Орлова Елена Ивановна" in html and "Зуев Олег Олегович" in html  # the dry run names the parents
    assert "<td>2, 3</td>" in html  # one mother for the two rows of her children
    with app.app_context():
        assert User.select().where(User.full_name.startswith("Орлова Елена")).count() == 0  # nothing written yet
    token = re.search(r'name="token" value="([0-9a-f]+)"', html).group(1)
    done = client.post(f"/school/{school}/import", data={"token": token, "order_number": "45-у", "date": "2026-09-01"})
    assert done.status_code == 302
    with app.app_context():
        mother = User.get(User.email == "mama@example.org")
        assert mother.phone == "+79001112233" and mother.password_hash == ""  # no password: a login comes later
        children = {g.student.first_name: g.relation for g in Guardian.select().where(Guardian.user == mother)}
        assert children == {"Мария": "mother", "Глеб": "mother"}
        father = User.get(User.full_name == "Орлов Пётр")
        assert [g.relation for g in Guardian.select().where(Guardian.user == father)] == ["father"]
        yan = Student.get(Student.first_name == "Ян")
        assert [g.user_id for g in Guardian.select().where(Guardian.student == yan)] == [dad_id]
        for user_id in (mother.id, father.id, dad_id):
            assert RoleAssignment.select().where((RoleAssignment.user == user_id) & (RoleAssignment.role == "parent")
                                                 & (RoleAssignment.school == school)).exists()
    # an imported parent cannot log in before they are given a password
    assert client.post("/logout").status_code in (302, 200)
    assert client.post("/login", data={"login": "mama@example.org", "password": ""}).status_code != 302


def test_a_bad_parent_email_or_phone_changes_nothing_and_names_line_and_column(app, client, school):
    from eschool.auth.models import User

    with app.app_context():
        users = User.select().count()
    rows = [P_HEADER, P_ROWS[0],
            ["Белова", "Ия", "01.01.2015", "ж", "5А", "Белова Анна", "12345", "not-an-address", "", "", ""],
            ["Белов", "Ян", "02.01.2015", "м", "5А", "", "", "", "", "", "papa@example.org"]]  # no father's name
    login(client, "secretary")
    response = upload(client, school, xlsx(rows), "list.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<td>3</td><td>mother_phone</td>" in html and "<td>3</td><td>mother_email</td>" in html
    assert "<td>4</td><td>father_name</td>" in html
    assert 'name="token"' not in html
    assert count_students(app) == 0
    with app.app_context():
        assert User.select().count() == users


def test_an_imported_parent_can_accept_an_invitation(app, client, school):
    from eschool.auth.models import User
    from eschool.people import importing, services
    from eschool.people.models import Student
    from eschool.structure.models import School

    with app.app_context():
        s = School.get_by_id(school)
        plan = importing.check(s, importing.read_rows(xlsx([P_HEADER, P_ROWS[0]]), "one.xlsx"))
        importing.run(s, plan, dt.date(2026, 9, 1), "1")
        maria = Student.get(Student.first_name == "Мария")
        token = services.invitation_token(maria, "mama@example.org", "mother")
    done = client.post(f"/invite/{token}", data={"full_name": "Орлова Елена Ивановна", "username": "orlova.mama",
                                                 "password": "mama-pass-1", "confirm": "mama-pass-1"})
    assert done.status_code == 302
    with app.app_context():
        assert User.select().where(User.email == "mama@example.org").count() == 1  # the same account, claimed
        assert User.get(User.email == "mama@example.org").username == "orlova.mama"
    assert client.get(f"/school/{school}/students/{maria.id}").status_code == 200


def test_cli_dry_run_shows_the_parents(app, school, tmp_path, monkeypatch, database_url):
    from eschool import cli

    app.extensions["eschool"].database.close()
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ESCHOOL_INSTANCE", str(tmp_path / "cli"))
    monkeypatch.setattr(cli, "_APPS", {})
    path = tmp_path / "families.csv"
    path.write_text("\n".join(";".join(map(str, r)) for r in [P_HEADER, *P_ROWS[:2]]), encoding="utf-8")
    dry = CliRunner().invoke(cli.main, ["import", "students", str(path), "--school", str(school), "--order", "7",
                                        "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "lines 2, 3: parent Орлова Елена Ивановна (new account)" in dry.output
    assert "2 students would be enrolled, 2 new parents created" in dry.output
    assert count_students(app) == 0
