"""Invalidation as fine as the data (issue 20, ``journal.stamps``): a mark or an absence moves its student's
stamp, not the class's, so a classmate's diary week stays in the cache while the student's own is built
again; whatever the class shares (topics, homework, membership) still rebuilds every week of the class; the
grid, which shows every student's marks, changes on any mark or absence of the class. Whoever writes:
the services, or plain SQL past them."""
import datetime as dt

from tests import test_diary
from tests.conftest import bearer
from tests.test_diary import World

world = test_diary.world  # the diary's test school: Anna and Boris in 5А, Vera in 6Б


def _sql(app, statement, params=()):
    with app.app_context():
        database = app.extensions["eschool"].database
        with database.atomic():
            database.execute_sql(statement.replace("?", database.param), params)


class Weeks:
    """Reads the diary weeks of the test school's students through ``built_week_rows`` and the app's cache,
    counting the weeks built (a build is a cache miss)."""

    def __init__(self, app, world: World):
        self.app, self.world, self.built = app, world, []

    def read(self, student_id) -> dict:
        from eschool.diary import answer, services
        from eschool.people.models import Student

        start, end = services.week_of(self.world.today)

        def build(*args, shared=None):
            self.built.append(student_id)
            return answer.week_answer(*args, lambda file_id: f"/f/{file_id}", shared)

        with self.app.test_request_context():
            return services.built_week_rows(self.app.extensions["eschool"].cache, Student.get_by_id(student_id),
                                            start, end, ("test",), build, lambda body: body, size=lambda _: 1)

    def rebuilt(self, *students) -> list:
        """Read every given student's week; the ones built again."""
        self.built = []
        for student in students:
            self.read(student)
        return sorted(self.built)


def _marks(body):
    return [[m["value"] for m in lesson["marks"]] for day in body["days"] for lesson in day["lessons"]]


def test_a_mark_rebuilds_the_students_own_week_only(app, world: World):
    lesson = world.lesson(world.today, 1, topic="Дроби")
    weeks = Weeks(app, world)
    everyone = (world.anna, world.boris, world.vera)
    assert weeks.rebuilt(*everyone) == sorted(everyone)
    assert weeks.rebuilt(*everyone) == []  # all three kept
    world.mark(lesson, world.anna, "5")  # through the journal's rules
    assert weeks.rebuilt(*everyone) == [world.anna]
    assert _marks(weeks.read(world.anna)) == [["5"]] and _marks(weeks.read(world.boris)) == [[]]
    world.attendance(lesson, world.boris, "ill")
    assert weeks.rebuilt(*everyone) == [world.boris]
    assert weeks.read(world.boris)["days"][0]["lessons"][0]["attendance"]["kind"] == "ill"


def test_plain_sql_marks_and_attendance_move_the_students_stamp_too(app, world: World):
    """A plugin or an integrator's SQL: insert, change, move to another student, delete."""
    lesson = world.lesson(world.today, 1)
    weeks = Weeks(app, world)
    both = (world.anna, world.boris)
    weeks.rebuilt(*both)
    _sql(app, "INSERT INTO mark (lesson_id, student_id, slot, value, numeric, weight, comment, created_at, "
              "updated_at, version) VALUES (?, ?, 0, '4', 4, 1, '', ?, ?, 1)",
         (lesson, world.boris, "2026-01-01 10:00:00", "2026-01-01 10:00:00"))
    assert weeks.rebuilt(*both) == [world.boris] and _marks(weeks.read(world.boris)) == [["4"]]
    _sql(app, "UPDATE mark SET value = '3', numeric = 3 WHERE lesson_id = ?", (lesson,))
    assert weeks.rebuilt(*both) == [world.boris] and _marks(weeks.read(world.boris)) == [["3"]]
    _sql(app, "UPDATE mark SET student_id = ? WHERE lesson_id = ?", (world.anna, lesson))  # a fix: wrong student
    assert weeks.rebuilt(*both) == sorted(both)
    assert _marks(weeks.read(world.anna)) == [["3"]] and _marks(weeks.read(world.boris)) == [[]]
    _sql(app, "DELETE FROM mark WHERE lesson_id = ?", (lesson,))
    assert weeks.rebuilt(*both) == [world.anna] and _marks(weeks.read(world.anna)) == [[]]
    _sql(app, "INSERT INTO attendance (lesson_id, student_id, kind, reason, created_at, updated_at, version) "
              "VALUES (?, ?, 'absent', '', ?, ?, 1)", (lesson, world.anna, "2026-01-01 10:00:00",
                                                      "2026-01-01 10:00:00"))
    assert weeks.rebuilt(*both) == [world.anna]
    _sql(app, "DELETE FROM attendance WHERE lesson_id = ?", (lesson,))
    assert weeks.rebuilt(*both) == [world.anna]
    assert weeks.read(world.anna)["days"][0]["lessons"][0]["attendance"] is None


