"""Vacancies: public lists without login, the school's management, the archive, toggles, API, CLI."""
from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from eschool.auth import services as auth
from eschool.plugins.services import set_toggle
from eschool.structure import services as structure
from eschool.structure.models import Municipality, School
from tests.conftest import DEMO_PASSWORD, bearer, login

GOOD = {"title": "Учитель химии", "subject": "Химия", "employment": "full_time", "weekly_hours": "18",
        "salary_from": "30000", "salary_to": "42000",
        "description": "Уроки химии в 8–11 классах, подготовка к олимпиадам.",
        "requirements": "Высшее образование", "contact_name": "Отдел кадров",
        "contact_phone": "+7 900 111-22-33", "contact_email": "hr@school.example"}


@pytest.fixture
def world(app, demo):
    """The demo school (with its demo vacancies) and a second school in another municipality."""
    from eschool_vacancies import services
    from eschool_vacancies.models import Vacancy

    with app.app_context():
        ext = app.extensions["eschool"]
        demo_school = demo["school"]
        other_muni = Municipality.get(Municipality.code == "novokuznetsk")
        other = structure.create_school(other_muni, "МБОУ «Школа №2»", "Школа №2", phone="+7 900 222-22-22")
        admin2 = auth.create_user("admin2", "Админ Второй", password=DEMO_PASSWORD, must_change_password=False)
        auth.grant_role(admin2, "school_admin", school=other, allowed_roles=ext.roles)
        other_vacancy = services.create_vacancy(other, {**GOOD, "title": "Учитель физики"}, publish=True)
        ids = {v.title: v.id for v in Vacancy.select()}
        return {"school": demo_school.id, "other": other.id, "ids": ids, "other_vacancy": other_vacancy.id,
                "muni": demo_school.municipality.code, "other_muni": "novokuznetsk"}


def _page(client, url):
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


# --------------------------------------------------------------------------- public pages


def test_public_lists_need_no_login_and_show_only_open_vacancies(client, world):
    status, html = _page(client, "/vacancies/")
    assert status == 200
    assert "Учитель математики" in html and "Учитель физики" in html
    assert "Педагог-психолог" not in html  # a draft
    assert "Учитель физической культуры" not in html  # closed: archive only
    status, html = _page(client, "/vacancies/archive")
    assert status == 200 and "Учитель физической культуры" in html and "Учитель математики" not in html


def test_municipality_and_school_lists_are_limited_to_them(client, world):
    _, html = _page(client, f"/vacancies/m/{world['muni']}")
    assert "Учитель математики" in html and "Учитель физики" not in html
    _, html = _page(client, f"/vacancies/m/{world['other_muni']}")
    assert "Учитель физики" in html and "Учитель математики" not in html
    _, html = _page(client, f"/vacancies/school/{world['other']}")
    assert "Учитель физики" in html and "Учитель английского" not in html
    _, html = _page(client, f"/vacancies/?municipality={world['other_muni']}")
    assert "Учитель физики" in html and "Учитель математики" not in html
    assert client.get("/vacancies/m/atlantis").status_code == 404
    assert client.get("/vacancies/school/9999").status_code == 404


def test_search_ignores_case_in_cyrillic(client, world):
    _, html = _page(client, "/vacancies/?q=МАТЕМАТИКИ")
    assert "Учитель математики" in html and "Учитель физики" not in html
    data = client.get("/api/v1/vacancies?q=физик").get_json()
    assert [v["title"] for v in data["items"]] == ["Учитель физики"]


def test_draft_detail_is_hidden_from_the_public_but_not_from_the_school(client, world):
    draft = world["ids"]["Педагог-психолог"]
    assert client.get(f"/vacancies/school/{world['school']}/{draft}").status_code == 404
    assert client.get(f"/api/v1/vacancies/schools/{world['school']}/{draft}").status_code == 404
    login(client, "director")
    assert client.get(f"/vacancies/school/{world['school']}/{draft}").status_code == 200


