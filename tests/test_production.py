"""Running in production (issue 21): /healthz, /version, /metrics, JSON log lines and security events,
an older release refusing a newer schema, a Redis outage that logs one warning, start-up errors without a
traceback. The whole install (wheel, PostgreSQL, Redis, gunicorn, nginx) is ci/deployment-check's."""
from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from importlib.metadata import version as installed_version
from pathlib import Path

import pytest

from tests.conftest import DEMO_PASSWORD, ROOT, login

NOWHERE = "postgresql://eschool@127.0.0.1:1/nowhere"  # nothing listens on port 1
DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def json_logs():
    """The process's log lines as JSON (``configure_logging``), read back as dicts: ``json_logs()``."""
    from eschool.ops.logs import configure_logging

    root, peewee = logging.getLogger(), logging.getLogger("peewee")
    levels = root.level, peewee.level
    stream = io.StringIO()
    handler = configure_logging(stream=stream, fmt="json", level="INFO")

    def lines(**match) -> list[dict]:
        found = [json.loads(line) for line in stream.getvalue().splitlines()]
        return [e for e in found if all(e.get(k) == v for k, v in match.items())]

    yield lines
    logging.captureWarnings(False)
    root.removeHandler(handler)
    root.setLevel(levels[0])
    peewee.setLevel(levels[1])


def _health(client):
    response = client.get("/healthz")
    assert response.is_json, response.get_data(as_text=True)[:300]
    assert response.headers["Cache-Control"] == "no-store"
    return response.status_code, response.get_json()


def test_healthz_answers_503_in_json_for_a_pending_or_unknown_migration_and_an_older_release_refuses_to_start(
        make_app):
    from eschool.db import UnknownMigrations

    app = make_app()
    client = app.test_client()
    status, body = _health(client)
    assert status == 200 and body["status"] == "ok" and body["version"] == installed_version("eschool")
    assert body["checks"]["database"] == {"ok": True} and body["checks"]["migrations"] == {"ok": True}
    assert body["checks"]["queue"] == {"ok": True, "depth": 0}
    assert "rate_limit_storage" not in body["checks"]  # memory://: nothing to ask

    database = app.extensions["eschool"].database
    last = database.execute_sql('SELECT MAX("name") FROM "_migrations_core"').fetchone()[0]
    database.execute_sql(f"DELETE FROM \"_migrations_core\" WHERE \"name\" = '{last}'")  # as before `db upgrade`
    status, body = _health(client)
    assert status == 503 and body["status"] == "unavailable"
    assert body["checks"]["migrations"] == {"ok": False, "pending": {"core": [last]}}
    database.execute_sql(f"INSERT INTO \"_migrations_core\" (\"name\", \"applied\") VALUES ('{last}', '2026-01-01')")
    database.execute_sql("INSERT INTO \"_migrations_core\" (\"name\", \"applied\") VALUES "
                         "('0999_from_a_newer_release', '2026-01-01')")
    if not database.is_closed():
        database.close()
    status, body = _health(client)
    assert status == 503 and body["checks"]["migrations"] == {"ok": False, "unknown": {"core": ["0999_from_a_newer_release"]}}

    with pytest.raises(UnknownMigrations) as refused:  # the older release on the newer schema: it will not start
        make_app(migrate=False)
    message = str(refused.value)
    assert "core: 0999_from_a_newer_release" in message and "restoring the backup taken before the upgrade" in message


def test_healthz_answers_503_when_the_database_redis_or_the_queue_is_down(make_app, json_logs, caplog):
    # the database URL points nowhere: the portal starts all the same (a warning), and /healthz says so in JSON
    app = make_app(DATABASE_URL=NOWHERE, migrate=False)
    client = app.test_client()
    status, body = _health(client)
    assert status == 503 and body["checks"]["database"] == {"ok": False, "error": "OperationalError"}
    assert body["checks"]["migrations"]["ok"] is False and body["version"] == installed_version("eschool")
    assert json_logs(logger="eschool", level="WARNING")[0]["message"].startswith("the database does not answer")

    # Redis down (the login counts and the queue): 503, and logins go on, with one warning, no traceback
    app = make_app(RATELIMIT_STORAGE_URI=DEAD_REDIS, QUEUE_URL=DEAD_REDIS, migrate=True)
    from eschool.testing import build_world

    build_world(app)
    client = app.test_client()
    status, body = _health(client)
    assert status == 503 and body["checks"]["database"] == {"ok": True}
    assert body["checks"]["rate_limit_storage"]["ok"] is False and body["checks"]["queue"]["ok"] is False
    caplog.clear()
    for _ in range(6):
        assert client.post("/login", data={"login": "nobody", "password": "wrong"}).status_code == 400
    assert client.post("/login", data={"login": "teacher", "password": DEMO_PASSWORD}).status_code == 302
    outages = [r for r in caplog.records if r.name == "eschool.ratelimit"]
    assert len(outages) == 1 and outages[0].levelno == logging.WARNING and not outages[0].exc_info
    assert "rate limit storage unavailable (ConnectionError" in outages[0].getMessage()
    assert not [r for r in caplog.records if r.exc_info]
    metrics = app.test_client().get("/metrics")
    assert metrics.status_code == 404  # no token, no allow-list: off


