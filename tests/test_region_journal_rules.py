"""Two region rules of the journal (issue 17): in Samara every teacher reads every class's journal (and
keeps only their own lessons); in Kuzbass the 1st grade gets no homework (the journal refuses it, the
lesson form says so, the demo makes none)."""
import datetime as dt
import random

import pytest

from eschool.testing import build_world, login


def _first_grade(app, world):
    """1А with maths by ``teacher`` every weekday (lesson 4), two students; returns its id."""
    from eschool.auth.models import User
    from eschool.school import services as school_services
    from eschool.structure.models import School
    from eschool.testing.world import enrol_students
    from eschool.timetable import services as timetable

    with app.app_context():
        school = School.get_by_id(world.school)
        teacher = User.get_by_id(world.user_id("teacher"))
        group = school_services.create_class(school, {
            "academic_year_id": world.year, "grade": 1, "letter": "А", "kind": "regular", "name": "", "shift": 1,
            "class_teacher_id": None, "subgroups": []})
        school_services.add_assignment(school, {"teacher_id": teacher.id, "class_id": group.id,
                                                "subject_id": world.maths, "subgroup_id": None})
        for weekday in range(1, 6):
            timetable.add_entry(school, {"class_id": group.id, "weekday": weekday, "number": 4,
                                         "subject_id": world.maths, "teacher_id": teacher.id, "room_id": None})
        enrol_students(school, group, 2, world.today - dt.timedelta(days=100), start=30)
        return group.id


def _lesson_of(app, world, class_id, client):
    """A lesson of the class on or before today (the grid makes them from the timetable)."""
    from eschool.journal.models import Lesson

    assert client.get(f"/school/{world.school}/journal/class/{class_id}/subject/{world.maths}").status_code == 200
    with app.app_context():
        return (Lesson.select().where((Lesson.class_group == class_id) & (Lesson.date <= world.today))
                .order_by(Lesson.date.desc()).first().id)


@pytest.fixture(params=["samara", "kemerovo"])
def region_world(request, make_app):
    app = make_app(region=request.param)
    return request.param, app, build_world(app)


def test_in_samara_every_teacher_reads_every_class_and_keeps_only_their_own(region_world, api_token):
    region, app, world = region_world
    keeper = app.test_client()
    login(keeper, "teacher")
    lesson = _lesson_of(app, world, world.c5, keeper)
    other = app.test_client()
    login(other, "other")  # teaches 6Б only
    grid = other.get(f"/school/{world.school}/journal/class/{world.c5}/subject/{world.maths}")
    page = other.get(f"/school/{world.school}/journal/lesson/{lesson}")
    index = other.get(f"/school/{world.school}/journal").get_data(as_text=True)
    api = app.test_client()
    from eschool.testing import bearer

    headers = bearer(app.test_client(), "other")
    read = api.get(f"/api/v1/journal/lessons/{lesson}", headers=headers)
    write = api.put(f"/api/v1/journal/lessons/{lesson}/marks", headers=headers,
                    json={"student_id": world.students[1], "slot": 0, "value": "5"})
    saved = other.post(f"/school/{world.school}/journal/lesson/{lesson}", data={f"m_{world.students[1]}": "5",
                                                                               f"m_{world.students[1]}_orig": ""})
    if region == "samara":
        assert grid.status_code == 200 and page.status_code == 200 and read.status_code == 200
        assert "5А · Математика" in index and ("(read only)" in index or "только чтение" in index)
        assert 'disabled' in page.get_data(as_text=True), "the lesson form is read only"
    else:
        assert grid.status_code == 403 and page.status_code == 403 and read.status_code == 403
    assert write.status_code == 403 and saved.status_code == 403, "keeping stays with the lesson's own teacher"
    with app.app_context():
        from eschool.journal.models import Mark

        assert not Mark.select().where(Mark.lesson == lesson).exists()
    for who in ("secretary", "parent", "student"):  # reading every journal is for teachers only
        client = app.test_client()
        login(client, who)
        assert client.get(f"/school/{world.school}/journal/class/{world.c5}/subject/{world.maths}").status_code \
            in (403, 404)


def test_the_first_grade_gets_no_homework_in_kuzbass(region_world, api_token):
    region, app, world = region_world
    first = _first_grade(app, world)
    teacher = app.test_client()
    login(teacher, "teacher")
    lesson = _lesson_of(app, world, first, teacher)
    answer = app.test_client().put(f"/api/v1/journal/lessons/{lesson}/homework", headers=api_token("teacher"),
                                   json={"text": "Прописи, с. 5"})
    form = teacher.get(f"/school/{world.school}/journal/lesson/{lesson}").get_data(as_text=True)
    fifth = _lesson_of(app, world, world.c5, teacher)
    fifth_answer = app.test_client().put(f"/api/v1/journal/lessons/{fifth}/homework", headers=api_token("teacher"),
                                         json={"text": "№ 12"})
    assert fifth_answer.status_code == 200
    with app.app_context():
        from eschool.journal.models import Homework

        stored = Homework.select().where(Homework.lesson == lesson).exists()
    if region == "kemerovo":
        assert answer.status_code == 400 and "text" in answer.get_json()["error"]["fields"]
        assert not stored and 'name="hw_text"' not in form
    else:
        assert answer.status_code == 200 and stored and 'name="hw_text"' in form


def test_the_kuzbass_demo_gives_the_first_grade_no_homework(make_app):
    from eschool.journal.models import Homework, Lesson
    from eschool.structure.models import School
    from eschool_demo.journal import build_journal_demo

    app = make_app(region="kemerovo")
    world = build_world(app)
    first = _first_grade(app, world)
    with app.app_context():
        build_journal_demo(School.get_by_id(world.school), random.Random(7), log=lambda *_: None)
        per_class = {c: Homework.select().join(Lesson).where(Lesson.class_group == c).count() for c in (first, world.c5)}
    assert per_class[first] == 0 and per_class[world.c5] > 0
