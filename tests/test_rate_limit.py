"""Failed logins per client IP: the login form and the token endpoint answer 429 with Retry-After once an
address has used up its failures; X-Forwarded-For counts only behind a configured proxy."""
import pytest

from eschool.config import ConfigError
from tests.conftest import DEMO_PASSWORD

ONE, TWO = "203.0.113.7", "203.0.113.8"  # documentation addresses: only values in the WSGI environ


@pytest.fixture
def limited(make_app):
    def _make(**config):
        app = make_app(LOGIN_RATE_LIMIT="3 per 10 minutes", **config)
        from eschool.demo import build_demo

        with app.app_context():
            build_demo(log=lambda *_: None, school_year=False)
        return app
    return _make


def _form(client, login, password, address=ONE, **headers):
    return client.post("/login", data={"login": login, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


def _token(client, login, password, address=ONE, **headers):
    return client.post("/api/v1/auth/token", json={"login": login, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


def test_the_login_form_refuses_an_address_after_its_failed_attempts(limited):
    client = limited().test_client()
    for login in ("nobody", "teacher", "someone"):  # different accounts: the per-account lock never trips
        assert _form(client, login, "wrong").status_code == 400
    blocked = _form(client, "teacher", DEMO_PASSWORD)  # even the right password: not checked any more
    text = blocked.get_data(as_text=True)
    assert blocked.status_code == 429 and "Слишком много неудачных попыток входа" in text
    assert 0 < int(blocked.headers["Retry-After"]) <= 600
    assert _form(client, "teacher", DEMO_PASSWORD, address=TWO).status_code == 302  # another address logs in


def test_successful_logins_do_not_count(limited):
    client = limited().test_client()
    for _ in range(5):
        assert _form(client, "teacher", DEMO_PASSWORD).status_code == 302
        client.post("/logout")
    assert _form(client, "teacher", "wrong").status_code == 400


def test_the_token_endpoint_answers_429_with_retry_after(limited):
    client = limited().test_client()
    for _ in range(3):
        assert _token(client, "nobody", "wrong").status_code == 401
    blocked = _token(client, "teacher", DEMO_PASSWORD)
    assert blocked.status_code == 429 and blocked.get_json()["error"]["code"] == "rate_limited"
    assert "try again" in _token(client, "teacher", DEMO_PASSWORD, **{"Accept-Language": "en"}
                                 ).get_json()["error"]["message"]
    assert 0 < int(blocked.headers["Retry-After"]) <= 600
    assert _token(client, "teacher", DEMO_PASSWORD, address=TWO).status_code == 201
    # the form and the API share the count of an address
    assert _form(client, "teacher", DEMO_PASSWORD).status_code == 429


def test_x_forwarded_for_is_ignored_without_a_configured_proxy(limited):
    client = limited().test_client()
    for i in range(3):
        _form(client, "nobody", "wrong", **{"X-Forwarded-For": f"198.51.100.{i}"})
    assert _form(client, "teacher", DEMO_PASSWORD, **{"X-Forwarded-For": "198.51.100.99"}).status_code == 429


def test_behind_a_configured_proxy_the_forwarded_address_counts(limited):
    client = limited(PROXY_FIX=1).test_client()
    for _ in range(3):  # all through the same proxy, from one client
        _token(client, "nobody", "wrong", address="127.0.0.1", **{"X-Forwarded-For": "198.51.100.1"})
    assert _token(client, "teacher", DEMO_PASSWORD, address="127.0.0.1",
                  **{"X-Forwarded-For": "198.51.100.1"}).status_code == 429
    assert _token(client, "teacher", DEMO_PASSWORD, address="127.0.0.1",
                  **{"X-Forwarded-For": "198.51.100.2"}).status_code == 201  # another client behind the proxy


def test_the_per_account_lock_still_holds_from_many_addresses(limited):
    client = limited().test_client()
    for i in range(5):
        _form(client, "teacher", "wrong", address=f"203.0.113.{20 + i}")
    locked = _form(client, "teacher", DEMO_PASSWORD, address="203.0.113.50")
    assert locked.status_code == 429 and "Retry-After" not in locked.headers  # the account's lock, not the IP's


def test_the_storage_is_configurable_and_a_wrong_one_is_named(make_app):
    app = make_app(RATELIMIT_STORAGE_URI="memory://")
    assert type(app.extensions["eschool_login_limiter"].storage).__name__ == "MemoryStorage"
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
        make_app(RATELIMIT_STORAGE_URI="nosuch://localhost")


def test_a_failing_storage_lets_logins_through(limited):
    app = limited()

    class Broken:
        def test(self, *args):
            raise ConnectionError("storage down")

        hit = get_window_stats = test

    app.extensions["eschool_login_limiter"].strategy = Broken()
    client = app.test_client()
    for _ in range(4):
        assert _form(client, "nobody", "wrong").status_code == 400
    assert _form(client, "teacher", DEMO_PASSWORD).status_code == 302