def test_version_endpoint_and_openapi_report_the_installed_version(client):
    expected = installed_version("eschool")
    body = client.get("/version").get_json()
    assert body["version"] == expected and body["name"] == "eschool" and body["region"] == "kemerovo"
    assert body["plugins"]["oversight"] == expected and body["plugins"]["vacancies"] and not any(code.startswith("core") for code in body["plugins"])
    assert client.get("/api/v1/openapi.json").get_json()["info"]["version"] == expected
    source = (ROOT / "core" / "eschool" / "__init__.py").read_text(encoding="utf-8")
    assert '__version__ = "' not in source  # one source: the installed distribution's metadata


def test_metrics_count_requests_and_failed_logins_behind_a_token_or_an_allow_list(make_app):
    from eschool.config import ConfigError
    from eschool.testing import build_world

    token = "prometheus-" + "k" * 32
    app = make_app(METRICS_TOKEN=token)
    build_world(app)
    client = app.test_client()
    assert client.post("/login", data={"login": "teacher", "password": "wrong"}).status_code == 400
    login(client, "teacher")
    assert client.get("/admin/plugins").status_code == 403
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.content_type.startswith("text/plain")
    text = response.get_data(as_text=True)
    for line in ('eschool_http_requests_total{endpoint="auth.login",method="POST",status="400"} 1.0',
                 'eschool_http_requests_total{endpoint="auth.login",method="POST",status="302"} 1.0',
                 'eschool_http_requests_total{endpoint="plugins_admin.index",method="GET",status="403"} 1.0',
                 'eschool_http_request_duration_seconds_bucket{endpoint="auth.login",le="+Inf",method="POST"} 2.0',
                 'eschool_failed_logins_total{reason="wrong_password"} 1.0',
                 'eschool_failed_logins_total{reason="locked"} 0.0',
                 'eschool_security_events_total{event="permission_refused"} 3.0',  # the page and /metrics twice
                 "eschool_queue_up 1.0", "eschool_queue_depth 0.0",
                 f'eschool_build_info{{region="kemerovo",version="{installed_version("eschool")}"}} 1.0'):
        assert line in text, line

    allowed = make_app(METRICS_ALLOW="127.0.0.1, 10.0.0.0/8", migrate=False).test_client()
    assert allowed.get("/metrics").status_code == 200  # the test client comes from 127.0.0.1
    assert allowed.get("/metrics", environ_base={"REMOTE_ADDR": "10.2.3.4"}).status_code == 200
    assert allowed.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 403
    with pytest.raises(ConfigError, match="ESCHOOL_METRICS_ALLOW: 'localhost' is not an address"):
        make_app(METRICS_ALLOW="localhost", migrate=False)