def test_a_vacancy_under_another_schools_url_is_not_found(client, world):
    maths = world["ids"]["Учитель математики"]
    assert client.get(f"/vacancies/school/{world['school']}/{maths}").status_code == 200
    assert client.get(f"/vacancies/school/{world['other']}/{maths}").status_code == 404


def test_expired_vacancy_moves_to_the_archive_after_the_profiles_days(app, client, world):
    from eschool_vacancies.models import Vacancy

    maths = world["ids"]["Учитель математики"]
    with app.app_context():
        days = app.extensions["eschool"].plugins.settings["vacancies"]["archive_after_days"]
        assert days == 60  # regions/kemerovo/region.toml
        Vacancy.update(published_at=dt.datetime.utcnow() - dt.timedelta(days=days + 1)).where(
            Vacancy.id == maths).execute()
    assert "Учитель математики" not in _page(client, "/vacancies/")[1]
    assert "Учитель математики" in _page(client, "/vacancies/archive")[1]
    item = client.get(f"/api/v1/vacancies/schools/{world['school']}/{maths}").get_json()
    assert item["state"] == "expired"


# --------------------------------------------------------------------------- management: who may


@pytest.mark.parametrize("username", ["admin", "director"])
def test_school_admin_and_director_manage_their_school(client, world, username):
    login(client, username)
    status, html = _page(client, f"/vacancies/manage/{world['school']}")
    assert status == 200 and "Педагог-психолог" in html
    assert client.get("/vacancies/manage").headers["Location"].endswith(f"/vacancies/manage/{world['school']}")


@pytest.mark.parametrize("username", ["teacher", "classteacher", "deputy", "secretary", "parent", "student",
                                      "municipal", "region"])
def test_other_roles_are_refused_management(client, world, username):
    login(client, username)
    school = world["school"]
    maths = world["ids"]["Учитель математики"]
    assert client.get(f"/vacancies/manage/{school}").status_code == 403
    assert client.post(f"/vacancies/manage/{school}/new", data=GOOD).status_code == 403
    assert client.post(f"/vacancies/manage/{school}/{maths}/status", data={"action": "cancelled"}).status_code == 403
    headers = bearer(client, username)
    assert client.get(f"/api/v1/vacancies/manage/{school}", headers=headers).status_code == 403
    assert client.post(f"/api/v1/vacancies/manage/{school}", json=GOOD, headers=headers).status_code == 403


