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
