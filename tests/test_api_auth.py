"""The API's bearer tokens, its one error format, and its OpenAPI document."""
from eschool.auth.permissions import declared_permission
from tests.conftest import bearer, login


def test_token_issue_use_and_revoke(client, demo):
    response = client.post("/api/v1/auth/token", json={"login": "admin", "password": "demo-2026", "name": "phone"})
    assert response.status_code == 201
    token = response.get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert me["user"]["username"] == "admin" and me["roles"][0]["role"] == "school_admin"
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
