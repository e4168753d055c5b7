"""The testing kit (eschool.testing) the core, the built-in plugins and third parties test with."""
from eschool.testing import check_catalogs
from eschool.testing.world import ACCOUNTS


def test_the_world_has_an_account_for_every_role_of_the_region(app, world):
    from eschool.auth.models import RoleAssignment, User

    ext = app.extensions["eschool"]
    with app.app_context():
        held = {(a.user.username, a.role) for a in RoleAssignment.select(RoleAssignment, User).join(User)}
    expected = {(username, role) for username, _name, role, _level in ACCOUNTS if role in ext.roles}
    assert expected <= held
    assert world.user_id("class_teacher") == world.users["classteacher"]
    assert len(world.students) == 6 and len(world.others) == 3


def test_the_region_without_extra_roles_gets_no_such_accounts(make_app):
    from eschool.testing.world import build_world

    samara = build_world(make_app(region="samara"))
    assert "psychologist" in samara.users  # Samara has the extra roles
    # the fixture app is Kemerovo's: no psychologist there
    kemerovo_roles = make_app().extensions["eschool"].roles
    assert "psychologist" not in kemerovo_roles


def test_login_as_a_role_and_an_api_token(app, world, login_as, api_token):
    parent = login_as("parent")
    diary = parent.get("/diary")
    assert diary.status_code == 200 and "Ученик00" in diary.get_data(as_text=True)
    assert parent.get(f"/school/{world.school}/journal").status_code == 403
    me = app.test_client().get("/api/v1/me", headers=api_token("teacher"))
    assert me.status_code == 200 and me.get_json()["user"]["username"] == "teacher"


def test_toggle_switches_a_plugin_for_a_school(app, world, toggle):
    reader = app.test_client()
    assert reader.get("/vacancies/").status_code == 200
    toggle("oversight", False, school=world.school)
    deputy = app.test_client()
    from eschool.testing import login

    login(deputy, "deputy")
    assert deputy.get(f"/school/{world.school}/control").status_code == 404
    toggle("oversight", True, school=world.school)
    assert deputy.get(f"/school/{world.school}/control").status_code == 200


def test_count_queries_counts_the_statements_of_a_request(app, world, login_as, count_queries):
    teacher = login_as("teacher")
    with count_queries() as counted:
        teacher.get("/dashboard")
    assert counted.count > 0
    with count_queries() as nothing:
        pass
    assert nothing.count == 0


def test_check_catalogs_reports_a_missing_translation(tmp_path):
    plugin = tmp_path / "eschool_broken"
    (plugin / "templates" / "broken").mkdir(parents=True)
    (plugin / "templates" / "broken" / "page.html").write_text("<p>{{ _('Nobody translated this') }}</p>")
    for locale in ("ru", "en"):
        folder = plugin / "translations" / locale / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "messages.po").write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n')
    problems = check_catalogs(plugin)
    assert any("Nobody translated this" in p for p in problems)


def _schema_and_rows(database):
    """What a migration leaves: every table's columns and the rows of the tables the migrations fill."""
    tables = sorted(database.get_tables())
    listing = {t: sorted(c.name for c in database.get_columns(t)) for t in tables}
    rows = {t: sorted(map(repr, database.execute_sql(f'SELECT * FROM "{t}"').fetchall())) for t in tables}
    return listing, {t: r for t, r in rows.items() if r}


def test_a_test_starts_from_a_copy_of_the_migrated_database_that_is_the_migrated_one(app, tmp_path):
    """The kit migrates once per set of inputs and copies the result for the next tests
    (eschool.testing.databases): the copy must hold what the migrations made, and nothing a test wrote."""
    import peewee

    from eschool.auth.models import User
    from eschool.testing import databases

    database = app.extensions["eschool"].database
    with app.app_context():
        migrated = _schema_and_rows(database)
        assert migrated[1], "the migrations' own history is in the database"
        User.create(username="written-by-a-test", full_name="X", password_hash="x")
    if isinstance(database, peewee.PostgresqlDatabase):
        url = app.config["DATABASE_URL"]
        state = databases.PgState()
        with app.app_context():
            User.delete().where(User.username == "written-by-a-test").execute()
        database.close()
        state.keep(url, "inputs")
        with app.app_context():
            first = User.create(username="written-by-a-test", full_name="X", password_hash="x").id
        database.close()
        assert state.restore(url, "inputs")
        assert not state.restore(url, "other inputs")
        with app.app_context():
            assert _schema_and_rows(database) == migrated
            assert User.create(username="again", full_name="X", password_hash="x").id == first  # ids start over
            database.execute_sql('ALTER TABLE "user_account" ADD COLUMN "added_by_a_test" integer')
        database.close()
        assert not state.restore(url, "inputs"), "a changed schema is migrated again, never reused"
    else:
        templates = databases.SqliteTemplates()
        try:
            with app.app_context():
                User.delete().where(User.username == "written-by-a-test").execute()
                templates.keep("inputs", database)
            copy = tmp_path / "copy.sqlite3"
            assert templates.restore("inputs", copy) and not templates.restore("other inputs", tmp_path / "x.sqlite3")
            assert _schema_and_rows(peewee.SqliteDatabase(str(copy))) == migrated
        finally:
            templates.clear()
