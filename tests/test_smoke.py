"""The portal starts, migrates and answers on its front page and its API document."""
from tests.conftest import login


def test_front_page_and_login(client, demo):
    assert client.get("/").status_code == 200
    login(client, "admin")
    assert client.get("/dashboard").status_code == 200


def test_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/auth/token" in doc["paths"]
