"""Versioned migrations: a database made by an older schema is upgraded and keeps its rows."""
from click.testing import CliRunner

from eschool import cli
from eschool.db import CORE_MIGRATIONS


def test_upgrade_from_the_first_core_schema_keeps_rows(make_app):
    app = make_app(migrate=False)
    ext = app.extensions["eschool"]
    database = ext.database
    with app.app_context():
        core = ext.migration_owners()[0]
        assert core.name == "core"
        core.runner(database).up(target="0001_initial")  # the schema as the first release made it
        columns = {c.name for c in database.get_columns("user_account")}
        assert "locale" not in columns
        database.execute_sql("INSERT INTO municipality (code, name_ru, name_en) VALUES ('kemerovo', 'Кемерово', '')")
        database.execute_sql(
            "INSERT INTO school (municipality_id, name, short_name, address, phone, email, created_at) "
            "VALUES (1, 'Школа', 'Школа №1', '', '', '', '2025-09-01 08:00:00')")
        database.execute_sql(
            "INSERT INTO user_account (username, full_name, password_hash, must_change_password, is_active, "
            "created_at) VALUES ('old_user', 'Старый Пользователь', '', false, true, '2025-09-01 08:00:00')")
        applied = ext.upgrade()
        later = sorted(p.stem for p in CORE_MIGRATIONS.glob("[0-9]*.py"))[1:]
        assert "0002_user_locale" in later and applied["core"] == later
        assert applied["vacancies"] == ["0001_initial"]
        assert "locale" in {c.name for c in database.get_columns("user_account")}
        from eschool.auth.models import User
        from eschool.structure.models import School

        user = User.get(User.username == "old_user")
        assert user.full_name == "Старый Пользователь" and user.locale == ""
        assert School.get(School.short_name == "Школа №1").municipality.code == "kemerovo"
        assert ext.upgrade() == {"core": [], "lesson_plans": [], "olympiads": [], "oneroster": [], "surveys": [],
                                 "vacancies": []}  # nothing left


