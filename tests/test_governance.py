"""Governing modules (issue 21): enforced "on" and "off" at the region's and a municipality's level that the
levels below cannot undo (refused by the server), one rule for a plugin's pages and API at a municipality and
a school, the schools × modules overview (query count flat in the number of schools, exports with ids), the
modules page's school search (issue 18)."""
from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from eschool import cli
from tests.browser_kit import CHROMEDRIVER, CHROMIUM, assert_no_axe_violations, sign_in, wait_for
from tests.conftest import bearer, login

VACANCY = {"title": "Учитель химии", "description": "Уроки химии в 8–11 классах.", "contact_phone": "+7 900 111-22-33"}


@pytest.fixture
def places(app, world):
    """The world's school and a sibling in Kemerovo city, a school in Belovo; a published vacancy in each."""
    from eschool.structure import services as structure
    from eschool.structure.models import Municipality, School
    from eschool_vacancies.services import create_vacancy

    with app.app_context():
        kemerovo = Municipality.get_by_id(world.municipality)
        belovo = Municipality.get(Municipality.code == "belovo")
        sibling = structure.create_school(kemerovo, "МБОУ «Гимназия № 2»", "Гимназия № 2")
        far = structure.create_school(belovo, "МБОУ «Беловская СОШ № 3»", "Беловская СОШ № 3")
        for school, title in ((School.get_by_id(world.school), "Учитель химии"), (sibling, "Учитель физики"),
                              (far, "Учитель биологии")):
            create_vacancy(school, {**VACANCY, "title": title}, publish=True)
        return {"muni": kemerovo.id, "school": world.school, "sibling": sibling.id, "belovo": belovo.id,
                "far": far.id}


def _state(app, school_id, plugin="vacancies"):
    from eschool.plugins.services import plugin_states, scope_for_school
    from eschool.structure.models import School

    with app.app_context():
        return plugin_states(app.extensions["eschool"].plugins, scope_for_school(School.get_by_id(school_id)))[plugin]


def _post(client, scope_type, scope_id, state, plugin="vacancies"):
    return client.post("/admin/plugins", data={"scope_type": scope_type, "scope_id": scope_id, "plugin": plugin,
                                               "state": state})


def test_an_enforced_municipal_off_cannot_be_undone_by_a_school(app, places, login_as):
    school, muni = places["school"], places["muni"]
    municipal, admin = login_as("municipal"), login_as("admin")
    # a plain municipal "off" is a default: the school may switch the module back on
    assert _post(municipal, "municipality", muni, "off").status_code == 302
    assert _post(admin, "school", school, "on").status_code == 302
    assert _state(app, school).enabled and _state(app, school).source == "school"
    # an enforced one holds for every school of the municipality
    assert _post(municipal, "municipality", muni, "enforce-off").status_code == 302
    state = _state(app, school)
    assert not state.enabled and state.source == "municipality_enforced" and state.enforced
    assert app.test_client().get(f"/vacancies/school/{school}").status_code == 404
    page = admin.get(f"/admin/plugins?school={school}").get_data(as_text=True)
    assert 'name="plugin" value="vacancies"' not in page and 'name="plugin" value="forum"' in page
    assert "Закреплено муниципалитетом" in page  # shown as enforced, no buttons
    for state_value in ("on", "default", "off"):
        refused = _post(admin, "school", school, state_value)
        assert refused.status_code == (302 if state_value == "default" else 403), state_value
        assert not _state(app, school).enabled
    _post(admin, "school", school, "on")  # the school's own toggle cleared above: still refused, nothing stored
    headers = bearer(app.test_client(), "admin")
    api = app.test_client().put("/api/v1/plugins/vacancies/toggle", headers=headers,
                                json={"scope_type": "school", "scope_id": school, "state": "on"})
    assert api.status_code == 403 and api.get_json()["error"]["code"] == "enforced"
    listed = {r["code"]: r for r in app.test_client().get(f"/api/v1/plugins?school={school}", headers=headers).get_json()}
    assert listed["vacancies"]["locked_by"] == "municipality" and listed["vacancies"]["enforced"] is True
    assert listed["forum"]["locked_by"] is None
    # an enforced "on" too: the school cannot switch it off
    on = app.test_client().put("/api/v1/plugins/vacancies/toggle", headers=bearer(app.test_client(), "municipal"),
                               json={"scope_type": "municipality", "scope_id": muni, "state": "on", "enforced": True})
    assert on.status_code == 200
    assert _post(admin, "school", school, "off").status_code == 403
    assert _state(app, school).enabled and app.test_client().get(f"/vacancies/school/{school}").status_code == 200
    # lifted: the schools' own choices count again
    assert _post(municipal, "municipality", muni, "default").status_code == 302
    assert _post(admin, "school", school, "off").status_code == 302 and not _state(app, school).enabled


