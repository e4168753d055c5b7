"""The diary's cache (``eschool.cache``, ``journal.stamps``): a week read twice is built once, and any
change of the class's journal, by the services, by plain SQL or by a move to another class, shows in the
very next read. Never a stale mark."""
import datetime as dt

from tests import test_diary
from tests.conftest import bearer, login
from tests.test_diary import World

world = test_diary.world  # the shared fixture: the diary's test school


def _week(client, headers, day):
    response = client.get(f"/api/v1/diary?start={day.isoformat()}&end={day.isoformat()}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _marks(body):
    return [[m["value"] for m in lesson["marks"]] for day in body["days"] for lesson in day["lessons"]]


def _sql(app, statement, params=()):
    with app.app_context():
        database = app.extensions["eschool"].database
        with database.atomic():
            database.execute_sql(statement.replace("?", database.param), params)


def test_a_week_read_again_is_served_from_the_cache_with_fewer_queries(app, client, world: World):
    lesson = world.lesson(world.today, 1, topic="Дроби")
    world.mark(lesson, world.anna, "5")
    headers = bearer(client, "parent")
    cache = app.extensions["eschool"].cache
    first = _week(client, headers, world.today)
    hits = cache.hits
    database = app.extensions["eschool"].database
    counted = []
    original = database.execute_sql
    database.execute_sql = lambda sql, params=None, *a, **k: counted.append(sql) or original(sql, params, *a, **k)
    try:
        second = _week(client, headers, world.today)
    finally:
        database.execute_sql = original
    assert second == first and cache.hits == hits + 1
    assert not any('FROM "mark"' in sql or 'FROM "lesson"' in sql for sql in counted), counted


def test_a_mark_set_through_the_journal_shows_at_once(app, client, world: World):
    lesson = world.lesson(world.today, 1)
    headers = bearer(client, "parent")
    assert _marks(_week(client, headers, world.today)) == [[]]
    world.mark(lesson, world.anna, "4")
    assert _marks(_week(client, headers, world.today)) == [["4"]]
    world.mark(lesson, world.anna, "5", slot=1)
    assert _marks(_week(client, headers, world.today)) == [["4", "5"]]


def test_changes_made_past_the_services_show_at_once_too(app, client, world: World):
    """A plugin or an integrator's SQL: the database's triggers move the class's stamp."""
    lesson = world.lesson(world.today, 1)
    world.mark(lesson, world.anna, "4")
    headers = bearer(client, "parent")
    assert _marks(_week(client, headers, world.today)) == [["4"]]
    _sql(app, "UPDATE mark SET value = ?, numeric = ? WHERE lesson_id = ?", ("2", 2, lesson))
    assert _marks(_week(client, headers, world.today)) == [["2"]]
    _sql(app, "DELETE FROM mark WHERE lesson_id = ?", (lesson,))
    assert _marks(_week(client, headers, world.today)) == [[]]
    _sql(app, "UPDATE lesson SET topic = ? WHERE id = ?", ("Новая тема", lesson))
    assert _week(client, headers, world.today)["days"][0]["lessons"][0]["topic"] == "Новая тема"


def test_attendance_homework_and_files_show_at_once(app, client, world: World):
    lesson = world.lesson(world.today, 1)
    headers = bearer(client, "parent")
    _week(client, headers, world.today)
    world.attendance(lesson, world.anna, "ill")
    [item] = _week(client, headers, world.today)["days"][0]["lessons"]
    assert item["attendance"]["kind"] == "ill"
    hw = world.homework(lesson, "Задачи 1-3")
    [item] = _week(client, headers, world.today)["days"][0]["lessons"]
    assert [h["text"] for h in item["homework"]] == ["Задачи 1-3"] and item["homework"][0]["files"] == []
    world.file(hw, "list.txt", b"abc")
    [item] = _week(client, headers, world.today)["days"][0]["lessons"]
    assert [f["name"] for f in item["homework"][0]["files"]] == ["list.txt"]


def test_a_move_to_another_class_shows_at_once(app, client, world: World):
    """Anna leaves 5А for 6Б: her week shows 6Б's lessons, not 5А's."""
    world.lesson(world.today, 1, topic="5А")
    world.lesson(world.today, 2, class_id=world.c6, topic="6Б")
    headers = bearer(client, "parent")
    assert [item["topic"] for item in _week(client, headers, world.today)["days"][0]["lessons"]] == ["5А"]
    yesterday = world.today - dt.timedelta(days=1)
    _sql(app, "UPDATE class_membership SET ends_on = ? WHERE student_id = ? AND ends_on IS NULL",
         (yesterday.isoformat(), world.anna))
    _sql(app, "INSERT INTO class_membership (student_id, class_group_id, starts_on) VALUES (?, ?, ?)",
         (world.anna, world.c6, world.today.isoformat()))
    assert [item["topic"] for item in _week(client, headers, world.today)["days"][0]["lessons"]] == ["6Б"]


def test_the_page_shows_a_new_mark_at_once_and_each_language_its_own(app, client, world: World):
    lesson = world.lesson(world.today, 1)
    world.mark(lesson, world.anna, "3", work_type="test")
    login(client, "parent")
    url = f"/diary?date={world.today.isoformat()}"
    page = client.get(url).get_data(as_text=True)
    assert "Контрольная работа" in page and 'mark-3"' in page
    _sql(app, "UPDATE mark SET value = ?, numeric = ? WHERE lesson_id = ?", ("5", 5, lesson))
    page = client.get(url).get_data(as_text=True)
    assert 'mark-5"' in page and 'mark-3"' not in page
    client.post("/language", data={"locale": "en"})
    english = client.get(url).get_data(as_text=True)
    assert 'title="Test' in english and "Контрольная работа" not in english


def test_no_cache_when_turned_off(make_app):
    app = make_app(CACHE_MB=0)
    cache = app.extensions["eschool"].cache
    assert not cache.enabled
    assert cache.get_or_build("k", lambda: b"a") == b"a" and cache.get_or_build("k", lambda: b"b") == b"b"


def test_the_cache_keeps_to_its_size_and_age():
    from eschool.cache import BuiltCache

    cache = BuiltCache(max_bytes=10, ttl=60)
    assert cache.get_or_build("a", lambda: b"123456") == b"123456"
    assert cache.get_or_build("b", lambda: b"123456") == b"123456"  # "a" goes: 12 bytes > 10
    assert cache.get_or_build("a", lambda: b"new") == b"new"
    assert cache.get_or_build("big", lambda: b"x" * 11) == b"x" * 11  # too big to keep, still answered
    assert cache.get_or_build("big", lambda: b"y") == b"y"
