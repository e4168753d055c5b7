"""The suite's own fixtures, on top of the testing kit (``eschool.testing``, a pytest plugin shipped with
the package: ``make_app``, ``app``, ``client``, ``world``, ``login_as``, ``api_token``, ``toggle``,
``count_queries``, ``regions_copy``, ``database_url``, ``postgres_database``).

The suite runs twice in CI. With ``ESCHOOL_TEST_POSTGRES`` unset, each test gets its own SQLite file.
With ``ESCHOOL_TEST_POSTGRES=postgresql://postgres@127.0.0.1:5432/postgres`` (a maintenance URL), the
session creates its own database ``eschool_test_<pid>``, gives each test an empty ``public`` schema,
and drops the database at the end.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from eschool.testing import PASSWORD as DEMO_PASSWORD
from eschool.testing import _pg_connect, bearer, login

ROOT = Path(__file__).parents[1]
PG_ADMIN_URL = os.environ.get("ESCHOOL_TEST_POSTGRES", "").strip()

#: The browser walks' harness (fixtures ``driver`` and ``portal``; see its docstring).
pytest_plugins = ["tests.browser_kit"]

__all__ = ["DEMO_PASSWORD", "PG_ADMIN_URL", "ROOT", "_pg_connect", "bearer", "login"]


@pytest.fixture
def demo(app):
    """The demo region: municipalities, «Демо-школа №1», an account per role (password demo-2026)."""
    from eschool_demo.demo import build_demo

    with app.app_context():
        return build_demo(log=lambda *_: None, school_year=False)


@pytest.fixture
def probe(regions_copy):
    """The probe test plugin, allowed in every bundled region."""
    from tests.probe_plugin import Probe

    for region in ("kemerovo", "primorye", "samara"):
        regions_copy.append(region, "[plugins.probe]")
    return Probe()


@pytest.fixture
def cli_run(tmp_path, monkeypatch, database_url):
    """``cli_run("schools", "list", ok=True)``: the ``eschool`` command in this process on the test's database
    (Kemerovo, its own instance folder); asserts exit code 0 unless ``ok=False``; returns click's result."""
    from click.testing import CliRunner

    from eschool import cli

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ESCHOOL_INSTANCE", str(tmp_path))
    monkeypatch.setenv("ESCHOOL_REGION", "kemerovo")
    monkeypatch.setattr(cli, "_APPS", {})
    runner = CliRunner()

    def _run(*args, ok=True):
        result = runner.invoke(cli.main, list(args))
        if ok:
            assert result.exit_code == 0, result.output
        return result

    yield _run
    for app in cli._APPS.values():
        database = app.extensions["eschool"].database
        database.close()
        if hasattr(database, "close_all"):  # a pool: no idle server connection left behind
            database.close_all()