def test_the_region_enforces_for_every_municipality_and_school(app, places, login_as):
    from eschool.plugins.models import PluginToggle

    region, municipal, admin = login_as("region"), login_as("municipal"), login_as("admin")
    assert region.get("/admin/plugins?region=1").status_code == 200
    for client in (municipal, admin):
        assert client.get("/admin/plugins?region=1").status_code == 403
        assert client.post("/admin/plugins", data={"scope_type": "region", "plugin": "forum", "state": "enforce-off"}
                           ).status_code == 403
    for who in ("municipal", "admin"):
        put = app.test_client().put("/api/v1/plugins/forum/toggle", headers=bearer(app.test_client(), who),
                                    json={"scope_type": "region", "state": "off"})
        assert put.status_code == 403 and put.get_json()["error"]["code"] == "forbidden", who
    assert region.post("/admin/plugins", data={"scope_type": "region", "plugin": "vacancies", "state": "enforce-off"}
                       ).status_code == 302
    with app.app_context():
        toggle = PluginToggle.get(PluginToggle.scope_type == "region")
        assert (toggle.plugin, toggle.scope_id, toggle.enabled, toggle.enforced) == ("vacancies", 0, False, True)
    for school in (places["school"], places["far"]):
        assert _state(app, school).source == "region_enforced"
    visitor = app.test_client()
    for url in ("/vacancies/", "/api/v1/vacancies", "/vacancies/m/belovo", f"/vacancies/school/{places['far']}"):
        assert visitor.get(url).status_code == 404, url
    assert _post(municipal, "municipality", places["muni"], "enforce-on").status_code == 403
    assert _post(admin, "school", places["school"], "on").status_code == 403
    page = municipal.get(f"/admin/plugins?municipality={places['muni']}").get_data(as_text=True)
    assert 'name="plugin" value="vacancies"' not in page and "Закреплено регионом" in page
    assert region.post("/admin/plugins", data={"scope_type": "region", "plugin": "vacancies", "state": "default"}
                       ).status_code == 302
    assert visitor.get("/vacancies/").status_code == 200 and _state(app, places["far"]).source == "region"


def test_one_rule_for_a_plugins_pages_and_api_at_a_municipality_and_a_school(app, places, toggle):
    """/vacancies/m/<municipality> lists a school that switched vacancies on under a plain municipal "off"
    (it answered 404); ?school= of a school where it is off is 404 on the page and in the API alike."""
    visitor = app.test_client()
    toggle("vacancies", False, municipality=places["muni"])
    toggle("vacancies", True, school=places["sibling"])
    page = visitor.get("/vacancies/m/kemerovo")
    assert page.status_code == 200
    assert "Учитель физики" in page.get_data(as_text=True) and "Учитель химии" not in page.get_data(as_text=True)
    filtered = visitor.get("/vacancies/?municipality=kemerovo").get_data(as_text=True)
    assert "Учитель физики" in filtered and "Учитель биологии" not in filtered
    api = visitor.get("/api/v1/vacancies?municipality=kemerovo").get_json()
    assert [v["title"] for v in api["items"]] == ["Учитель физики"]
    off, unknown = places["school"], 999999
    for school_id in (off, unknown):
        assert visitor.get(f"/vacancies/school/{school_id}").status_code == 404
        response = visitor.get(f"/api/v1/vacancies?school={school_id}")
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert visitor.get(f"/api/v1/vacancies?school={places['sibling']}").get_json()["total"] == 1
    toggle("vacancies", False, municipality=places["belovo"])  # off, and none of its schools has it on
    for url in ("/vacancies/m/belovo", "/vacancies/?municipality=belovo", "/api/v1/vacancies?municipality=belovo",
                "/vacancies/?municipality=atlantis", "/api/v1/vacancies?municipality=atlantis"):
        assert visitor.get(url).status_code == 404, url
    toggle("vacancies", False, municipality=places["muni"], enforced=True)  # the sibling's own "on" no longer counts
    for url in ("/vacancies/m/kemerovo", "/api/v1/vacancies?municipality=kemerovo",
                f"/api/v1/vacancies?school={places['sibling']}"):
        assert visitor.get(url).status_code == 404, url
    assert "Учитель физики" not in visitor.get("/api/v1/vacancies").get_data(as_text=True)


