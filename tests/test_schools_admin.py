"""Creating schools (issue 21): the operators' pages and API for schools and their administrators, the
`eschool schools` commands, a municipality's list of schools from a file (all or nothing, line by line)."""
from __future__ import annotations

import io
import re

import pytest
from click.testing import CliRunner

from eschool import cli
from tests.conftest import bearer, login


def inn(body: str) -> str:
    """A valid organisation INN from nine digits (the check digit added)."""
    weights = [2, 4, 10, 3, 5, 9, 4, 6, 8]
    return body + str(sum(w * int(d) for w, d in zip(weights, body, strict=True)) % 11 % 10)


def _slip(html: str) -> tuple[str, str]:
    """The login and the password a credentials slip shows."""
    codes = re.findall(r"<code>([^<]+)</code>", html)
    return codes[-2], codes[-1]


@pytest.fixture
def places(app, world):
    """The world's school in its municipality (Kemerovo city), and a school in Belovo."""
    from eschool.structure import services as structure
    from eschool.structure.models import Municipality

    with app.app_context():
        belovo = Municipality.get(Municipality.code == "belovo")
        far = structure.create_school(belovo, "МБОУ «Средняя школа № 3 г. Белово»", "Беловская СОШ № 3")
        return {"muni": world.municipality, "school": world.school, "belovo": belovo.id, "far": far.id}