def test_what_the_class_shares_rebuilds_every_week_of_the_class(app, world: World):
    lesson = world.lesson(world.today, 1)
    weeks = Weeks(app, world)
    everyone = (world.anna, world.boris, world.vera)
    weeks.rebuilt(*everyone)
    _sql(app, "UPDATE lesson SET topic = ? WHERE id = ?", ("Проценты", lesson))
    assert weeks.rebuilt(*everyone) == sorted((world.anna, world.boris))  # 6Б's Vera is not in 5А
    assert weeks.read(world.boris)["days"][0]["lessons"][0]["topic"] == "Проценты"
    homework = world.homework(lesson, "Задачи 1-3")
    assert weeks.rebuilt(*everyone) == sorted((world.anna, world.boris))
    world.file(homework, "list.txt", b"abc")
    assert weeks.rebuilt(*everyone) == sorted((world.anna, world.boris))
    [item] = weeks.read(world.anna)["days"][0]["lessons"]
    assert [f["name"] for f in item["homework"][0]["files"]] == ["list.txt"]
    world.homework(lesson, "Только Борису", student_ids=[world.boris])  # chosen students: the class's stamp
    assert weeks.rebuilt(*everyone) == sorted((world.anna, world.boris))


def test_after_a_topic_change_the_class_part_is_read_once_for_the_whole_class(app, world: World):
    """The lessons, topics and homework every student of 5А sees alike (``answer.class_rows``) are read from
    the database once for the class; each week adds only the student's own marks and attendance."""
    lesson = world.lesson(world.today, 1)
    second = world.lesson(world.today, 2, subject="russian")
    world.homework(lesson, "Задачи 1-3")
    world.homework(second, "Только Борису", student_ids=[world.boris])
    world.mark(lesson, world.boris, "4")
    weeks = Weeks(app, world)
    weeks.rebuilt(world.anna, world.boris)
    _sql(app, "UPDATE lesson SET topic = ? WHERE id = ?", ("Проценты", lesson))
    database = app.extensions["eschool"].database
    counted, original = [], database.execute_sql
    database.execute_sql = lambda sql, params=None, *a, **k: counted.append(sql) or original(sql, params, *a, **k)
    try:
        assert weeks.rebuilt(world.anna, world.boris) == sorted((world.anna, world.boris))
    finally:
        database.execute_sql = original
    assert sum("FROM lesson l JOIN subject" in sql for sql in counted) == 1, counted
    assert sum("FROM homework h" in sql for sql in counted) == 1
    assert sum("FROM mark m" in sql for sql in counted) == 2  # each student's own
    anna, boris = weeks.read(world.anna), weeks.read(world.boris)
    def homework(body):
        return [[h["text"] for h in item["homework"]] for item in body["days"][0]["lessons"]]

    assert homework(anna) == [["Задачи 1-3"], []] and homework(boris) == [["Задачи 1-3"], ["Только Борису"]]
    assert _marks(anna) == [[], []] and _marks(boris) == [["4"], []]
    assert anna["days"][0]["lessons"][0]["topic"] == boris["days"][0]["lessons"][0]["topic"] == "Проценты"


def test_a_parent_reads_the_week_from_the_cache_after_a_classmates_mark(app, client, world: World):
    """Through the API: Boris's new mark leaves Anna's week in the cache (no query of marks or lessons);
    Anna's own new mark is built and shown at once."""
    lesson = world.lesson(world.today, 1)
    headers = bearer(client, "parent")
    cache = app.extensions["eschool"].cache
    url = f"/api/v1/diary?start={world.today.isoformat()}&end={world.today.isoformat()}"
    first = client.get(url, headers=headers).get_json()
    world.mark(lesson, world.boris, "2")
    hits, misses = cache.hits, cache.misses
    database = app.extensions["eschool"].database
    counted, original = [], database.execute_sql
    database.execute_sql = lambda sql, params=None, *a, **k: counted.append(sql) or original(sql, params, *a, **k)
    try:
        assert client.get(url, headers=headers).get_json() == first
    finally:
        database.execute_sql = original
    assert (cache.hits, cache.misses) == (hits + 1, misses)
    assert not any('FROM "mark"' in sql or "FROM mark" in sql for sql in counted), counted
    world.mark(lesson, world.anna, "5")
    assert _marks(client.get(url, headers=headers).get_json()) == [["5"]] and cache.misses == misses + 1


