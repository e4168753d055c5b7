"""The testing kit: a pytest plugin shipped with the package, for the core, the built-in plugins and
third-party plugins alike (see docs/plugins.md, "Testing a plugin").

Loaded automatically wherever ``eschool`` is installed (the ``pytest11`` entry point). Fixtures:

* ``make_app(region="kemerovo", migrate=True, extra_plugins=(), allow=(), **config)``: an app on a fresh
  database of its own (SQLite in the test's folder, or PostgreSQL when ``ESCHOOL_TEST_POSTGRES`` names a
  server: a database per session, an empty schema per test; migrated once per set of inputs and copied
  for the next tests, see ``eschool.testing.databases``). ``allow`` names plugins (or maps a plugin
  to its ``[plugins.<code>]`` TOML lines) to allow in a copy of the region profiles; ``extra_plugins``
  registers plugin objects as ``(code, module)`` pairs (skipped when that code is installed already).
* ``app`` and ``client``: ``make_app()`` and its test client.
* ``world``: a small school built through the services (``eschool.testing.world``).
* ``login_as(who, client=None)``: a client logged in through the real form as a username or a role
  code of the world (``"teacher"``, ``"parent"``, ``"class_teacher"``).
* ``api_token(who)``: ``Authorization`` headers with a fresh bearer token.
* ``toggle(plugin, on, school=None, municipality=None, enforced=False)``: switch a plugin for a school or a
  municipality (enforced: the municipality's schools cannot change it).
* ``count_queries()``: a context manager counting the SQL statements run inside it (``.count``).
* ``regions_copy``: a writable copy of the bundled region profiles used instead of them.

And ``check_catalogs(plugin_root)``: the problems of a plugin's translation catalogs (missing
locales, untranslated or uncompiled messages), empty when complete.
"""
from __future__ import annotations

import atexit
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from eschool.testing import databases
from eschool.testing.world import PASSWORD, ROLE_USERNAMES, World, build_world

__all__ = ["PASSWORD", "World", "build_world", "check_catalogs", "login", "bearer", "QueryCounter"]

PG_ADMIN_ENV = "ESCHOOL_TEST_POSTGRES"


def _pg_connect(url: str):
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    return conn