def test_region_operator_creates_a_school_and_its_administrator_on_the_pages(app, places, login_as):
    from eschool.auth.models import User
    from eschool.structure.models import School

    region = login_as("region")
    listing = region.get("/admin/schools/?q=беловская")
    assert listing.status_code == 200 and "Беловская СОШ № 3" in listing.get_data(as_text=True)
    assert "Тестовая школа" not in listing.get_data(as_text=True)  # the search: case folded, Cyrillic too
    assert region.get("/admin/schools/new").status_code == 200
    bad = region.post("/admin/schools/new", data={"municipality": "belovo", "name": "", "inn": "1234567890",
                                                  "admin_name": "Ли", "admin_email": "nobody"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Not a valid INN" not in html  # Russian by default
    assert html.count('class="field-error"') >= 4  # name, INN, the administrator's name and e-mail
    with app.app_context():
        assert School.select().count() == 2
    good = region.post("/admin/schools/new", data={
        "municipality": "belovo", "name": "МБОУ «Основная школа № 12»", "short_name": "ООШ № 12", "inn": inn("420200001"),
        "phone": "+7 384 522-00-12", "admin_name": "Петрова Ольга Сергеевна", "admin_email": "petrova@school.example"})
    assert good.status_code == 200 and good.headers["Cache-Control"] == "no-store"
    username, password = _slip(good.get_data(as_text=True))
    assert username == "petrova.os"
    with app.app_context():
        school = School.get(School.short_name == "ООШ № 12")
        assert school.municipality.code == "belovo" and school.inn == inn("420200001")
        admin = User.get(User.username == username)
        assert admin.must_change_password and admin.email == "petrova@school.example"
    newcomer = app.test_client()
    assert newcomer.post("/login", data={"login": username, "password": password}).headers["Location"].endswith(
        "/account/password")  # a handed-out password: changed at the first login
    again = region.post("/admin/schools/new", data={"municipality": "belovo", "name": "ООШ № 12"})
    assert again.status_code == 400 and "ООШ № 12" in again.get_data(as_text=True)  # the short name is taken there
    page = region.get(f"/admin/schools/{school.id}")
    assert page.status_code == 200 and username in page.get_data(as_text=True)
    reissued = region.post(f"/admin/schools/{school.id}/administrators/{admin.id}/password")
    assert reissued.status_code == 200
    assert _slip(reissued.get_data(as_text=True))[0] == username
    assert app.test_client().post("/login", data={"login": username, "password": password}).status_code == 400
    assert region.post(f"/admin/schools/{school.id}/administrators/{places['far']}/password").status_code == 404
    second = region.post(f"/admin/schools/{school.id}/administrators", data={"admin_name": "Сидоров Иван Петрович"})
    assert second.status_code == 200 and _slip(second.get_data(as_text=True))[0] == "sidorov.ip"
    changed = region.post(f"/admin/schools/{school.id}", data={
        "municipality": "belovo", "name": "МБОУ «Основная школа № 12 им. Горького»", "short_name": "ООШ № 12",
        "inn": inn("420200001"), "website": "https://school12.example"})
    assert changed.status_code == 302
    with app.app_context():
        assert School.get_by_id(school.id).website == "https://school12.example"


def test_municipal_operator_manages_only_their_municipality(app, places, login_as):
    municipal = login_as("municipal")
    listing = municipal.get("/admin/schools/").get_data(as_text=True)
    assert "Тестовая школа" in listing and "Беловская" not in listing
    assert municipal.get(f"/admin/schools/{places['far']}").status_code == 403
    assert municipal.post(f"/admin/schools/{places['far']}/administrators",
                          data={"admin_name": "Чужой Админ Белово"}).status_code == 403
    refused = municipal.post("/admin/schools/new", data={"municipality": "belovo", "name": "Школа в Белово"})
    assert refused.status_code == 400  # Belovo is not offered, not even when typed in
    created = municipal.post("/admin/schools/new", data={"municipality": "kemerovo", "name": "Школа № 99"})
    assert created.status_code == 302
    headers = bearer(app.test_client(), "municipal")
    client = app.test_client()
    assert client.post("/api/v1/schools", headers=headers, json={"municipality": "belovo", "name": "Школа Б"}
                       ).status_code == 403
    mine = client.post("/api/v1/schools", headers=headers, json={"name": "Школа № 100"})  # its one municipality
    assert mine.status_code == 201 and mine.get_json()["municipality"] == "kemerovo"
    listed = client.get("/api/v1/schools?size=10", headers=headers).get_json()
    assert listed["total"] == 3 and {s["municipality"] for s in listed["items"]} == {"kemerovo"}
    assert client.get(f"/api/v1/schools/{places['far']}", headers=headers).status_code == 403
    assert client.patch(f"/api/v1/schools/{places['school']}", headers=headers,
                        json={"municipality": "belovo"}).status_code == 403


@pytest.mark.parametrize("who", ["admin", "director", "teacher", "parent", "student"])
def test_schools_are_closed_to_school_roles(app, places, who):
    client = app.test_client()
    login(client, {"admin": "admin"}.get(who, who))
    school = places["school"]
    for method, url in (("get", "/admin/schools/"), ("get", "/admin/schools/new"), ("get", "/admin/schools/import"),
                        ("get", f"/admin/schools/{school}"), ("post", f"/admin/schools/{school}/administrators")):
        assert getattr(client, method)(url, data={"admin_name": "Кто Угодно Вот"}).status_code == 403, url
    headers = bearer(app.test_client(), who)
    api = app.test_client()
    assert api.get("/api/v1/schools", headers=headers).status_code == 403
    assert api.post("/api/v1/schools", headers=headers, json={"municipality": "kemerovo", "name": "Моя школа"}
                    ).status_code == 403
    assert api.get(f"/api/v1/schools/{school}", headers=headers).status_code == 403
    assert api.post(f"/api/v1/schools/{school}/administrators", headers=headers,
                    json={"full_name": "Новый Админ Школы"}).status_code == 403
    admin_id = None
    with app.app_context():
        from eschool.accounts.services import school_administrators

        admin_id = school_administrators([school])[school][0].id
    assert api.post(f"/api/v1/schools/{school}/administrators/{admin_id}/password", headers=headers).status_code == 403
    assert app.test_client().get("/api/v1/schools").status_code == 401
    assert app.test_client().get("/admin/schools/").headers["Location"].startswith("/login")


def test_the_api_creates_lists_changes_and_issues_logins(app, places):
    client = app.test_client()
    headers = bearer(client, "region")
    bad = client.post("/api/v1/schools", headers=headers, json={
        "municipality": "belovo", "name": "Ш", "inn": "1234567890", "administrator": {"full_name": "", "email": "x"}})
    assert bad.status_code == 400
    assert {"name", "inn", "administrator"} <= set(bad.get_json()["error"]["fields"])
    unknown = client.post("/api/v1/schools", headers=headers, json={"municipality": "atlantis", "name": "Школа"})
    assert unknown.status_code == 400 and "municipality" in unknown.get_json()["error"]["fields"]
    created = client.post("/api/v1/schools", headers=headers, json={
        "municipality": "belovo", "name": "МБОУ «Гимназия № 1»", "short_name": "Гимназия № 1",
        "administrator": {"full_name": "Иванова Анна Петровна", "email": "ivanova@school.example"}})
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    body = created.get_json()
    assert body["municipality"] == "belovo" and body["login"]["username"] == "ivanova.ap"
    assert [a["username"] for a in body["administrators"]] == ["ivanova.ap"]
    assert body["administrators"][0]["must_change_password"] is True
    school_id = body["id"]
    token = client.post("/api/v1/auth/token", json={"login": "ivanova.ap", "password": body["login"]["password"]})
    assert token.status_code == 201 and token.get_json()["must_change_password"] is True
    taken = client.post("/api/v1/schools", headers=headers, json={
        "municipality": "belovo", "name": "Другая", "administrator": {"full_name": "Кто То Там",
                                                                     "email": "ivanova@school.example"}})
    assert taken.status_code == 400 and "administrator" in taken.get_json()["error"]["fields"]
    found = client.get("/api/v1/schools?q=ГИМНАЗИЯ&municipality=belovo", headers=headers).get_json()
    assert [s["id"] for s in found["items"]] == [school_id] and found["total"] == 1
    duplicate = client.patch(f"/api/v1/schools/{places['far']}", headers=headers, json={"short_name": "Гимназия № 1"})
    assert duplicate.status_code == 400 and "short_name" in duplicate.get_json()["error"]["fields"]
    moved = client.patch(f"/api/v1/schools/{school_id}", headers=headers, json={"municipality": "kemerovo",
                                                                                 "phone": "+7 3842 00-00-01"})
    assert moved.status_code == 200 and moved.get_json()["municipality"] == "kemerovo"
    issued = client.post(f"/api/v1/schools/{school_id}/administrators", headers=headers,
                         json={"full_name": "Смирнов Пётр Ильич"})
    assert issued.status_code == 201 and issued.get_json()["username"] == "smirnov.pi"
    reset = client.post(f"/api/v1/schools/{school_id}/administrators/{issued.get_json()['id']}/password",
                        headers=headers)
    assert reset.status_code == 200 and reset.get_json()["password"] != issued.get_json()["password"]
    assert client.get("/api/v1/schools/999999", headers=headers).status_code == 404
    assert client.post(f"/api/v1/schools/{school_id}/administrators/999999/password",
                       headers=headers).status_code == 404
    with app.app_context():
        from eschool.people.models import AuditEntry

        # two administrators made, one new password: each in the school's audit log, the password itself never
        entries = AuditEntry.select().where(AuditEntry.school == school_id, AuditEntry.record == "account")
        assert sorted(e.new_value for e in entries) == ["one-time password set", "school_admin", "school_admin"]


CSV_BAD = (
    "Полное наименование;Краткое наименование;Муниципалитет;ИНН;Администратор;E-mail администратора\n"
    "МБОУ «СОШ № 1»;СОШ № 1;belovo;{inn1};Орлова Вера Павловна;orlova@school.example\n"
    ";Пусто;belovo;;;\n"
    "МБОУ «СОШ № 2»;СОШ № 2;atlantis;;;\n"
    "МБОУ «СОШ № 1, ещё раз»;СОШ № 1;belovo;;;\n"
    "МБОУ «СОШ № 4»;СОШ № 4;belovo;1234567890;Другой Человек Тест;orlova@school.example\n"
)
CSV_GOOD = (
    "name,short_name,inn,admin_name,admin_email\n"
    "МБОУ «СОШ № 1»,СОШ № 1,{inn1},Орлова Вера Павловна,orlova@school.example\n"
    "МБОУ «СОШ № 2»,СОШ № 2,,,\n"
    "МБОУ «Средняя школа № 3 г. Белово»,Беловская СОШ № 3,,,\n"
)


@pytest.fixture
def run(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ESCHOOL_INSTANCE", str(tmp_path))
    monkeypatch.setenv("ESCHOOL_REGION", "kemerovo")
    monkeypatch.setattr(cli, "_APPS", {})
    runner = CliRunner()

    def _run(*args, ok=True):
        result = runner.invoke(cli.main, list(args))
        if ok:
            assert result.exit_code == 0, result.output
        return result

    yield _run
    for app in cli._APPS.values():
        app.extensions["eschool"].database.close()


def test_the_commands_create_list_update_and_load_a_file(run, tmp_path):
    run("init")
    bad_file = tmp_path / "bad.csv"
    bad_file.write_text(CSV_BAD.format(inn1=inn("420200002")), encoding="utf-8")
    refused = run("schools", "create", "--csv", str(bad_file), ok=False)
    assert refused.exit_code != 0 and "nothing was created" in refused.output
    for expected in ("bad.csv, line 3, name:", "bad.csv, line 4, municipality:", "atlantis",
                     "bad.csv, line 5, short_name:", "bad.csv, line 6, inn:", "bad.csv, line 6, admin_email:"):
        assert expected in refused.output, expected
    assert run("schools", "list").output.strip().endswith("0 school(s)")
    good = tmp_path / "belovo.csv"
    good.write_text(CSV_GOOD.format(inn1=inn("420200002")), encoding="utf-8")
    dry = run("schools", "create", "--csv", str(good), "--municipality", "belovo", "--dry-run").output
    assert "3 schools would be created" in dry and "administrator Орлова Вера Павловна" in dry
    assert run("schools", "list").output.strip().endswith("0 school(s)")
    done = run("schools", "create", "--csv", str(good), "--municipality", "belovo").output
    assert "Created 3 schools." in done and "orlova.vp" in done
    again = run("schools", "create", "--csv", str(good), "--municipality", "belovo").output
    assert again.count("skipped") == 3 and "Created 0 schools." in again
    one = run("schools", "create", "--municipality", "kemerovo", "--name", "МБОУ «Лицей № 23»", "--short-name",
              "Лицей № 23", "--admin-name", "Кузнецов Илья Андреевич").output
    assert re.search(r"Created school \d+: Лицей № 23 \(kemerovo\)", one) and "login kuznetsov.ia" in one
    wrong = run("schools", "create", "--municipality", "kemerovo", "--name", "Ш", "--inn", "12", ok=False)
    assert wrong.exit_code != 0 and "name:" in wrong.output and "inn:" in wrong.output
    listing = run("schools", "list", "--municipality", "belovo", "--json").output
    import json

    rows = json.loads(listing)
    assert [r["short_name"] for r in rows] == ["Беловская СОШ № 3", "СОШ № 1", "СОШ № 2"]
    assert next(r for r in rows if r["short_name"] == "СОШ № 1")["administrators"] == ["orlova.vp"]
    school_id = rows[1]["id"]
    updated = run("schools", "update", str(school_id), "--phone", "+7 384 522-00-01", "--municipality", "kemerovo")
    assert f"Updated school {school_id}: СОШ № 1 (kemerovo)" in updated.output
    assert "login" in run("schools", "add-admin", str(school_id), "--name", "Зайцева Нина Юрьевна").output
    assert run("schools", "update", "Лицей № 23", "--short-name", "СОШ № 1", ok=False).exit_code != 0


def test_the_import_page_checks_then_creates_all_or_nothing(app, places, login_as):
    from eschool.structure.models import School

    municipal = login_as("municipal")  # Kemerovo city's operator
    assert municipal.get("/admin/schools/import").status_code == 200
    text = CSV_GOOD.replace("Беловская СОШ № 3", "СОШ № 3").format(inn1=inn("420200003"))
    checked = municipal.post("/admin/schools/import", data={
        "municipality": "kemerovo", "file": (io.BytesIO(text.encode()), "schools.csv")},
        content_type="multipart/form-data")
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200 and "Орлова Вера Павловна" in html
    token = re.search(r'name="token" value="([0-9a-f]{64})"', html).group(1)
    with app.app_context():
        assert School.select().count() == 2  # nothing written by the check
    other = municipal.post("/admin/schools/import", data={
        "municipality": "belovo", "file": (io.BytesIO(text.encode()), "schools.csv")},
        content_type="multipart/form-data")
    assert other.status_code == 400  # not their municipality
    done = municipal.post("/admin/schools/import", data={"municipality": "kemerovo", "token": token})
    assert done.status_code == 200 and "orlova.vp" in done.get_data(as_text=True)
    with app.app_context():
        assert School.select().where(School.municipality == places["muni"]).count() == 4
    assert municipal.post("/admin/schools/import", data={"municipality": "kemerovo", "token": token}
                          ).status_code == 400  # a checked file is taken once
    headers = bearer(app.test_client(), "region")
    api = app.test_client()
    bad = api.post("/api/v1/schools/import?municipality=belovo", headers=headers, content_type="multipart/form-data",
                   data={"file": (io.BytesIO(CSV_BAD.format(inn1=inn("420200004")).encode()), "bad.csv")})
    assert bad.status_code == 400 and {"line 3", "line 4", "line 5", "line 6"} <= set(bad.get_json()["error"]["fields"])
    csv = "name\nМБОУ «Школа-интернат № 5»\n"
    dry = api.post("/api/v1/schools/import?municipality=belovo&dry_run=true", headers=headers,
                   content_type="multipart/form-data", data={"file": (io.BytesIO(csv.encode()), "one.csv")})
    assert dry.status_code == 200 and dry.get_json()["schools"][0]["municipality"] == "belovo"
    assert dry.get_json()["created"] == []
    made = api.post("/api/v1/schools/import?municipality=belovo", headers=headers,
                    content_type="multipart/form-data", data={"file": (io.BytesIO(csv.encode()), "one.csv")})
    assert made.status_code == 200 and made.get_json()["created"][0]["short_name"] == "МБОУ «Школа-интернат № 5»"