def test_the_grid_stamp_grows_on_every_mark_and_absence_of_any_member(app, world: World):
    """The grid's key: the class's stamp and the sum of its members' stamps, strictly growing on every
    change of any member's marks or attendance, whoever writes; a mark of another class's student leaves
    it alone."""
    from eschool.journal import stamps

    lesson = world.lesson(world.today, 1)
    other = world.lesson(world.today, 1, class_id=world.c6)

    def stamp():
        with app.app_context():
            return stamps.grid_stamp(app.extensions["eschool"].database, world.c5)

    seen = [stamp()]
    world.mark(lesson, world.anna, "5")
    seen.append(stamp())
    world.mark(lesson, world.boris, "4")
    seen.append(stamp())
    world.mark(lesson, world.boris, "3", slot=1)
    seen.append(stamp())
    world.attendance(lesson, world.anna, "late", minutes_late=5)
    seen.append(stamp())
    _sql(app, "UPDATE mark SET student_id = ? WHERE student_id = ? AND slot = 1", (world.anna, world.boris))
    seen.append(stamp())
    _sql(app, "DELETE FROM attendance WHERE lesson_id = ?", (lesson,))
    seen.append(stamp())
    assert all(a < b for a, b in zip(seen, seen[1:], strict=False)), seen
    world.mark(other, world.vera, "5")
    assert stamp() == seen[-1]
    _sql(app, "UPDATE lesson SET topic = 'Т' WHERE id = ?", (lesson,))
    assert stamp()[0] > seen[-1][0]


def test_the_grid_is_built_again_on_any_mark_of_the_class(app, client, world: World):
    """The class teacher's grid of 5А: kept when reopened, built again on a mark or an absence of any
    student, through the services or plain SQL."""
    from tests.conftest import login

    lesson = world.lesson(world.today, 1)
    login(client, "classteacher")
    url = f"/school/{world.school}/journal/class/{world.c5}/subject/{world.maths}"
    cache = app.extensions["eschool"].cache

    def page():
        response = client.get(url)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return response.get_data(as_text=True)

    page()
    misses = cache.misses
    page()
    assert cache.misses == misses
    world.mark(lesson, world.boris, "4")
    assert f'data-student="{world.boris}"' in page() and cache.misses == misses + 1
    _sql(app, "UPDATE mark SET value = '2', numeric = 2 WHERE student_id = ?", (world.boris,))
    html = page()
    assert cache.misses == misses + 2 and ">2</span>" in html
    world.attendance(lesson, world.anna, "absent")
    page()
    assert cache.misses == misses + 3


def test_marks_move_the_students_stamp_not_the_classs_and_0041_goes_down_and_up(app, world: World):
    """The point for concurrent saves: a mark writes its student's stamp row, not the class's one (which
    every mark of the class wrote before 0041, so saves of one class waited for each other). 0041's down
    puts the old triggers back (marks move the class's stamp again, no student stamps); up again, as now."""
    from eschool.journal import stamps

    lesson = world.lesson(world.today, 1)
    ext = app.extensions["eschool"]
    database = ext.database

    def counts():
        with app.app_context():
            tables = set(database.get_tables())
            own = stamps.student_stamp(database, world.anna) if "journal_student_stamp" in tables else None
            return stamps.class_stamps(database, [world.c5])[world.c5], own

    start, own = counts()
    world.mark(lesson, world.anna, "5")
    world.attendance(lesson, world.anna, "ill")
    assert counts() == (start, own + 2)
    with app.app_context():
        assert ext.migration_owners()[0].runner(database).down() == ["0041_student_stamps"]
    before, none = counts()
    assert none is None and before > start  # down moved every class's stamp once
    world.mark(lesson, world.boris, "4")
    world.attendance(lesson, world.boris, "late", minutes_late=3)
    assert counts() == (before + 2, None)
    with app.app_context():
        assert ext.upgrade()["core"] == ["0041_student_stamps"]
    after, own = counts()
    assert after > before + 2 and own == 0
    world.mark(lesson, world.boris, "5", slot=1)
    assert counts() == (after, 0)
    with app.app_context():
        assert stamps.student_stamp(database, world.boris) == 1


def test_a_move_to_another_class_mid_week_still_rebuilds(app, world: World):
    world.lesson(world.today, 1, topic="5А")
    world.lesson(world.today, 2, class_id=world.c6, topic="6Б")
    weeks = Weeks(app, world)
    weeks.rebuilt(world.anna)
    yesterday = world.today - dt.timedelta(days=1)
    _sql(app, "UPDATE class_membership SET ends_on = ? WHERE student_id = ? AND ends_on IS NULL",
         (yesterday.isoformat(), world.anna))
    _sql(app, "INSERT INTO class_membership (student_id, class_group_id, starts_on) VALUES (?, ?, ?)",
         (world.anna, world.c6, world.today.isoformat()))
    assert weeks.rebuilt(world.anna) == [world.anna]
    assert [x["topic"] for x in weeks.read(world.anna)["days"][0]["lessons"]] == ["6Б"]
