"""Failed logins per client IP: the login form and the token endpoint answer 429 with Retry-After once an
address has used up its failures; X-Forwarded-For counts only behind a configured proxy."""
import pytest

from eschool.config import ConfigError
from tests.conftest import DEMO_PASSWORD

ONE, TWO = "203.0.113.7", "203.0.113.8"  # documentation addresses: only values in the WSGI environ


@pytest.fixture
def limited(make_app):
    def _make(**config):
        app = make_app(**{"LOGIN_RATE_LIMIT": "3 per 10 minutes", **config})
        from eschool_demo.demo import build_demo

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


def _without_times(text: str) -> str:
    import re

    text = re.sub(r'name="csrf_token" value="[^"]*"', "<csrf>", text)
    return re.sub(r"\d{1,2}[.:/]\d{2}([.:/]\d{2,4})?(,? \d{1,2}:\d{2})?", "<time>", text)


def test_a_locked_out_login_does_not_tell_whether_the_account_exists(limited, monkeypatch):
    from eschool.auth import passwords

    checks = []
    real_check = passwords.check_password_hash
    monkeypatch.setattr(passwords, "check_password_hash", lambda *a: checks.append(1) or real_check(*a))
    client = limited(LOGIN_RATE_LIMIT="100 per 10 minutes").test_client()
    answers = {}
    for name in ("teacher", "no-such-login"):
        for attempt in range(4):
            checks.clear()
            assert _form(client, name, "wrong", address=f"203.0.113.{30 + attempt}").status_code == 400
            assert len(checks) == 1  # one password hash check per answer: the same time either way
        fifth = _form(client, name, "wrong", address="203.0.113.40")
        assert fifth.status_code == 429, name
        checks.clear()
        again = _form(client, name, DEMO_PASSWORD, address="203.0.113.41")  # locked even for the right password
        assert again.status_code == 429 and "Retry-After" not in again.headers and len(checks) == 1
        api = _token(client, name.upper() if name != "teacher" else name, DEMO_PASSWORD, address="203.0.113.42")
        assert api.status_code == 429 and api.get_json()["error"]["code"] == "locked"
        pages = [_without_times(r.get_data(as_text=True)).replace(f'value="{name}"', 'value="<login>"')
                 for r in (fifth, again)]
        answers[name] = (*pages, _without_times(api.get_json()["error"]["message"]))
    assert answers["teacher"] == answers["no-such-login"]
    assert "заблокирован до" in answers["teacher"][2]
