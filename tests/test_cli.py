"""The eschool command: init, demo, users, plugins (the region, municipality and school levels)."""
import functools

import pytest

from eschool import cli


@pytest.fixture
def run(cli_run, monkeypatch):
    from werkzeug.security import generate_password_hash

    from eschool.auth import services

    # The CLI's app hashes with Argon2id; a cheap hash keeps these tests fast (passwords still verify).
    monkeypatch.setattr(services, "hash_password", lambda p: generate_password_hash(p, method="pbkdf2:sha256:1000"))
    # The demo's school year (classes, timetable) is tested in test_demo.py; here it only slows the CLI down.
    import eschool_demo as demo

    monkeypatch.setattr(demo, "build_demo", functools.partial(demo.build_demo, school_year=False))
    return cli_run


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
    unknown = run("plugins", "disable", "abacus", "--school", "1", ok=False)
    assert unknown.exit_code != 0 and "abacus" in unknown.output
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


def test_init_twice_changes_nothing_and_db_upgrade_says_up_to_date(run):
    assert "PENDING" in run("db", "status").output
    first = run("init")
    assert "Applied 0 migration" not in first.output
    assert "Applied 0 migration(s); 7 municipalities" in run("init").output
    upgrade = run("db", "upgrade").output
    assert "core: up to date" in upgrade and "vacancies: up to date" in upgrade
    status = run("db", "status").output
    assert "PENDING" not in status and "0001_initial" in status


def test_demo_ends_with_the_accounts(run):
    lines = run("demo").output.rstrip().splitlines()
    accounts = lines[lines.index(next(line for line in lines if line.startswith("Accounts"))) + 1:]
    assert [line.split()[0] for line in accounts] == ["region", "municipal", "admin", "director", "deputy",
                                                      "classteacher", "teacher", "secretary", "student", "parent"]
    assert "(password for all: demo-2026)" in lines[-len(accounts) - 1]


def test_plugins_list_before_the_database_exists(run):
    listing = run("plugins", "list")
    assert "vacancies" in listing.output and "on by default everywhere" in listing.output
    run("init")
    assert "vacancies" in run("plugins", "list").output


def test_plugins_by_municipality_with_a_profile_limit(run, regions_copy):
    regions_copy.replace("kemerovo", "municipalities = []", 'municipalities = ["belovo", "kemerovo"]')
    run("demo")  # the demo school is in Kemerovo city
    listing = run("plugins", "list").output
    assert "on by default in belovo, kemerovo only" in listing
    assert "here: off (not_in_municipality)" in run("plugins", "list", "--municipality", "novokuznetsk").output
    refused = run("plugins", "enable", "vacancies", "--municipality", "novokuznetsk", ok=False)
    assert refused.exit_code != 0 and "только в: belovo, kemerovo" in refused.output
    assert "off for municipality kemerovo" in run("plugins", "disable", "vacancies", "--municipality",
                                                  "kemerovo").output
    assert "here: off (municipality)" in run("plugins", "list", "--school", "1").output
    run("plugins", "enable", "vacancies", "--school", "1")  # the school overrides its municipality
    assert "here: on (school)" in run("plugins", "list", "--school", "1").output
    assert "here: off (municipality)" in run("plugins", "list", "--municipality", "kemerovo").output
    unknown = run("plugins", "list", "--municipality", "atlantis", ok=False)
    assert unknown.exit_code != 0 and "atlantis" in unknown.output


def test_users_get_roles_at_every_level_and_refuse_bad_input(run):
    run("demo")
    created = run("users", "create", "belovo.op", "--name", "Оператор Белово", "--password", "op-pass-123",
                  "--role", "municipal_operator@municipality:belovo")
    assert created.output.strip() == "Created belovo.op"  # a password given is not printed
    wrong_level = run("users", "create", "x.teacher", "--name", "Учитель", "--role", "subject_teacher", ok=False)
    assert wrong_level.exit_code != 0 and "school" in wrong_level.output
    no_school = run("users", "create", "y.teacher", "--name", "Учитель", "--role", "subject_teacher@school:999",
                    ok=False)
    assert no_school.exit_code != 0 and "999" in no_school.output
    weak = run("users", "set-password", "belovo.op", "--password", "short", ok=False)
    assert weak.exit_code != 0 and "password" in weak.output
    nobody = run("users", "set-password", "nobody", ok=False)
    assert nobody.exit_code != 0 and "nobody" in nobody.output
    generated = run("users", "set-password", "belovo.op", "--permanent").output
    assert generated.startswith("Password set for belovo.op: ")
    from eschool.auth.models import RoleAssignment, User
    from eschool.auth.services import authenticate

    with cli._APPS[next(iter(cli._APPS))].app_context():
        user = User.get(User.username == "belovo.op")
        assert not user.must_change_password
        assert authenticate("belovo.op", generated.rsplit(": ", 1)[1].strip()) is not None
        role = RoleAssignment.get(RoleAssignment.user == user)
        assert role.role == "municipal_operator" and role.municipality.code == "belovo"
        assert User.select().where(User.username.in_(["x.teacher", "y.teacher"])).count() == 0


def test_demo_with_a_benchmark_scale(run):
    result = run("demo", "--scale", "municipality", "--schools", "1", "--weeks", "1")
    assert "1 schools" in result.output and "lessons" in result.output and "Accounts" in result.output
    again = run("demo", "--scale", "municipality", "--schools", "1", "--weeks", "1")
    assert "0 schools" in again.output


def test_plugins_list_all_shows_the_core_parts(run):
    listing = run("plugins", "list", "--all").output
    assert "core.journal" in listing and "core: always on" in listing and "vacancies" in listing
    assert "core.journal" not in run("plugins", "list").output