def test_db_status_and_upgrade_commands(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ESCHOOL_INSTANCE", str(tmp_path))
    monkeypatch.setenv("ESCHOOL_REGION", "kemerovo")
    monkeypatch.setattr(cli, "_APPS", {})
    runner = CliRunner()
    before = runner.invoke(cli.main, ["db", "status"], catch_exceptions=False)
    assert before.exit_code == 0 and "PENDING" in before.output and "0001_initial" in before.output
    upgrade = runner.invoke(cli.main, ["db", "upgrade"], catch_exceptions=False)
    assert upgrade.exit_code == 0, upgrade.output
    after = runner.invoke(cli.main, ["db", "status"], catch_exceptions=False)
    assert "PENDING" not in after.output and "applied" in after.output and "vacancies" in after.output
    as_json = runner.invoke(cli.main, ["db", "status", "--json"], catch_exceptions=False)
    assert '"0002_user_locale"' in as_json.output


def test_migrations_create_exactly_the_tables_and_columns_the_models_declare(app):
    """A model changed without a migration (or the reverse) fails here."""
    ext = app.extensions["eschool"]
    database = ext.database
    with app.app_context():
        tables = set(database.get_tables())
        for owner, models in ext.models.items():
            for model in models:
                table = model._meta.table_name
                assert table in tables, f"{owner}: no migration creates {table}"
                columns = {c.name for c in database.get_columns(table)}
                declared = {f.column_name for f in model._meta.sorted_fields}
                assert columns == declared, f"{owner}: {table} has {sorted(columns ^ declared)} out of step"


def test_a_plugins_history_is_its_own_and_its_data_outlives_its_removal(make_app, probe, regions_copy):
    """The probe's migrations run in their own history; taken out of the profile, its table and rows stay."""
    from eschool import db as dbmod
    from tests.probe_plugin import ProbeNote

    app = make_app(extra_plugins=[("probe", probe)])
    ext = app.extensions["eschool"]
    with app.app_context():
        assert [o.name for o in ext.migration_owners()] == ["core", "lesson_plans", "olympiads", "oneroster", "probe",
                                                                "surveys", "vacancies"]
        report = dbmod.status(ext.database, ext.migration_owners())
        assert [m["name"] for m in report["owners"]["probe"] if m["applied"]] == ["0001_initial"]
        assert report["orphans"] == []
        ProbeNote.create(school_id=1, text="kept")
    regions_copy.replace("kemerovo", "[plugins.probe]", "")
    app = make_app(extra_plugins=[("probe", probe)], migrate=False)
    ext = app.extensions["eschool"]
    with app.app_context():
        assert [o.name for o in ext.migration_owners()] == ["core", "lesson_plans", "olympiads", "oneroster", "surveys",
                                                                "vacancies"]
        assert ext.upgrade() == {"core": [], "lesson_plans": [], "olympiads": [], "oneroster": [], "surveys": [],
                                 "vacancies": []}
        assert dbmod.status(ext.database, ext.migration_owners())["orphans"] == ["_migrations_probe"]
        assert ext.database.execute_sql("SELECT text FROM probe_note").fetchall() == [("kept",)]


def test_db_status_names_a_history_no_installed_plugin_claims(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ESCHOOL_INSTANCE", str(tmp_path))
    monkeypatch.setenv("ESCHOOL_REGION", "kemerovo")
    monkeypatch.setattr(cli, "_APPS", {})
    runner = CliRunner()
    assert runner.invoke(cli.main, ["db", "upgrade"], catch_exceptions=False).exit_code == 0
    app = next(iter(cli._APPS.values()))
    app.extensions["eschool"].database.execute_sql('CREATE TABLE "_migrations_forum" (id INTEGER)')
    status = runner.invoke(cli.main, ["db", "status"], catch_exceptions=False).output
    assert "orphaned histories (no installed plugin): _migrations_forum" in status
    app.extensions["eschool"].database.close()


def test_the_indexes_the_models_declare_exist(app):
    """Every index in a model's Meta.indexes (0015_performance added the lesson (class_group, date) one)."""
    ext = app.extensions["eschool"]
    database = ext.database
    with app.app_context():
        for owner, models in ext.models.items():
            for model in models:
                table = model._meta.table_name
                present = {tuple(index.columns) for index in database.get_indexes(table)}
                for fields, _unique in model._meta.indexes:
                    columns = tuple(model._meta.fields[name].column_name for name in fields)
                    assert columns in present, f"{owner}: {table} has no index on {columns}"


def test_lesson_plans_leave_the_core_with_their_rows_and_links(make_app):
    """Migration 0025 hands the plans, their items and each lesson's item over to the lesson_plans plugin:
    renamed tables, the links moved out of the lesson table, nothing lost, the journal's triggers kept."""
    app = make_app(migrate=False)
    ext = app.extensions["eschool"]
    database = ext.database
    with app.app_context():
        ext.migration_owners()[0].runner(database).up(target="0024_device_tokens")
        sql = database.execute_sql
        import datetime as dt

        from eschool.auth.services import create_user
        from eschool.school import services as school_services
        from eschool.structure import services as structure

        municipality = structure.sync_municipalities(ext.region)[0]
        school = structure.create_school(municipality, "Школа", "Школа №1")
        create_user("teach", "Учитель", must_change_password=False)
        school_services.add_subject(school, {"name": "Математика", "short_name": "Мат"})
        year = school_services.create_year(school, {
            "name": "2025/2026", "starts_on": dt.date(2025, 9, 1), "ends_on": dt.date(2026, 5, 31),
            "is_current": True, "periods": []})
        school_services.create_class(school, {"academic_year_id": year.id, "grade": 5, "letter": "А",
                                              "kind": "regular", "name": "", "shift": 1, "class_teacher_id": None,
                                              "subgroups": []})
        mark = database.param
        sql("INSERT INTO lesson_plan (school_id, subject_id, grade, name, created_at) "
            f"VALUES ({mark}, 1, 5, 'КТП', '2025-09-01 08:00:00')", (school.id,))
        sql("INSERT INTO lesson_plan_item (plan_id, number, topic, hours, homework) VALUES (1, 1, 'Дроби', 1, '')")
        for day, item in (("2025-09-02", 1), ("2025-09-03", None)):
            sql("INSERT INTO lesson (school_id, class_group_id, subject_id, date, teacher_id, topic, plan_item_id, "
                f"created_at, updated_at, version) VALUES ({mark}, 1, 1, {mark}, 1, '', {mark}, '2025-09-01 08:00:00', "
                "'2025-09-01 08:00:00', 1)", (school.id, day, item))
        stamp = (sql("SELECT version FROM journal_stamp WHERE class_group_id = 1").fetchone() or (0,))[0]
        applied = ext.upgrade()
        assert "0025_lesson_plans_leave_the_core" in applied["core"]
        assert applied["lesson_plans"] == ["0001_initial"]
        assert "plan_item_id" not in {c.name for c in database.get_columns("lesson")}
        assert sql("SELECT topic FROM lesson_plans_item").fetchall() == [("Дроби",)]
        assert sql("SELECT lesson_id, item_id FROM lesson_plans_lesson").fetchall() == [(1, 1)]
        sql("UPDATE lesson SET topic = 'Дроби' WHERE id = 2")  # the stamp triggers still move
        assert sql("SELECT version FROM journal_stamp WHERE class_group_id = 1").fetchone()[0] > stamp
        from eschool_lesson_plans.services import items_of_lessons

        assert {k: v.topic for k, v in items_of_lessons([1, 2]).items()} == {1: "Дроби"}