def login(client, username: str, password: str = PASSWORD):
    """Log in through the real form; returns the response (a redirect)."""
    response = client.post("/login", data={"login": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def bearer(client, username: str, password: str = PASSWORD) -> dict:
    """Headers with a fresh API token for ``username``."""
    response = client.post("/api/v1/auth/token", json={"login": username, "password": password})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


class QueryCounter:
    """The SQL statements run while it was active (``count``, and ``statements`` to read them)."""

    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def counting_queries(database=None):
    """Count every statement the database runs inside the block (peewee's own query log)."""
    import logging

    counter = QueryCounter()

    class _Handler(logging.Handler):
        def emit(self, record):
            if isinstance(record.msg, tuple):
                counter.statements.append(str(record.msg[0]))

    logger = logging.getLogger("peewee")
    handler, level, disabled = _Handler(), logger.level, logger.disabled
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.disabled = False  # a logging.config elsewhere (a worker's, a test's) may have disabled it
    try:
        yield counter
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.disabled = disabled


def check_catalogs(plugin_root: Path | str) -> list[str]:
    """What is wrong with a plugin's catalogs (every portal locale present, every message translated and
    compiled), as the core checks its own; empty when all is well."""
    from eschool.translations_tools import Owner, check_all

    root = Path(plugin_root)
    return check_all([Owner("plugin", root.name.removeprefix("eschool_"), root)])


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def postgres_database():
    """The session's own PostgreSQL database (``ESCHOOL_TEST_POSTGRES`` is a maintenance URL), or None."""
    admin_url = os.environ.get(PG_ADMIN_ENV, "").strip()
    if not admin_url:
        yield None
        return
    name = f"eschool_test_{os.getpid()}"
    admin = _pg_connect(admin_url)
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
    yield re.sub(r"/[^/?]*(\?.*)?$", f"/{name}", admin_url)
    with admin.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    (name,))
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.close()


_PG_STATE = databases.PgState()
_SQLITE_TEMPLATES = databases.SqliteTemplates()
atexit.register(_SQLITE_TEMPLATES.clear)


def _only_make_app_uses_the_url(request) -> bool:
    """True when nothing but ``make_app`` reads ``database_url`` in this test: then the database may be
    made ready by the test's first ``make_app`` call (quickly, see ``eschool.testing.databases``) instead
    of being emptied now."""
    try:
        info = request.node._fixtureinfo
        if "database_url" in info.argnames:
            return False
        for name, definitions in info.name2fixturedefs.items():
            if name not in ("make_app", "database_url") and "database_url" in definitions[-1].argnames:
                return False
        return "make_app" in request.fixturenames
    except AttributeError:  # another pytest's internals: take the plain way
        return False


@pytest.fixture
def database_url(request, tmp_path, postgres_database):
    """A URL of an empty database for this test (emptied by the first ``make_app`` when only it reads it)."""
    if postgres_database is None:
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    if databases.enabled() and _only_make_app_uses_the_url(request):
        _PG_STATE.pending = True
    else:
        _PG_STATE.pending = False
        _PG_STATE.drop(postgres_database)
    return postgres_database


@pytest.fixture
def regions_copy(tmp_path, monkeypatch):
    """A writable copy of the bundled region profiles, used instead of them (``ESCHOOL_REGIONS_DIR``).

    ``regions_copy.append("kemerovo", "[plugins.hello]")`` adds TOML to a profile;
    ``regions_copy.path("kemerovo")`` is its region.toml.
    """
    from eschool.regions.services import regions_dir

    folder = tmp_path / "regions"
    shutil.copytree(regions_dir(), folder, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
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
def make_app(request, tmp_path, database_url, monkeypatch):
    """Build an app: ``make_app(region="samara", extra_plugins=[("hello", module)], allow=["hello"])``."""
    built = []

    def _make(region: str = "kemerovo", migrate: bool = True, extra_plugins=(), allow=(), **config):
        if allow:
            regions = request.getfixturevalue("regions_copy")
            tables = allow if isinstance(allow, dict) else {code: "" for code in allow}
            for code, extra in tables.items():
                if f"[plugins.{code}]" not in regions.path(region).read_text(encoding="utf-8"):
                    regions.append(region, f"[plugins.{code}]\n{extra}")
        monkeypatch.setenv("ESCHOOL_REGION", region)
        from importlib.metadata import entry_points

        from eschool import ENTRY_POINT_GROUP
        from eschool.app import create_app

        installed = {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}
        # A plugin under test that is installed (pip install -e .) is found through its entry point.
        extra_plugins = tuple((code, obj) for code, obj in extra_plugins if code not in installed)

        settings = {"TESTING": True, "SECRET_KEY": "test-secret-" + "x" * 32, "DATABASE_URL": database_url,
                    "INSTANCE_PATH": str(tmp_path / "instance"), "WTF_CSRF_ENABLED": False,
                    "EXTRA_PLUGINS": tuple(extra_plugins), "REGION": region,
                    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
        settings.update(config)
        # The test's first app: start from a migrated copy when one was made from the same inputs.
        key = restored = None
        first = not built
        if first and database_url.startswith("postgresql"):
            if _PG_STATE.pending:
                _PG_STATE.pending = False
                key = databases.inputs_key("postgresql", region, extra_plugins, config)
                restored = migrate and _PG_STATE.restore(database_url, key)
                if not restored:
                    _PG_STATE.drop(database_url)
        elif first and migrate and databases.enabled() and database_url.startswith("sqlite:///"):
            key = databases.inputs_key("sqlite", region, extra_plugins, config)
            restored = _SQLITE_TEMPLATES.restore(key, Path(database_url[len("sqlite:///"):]))
        app = create_app(settings)
        if migrate:
            with app.app_context():
                app.extensions["eschool"].upgrade()
                if key and not restored:
                    database = app.extensions["eschool"].database
                    if database_url.startswith("postgresql"):
                        _PG_STATE.keep(database_url, key)
                    else:
                        _SQLITE_TEMPLATES.keep(key, database)
        built.append(app)
        return app

    yield _make
    for app in built:
        database = app.extensions["eschool"].database
        if not database.is_closed():
            database.close()
        if hasattr(database, "close_all"):  # a pool: no idle server connection left behind
            database.close_all()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app) -> World:
    """A small school in ``app`` (see ``eschool.testing.world``)."""
    return build_world(app)


@pytest.fixture
def login_as(app):
    """``login_as("teacher")`` (a username or a role code): a test client logged in through the form."""

    def _login(who: str, client=None):
        client = client or app.test_client()
        login(client, ROLE_USERNAMES.get(who, who))
        return client

    return _login


@pytest.fixture
def api_token(app):
    """``api_token("parent")``: headers with a bearer token of that user."""

    def _token(who: str) -> dict:
        return bearer(app.test_client(), ROLE_USERNAMES.get(who, who))

    return _token


@pytest.fixture
def toggle(app):
    """``toggle("hello", False, school=world.school)``: switch a plugin for a school or a municipality
    (``enforced=True``: the municipality's schools cannot change it)."""
    from eschool.plugins.services import set_toggle

    def _toggle(plugin: str, on: bool, school: int | None = None, municipality: int | None = None,
                enforced: bool = False):
        assert (school is None) != (municipality is None), "name a school or a municipality"
        with app.app_context():
            return set_toggle(app.extensions["eschool"].plugins, plugin, "school" if school else "municipality",
                              school or municipality, on, actor="test", enforced=enforced)

    return _toggle


@pytest.fixture
def count_queries():
    """``with count_queries() as counted: ...; assert counted.count <= 8``."""
    return counting_queries