def test_log_lines_are_json_with_request_id_user_and_ip_and_security_events_are_logged(make_app, json_logs):
    from eschool.testing import build_world

    app = make_app(LOGIN_RATE_LIMIT="8 per minute", RESET_RATE_LIMIT="1 per hour")
    world = build_world(app)
    client = app.test_client()
    headers = {"X-Request-ID": "nginx-req-0001"}
    response = client.post("/login", data={"login": "teacher", "password": "Typed-Secret"}, headers=headers)
    assert response.status_code == 400 and response.headers["X-Request-ID"] == "nginx-req-0001"
    failed = json_logs(event="login_failed")[0]
    assert failed["level"] == "WARNING" and failed["logger"] == "eschool.security"
    assert failed["reason"] == "wrong_password" and failed["login"] == "teacher" and failed["via"] == "form"
    assert failed["request_id"] == "nginx-req-0001" and failed["ip"] == "127.0.0.1" and failed["path"] == "/login"
    assert failed["time"].endswith("Z") and "T" in failed["time"] and "Typed-Secret" not in json.dumps(failed)
    access = json_logs(logger="eschool.access", request_id="nginx-req-0001")[0]
    assert access["status"] == 400 and access["endpoint"] == "auth.login" and access["duration_ms"] >= 0

    for _ in range(4):  # the fifth wrong password locks the account
        client.post("/login", data={"login": "teacher", "password": "wrong"})
    locked = json_logs(event="account_locked")
    assert len(locked) == 1 and locked[0]["account_id"] == world.user_id("teacher") and locked[0]["until"]
    assert client.post("/login", data={"login": "teacher", "password": DEMO_PASSWORD}).status_code == 429
    assert json_logs(event="login_failed", reason="locked")
    for _ in range(3):  # eight failures from this address: the next attempt is not even checked
        client.post("/login", data={"login": "nobody", "password": "wrong"})
    assert client.post("/login", data={"login": "admin", "password": DEMO_PASSWORD}).status_code == 429
    assert json_logs(event="login_failed", reason="rate_limited", login="admin")
    assert not json_logs(event="rate_limited")  # the login's own event says it: no second line

    app.extensions["eschool_login_limiter"].reset()
    staff = app.test_client()
    login(staff, "admin")
    assert json_logs(event="login_succeeded", account_id=world.user_id("admin"))[0]["via"] == "form"
    response = staff.post(f"/school/{world.school}/accounts/{world.user_id('other')}/password")
    assert response.status_code == 200
    handed = json_logs(event="password_set")[0]
    assert handed["account_id"] == world.user_id("other") and handed["how"] == "handed_out"
    assert handed["user_id"] == world.user_id("admin")  # who did it: the request's user
    family = app.test_client()
    login(family, "parent")
    assert family.get("/admin/plugins").status_code == 403
    refusal = json_logs(event="permission_refused")[-1]
    assert refusal["endpoint"] == "plugins_admin.index" and refusal["user_id"] == world.user_id("parent")

    with app.app_context():
        from eschool.plugins.services import set_toggle

        set_toggle(app.extensions["eschool"].plugins, "vacancies", "school", world.school, False, actor="admin")
    toggled = json_logs(event="plugin_toggled")[0]
    assert toggled["plugin"] == "vacancies" and toggled["enabled"] is False and toggled["scope_id"] == world.school

    visitor = app.test_client()
    assert visitor.post("/password/forgot", data={"login": "parent"}).status_code == 302
    assert json_logs(event="password_reset_requested")[0]["account_id"] == world.user_id("parent")
    assert visitor.post("/password/forgot", data={"login": "parent"}).status_code == 429  # 1 per hour here
    assert json_logs(event="rate_limited")[0]["endpoint"] == "auth.forgot_password"

    guarded = make_app(WTF_CSRF_ENABLED=True, migrate=False).test_client()
    assert guarded.post("/login", data={"login": "teacher", "password": "x"}).status_code == 400
    assert "CSRF" in json_logs(event="csrf_rejected")[0]["reason"]


def test_start_up_errors_print_one_line_without_a_traceback(tmp_path):
    """gunicorn's entry (eschool.wsgi) on a short SECRET_KEY in production: one JSON line naming the key,
    exit status 4 (gunicorn's "App failed to load": the master stops instead of respawning workers)."""
    env = {**os.environ, "ESCHOOL_ENV": "production", "SECRET_KEY": "short", "ESCHOOL_INSTANCE": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    done = subprocess.run([sys.executable, "-c", "import eschool.wsgi"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 4, done.stderr
    assert "Traceback" not in done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    assert lines[-1]["level"] == "CRITICAL"
    assert "SECRET_KEY: at least 32 characters in production (this one has 5)" in lines[-1]["message"]
    # gunicorn with the sample configuration and four workers: the master checks before forking, so the
    # workers cannot fail together (gunicorn 27 then halted twice: a traceback and status 1)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    if gunicorn.exists():
        done = subprocess.run([str(gunicorn), "-c", "python:eschool.ops.gunicorn_conf", "--workers", "4", "--bind",
                               "127.0.0.1:0", "eschool.wsgi:app"], env=env, capture_output=True, text=True,
                              timeout=120, cwd=str(tmp_path))
        assert done.returncode == 4 and "Traceback" not in done.stderr, done.stderr[-2000:]
        assert "SECRET_KEY: at least 32 characters" in done.stderr
