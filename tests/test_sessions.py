"""Page sessions end when they should (issue #11): logging out and every password change end all of the
account's sessions, a copied session cookie included (the account's session epoch); the idle limit holds
from the login on.

A "copy" is a second browser (test client) given the first one's session cookie, as a stolen or shared
cookie would be. Idle time passes by moving the session's stored time back (``session_transaction``) or
the idle check's clock forward, never by sleeping.
"""
from __future__ import annotations

import time

from tests.conftest import DEMO_PASSWORD, login

PAGE = "/dashboard"
NEW_PASSWORD = "new-pass-2026"


def copy_of(app, client):
    """Another browser holding ``client``'s session cookie."""
    name = app.config["SESSION_COOKIE_NAME"]
    other = app.test_client()
    other.set_cookie(name, client.get_cookie(name).value)
    return other


def logged_out(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_copied_cookie_stops_working_after_logout(app, client, demo):
    login(client, "teacher")
    copy = copy_of(app, client)
    assert copy.get(PAGE).status_code == 200  # the copy works while the session lives
    assert client.post("/logout").status_code == 302
    assert logged_out(copy.get(PAGE))
    assert logged_out(client.get(PAGE))
    login(client, "teacher")  # a new login is a new session, at the new epoch
    assert client.get(PAGE).status_code == 200
    assert logged_out(copy.get(PAGE))  # the old copy stays dead


def test_logging_out_ends_the_accounts_other_sessions_and_no_one_elses(app, client, demo):
    login(client, "teacher")
    phone = app.test_client()
    login(phone, "teacher")
    director = app.test_client()
    login(director, "director")
    client.post("/logout")
    assert logged_out(phone.get(PAGE))  # "log out" means everywhere
    assert director.get(PAGE).status_code == 200


def test_changing_ones_password_ends_the_other_sessions_and_keeps_this_one(app, client, demo):
    login(client, "teacher")
    copy, phone = copy_of(app, client), app.test_client()
    login(phone, "teacher")
    changed = client.post("/account/password", data={"current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD,
                                                     "confirm": NEW_PASSWORD})
    assert changed.status_code == 302, changed.get_data(as_text=True)[:500]
    assert client.get(PAGE).status_code == 200  # the session that changed it goes on
    assert logged_out(copy.get(PAGE)) and logged_out(phone.get(PAGE))
    login(phone, "teacher", NEW_PASSWORD)
    assert phone.get(PAGE).status_code == 200


def test_a_password_reset_by_link_or_by_an_administrator_ends_every_session(app, client, demo):
    from eschool.auth import services
    from eschool.auth.models import User

    login(client, "teacher")
    copy = copy_of(app, client)
    with app.test_request_context("/"):
        token = services.reset_token(User.get(User.username == "teacher"))
    stranger = app.test_client()  # whoever has the link (the forgotten-password letter)
    reset = stranger.post(f"/password/reset/{token}", data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert reset.status_code == 302 and reset.headers["Location"].startswith("/login")
    assert logged_out(client.get(PAGE)) and logged_out(copy.get(PAGE))

    login(client, "teacher", NEW_PASSWORD)
    assert client.get(PAGE).status_code == 200
    with app.app_context():  # the administrator's way (``eschool users set-password``)
        services.set_password(User.get(User.username == "teacher"), "third-pass-2026", must_change=True)
    assert logged_out(client.get(PAGE))


def test_a_session_without_the_accounts_epoch_is_refused(app, client, demo):
    """A session cookie made before the epoch existed (or forged without it) does not count as logged in."""
    login(client, "teacher")
    with client.session_transaction() as session:
        del session["epoch"]
    assert logged_out(client.get(PAGE))


def test_the_idle_limit_holds_from_the_login(app, client, demo):
    """The login stores when the session was seen: idle longer than the limit (Kuzbass: 30 minutes) right
    after logging in, before any other request, and the session is over."""
    login(client, "teacher")
    with client.session_transaction() as session:
        assert "seen_at" in session  # the login itself counts as being seen
        session["seen_at"] -= 31 * 60
    response = client.get(PAGE)
    assert logged_out(response)
    assert logged_out(client.get(PAGE))  # for good


def test_the_idle_clock_runs_from_the_login_for_a_copied_cookie(app, client, demo, monkeypatch):
    """Whatever the session holds: a copy used 31 minutes after the login, with no request in between, is
    refused (the login set its time; before, the first later request would have started the clock)."""
    from eschool.auth import idle

    login(client, "teacher")
    copy = copy_of(app, client)
    later = time.time() + 31 * 60

    class Clock:
        @staticmethod
        def time():
            return later

    monkeypatch.setattr(idle, "time", Clock)
    assert logged_out(copy.get(PAGE))
