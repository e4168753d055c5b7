"""Staff import: a CSV or XLSX list of staff is checked row by row, then imported all or nothing, with
roles, staff personal files and credentials slips; only the school administrator may do it."""
import datetime as dt
import io
import re

import openpyxl
import pytest
from click.testing import CliRunner

from tests.conftest import login

HEADER = ["Фамилия", "Имя", "Отчество", "Должность", "Роли", "E-mail", "Телефон", "Дата рождения", "Дата приёма"]
GOOD = [
    ["Петрова", "Ольга", "Сергеевна", "учитель математики", "учитель; классный руководитель 5А",
     "Petrova@School.example", "8 900 123-45-67", "12.05.1980", dt.date(2015, 9, 1)],
    ["Сидоров", "Илья", "", "секретарь учебной части", "secretary", "", "", "", ""],
    ["Волков", "Дмитрий", "Ильич", "заместитель директора по УВР", "заместитель директора; subject_teacher",
     "volkov@example.org", "", "1975-01-30", "2001-08-25"],
]


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


@pytest.fixture
def school(app, demo):
    from eschool.auth import services as auth
    from eschool.school import services

    with app.app_context():
        s = demo["school"]
        year = services.create_year(s, {"name": "2026/2027", "starts_on": dt.date(2026, 9, 1),
                                        "ends_on": dt.date(2027, 5, 31), "is_current": True, "periods": []})
        for grade, letter in ((5, "А"), (6, "Б")):
            services.create_class(s, {"academic_year_id": year.id, "kind": "regular", "grade": grade, "letter": letter,
                                      "name": "", "shift": 1, "class_teacher_id": None, "subgroups": []})
        # Volkov works at another school already: his account is reused by its e-mail
        auth.create_user("volkov", "Волков Дмитрий Ильич", password="volk-pass-1", email="volkov@example.org",
                         must_change_password=False)
    return demo["school"].id


