"""The API's bearer tokens, its one error format, and its OpenAPI document."""
import pytest

from eschool.auth.permissions import declared_permission
from tests.conftest import bearer, login


def test_token_issue_use_and_revoke(client, demo):
    response = client.post("/api/v1/auth/token", json={"login": "admin", "password": "demo-2026", "name": "phone"})
    assert response.status_code == 201
    token = response.get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    answer = client.get("/api/v1/me", headers=headers)
    me = answer.get_json()
    assert me["user"]["username"] == "admin" and me["roles"][0]["role"] == "school_admin"
    # Russian travels as UTF-8, not as \uXXXX escapes (three times the bytes)
    assert me["user"]["full_name"].encode() in answer.data and b"\\u04" not in answer.data
    tokens = client.get("/api/v1/auth/tokens", headers=headers).get_json()
    assert [t["name"] for t in tokens] == ["phone"] and "token" not in tokens[0]
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "unauthorized"


def test_login_by_email_or_phone(app, client, demo):
    from eschool.auth.models import User

    with app.app_context():
        User.update(email="admin@school.example", phone="+79001234567").where(User.username == "admin").execute()
    for login_name in ("admin@school.example", "+79001234567"):
        response = client.post("/api/v1/auth/token", json={"login": login_name, "password": "demo-2026"})
        assert response.status_code == 201, login_name


def test_wrong_password_and_bad_input_use_the_error_format(client, demo):
    wrong = client.post("/api/v1/auth/token", json={"login": "admin", "password": "nope"})
    assert wrong.status_code == 401
    assert wrong.get_json() == {"error": {"code": "invalid_credentials", "message": wrong.get_json()["error"]["message"],
                                          "fields": {}}}
    missing = client.post("/api/v1/auth/token", json={"login": "admin"}, headers={"Accept-Language": "en"})
    assert missing.status_code == 400
    assert missing.get_json()["error"]["fields"] == {"password": ["This field is required."]}
    russian = client.post("/api/v1/auth/token", json={"login": "admin"}, headers={"Accept-Language": "ru"})
    assert russian.get_json()["error"]["fields"] == {"password": ["Обязательное поле."]}
    not_json = client.post("/api/v1/auth/token", data="login=admin")
    assert not_json.status_code == 400 and not_json.get_json()["error"]["code"] == "invalid_json"
    assert client.get("/api/v1/nothing-here").get_json()["error"]["code"] == "not_found"


def test_the_session_cookie_does_not_authenticate_the_api(client, demo):
    login(client, "admin")
    assert client.get("/dashboard").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_changing_the_password_revokes_tokens(client, demo):
    headers = bearer(client, "teacher")
    response = client.post("/api/v1/auth/password", headers=headers,
                           json={"current_password": "demo-2026", "new_password": "a-new-pass-42"})
    assert response.status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.post("/api/v1/auth/token", json={"login": "teacher", "password": "a-new-pass-42"}).status_code == 201


