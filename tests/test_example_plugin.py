"""The example out-of-tree plugin (examples/eschool-hello), installed as a third party would install it.

It is built and installed with pip into a temporary folder (not into the test environment), found
through its ``eschool.plugins`` entry point alone, and switched on by a region profile that names it.
"""
from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from eschool.plugins.manager import installed_entry_points
from eschool.plugins.services import set_toggle
from eschool.structure import services as structure
from eschool.structure.models import Municipality
from tests.conftest import login

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "examples" / "eschool-hello"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """pip-install the example into a folder on sys.path; take it off again afterwards."""
    target = tmp_path_factory.mktemp("site")
    # Build from a copy: setuptools writes build/ and *.egg-info beside the sources it builds.
    source = tmp_path_factory.mktemp("src") / "eschool-hello"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "--target", str(target), str(source)], check=True)
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    yield target
    sys.path.remove(str(target))
    for name in [m for m in sys.modules if m == "eschool_hello" or m.startswith("eschool_hello.")]:
        del sys.modules[name]
    importlib.invalidate_caches()


@pytest.fixture
def regions_with_hello(tmp_path, monkeypatch):
    """A copy of the bundled profiles in which Kemerovo allows the hello plugin."""
    folder = tmp_path / "regions"
    shutil.copytree(ROOT / "regions", folder, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    profile = folder / "kemerovo" / "region.toml"
    profile.write_text(profile.read_text(encoding="utf-8")
                       + "\n[plugins.hello]\n\n[plugins.hello.settings]\nboard_size = 5\n", encoding="utf-8")
    monkeypatch.setenv("ESCHOOL_REGIONS_DIR", str(folder))
    return folder


@pytest.fixture
def hello_app(installed, regions_with_hello, make_app):
    return make_app()


def test_discovered_through_its_entry_point_alone(installed, hello_app):
    entry = installed_entry_points()["hello"]
    assert entry.value == "eschool_hello.plugin"
    assert Path(entry.dist.locate_file("")).resolve() == installed.resolve()  # not the test environment
    registry = hello_app.extensions["eschool"].plugins
    assert "hello" in registry.infos and not hello_app.config["EXTRA_PLUGINS"]
    assert registry.settings["hello"] == {"board_size": 5}
    with hello_app.app_context():
        tables = hello_app.extensions["eschool"].database.get_tables()
    assert "hello_greeting" in tables and "_migrations_hello" in tables


def test_not_loaded_where_the_profile_does_not_name_it(installed, make_app):
    app = make_app()  # the bundled kemerovo profile: no [plugins.hello]
    assert "hello" not in app.extensions["eschool"].plugins.infos
    assert "eschool_hello" not in sys.modules or "hello" not in app.blueprints
    assert app.test_client().get("/hello/school/1").status_code == 404


def test_board_page_menu_permission_and_translation(hello_app, demo):
    client = hello_app.test_client()
    school = demo["school"].id
    page = client.get(f"/hello/school/{school}", headers={"Accept-Language": "ru"})
    assert page.status_code == 200 and "Приветствия" in page.get_data(as_text=True)
    english = client.get(f"/hello/school/{school}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>Greetings</h1>" in english and "<h1>Приветствия</h1>" not in english
    assert "С началом учебного года!" in english  # its demo data hook ran
    login(client, "parent")
    assert client.post(f"/hello/school/{school}", data={"text": "Привет"}).status_code == 403
    client.post("/logout")
    login(client, "teacher")
    assert f"/hello/school/{school}" in client.get("/dashboard").get_data(as_text=True)  # its menu entry
    client.post(f"/hello/school/{school}", data={"text": "С первым сентября!"})
    assert "С первым сентября!" in client.get(f"/hello/school/{school}").get_data(as_text=True)
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert paths  # the plugin has no API; the document still builds with it installed


def test_toggles_like_a_built_in_plugin(hello_app, demo):
    from eschool_hello import services
    from eschool_hello.models import Greeting

    client = hello_app.test_client()
    with hello_app.app_context():
        school = demo["school"]
        other = structure.create_school(Municipality.get(Municipality.code == "belovo"), "Школа №3", "Школа №3")
        services.greet(school, "Первое приветствие")
        count = Greeting.select().count()
        set_toggle(hello_app.extensions["eschool"].plugins, "hello", "school", school.id, False)
    assert client.get(f"/hello/school/{school.id}").status_code == 404
    assert client.get(f"/hello/school/{other.id}").status_code == 200
    login(client, "teacher")
    assert "/hello/school/" not in client.get("/dashboard").get_data(as_text=True)
    with hello_app.app_context():
        assert Greeting.select().count() == count  # its data stays
        set_toggle(hello_app.extensions["eschool"].plugins, "hello", "school", school.id, True)
    assert "Первое приветствие" in client.get(f"/hello/school/{school.id}").get_data(as_text=True)


def test_cli_commands_of_the_plugin(hello_app, demo, database_url, tmp_path, monkeypatch):
    from eschool import cli

    hello_app.extensions["eschool"].database.close()
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ESCHOOL_INSTANCE", str(tmp_path / "cli"))
    monkeypatch.setattr(cli, "_APPS", {})
    runner = CliRunner()
    listing = runner.invoke(cli.main, ["plugins", "list"], catch_exceptions=False)
    assert "hello" in listing.output and "vacancies" in listing.output
    greeted = runner.invoke(cli.main, ["hello", "greet", str(demo["school"].id), "Привет из консоли"],
                            catch_exceptions=False)
    assert greeted.exit_code == 0, greeted.output
    off = runner.invoke(cli.main, ["plugins", "disable", "hello", "--school", str(demo["school"].id)],
                        catch_exceptions=False)
    assert off.exit_code == 0, off.output
    assert hello_app.test_client().get(f"/hello/school/{demo['school'].id}").status_code == 404
    bad = runner.invoke(cli.main, ["hello", "greet", str(demo["school"].id), "x"])
    assert bad.exit_code != 0 and "text:" in bad.output


def test_its_own_tests_pass_with_the_testing_kit(tmp_path):
    """The example's tests (examples/eschool-hello/tests) use only eschool.testing's fixtures, as a third
    party's would; they run in a process of their own, on this leg's database."""
    import os

    env = {**os.environ, "PYTHONPATH": str(EXAMPLE)}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                             "--basetemp", str(tmp_path / "base"), "tests"],
                            cwd=EXAMPLE, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