def upload(client, school_id, data, filename):
    return client.post(f"/school/{school_id}/staff/import", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def count_users(app):
    from eschool.auth.models import User

    with app.app_context():
        return User.select().count()


def test_xlsx_is_checked_then_imported_with_roles_files_and_slips(app, client, school):
    from eschool.auth.models import RoleAssignment, User
    from eschool.people.models import StaffFile
    from eschool.school.models import ClassGroup

    before = count_users(app)
    login(client, "admin")
    checked = upload(client, school, xlsx([HEADER, *GOOD]), "кадры.xlsx")
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200, html
    assert "Петрова Ольга Сергеевна" in html and "5А" in html and "Волков Дмитрий Ильич" in html
    assert count_users(app) == before  # checking writes nothing
    token = re.search(r'name="token" value="([0-9a-f]+)"', html).group(1)
    done = client.post(f"/school/{school}/staff/import", data={"token": token})
    slips = done.get_data(as_text=True)
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    assert slips.count('class="card slip"') == 2  # two new accounts; Volkov keeps his own password
    assert "petrova.os" in slips and "sidorov.i" in slips
    password = re.search(r"petrova\.os</code></dd>\s*<dt>[^<]+</dt><dd><code>([a-z0-9]+)</code>", slips).group(1)
    with app.app_context():
        petrova = User.get(User.email == "petrova@school.example")
        assert petrova.phone == "+79001234567" and petrova.must_change_password
        assigned = {(a.role, a.class_group_id) for a in RoleAssignment.select().where(RoleAssignment.user == petrova)}
        five_a = ClassGroup.get(ClassGroup.name == "5А")
        assert assigned == {("subject_teacher", None), ("class_teacher", five_a.id)}
        assert five_a.class_teacher_id == petrova.id
        record = StaffFile.get(StaffFile.user == petrova)
        assert (record.position, record.birth_date, record.hired_on, record.phone) == (
            "учитель математики", dt.date(1980, 5, 12), dt.date(2015, 9, 1), "+79001234567")
        volkov = User.get(User.username == "volkov")
        assert {a.role for a in RoleAssignment.select().where(RoleAssignment.user == volkov)} == {
            "deputy_director", "subject_teacher"}
        assert StaffFile.get(StaffFile.user == volkov).position == "заместитель директора по УВР"
    staff_page = client.get(f"/school/{school}/staff").get_data(as_text=True)
    assert "Петрова Ольга Сергеевна" in staff_page and "Сидоров Илья" in staff_page
    other = app.test_client()  # the slip's password works, and must be changed at once
    assert other.post("/login", data={"login": "petrova.os", "password": password}).status_code == 302
    again = upload(client, school, xlsx([HEADER, *GOOD]), "кадры.xlsx")  # a second time: all skipped
    assert again.status_code == 200 and 'name="token"' not in again.get_data(as_text=True)


def test_one_bad_row_changes_nothing_and_says_which_and_why(app, client, school):
    before = count_users(app)
    rows = [HEADER, GOOD[0],
            ["Белов", "Ян", "", "учитель", "волшебник", "not-mail", "12", "31.02.1990", ""],
            GOOD[1],
            ["Ершова", "Нина", "", "", "классный руководитель 9Z", "", "", "", ""]]
    login(client, "admin")
    response = upload(client, school, xlsx(rows), "staff.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for line, column in ((3, "Роли"), (3, "E-mail"), (3, "Телефон"), (3, "Дата рождения"), (5, "Должность"),
                         (5, "Роли")):
        assert f"<td>{line}</td><td>{column}</td>" in html, (line, column)
    assert "волшебник" in html and "9Z" in html
    assert 'name="token"' not in html
    assert count_users(app) == before


def test_a_second_class_teacher_for_a_class_is_refused(app, client, school):
    rows = [HEADER, GOOD[0], ["Ершова", "Нина", "", "учитель", "class_teacher 5А", "", "", "", ""]]
    login(client, "admin")
    response = upload(client, school, xlsx(rows), "staff.xlsx")
    assert response.status_code == 400
    assert "<td>3</td><td>Роли</td>" in response.get_data(as_text=True)


def test_csv_with_commas(app, client, school):
    text = "last_name,first_name,position,roles,email\nКузнецова,Ирина,учитель химии,subject_teacher,kuz@example.org\n"
    login(client, "admin")
    response = upload(client, school, text.encode("utf-8"), "staff.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Кузнецова Ирина" in html


@pytest.mark.parametrize("username", ["secretary", "director", "classteacher", "teacher", "deputy", "parent"])
def test_only_the_school_administrator_imports_staff(app, client, school, username):
    before = count_users(app)
    login(client, username)
    assert client.get(f"/school/{school}/staff/import").status_code == 403
    assert upload(client, school, xlsx([HEADER, *GOOD]), "staff.xlsx").status_code == 403
    assert count_users(app) == before


def test_the_staff_page_links_to_the_import(client, school):
    login(client, "admin")
    assert f"/school/{school}/staff/import" in client.get(f"/school/{school}/staff").get_data(as_text=True)


def test_cli_dry_run_then_run(app, school, tmp_path, monkeypatch, database_url):
    from eschool import cli

    app.extensions["eschool"].database.close()
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ESCHOOL_INSTANCE", str(tmp_path / "cli"))
    monkeypatch.setattr(cli, "_APPS", {})
    good, bad = tmp_path / "staff.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(xlsx([HEADER, *GOOD]))
    bad.write_bytes(xlsx([HEADER, GOOD[1], ["Белов", "Ян", "", "учитель", "волшебник", "", "", "", ""]]))
    runner = CliRunner()
    refused = runner.invoke(cli.main, ["import", "staff", str(bad), "--school", str(school)])
    assert refused.exit_code != 0 and "bad.xlsx, line 3, roles" in refused.output
    before = count_users(app)
    dry = runner.invoke(cli.main, ["import", "staff", str(good), "--school", str(school), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "line 2: Петрова Ольга Сергеевна: subject_teacher, class_teacher 5А (new account)" in dry.output
    assert "existing account volkov" in dry.output and "3 staff would be added" in dry.output
    assert count_users(app) == before
    done = runner.invoke(cli.main, ["import", "staff", str(good), "--school", str(school)])
    assert done.exit_code == 0, done.output
    assert "Added 3 staff" in done.output and "petrova.os\t" in done.output and "volkov\t" not in done.output
    assert count_users(app) == before + 2


def test_a_role_the_region_does_not_have_is_refused(app, client, school):
    """Kuzbass has no psychologist role (Samara does): the row names the role and the known ones."""
    rows = [HEADER, ["Кузнецова", "Ирина", "", "педагог-психолог", "психолог", "", "", "", ""]]
    login(client, "admin")
    response = upload(client, school, xlsx(rows), "staff.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<td>2</td><td>Роли</td>" in html and "психолог" in html and "subject_teacher" in html