def test_a_handed_out_password_must_be_changed_first(app, client, demo):
    from eschool.auth import services as auth
    from eschool.auth.models import User

    with app.app_context():
        auth.set_password(User.get(User.username == "admin"), "handed-out-1", must_change=True)
    headers = bearer(client, "admin", "handed-out-1")
    refused = client.get("/api/v1/plugins", headers=headers)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "password_change_required"
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_openapi_document_covers_every_api_rule_with_its_permission(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert "bearer" in document["components"]["securitySchemes"]
    operations = {(path, method): op for path, ops in document["paths"].items() for method, op in ops.items()}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            op = operations.get((path, method.lower()))
            assert op is not None, f"{method} {path} is missing from the OpenAPI document"
            assert op["x-permission"] == declared_permission(app.view_functions[rule.endpoint])
    token = operations[("/api/v1/auth/token", "post")]
    assert token["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/TokenRequest"}
    assert "TokenRequest" in document["components"]["schemas"]


def test_a_role_without_the_permission_gets_403_in_the_error_format(client, demo):
    school = demo["school"].id
    for username in ("teacher", "parent", "student"):
        response = client.get(f"/api/v1/plugins?school={school}", headers=bearer(client, username))
        assert response.status_code == 403, username
        error = response.get_json()["error"]
        assert error["code"] == "forbidden" and error["message"] and error["fields"] == {}


def test_tokens_that_no_longer_count(app, client, demo):
    import datetime as dt

    from eschool.auth.models import ApiToken, User

    phone, laptop = bearer(client, "director"), bearer(client, "director")
    with app.app_context():
        laptop_id = ApiToken.select().order_by(ApiToken.id.desc()).first().id
    other = bearer(client, "teacher")
    assert client.delete(f"/api/v1/auth/tokens/{laptop_id}", headers=other).status_code == 404  # not theirs
    assert client.delete(f"/api/v1/auth/tokens/{laptop_id}", headers=phone).status_code == 204
    assert client.get("/api/v1/me", headers=laptop).status_code == 401
    assert client.get("/api/v1/me", headers=phone).status_code == 200
    with app.app_context():
        ApiToken.update(expires_at=dt.datetime(2000, 1, 1)).where(ApiToken.id != laptop_id).execute()
    assert client.get("/api/v1/me", headers=phone).status_code == 401  # expired
    fresh = bearer(client, "secretary")
    with app.app_context():
        User.update(is_active=False).where(User.username == "secretary").execute()
    assert client.get("/api/v1/me", headers=fresh).status_code == 401  # account switched off
    for header in ("Bearer ", "Bearer not-a-token", "Basic YWRtaW46ZGVtby0yMDI2", phone["Authorization"][7:]):
        response = client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized", header


def test_field_errors_name_each_bad_field(client, demo):
    headers = bearer(client, "admin")
    response = client.put("/api/v1/plugins/vacancies/toggle", headers=headers,
                          json={"scope_type": "class", "scope_id": "first", "extra": 1})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"scope_type", "scope_id", "state", "extra"}
    assert all(isinstance(messages, list) and messages for messages in error["fields"].values())
    query = client.get("/api/v1/plugins?school=abc", headers=headers)
    assert query.status_code == 400 and list(query.get_json()["error"]["fields"]) == ["school"]


def test_the_openapi_document_holds_no_more_than_the_api(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    rules = {rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
             for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1")}
    assert set(document["paths"]) == rules
    operations = [op for ops in document["paths"].values() for op in ops.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))
    for op in operations:
        assert op["x-permission"]
        if op["x-permission"] != "public":
            assert op["security"] == [{"bearer": []}] and "401" in op["responses"] and "403" in op["responses"]
    toggle = document["paths"]["/api/v1/plugins/{code}/toggle"]["put"]
    assert toggle["x-permission"] == "plugins.manage"
    assert [p["name"] for p in toggle["parameters"] if p["in"] == "path"] == ["code"]
    schema = document["components"]["schemas"]["ToggleIn"]
    # scope_id is required for a municipality or a school, and left out for the region (checked on load)
    assert set(schema["required"]) == {"scope_type", "state"} and "scope_id" in schema["properties"]
    assert schema["properties"]["state"]["enum"] == ["on", "off", "default"]


def test_an_email_logs_in_whatever_its_case(app, client, demo):
    from eschool.auth import services as auth

    with app.app_context():
        auth.create_user("ivanova", "Иванова Мария", password="demo-2026", email=" Ivanova@School.Example ",
                         must_change_password=False)
        with pytest.raises(auth.AccountError) as taken:
            auth.create_user("ivanova2", "Иванова Мария", password="demo-2026", email="IVANOVA@school.example")
        assert taken.value.field == "email"
    for login_name in ("Ivanova@School.Example", "ivanova@school.example"):
        response = client.post("/api/v1/auth/token", json={"login": login_name, "password": "demo-2026"})
        assert response.status_code == 201, login_name
