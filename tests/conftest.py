"""Shared fixtures: an application per test on a fresh database (SQLite, or PostgreSQL in that leg).

The suite runs twice in CI. With ``ESCHOOL_TEST_POSTGRES`` unset, each test gets its own SQLite file.
With ``ESCHOOL_TEST_POSTGRES=postgresql://postgres@127.0.0.1:5432/postgres`` (a maintenance URL), the
session creates its own database ``eschool_test_<pid>``, gives each test an empty ``public`` schema,
and drops the database at the end.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from eschool.app import create_app

ROOT = Path(__file__).parents[1]
PG_ADMIN_URL = os.environ.get("ESCHOOL_TEST_POSTGRES", "").strip()
DEMO_PASSWORD = "demo-2026"


def _pg_connect(url: str):
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    return conn


@pytest.fixture(scope="session")
def postgres_database():
    """The leg's own PostgreSQL database, created for the session and dropped after it."""
    if not PG_ADMIN_URL:
        yield None
        return
    name = f"eschool_test_{os.getpid()}"
    admin = _pg_connect(PG_ADMIN_URL)
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
    url = re.sub(r"/[^/?]*(\?.*)?$", f"/{name}", PG_ADMIN_URL)
    yield url
    with admin.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    (name,))
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.close()


@pytest.fixture
def database_url(tmp_path, postgres_database):
    """A URL of an empty database for this test."""
    if postgres_database is None:
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    conn = _pg_connect(postgres_database)
    with conn.cursor() as cur:
        cur.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
    conn.close()
    return postgres_database


@pytest.fixture
def make_app(tmp_path, database_url, monkeypatch):
    """Build an app: ``make_app(region="samara", extra_plugins=[("hello", module)], migrate=True)``."""
    built = []

    def _make(region: str = "kemerovo", migrate: bool = True, extra_plugins=(), **config):
        monkeypatch.setenv("ESCHOOL_REGION", region)
        settings = {"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": database_url,
                    "INSTANCE_PATH": str(tmp_path / "instance"), "WTF_CSRF_ENABLED": False,
                    "EXTRA_PLUGINS": tuple(extra_plugins), "REGION": region,
                    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
        settings.update(config)
        app = create_app(settings)
        if migrate:
            with app.app_context():
                app.extensions["eschool"].upgrade()
        built.append(app)
        return app

    yield _make
    for app in built:
        database = app.extensions["eschool"].database
        if not database.is_closed():
            database.close()
        if hasattr(database, "close_all"):  # PostgreSQL's pool (ESCHOOL_DB_POOL): no idle server left behind
            database.close_all()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def demo(app):
    """The demo region: municipalities, «Демо-школа №1», an account per role (password demo-2026)."""
    from eschool.demo import build_demo

    with app.app_context():
        return build_demo(log=lambda *_: None, school_year=False)


def login(client, username: str, password: str = DEMO_PASSWORD):
    """Log in through the real form; returns the response."""
    response = client.post("/login", data={"login": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def bearer(client, username: str, password: str = DEMO_PASSWORD) -> dict:
    """Headers with a fresh API token for ``username``."""
    response = client.post("/api/v1/auth/token", json={"login": username, "password": password})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


@pytest.fixture
def regions_copy(tmp_path, monkeypatch):
    """A writable copy of the bundled region profiles, used instead of them (ESCHOOL_REGIONS_DIR).

    ``regions_copy.append("kemerovo", "[plugins.probe]")`` adds TOML to a profile;
    ``regions_copy.path("kemerovo")`` is its region.toml.
    """
    folder = tmp_path / "regions"
    shutil.copytree(ROOT / "regions", folder, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    monkeypatch.setenv("ESCHOOL_REGIONS_DIR", str(folder))

    class Regions:
        root = folder

        @staticmethod
        def path(region: str) -> Path:
            return folder / region / "region.toml"

        def append(self, region: str, text: str) -> None:
            profile = self.path(region)
            profile.write_text(profile.read_text(encoding="utf-8") + "\n" + text + "\n", encoding="utf-8")

        def replace(self, region: str, old: str, new: str) -> None:
            profile = self.path(region)
            content = profile.read_text(encoding="utf-8")
            assert old in content, f"{old!r} not in {profile}"
            profile.write_text(content.replace(old, new), encoding="utf-8")

    return Regions()


@pytest.fixture
def probe(regions_copy):
    """The probe test plugin, allowed in every bundled region."""
    from tests.probe_plugin import Probe

    for region in ("kemerovo", "primorye", "samara"):
        regions_copy.append(region, "[plugins.probe]")
    return Probe()
