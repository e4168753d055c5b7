"""Bad input answers 400/404 in the API's error format (or as an error page), never 500 (issue 11, part 4)."""
import io

import pytest

from tests.conftest import bearer, login

HUGE = "99999999999999999999"  # above 2**64
JUST_ABOVE_64_BITS = str(2**63)


@pytest.fixture
def strict(app):
    """Server errors answer 500 as in production instead of being raised into the test."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def _api_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert set(error) >= {"code", "message", "fields"}
    if code:
        assert error["code"] == code
    return error


@pytest.mark.parametrize("number", [HUGE, JUST_ABOVE_64_BITS])
def test_ids_beyond_the_database_integers_are_not_found(strict, demo, number):
    client = strict.test_client()
    headers = bearer(client, "teacher")
    for path in (f"/api/v1/journal/lessons/{number}", f"/api/v1/people/students/{number}"):
        _api_error(client.get(path, headers=headers), 404, "not_found")
    _api_error(client.delete(f"/api/v1/auth/tokens/{number}", headers=headers), 404, "not_found")
    login(client, "admin")
    school = demo["school"]
    for path in (f"/school/{number}/timetable", f"/school/{school.id}/journal/lesson/{number}",
                 f"/school/{number}/students/1"):
        assert client.get(path).status_code == 404, path


def test_a_whole_number_outside_the_database_in_a_json_body_is_refused_naming_the_field(strict, demo):
    client = strict.test_client()
    headers = bearer(client, "admin")
    response = client.put("/api/v1/plugins/vacancies/toggle", headers=headers,
                          json={"scope_type": "school", "scope_id": int(HUGE), "state": "off"})
    assert "scope_id" in _api_error(response, 400, "invalid")["fields"]


@pytest.mark.parametrize("query, field", [(f"page={HUGE}", "page"), (f"size={HUGE}", "size"),
                                          (f"school={HUGE}", "school"), (f"page={2**40}", "page"),
                                          ("page=" + "9" * 5000, "page")])
def test_huge_query_numbers_are_400_naming_the_parameter(strict, demo, query, field):
    client = strict.test_client()
    error = _api_error(client.get(f"/api/v1/vacancies?{query}"), 400, "invalid")
    assert list(error["fields"]) == [field]


def test_pages_take_huge_query_numbers_without_failing(strict):
    from eschool_demo.demo import build_demo

    with strict.app_context():
        demo = build_demo(log=lambda *_: None, journal=False)  # with the school year: classes, timetable
    client = strict.test_client()
    assert client.get(f"/vacancies/?page={HUGE}").status_code == 200
    login(client, "admin")
    school = demo["school"].id
    for number in (HUGE, "9" * 5000):
        assert client.get(f"/school/{school}/timetable?class={number}&day={number}").status_code == 200
    client.post("/logout")
    login(client, "parent")
    assert client.get(f"/diary?student={HUGE}").status_code == 200  # out of range: as if absent (their child)
    assert client.get(f"/diary/summary?period={HUGE}").status_code == 200
    client.post("/logout")
    login(client, "region")
    assert client.get(f"/admin/plugins?school={HUGE}&municipality={HUGE}").status_code == 200


NUL_MESSAGE = "Удалите из этого текста символ NUL (код 0)."  # the region's language: Russian
DEEP = "[" * 5000 + "]" * 5000


def test_json_nested_thousands_deep_is_a_400(strict, demo):
    client = strict.test_client()
    _api_error(client.post("/api/v1/auth/token", data=DEEP, content_type="application/json"), 400, "invalid_json")
    deep_object = '{"a":' * 5000 + "1" + "}" * 5000
    _api_error(client.post("/api/v1/auth/token", data=deep_object, content_type="application/json"), 400)
    headers = bearer(client, "teacher")
    _api_error(client.post("/api/v1/auth/password", data=DEEP, content_type="application/json", headers=headers),
               400, "invalid_json")


def test_405_names_the_allowed_methods(client, demo):
    response = client.put("/api/v1/auth/token")
    _api_error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"POST", "DELETE"}
    page = client.delete("/login")
    assert page.status_code == 405 and "GET" in page.headers["Allow"]


def test_a_nul_character_anywhere_is_a_400_naming_the_field(strict, demo):
    client = strict.test_client()
    error = _api_error(client.post("/api/v1/auth/token", json={"login": "ad\x00min", "password": "x"}), 400, "invalid")
    assert error["fields"] == {"login": [NUL_MESSAGE]}
    headers = bearer(client, "admin")
    error = _api_error(client.get("/api/v1/vacancies?q=a%00b"), 400, "invalid")
    assert list(error["fields"]) == ["q"]
    error = _api_error(client.get("/api/v1/municipalities/a%00b/results", headers=headers), 400, "invalid")
    assert list(error["fields"]) == ["municipality_code"]
    school = demo["school"].id
    body = {"name": "Кабинет\x00", "list": [{"deep": ["ok", "no\x00"]}]}
    error = _api_error(client.post(f"/api/v1/schools/{school}/rooms", json=body, headers=headers), 400, "invalid")
    assert error["fields"] == {"name": [error["fields"]["name"][0]], "list": {"0": {"deep": {"1": [error["fields"]["name"][0]]}}}}
    page = client.post("/login", data={"login": "admin\x00", "password": "demo"})
    assert page.status_code == 400 and "login" in page.get_data(as_text=True)
    assert client.get("/password/forgot?x=%00").status_code == 400
    upload = {"file": (io.BytesIO(b"x"), "plan\x00.xlsx")}
    error = _api_error(client.post(f"/api/v1/schools/{school}/lesson-plans", data=upload, headers=headers), 400)
    assert list(error["fields"]) == ["file"]
    assert client.get("/results/municipalities/a%00b").status_code == 400