def test_anonymous_is_sent_to_login_and_the_api_answers_401(client, world):
    response = client.get(f"/vacancies/manage/{world['school']}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get(f"/api/v1/vacancies/manage/{world['school']}").status_code == 401


def test_admin_of_another_school_is_refused(app, client, world):
    from eschool_vacancies.models import Vacancy

    login(client, "admin2")
    maths = world["ids"]["Учитель математики"]
    assert client.get(f"/vacancies/manage/{world['school']}").status_code == 403
    assert client.post(f"/vacancies/manage/{world['school']}/{maths}/status",
                       data={"action": "cancelled"}).status_code == 403
    # Their own school's URL with the other school's vacancy id: not found, and nothing changes.
    assert client.post(f"/vacancies/manage/{world['other']}/{maths}/status",
                       data={"action": "cancelled"}).status_code == 404
    assert client.get(f"/vacancies/manage/{world['other']}/{maths}/edit").status_code == 404
    with app.app_context():
        assert Vacancy.get_by_id(maths).status == "open"


# --------------------------------------------------------------------------- management: the life of a vacancy


def test_create_publish_close_and_reopen_through_the_pages(app, client, world):
    from eschool_vacancies.models import Vacancy

    login(client, "admin")
    school = world["school"]
    response = client.post(f"/vacancies/manage/{school}/new", data={**GOOD, "action": "draft"})
    assert response.status_code == 302
    with app.app_context():
        vacancy = Vacancy.get(Vacancy.title == "Учитель химии")
        assert vacancy.status == "draft" and vacancy.salary_from == 30000 and vacancy.created_by.username == "admin"
    assert "Учитель химии" not in _page(client, "/vacancies/")[1]
    client.post(f"/vacancies/manage/{school}/{vacancy.id}/status", data={"action": "publish"})
    assert "Учитель химии" in _page(client, "/vacancies/")[1]
    client.post(f"/vacancies/manage/{school}/{vacancy.id}/edit", data={**GOOD, "title": "Учитель химии и биологии"})
    assert "Учитель химии и биологии" in _page(client, "/vacancies/")[1]
    client.post(f"/vacancies/manage/{school}/{vacancy.id}/status", data={"action": "filled"})
    assert "Учитель химии" not in _page(client, "/vacancies/")[1]
    assert "Учитель химии и биологии" in _page(client, "/vacancies/archive")[1]
    with app.app_context():
        closed = Vacancy.get_by_id(vacancy.id)
        assert closed.status == "closed" and closed.close_reason == "filled" and closed.closed_at is not None
    client.post(f"/vacancies/manage/{school}/{vacancy.id}/status", data={"action": "publish"})
    assert "Учитель химии и биологии" in _page(client, "/vacancies/")[1]


def test_bad_input_names_the_fields_keeps_the_input_and_saves_nothing(app, client, world):
    from eschool_vacancies.models import Vacancy

    login(client, "admin")
    with app.app_context():
        before = Vacancy.select().count()
    bad = {**GOOD, "title": "Уч", "salary_from": "50000", "salary_to": "10000", "contact_phone": "",
           "contact_email": "not-an-email", "weekly_hours": "сорок"}
    response = client.post(f"/vacancies/manage/{world['school']}/new", data=bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert html.count('class="field-error"') >= 4
    assert "Верхняя граница зарплаты не может быть ниже нижней." in html  # Russian is the default
    assert "Введите правильный адрес электронной почты." in html
    assert "Уроки химии в 8–11 классах" in html  # what the user typed is still in the form
    with app.app_context():
        assert Vacancy.select().count() == before


def test_only_drafts_can_be_deleted(app, client, world):
    from eschool_vacancies.models import Vacancy

    login(client, "admin")
    school, draft, maths = world["school"], world["ids"]["Педагог-психолог"], world["ids"]["Учитель математики"]
    client.post(f"/vacancies/manage/{school}/{maths}/status", data={"action": "delete"})
    client.post(f"/vacancies/manage/{school}/{draft}/status", data={"action": "delete"})
    with app.app_context():
        assert Vacancy.get_or_none(Vacancy.id == maths) is not None
        assert Vacancy.get_or_none(Vacancy.id == draft) is None


# --------------------------------------------------------------------------- toggles


def test_switched_off_for_one_school_its_pages_404_there_only_and_rows_survive(app, client, world):
    from eschool_vacancies.models import Vacancy

    school, other = world["school"], world["other"]
    maths = world["ids"]["Учитель математики"]
    with app.app_context():
        registry = app.extensions["eschool"].plugins
        count = Vacancy.select().count()
        set_toggle(registry, "vacancies", "school", school, False, actor="test")
    for url in (f"/vacancies/school/{school}", f"/vacancies/school/{school}/archive",
                f"/vacancies/school/{school}/{maths}", f"/api/v1/vacancies/schools/{school}/{maths}"):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/vacancies/school/{other}").status_code == 200
    region_html = _page(client, "/vacancies/")[1]
    assert "Учитель физики" in region_html and "Учитель математики" not in region_html
    login(client, "admin")
    assert client.get(f"/vacancies/manage/{school}").status_code == 404
    html = _page(client, "/dashboard")[1]
    assert "/vacancies/" not in html  # no menu entry, no widget where the plugin is off
    with app.app_context():
        assert Vacancy.select().count() == count
        set_toggle(registry, "vacancies", "school", school, True, actor="test")
    assert client.get(f"/vacancies/school/{school}/{maths}").status_code == 200
    assert "Учитель математики" in _page(client, "/vacancies/")[1]


def test_switched_off_for_a_municipality(app, client, world):
    with app.app_context():
        muni = Municipality.get(Municipality.code == world["other_muni"])
        set_toggle(app.extensions["eschool"].plugins, "vacancies", "municipality", muni.id, False)
    assert client.get(f"/vacancies/m/{world['other_muni']}").status_code == 404
    assert client.get(f"/vacancies/school/{world['other']}").status_code == 404
    assert client.get(f"/vacancies/m/{world['muni']}").status_code == 200
    assert "Учитель физики" not in client.get("/api/v1/vacancies").get_data(as_text=True)


# --------------------------------------------------------------------------- API


def test_api_manage_cycle(app, client, world):
    headers = bearer(client, "admin")
    base = f"/api/v1/vacancies/manage/{world['school']}"
    created = client.post(base, json={**GOOD, "weekly_hours": 18, "salary_from": 30000, "salary_to": 42000},
                          headers=headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["status"] == "draft" and body["state"] == "draft" and body["created_by"] == "Администратор Школы"
    vid = body["id"]
    patched = client.patch(f"{base}/{vid}", json={"salary_to": 45000}, headers=headers)
    assert patched.get_json()["salary_to"] == 45000 and patched.get_json()["title"] == GOOD["title"]
    assert client.post(f"{base}/{vid}/publish", headers=headers).get_json()["state"] == "open"
    assert client.post(f"{base}/{vid}/publish", headers=headers).status_code == 409
    public = client.get("/api/v1/vacancies").get_json()
    assert any(v["id"] == vid for v in public["items"]) and public["total"] >= 3
    assert client.delete(f"{base}/{vid}", headers=headers).status_code == 409
    closed = client.post(f"{base}/{vid}/close", json={"reason": "cancelled"}, headers=headers).get_json()
    assert closed["state"] == "closed" and closed["close_reason"] == "cancelled"
    assert any(v["id"] == vid for v in client.get("/api/v1/vacancies/archive").get_json()["items"])
    listed = client.get(base, headers=headers).get_json()
    assert {v["status"] for v in listed} >= {"draft", "open", "closed"}
    draft = world["ids"]["Педагог-психолог"]
    assert client.delete(f"{base}/{draft}", headers=headers).status_code == 204


def test_api_validation_errors_name_each_field_and_change_nothing(app, client, world):
    from eschool_vacancies.models import Vacancy

    headers = bearer(client, "admin")
    with app.app_context():
        before = Vacancy.select().count()
    response = client.post(f"/api/v1/vacancies/manage/{world['school']}",
                           json={"title": "", "employment": "forever", "salary_from": -5, "contact_email": "x"},
                           headers=headers)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert {"title", "employment", "salary_from", "description", "contact_email"} <= set(error["fields"])
    assert client.post(f"/api/v1/vacancies/manage/{world['school']}", data="nonsense",
                       headers=headers).status_code == 400
    bad_close = client.post(f"/api/v1/vacancies/manage/{world['school']}/{world['ids']['Учитель математики']}/close",
                            json={"reason": "bored"}, headers=headers)
    assert bad_close.status_code == 400 and "reason" in bad_close.get_json()["error"]["fields"]
    assert client.get("/api/v1/vacancies?municipality=atlantis").status_code == 404  # as /vacancies/m/atlantis
    with app.app_context():
        assert Vacancy.select().count() == before


def test_api_errors_in_russian_and_english(client, world):
    headers = bearer(client, "admin")
    url = f"/api/v1/vacancies/manage/{world['school']}"
    en = client.post(url, json={}, headers={**headers, "Accept-Language": "en"}).get_json()["error"]
    ru = client.post(url, json={}, headers={**headers, "Accept-Language": "ru"}).get_json()["error"]
    assert en["fields"]["title"] == ["This field is required."]
    assert ru["fields"]["title"] != en["fields"]["title"]


def test_openapi_lists_the_vacancy_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/vacancies" in paths
    assert paths["/api/v1/vacancies"]["get"]["x-permission"] == "public"
    assert paths["/api/v1/vacancies/manage/{school_id}"]["post"]["x-permission"] == "vacancies.manage"
    assert "requestBody" in paths["/api/v1/vacancies/manage/{school_id}"]["post"]


# --------------------------------------------------------------------------- pages in both languages, menu, widget


def test_pages_read_in_russian_and_english(client, world):
    ru = _page(client, "/vacancies/")[1]
    assert "Вакансии" in ru
    client.post("/language", data={"locale": "en"})
    en = _page(client, "/vacancies/")[1]
    assert "Vacancies" in en and "Вакансии" not in en


def test_menu_and_dashboard_widget(client, world):
    assert "/vacancies/" in _page(client, "/")[1]  # public menu entry for everyone
    login(client, "admin")
    html = _page(client, "/dashboard")[1]
    assert f"/vacancies/manage/{world['school']}" in html
    login(client, "teacher")
    html = _page(client, "/dashboard")[1]
    assert "/vacancies/manage/" not in html


# --------------------------------------------------------------------------- CLI and demo


def test_demo_builds_four_vacancies(app, demo):
    from eschool_vacancies.models import Vacancy

    with app.app_context():
        states = sorted(v.status for v in Vacancy.select().where(Vacancy.school == demo["school"]))
    assert states == ["closed", "draft", "open", "open"]


def test_cli_close_expired(app, world, database_url, tmp_path, monkeypatch):
    from eschool import cli
    from eschool_vacancies.models import Vacancy

    maths = world["ids"]["Учитель математики"]
    with app.app_context():
        Vacancy.update(published_at=dt.datetime.utcnow() - dt.timedelta(days=90)).where(Vacancy.id == maths).execute()
    app.extensions["eschool"].database.close()
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ESCHOOL_INSTANCE", str(tmp_path / "cli"))
    monkeypatch.setattr(cli, "_APPS", {})
    result = CliRunner().invoke(cli.main, ["vacancies", "close-expired"], catch_exceptions=False)
    assert result.exit_code == 0 and "Closed 1 expired" in result.output
    listing = CliRunner().invoke(cli.main, ["vacancies", "list", "--archive"], catch_exceptions=False)
    assert "Учитель математики" in listing.output
    with app.app_context():
        assert Vacancy.get_by_id(maths).close_reason == "expired"


def test_invalid_setting_in_profile_names_the_key(tmp_path, monkeypatch, make_app):
    from eschool.regions.services import ProfileError

    src = (School.__module__ and __import__("pathlib").Path(__file__).parents[1] / "regions" / "kemerovo" / "region.toml")
    folder = tmp_path / "regions" / "kemerovo"
    folder.mkdir(parents=True)
    (folder / "region.toml").write_text(src.read_text(encoding="utf-8").replace(
        "archive_after_days = 60", "archive_after_days = 0"), encoding="utf-8")
    monkeypatch.setenv("ESCHOOL_REGIONS_DIR", str(tmp_path / "regions"))
    with pytest.raises(ProfileError) as info:
        make_app()
    assert "plugins.vacancies.settings.archive_after_days" in str(info.value)
    assert "region.toml" in str(info.value)


def test_lists_run_the_same_number_of_queries_for_few_and_many_vacancies(app, client, world):
    """No query per vacancy: the list pages and the API stay flat as a region's lists grow."""
    from playhouse.test_utils import count_queries

    from eschool_vacancies import services

    def counts():
        result = {}
        for url in ("/vacancies/", f"/vacancies/m/{world['muni']}", "/vacancies/archive", "/api/v1/vacancies",
                    f"/vacancies/school/{world['school']}"):
            with app.app_context(), count_queries() as counter:
                assert client.get(url).status_code == 200
            result[url] = counter.count
        return result

    few = counts()
    with app.app_context():
        school = School.get_by_id(world["school"])
        for i in range(15):
            services.create_vacancy(school, {**GOOD, "title": f"Учитель №{i}"}, publish=True)
            services.close(services.create_vacancy(school, {**GOOD, "title": f"Закрытая №{i}"}, publish=True))
    many = counts()
    assert all(n > 0 for n in few.values()) and many == few
