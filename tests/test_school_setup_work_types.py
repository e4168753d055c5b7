"""A school's default work types belong to its setup: made with the school (the region's weights), made by
``eschool db upgrade`` for older schools that have none, and only read on the journal's hot path (the first
mark of a school once wrote them, and met "database is locked" beside another save: issue #11)."""
import threading
from decimal import Decimal

from tests.conftest import login
from tests.journal_world import build_world, recent_lesson


def _samara_with_weights(make_app, regions_copy):
    regions_copy.replace("samara", "first_grade_marks = false",
                         "first_grade_marks = false\nwork_type_weights = { test = 3.0, oral = 0.5 }")
    return make_app(region="samara")


def test_a_new_school_is_set_up_with_the_default_work_types_and_the_regions_weights(make_app, regions_copy):
    from eschool.journal.models import WorkType
    from eschool.structure import services as structure

    app = _samara_with_weights(make_app, regions_copy)
    with app.app_context():
        muni = structure.sync_municipalities(app.extensions["eschool"].region)[0]
        school = structure.create_school(muni, "Школа №42", "Школа №42")
        weights = {w.code: w.weight for w in WorkType.select().where(WorkType.school == school)}
    assert weights["test"] == Decimal("3") and weights["oral"] == Decimal("0.5") and weights["lab"] == Decimal("1.5")
    assert len(weights) == 7


def test_reading_the_work_types_writes_nothing(app, demo):
    from eschool.journal import services
    from eschool.journal.models import WorkType

    with app.app_context():
        school = demo["school"]
        WorkType.delete().where(WorkType.school == school).execute()
        assert services.work_types(school) == []
        assert not WorkType.select().where(WorkType.school == school).exists()


def test_db_upgrade_sets_up_the_schools_made_before_with_the_regions_weights(make_app, regions_copy):
    from eschool.journal.models import WorkType
    from eschool.structure import services as structure

    app = _samara_with_weights(make_app, regions_copy)
    with app.app_context():
        muni = structure.sync_municipalities(app.extensions["eschool"].region)[0]
        bare = structure.create_school(muni, "Старая школа", "Старая школа")
        kept = structure.create_school(muni, "Своя школа", "Своя школа")
        WorkType.delete().where(WorkType.school == bare).execute()  # as a school made before the defaults
        WorkType.delete().where((WorkType.school == kept) & (WorkType.code != "test")).execute()
        WorkType.update(weight=Decimal("4")).where(WorkType.school == kept).execute()
        app.extensions["eschool"].upgrade()
        app.extensions["eschool"].upgrade()  # idempotent
        made = {w.code: w.weight for w in WorkType.select().where(WorkType.school == bare)}
        assert len(made) == 7 and made["test"] == Decimal("3") and made["oral"] == Decimal("0.5")
        # a school that has work types of its own keeps them as they are
        assert [(w.code, w.weight) for w in WorkType.select().where(WorkType.school == kept)] == [("test", Decimal("4"))]


def test_a_mark_where_the_school_offers_no_work_type_is_refused_clearly(app, client, demo):
    from eschool.journal.models import Mark, WorkType

    world = build_world(app, demo)
    login(client, "teacher")
    assert client.get(world["grid"]).status_code == 200
    lesson = recent_lesson(app, world)
    with app.app_context():
        WorkType.update(active=False).where(WorkType.school == world["school"]).execute()
    answer = client.post(f"{world['base']}/lesson/{lesson.id}/mark",
                         json={"student_id": world["students"][0], "slot": 0, "value": "5", "version": None})
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert "work_type_id" in answer.get_data(as_text=True)
    with app.app_context():
        assert not Mark.select().exists()


def test_first_marks_saved_at_once_by_two_teachers_windows_all_succeed(app, demo):
    """The issue's failure: the school's first marks, saved at once (two browser tabs, the grid's quick
    typing), on a file SQLite database (the tests' default leg) or PostgreSQL: every save answers 200."""
    from eschool.journal.models import Mark

    world = build_world(app, demo)
    opener = app.test_client()
    login(opener, "teacher")
    assert opener.get(world["grid"]).status_code == 200
    lesson = recent_lesson(app, world)
    url = f"{world['base']}/lesson/{lesson.id}/mark"
    answers, start = [], threading.Barrier(3)

    def save(student):
        client = app.test_client()
        login(client, "teacher")
        start.wait()
        for slot in range(5):
            response = client.post(url, json={"student_id": student, "slot": slot, "value": "5", "version": None})
            answers.append((response.status_code, response.get_data(as_text=True)[:300]))

    threads = [threading.Thread(target=save, args=(s,)) for s in world["students"][:3]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a for a in answers if a[0] != 200] == []
    with app.app_context():
        assert Mark.select().where(Mark.lesson == lesson.id).count() == 15
