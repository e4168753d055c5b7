"""Logging in and out through the pages, forced password change, CSRF, cookies, language choice."""
import re

import pytest

from tests.conftest import login


def test_login_logout(client, demo):
    response = client.post("/login", data={"login": "director", "password": "demo-2026"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    assert "Директор Школы" in client.get("/dashboard").get_data(as_text=True)
    assert client.get("/logout").status_code == 405  # only POST logs out (no logout by a link or an image)
    assert client.post("/logout").status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_wrong_password_says_so_and_keeps_the_login(client, demo):
    response = client.post("/login", data={"login": "director", "password": "wrong"},
                           headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Wrong login or password." in html and 'value="director"' in html


def test_next_parameter_is_followed_only_inside_the_portal(client, demo):
    response = client.post("/login?next=/admin/plugins", data={"login": "admin", "password": "demo-2026"})
    assert response.headers["Location"].endswith("/admin/plugins")
    client.post("/logout")
    response = client.post("/login?next=//evil.example/", data={"login": "admin", "password": "demo-2026"})
    assert "evil.example" not in response.headers["Location"]


def test_handed_out_password_must_be_changed_before_anything_else(app, client, demo):
    from eschool.auth import services as auth
    from eschool.auth.models import User

    with app.app_context():
        auth.set_password(User.get(User.username == "teacher"), "given-pass-1", must_change=True)
    response = client.post("/login", data={"login": "teacher", "password": "given-pass-1"})
    assert response.headers["Location"].endswith("/account/password")
    assert client.get("/dashboard").headers["Location"].endswith("/account/password")
    same = client.post("/account/password", data={"current_password": "given-pass-1", "new_password": "given-pass-1",
                                                  "confirm": "given-pass-1"})
    assert same.status_code == 400
    changed = client.post("/account/password", data={"current_password": "given-pass-1",
                                                     "new_password": "my-own-pass-7", "confirm": "my-own-pass-7"})
    assert changed.status_code == 302
    assert client.get("/dashboard").status_code == 200


def test_csrf_is_enforced_on_forms(make_app):
    from eschool_demo.demo import build_demo

    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        build_demo(log=lambda *_: None, school_year=False)
    client = app.test_client()
    refused = client.post("/login", data={"login": "admin", "password": "demo-2026"})
    assert refused.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page)
    accepted = client.post("/login", data={"login": "admin", "password": "demo-2026", "csrf_token": token.group(1)})
    assert accepted.status_code == 302
    assert client.post("/logout").status_code == 400  # no token: even logging out needs one


def test_csrf_guards_the_modules_form_but_not_the_bearer_api(make_app):
    from eschool_demo.demo import build_demo
    from tests.conftest import bearer

    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        school = build_demo(log=lambda *_: None, school_year=False)["school"]
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"login": "admin", "password": "demo-2026", "csrf_token": token}).status_code == 302
    form = {"scope_type": "school", "scope_id": school.id, "plugin": "vacancies", "state": "off"}
    assert client.post("/admin/plugins", data=form).status_code == 400  # logged in, but no token
    body = {"scope_type": "school", "scope_id": school.id, "state": "off"}
    assert client.put("/api/v1/plugins/vacancies/toggle", json=body).status_code == 401  # the cookie is no key
    assert client.put("/api/v1/plugins/vacancies/toggle", json=body, headers=bearer(client, "admin")).status_code == 200


def _cookie_flags(response, name="session") -> set[str]:
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}="))
    return {part.strip().lower() for part in header.split(";")[1:]}


def test_production_cookies_are_secure(make_app, monkeypatch):
    from eschool_demo.demo import build_demo

    monkeypatch.setenv("ESCHOOL_ENV", "production")
    app = make_app(SECRET_KEY="a-production-key-of-at-least-32-characters")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    with app.app_context():
        build_demo(log=lambda *_: None, school_year=False)
    flags = _cookie_flags(login(app.test_client(), "admin"))
    assert {"secure", "httponly", "samesite=lax"} <= flags


