"""Versioned migrations: a database made by an older schema is upgraded and keeps its rows."""
from click.testing import CliRunner

from eschool import cli


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
        assert applied["core"] == ["0002_user_locale", "0003_school_year", "0004_people", "0005_login_lockout", "0006_school_settings", "0007_staff_files"]
        assert applied["vacancies"] == ["0001_initial"]
        assert "locale" in {c.name for c in database.get_columns("user_account")}
        from eschool.auth.models import User
        from eschool.structure.models import School

        user = User.get(User.username == "old_user")
        assert user.full_name == "Старый Пользователь" and user.locale == ""
        assert School.get(School.short_name == "Школа №1").municipality.code == "kemerovo"
        assert ext.upgrade() == {"core": [], "vacancies": []}  # nothing left to do


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