def _more_schools(app, count: int, toggle) -> None:
    from eschool.structure import services as structure
    from eschool.structure.models import Municipality

    with app.app_context():
        munis = list(Municipality.select().order_by(Municipality.id))
        for n in range(count):
            school = structure.create_school(munis[n % len(munis)], f"МБОУ «Школа № {100 + n}»", f"Школа № {100 + n}")
            if n % 3 == 0:
                toggle("kiosk", True, school=school.id)


def test_the_overview_lists_every_school_in_a_flat_number_of_queries(app, places, login_as, count_queries,
                                                                     toggle):
    region = login_as("region")
    headers = bearer(app.test_client(), "region")
    api = app.test_client()
    toggle("kiosk", True, school=places["far"])
    toggle("forum", False, municipality=places["belovo"], enforced=True)
    urls = ("/admin/plugins/overview", "/admin/plugins/overview?format=csv", "/admin/plugins/overview?format=xlsx")

    def counts():
        found = {}
        for url in urls:
            with count_queries() as counted:
                assert region.get(url).status_code == 200, url
            found[url] = counted.count
        api.get("/api/v1/me", headers=headers)  # the token's last use is written at most once a minute: not here
        with count_queries() as counted:
            assert api.get("/api/v1/plugins/overview?size=500", headers=headers).status_code == 200
        found["api"] = counted.count
        return found

    few = counts()
    _more_schools(app, 24, toggle)
    many = counts()
    assert many == few, (few, many)
    page = region.get("/admin/plugins/overview").get_data(as_text=True)
    assert page.count('href="/admin/plugins?school=') == 27
    only = region.get("/admin/plugins/overview?plugin=kiosk&state=on").get_data(as_text=True)
    assert only.count('href="/admin/plugins?school=') == 9  # Belovo's school and every third new one
    assert "Беловская СОШ № 3" in only and "Гимназия № 2" not in only
    found = region.get("/admin/plugins/overview?q=беловская").get_data(as_text=True)
    assert found.count('href="/admin/plugins?school=') == 1
    rows = list(csv.reader(io.StringIO(region.get(
        f"/admin/plugins/overview?format=csv&municipality={places['belovo']}").get_data().decode("utf-8-sig"))))
    header = rows[0]
    assert header[:5] == ["school_id", "short_name", "name", "municipality", "municipality_name"]
    far = next(r for r in rows[1:] if r[0] == str(places["far"]))
    assert far[3] == "belovo" and far[header.index("kiosk")] == "on" and far[header.index("kiosk_source")] == "school"
    assert far[header.index("forum")] == "off" and far[header.index("forum_source")] == "municipality_enforced"
    assert {r[3] for r in rows[1:]} == {"belovo"}
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(region.get("/admin/plugins/overview?format=xlsx&q=Беловская").get_data()))
    sheet = list(book.worksheets[0].iter_rows(values_only=True))
    assert sheet[0][0] == "school_id" and sheet[1][0] == places["far"] and len(sheet) == 2
    body = api.get("/api/v1/plugins/overview?municipality=belovo&plugin=forum&state=enforced&size=2",
                   headers=headers).get_json()
    assert body["total"] >= 4 and len(body["items"]) == 2
    assert body["items"][0]["modules"]["forum"] == {"enabled": False, "source": "municipality_enforced",
                                                    "enforced": True}
    municipal = login_as("municipal")  # Kemerovo city's schools only
    mine = municipal.get("/admin/plugins/overview").get_data(as_text=True)
    assert "Гимназия № 2" in mine and "Беловская" not in mine
    assert app.test_client().get("/api/v1/plugins/overview?municipality=atlantis",
                                 headers=headers).status_code == 404


@pytest.mark.parametrize("who", ["admin", "director", "teacher", "parent"])
def test_the_overview_and_the_regions_level_are_closed_to_school_roles(app, places, who):
    client = app.test_client()
    login(client, who)
    assert client.get("/admin/plugins/overview").status_code == 403
    assert client.get("/admin/plugins/overview?format=csv").status_code == 403
    assert client.get("/admin/plugins?region=1").status_code == 403
    assert client.get(f"/admin/plugins?municipality={places['muni']}").status_code == 403
    assert client.post("/admin/plugins", data={"scope_type": "municipality", "scope_id": places["muni"],
                                               "plugin": "forum", "state": "enforce-off"}).status_code == 403
    headers = bearer(app.test_client(), who)
    api = app.test_client()
    assert api.get("/api/v1/plugins/overview", headers=headers).status_code == 403
    assert api.put("/api/v1/plugins/forum/toggle", headers=headers, json={
        "scope_type": "municipality", "scope_id": places["muni"], "state": "off", "enforced": True}).status_code == 403
    assert _state(app, places["school"], "forum").source == "region"