def test_development_cookies_work_over_plain_http(client, demo):
    flags = _cookie_flags(login(client, "admin"))
    assert "secure" not in flags and {"httponly", "samesite=lax"} <= flags


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    import pytest

    from eschool.config import ConfigError, from_env

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("ESCHOOL_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        from_env()
    monkeypatch.setenv("SECRET_KEY", "s3cret")  # too short to sign sessions in production
    with pytest.raises(ConfigError, match="SECRET_KEY: at least 32 characters"):
        from_env()
    monkeypatch.setenv("SECRET_KEY", "0123456789abcdef" * 4)
    config = from_env()
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    monkeypatch.setenv("ESCHOOL_ENV", "development")
    monkeypatch.setenv("SECRET_KEY", "s3cret")  # development takes any key
    assert from_env()["ENV"] == "development"


@pytest.mark.parametrize("typo", ["prod", "Production", "production ", "dev"])
def test_an_unknown_environment_stops_start_up_naming_the_variable(monkeypatch, typo):
    from eschool.config import ConfigError, from_env

    monkeypatch.setenv("ESCHOOL_ENV", typo)
    monkeypatch.setenv("SECRET_KEY", "0123456789abcdef" * 4)
    with pytest.raises(ConfigError, match="ESCHOOL_ENV: .* is not one of development, production"):
        from_env()


def test_the_command_line_names_a_bad_setting_instead_of_a_traceback(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from eschool import cli

    monkeypatch.setattr(cli, "_APPS", {})
    monkeypatch.setenv("ESCHOOL_INSTANCE", str(tmp_path))
    monkeypatch.setenv("ESCHOOL_ENV", "prod")
    result = CliRunner().invoke(cli.main, ["db", "upgrade"])
    assert result.exit_code == 1 and "ESCHOOL_ENV: 'prod' is not one of development, production" in result.output


def test_language_user_choice_then_browser_then_region(app, client, demo):
    assert 'lang="ru"' in client.get("/").get_data(as_text=True)  # the region's language
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    client.post("/language", data={"locale": "ru", "next": "/"})
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="ru"' in html  # the user's choice wins over the browser
    login(client, "admin")
    client.post("/language", data={"locale": "en", "next": "/"})
    with app.app_context():
        from eschool.auth.models import User

        assert User.get(User.username == "admin").locale == "en"  # kept on the account
    other = app.test_client()
    login(other, "admin")
    assert 'lang="en"' in other.get("/dashboard", headers={"Accept-Language": "ru"}).get_data(as_text=True)


def test_the_language_chosen_before_logging_in_stays_after_it(client, demo):
    client.post("/language", data={"locale": "en", "next": "/login"})
    assert '<html lang="en">' in client.get("/login", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    login(client, "admin")  # the account has no language of its own yet
    assert '<html lang="en">' in client.get("/dashboard", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    client.post("/logout")
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session  # only the language outlives the session


OUTSIDE = ["https://evil.example/", "//evil.example/", "/\\evil.example/", "/\t/evil.example/", "/\n/evil.example/",
           "\\\\evil.example/", "https:evil.example"]


def _leaves_the_portal(location: str) -> bool:
    """Where a browser would go: it drops tabs and newlines and reads a backslash as a slash."""
    cleaned = "".join(c for c in location if c not in "\t\r\n").replace("\\", "/")
    return cleaned.startswith("//") or "://" in cleaned.split("?")[0] or cleaned.startswith("https:")


def test_language_switch_refuses_an_outside_next(client):
    for target in OUTSIDE:
        response = client.post("/language", data={"locale": "en", "next": target})
        assert not _leaves_the_portal(response.headers["Location"]), (target, response.headers["Location"])
    inside = client.post("/language", data={"locale": "en", "next": "/login?next=/dashboard"})
    assert inside.headers["Location"] == "/login?next=/dashboard"


def test_login_refuses_an_outside_next(client, demo):
    from urllib.parse import quote

    for target in OUTSIDE:
        response = client.post(f"/login?next={quote(target, safe='')}", data={"login": "admin", "password": "demo-2026"})
        assert response.status_code == 302
        assert not _leaves_the_portal(response.headers["Location"]), (target, response.headers["Location"])
        client.post("/logout")


def test_five_wrong_passwords_lock_the_account_for_a_while(app, client, demo):
    import datetime as dt

    from eschool.auth.models import User

    for _attempt in range(4):
        assert client.post("/login", data={"login": "teacher", "password": "guess"}).status_code == 400
    locked = client.post("/login", data={"login": "teacher", "password": "guess"}, headers={"Accept-Language": "en"})
    assert locked.status_code == 429 and "locked until" in locked.get_data(as_text=True)
    right = client.post("/login", data={"login": "teacher", "password": "demo-2026"})
    assert right.status_code == 429  # even the right password waits
    api = client.post("/api/v1/auth/token", json={"login": "teacher", "password": "demo-2026"})
    assert api.status_code == 429 and api.get_json()["error"]["code"] == "locked"
    assert client.post("/login", data={"login": "director", "password": "demo-2026"}).status_code == 302  # others
    client.post("/logout")
    with app.app_context():
        User.update(locked_until=dt.datetime.utcnow() - dt.timedelta(minutes=1)).where(
            User.username == "teacher").execute()
    assert client.post("/login", data={"login": "teacher", "password": "demo-2026"}).status_code == 302
    with app.app_context():
        user = User.get(User.username == "teacher")
        assert user.failed_logins == 0 and user.locked_until is None


def test_a_right_password_resets_the_count(app, client, demo):
    from eschool.auth.models import User

    for _attempt in range(4):
        client.post("/login", data={"login": "teacher", "password": "guess"})
    assert client.post("/login", data={"login": "teacher", "password": "demo-2026"}).status_code == 302
    client.post("/logout")
    for _attempt in range(4):
        assert client.post("/login", data={"login": "teacher", "password": "guess"}).status_code == 400
    with app.app_context():
        assert User.get(User.username == "teacher").locked_until is None


def test_idle_sessions_end_after_the_schools_time_else_the_regions(app, client, demo):
    import time

    from eschool.structure.models import School

    login(client, "admin")
    assert client.get("/dashboard").status_code == 200
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 29 * 60  # Kuzbass: 30 minutes
    assert client.get("/dashboard").status_code == 200
    with app.app_context():
        School.update(session_idle_minutes=10).where(School.id == demo["school"].id).execute()
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 11 * 60
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/dashboard").headers["Location"].startswith("/login")  # logged out for good


def test_a_schools_longer_idle_time_is_not_cut_short_by_the_cookie(app, client, demo):
    import datetime as dt
    from email.utils import parsedate_to_datetime

    from eschool.structure.models import School

    with app.app_context():
        School.update(session_idle_minutes=120).where(School.id == demo["school"].id).execute()  # Kuzbass: 30
    flags = _cookie_flags(login(client, "admin"))
    when = parsedate_to_datetime(next(f for f in flags if f.startswith("expires=")).split("=", 1)[1])
    assert when - dt.datetime.now(dt.UTC) > dt.timedelta(minutes=119)


def test_school_settings_page(app, client, demo):
    from eschool.structure.models import School

    login(client, "admin")
    url = f"/school/{demo['school'].id}/setup/settings"
    assert client.get(url).status_code == 200
    bad = client.post(url, data={"max_class_letter": "Q", "medal_average": "7", "session_idle_minutes": "1"})
    assert bad.status_code == 400 and bad.get_data(as_text=True).count('class="field-error"') == 3
    assert client.post(url, data={"max_class_letter": "В", "medal_average": "4.75",
                                  "session_idle_minutes": "20"}).status_code == 302
    with app.app_context():
        school = School.get_by_id(demo["school"].id)
        assert (school.max_class_letter, str(school.medal_average), school.session_idle_minutes) == ("В", "4.75", 20)
    client.post("/logout")
    login(client, "teacher")
    assert client.get(url).status_code == 403
