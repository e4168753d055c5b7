"""The eschool command: init, demo, users, plugins (the region, municipality and school levels)."""
import pytest
from click.testing import CliRunner

from eschool import cli


@pytest.fixture
def run(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ESCHOOL_INSTANCE", str(tmp_path))
    monkeypatch.setenv("ESCHOOL_REGION", "kemerovo")
    monkeypatch.setattr(cli, "_APPS", {})
    from werkzeug.security import generate_password_hash

    from eschool.auth import services

    # The CLI's app hashes with scrypt; a cheap hash keeps these tests fast (passwords still verify).
    monkeypatch.setattr(services, "hash_password", lambda p: generate_password_hash(p, method="pbkdf2:sha256:1000"))
    runner = CliRunner()

    def _run(*args, ok=True):
        result = runner.invoke(cli.main, list(args))
        if ok:
            assert result.exit_code == 0, result.output
        return result

    yield _run
    for app in cli._APPS.values():
        app.extensions["eschool"].database.close()


def test_init_then_demo_lists_every_account(run):
    init = run("init")
    assert "7 municipalities" in init.output
    demo = run("demo")
    for username in ("region", "municipal", "admin", "director", "teacher", "parent", "student"):
        assert f"  {username} " in demo.output
    assert "demo-2026" in demo.output and "vacancies:" in demo.output


def test_plugins_list_enable_disable_reset(run):
    run("demo")
    listing = run("plugins", "list", "--region", "kemerovo")
    assert "vacancies" in listing.output and "on by default everywhere" in listing.output
    assert "off" in run("plugins", "disable", "vacancies", "--school", "1").output
    run("plugins", "disable", "vacancies", "--municipality", "belovo")
    listing = run("plugins", "list").output
    assert "school Демо-школа №1: off" in listing and "municipality belovo: off" in listing
    here = run("plugins", "list", "--school", "1").output
    assert "here: off (school)" in here
    run("plugins", "enable", "vacancies", "--school", "1")
    assert "here: on (school)" in run("plugins", "list", "--school", "1").output
    run("plugins", "reset", "vacancies", "--school", "1")
    assert "here: on (region)" in run("plugins", "list", "--school", "1").output
    as_json = run("plugins", "list", "--json").output
    assert '"vacancies"' in as_json


def test_plugin_commands_refuse_bad_targets(run):
    run("demo")
    unknown = run("plugins", "disable", "nutrition", "--school", "1", ok=False)
    assert unknown.exit_code != 0 and "nutrition" in unknown.output
    no_school = run("plugins", "disable", "vacancies", "--school", "999", ok=False)
    assert no_school.exit_code != 0 and "999" in no_school.output
    both = run("plugins", "disable", "vacancies", ok=False)
    assert both.exit_code != 0


def test_users_create_and_set_password(run):
    run("demo")
    created = run("users", "create", "ivanova", "--name", "Иванова Мария", "--role", "subject_teacher@school:1")
    assert "Created ivanova; password: " in created.output
    duplicate = run("users", "create", "ivanova", "--name", "Другая", ok=False)
    assert duplicate.exit_code != 0 and "username" in duplicate.output
    bad_role = run("users", "create", "petrov", "--name", "Петров", "--role", "wizard", ok=False)
    assert bad_role.exit_code != 0 and "wizard" in bad_role.output
    assert "Password set for ivanova" in run("users", "set-password", "ivanova", "--password", "new-pass-123").output
    from eschool.auth.models import User
    from eschool.auth.services import authenticate

    with cli._APPS[next(iter(cli._APPS))].app_context():
        assert authenticate("ivanova", "new-pass-123") is not None
        assert User.get(User.username == "ivanova").must_change_password
        assert User.get_or_none(User.username == "petrov") is None  # the failed create left nothing