def test_the_modules_page_finds_schools_by_name_and_offers_only_ones_own_places(app, places, login_as):
    region = login_as("region")
    html = region.get("/admin/plugins?q=беловская").get_data(as_text=True)
    assert f'href="/admin/plugins?school={places["far"]}"' in html and 'name="municipality"' in html
    assert 'data-live-search="school-results"' in html and "js/school-search.js" in html
    assert f'href="/admin/plugins?school={places["far"]}"' in region.get(f"/admin/plugins?q={places['far']}"
                                                                        ).get_data(as_text=True)
    municipal = login_as("municipal")
    html = municipal.get("/admin/plugins?q=№").get_data(as_text=True)
    assert f'href="/admin/plugins?school={places["sibling"]}"' in html
    assert f'href="/admin/plugins?school={places["far"]}"' not in html  # Belovo is not theirs
    assert "?region=1" not in html
    admin = login_as("admin")
    html = admin.get("/admin/plugins").get_data(as_text=True)
    assert 'name="municipality"' not in html and 'name="q"' not in html and "school-search.js" not in html
    assert f'?school={places["far"]}"' not in admin.get("/admin/plugins?q=белов").get_data(as_text=True)
    assert admin.get(f"/admin/plugins?school={places['far']}").status_code == 403


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


def test_the_command_line_enforces_and_lists_overrides_with_ids(run):
    run("init")
    school = run("schools", "create", "--municipality", "belovo", "--name", "МБОУ «СОШ № 7»", "--short-name",
                 "СОШ № 7").output.split()[2].rstrip(":")
    run("plugins", "disable", "forum", "--municipality", "belovo", "--enforce")
    refused = run("plugins", "enable", "forum", "--school", school, ok=False)
    assert refused.exit_code != 0 and "forum" in refused.output
    assert "here: off (municipality_enforced)" in run("plugins", "list", "--school", school).output
    run("plugins", "disable", "vacancies", "--school", school)
    assert "the whole region" in run("plugins", "disable", "kiosk", "--region-wide").output
    rows = {r["code"]: r for r in json.loads(run("plugins", "list", "--json").output)}
    assert rows["forum"]["overrides"] == [{"scope": "municipality", "state": "off", "enforced": True,
                                           "municipality": "belovo", "municipality_id": rows["forum"]["overrides"][0][
                                               "municipality_id"]}]
    assert rows["vacancies"]["overrides"] == [{"scope": "school", "state": "off", "enforced": False,
                                               "school_id": int(school), "municipality": "belovo"}]
    assert rows["kiosk"]["overrides"] == [{"scope": "region", "state": "off", "enforced": True}]
    text = run("plugins", "list").output
    assert "municipality belovo: off (enforced)" in text and f"school СОШ № 7: off (id {school})" in text
    assert run("plugins", "enable", "kiosk", "--municipality", "belovo", ok=False).exit_code != 0
    run("plugins", "reset", "kiosk", "--region-wide")
    run("plugins", "enable", "kiosk", "--municipality", "belovo")
    assert run("plugins", "enable", "forum", "--school", school, "--enforce", ok=False).exit_code != 0


@pytest.mark.browser
@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="SKIPPED LOUDLY: no chromium/chromedriver on this machine")
def test_an_operator_finds_a_school_while_typing_and_switches_a_module_there(app, places, portal, driver):
    """The region operator's walk (issue 18): on the modules page the list of schools comes while typing
    (the search's script, no submit), the school's page switches a module off; each page free of axe-core
    violations."""
    from selenium.webdriver.common.by import By

    sign_in(driver, portal, "region")
    driver.get(f"{portal}/admin/plugins")
    box = wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "form[data-live-search] input[type=search]"),
                   "the school search")[0]
    assert_no_axe_violations(driver)
    box.send_keys("белов")  # typed, never submitted: the script fetches the list
    link = (By.CSS_SELECTOR, f'#school-results a[href="/admin/plugins?school={places["far"]}"]')
    wait_for(driver, lambda d: d.find_elements(*link), "the school found while typing")[0].click()
    wait_for(driver, lambda d: d.current_url.endswith(f"?school={places['far']}"), "the school's modules")
    assert_no_axe_violations(driver)
    button = (By.XPATH, "//form[input[@name='plugin'][@value='vacancies']]//button[@value='off']")
    wait_for(driver, lambda d: d.find_elements(*button), "the switch")[0].click()
    wait_for(driver, lambda d: not _state(app, places["far"]).enabled, "vacancies off for the school")
    assert _state(app, places["far"]).source == "school"
