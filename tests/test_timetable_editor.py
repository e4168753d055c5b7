"""The timetable's week editor through the real routes: a place of a class's week typed by names (a subject
alone brings its teacher), changed and emptied; clashes and unknown names refused with the cell named and
nothing saved; the whole week as one plain form, all or nothing; the journal's empty future lessons follow a
changed timetable; only the timetable's managers get in; the page's query count does not grow with the week.

The kit's world: 5А has Математика at lesson 2 every weekday with «Учитель Предметник», 6Б at lesson 3 with
«Другой Учитель».
"""
import datetime as dt

import pytest


@pytest.fixture
def place(app, world):
    """Rooms 201 and 305 and a second subject; ``place(weekday, number)``: 5А's lessons there as
    (subject, teacher, room name) with the subject's and teacher's names."""
    from eschool.school import services as school_services
    from eschool.structure.models import School

    with app.app_context():
        school = School.get_by_id(world.school)
        school_services.add_room(school, {"name": "201"})
        school_services.add_room(school, {"name": "305"})
        school_services.add_subject(school, {"name": "Русский язык", "short_name": "Рус"})

    def read(weekday, number, class_id=None):
        from eschool.timetable.models import TimetableEntry

        with app.app_context():
            return [(e.subject.name, e.teacher.full_name, e.room.name if e.room_id else None)
                    for e in TimetableEntry.select().where(
                        (TimetableEntry.class_group == (class_id or world.c5)) & (TimetableEntry.weekday == weekday)
                        & (TimetableEntry.number == number)).order_by(TimetableEntry.id)]
    return read


def _cell(client, world, weekday, number, *rows):
    return client.post(f"/school/{world.school}/timetable/edit/cell", json={
        "class_id": world.c5, "weekday": weekday, "number": number,
        "rows": [dict(zip(("entry", "subgroup", "subject", "teacher", "room"), row, strict=False)) for row in rows]})


def test_a_place_of_the_week_is_typed_changed_and_emptied(app, world, login_as, api_token, place):
    from eschool.journal import services as journal
    from eschool.journal.models import Lesson
    from eschool.timetable.models import TimetableEntry

    admin = login_as("admin")
    page = admin.get(f"/school/{world.school}/timetable/edit?class={world.c5}").get_data(as_text=True)
    assert 'id="cell-1-2"' in page and 'value="Математика"' in page and 'list="tt-teachers"' in page
    # a unique beginning is enough; the teacher comes from the teaching assignment
    added = _cell(admin, world, 1, 4, ("", "", "мат", "", "201"))
    assert added.status_code == 200, added.get_json()
    assert place(1, 4) == [("Математика", "Учитель Предметник", "201")]
    assert 'value="Учитель Предметник"' in added.get_json()["html"]
    with app.app_context():
        entry = TimetableEntry.get((TimetableEntry.class_group == world.c5) & (TimetableEntry.number == 4)).id
    # an unknown name, a subject nobody teaches in the class, a clash (6Б's teacher at lesson 3): refused
    unknown = _cell(admin, world, 1, 4, (str(entry), "", "Химия", "", ""))
    assert unknown.status_code == 400 and unknown.get_json()["error"]["fields"] == {
        "rows.0.subject_id": ["В школе нет предмета «Химия»."]}
    untaught = _cell(admin, world, 1, 5, ("", "", "Русский язык", "", ""))
    assert untaught.status_code == 400 and "rows.0.teacher_id" in untaught.get_json()["error"]["fields"]
    clash = _cell(admin, world, 1, 3, ("", "", "Мат", "Другой Учитель", ""))
    assert clash.status_code == 409
    assert clash.get_json()["error"]["message"] == ("У учителя в это время уже есть урок: 6Б, Математика, "
                                                    "понедельник, урок 3.")
    assert place(1, 3) == [] and place(1, 4) == [("Математика", "Учитель Предметник", "201")]
    # a room taken by another class at that time
    _cell(admin, world, 1, 4, (str(entry), "", "Математика", "", "305"))
    assert place(1, 4) == [("Математика", "Учитель Предметник", "305")]

    # the journal's lessons of the next weeks follow the change; a lesson with a topic stays as it was
    with app.test_request_context():
        from flask_login import login_user

        from eschool.auth.models import User
        from eschool.school.models import ClassGroup

        group = ClassGroup.get_by_id(world.c5)
        today = journal.local_today()
        monday = today + dt.timedelta(days=7 - today.weekday())  # next Monday
        journal.ensure_lessons(group, monday, monday + dt.timedelta(days=7))
        kept = Lesson.get((Lesson.timetable_entry == entry) & (Lesson.date == monday + dt.timedelta(days=7)))
        login_user(User.get_by_id(world.user_id("teacher")))
        Lesson.update(topic="Дроби").where(Lesson.id == kept.id).execute()
    changed = _cell(admin, world, 1, 4, (str(entry), "", "Рус", "Классный Руководитель", ""))
    assert changed.status_code == 200, changed.get_json()
    assert place(1, 4) == [("Русский язык", "Классный Руководитель", None)]
    with app.app_context():
        journal.ensure_lessons(ClassGroup.get_by_id(world.c5), monday, monday + dt.timedelta(days=7))
        lessons = {(row.date, row.subject.name) for row in Lesson.select().where(
            (Lesson.class_group == world.c5) & (Lesson.number == 4))}
    assert lessons == {(monday, "Русский язык"), (monday + dt.timedelta(days=7), "Математика")}
    # emptied: the lesson leaves the week
    assert _cell(admin, world, 1, 4, (str(entry), "", "", "", "")).status_code == 200
    assert place(1, 4) == []
    # the same through the API, by ids: PUT a place's lessons; a clash is 409 naming the row's field
    api = f"/api/v1/schools/{world.school}/timetable/cell"
    headers = api_token("admin")
    put = app.test_client().put(api, headers=headers, json={
        "class_id": world.c5, "weekday": 5, "number": 6, "rows": [{"subject_id": world.maths}]})
    assert put.status_code == 200, put.get_json()
    assert [(r["subject"], r["teacher"]) for r in put.get_json()] == [("Математика", "Учитель Предметник")]
    clash = app.test_client().put(api, headers=headers, json={
        "class_id": world.c5, "weekday": 5, "number": 3,
        "rows": [{"subject_id": world.maths, "teacher_id": world.user_id("other")}]})
    assert clash.status_code == 409 and "rows.0.teacher_id" in clash.get_json()["error"]["fields"]
    assert place(5, 3) == []


@pytest.mark.parametrize("who", ["teacher", "class_teacher", "parent", "secretary"])
def test_only_the_timetables_managers_edit_it(app, world, login_as, api_token, who):
    client = login_as(who)
    base = f"/school/{world.school}/timetable/edit"
    assert client.get(f"{base}?class={world.c5}").status_code == 403
    assert _cell(client, world, 1, 4, ("", "", "Математика", "", "")).status_code == 403
    assert client.post(f"{base}?class={world.c5}", data={"c-1-4-0-subject": "Математика"}).status_code == 403
    assert app.test_client().put(f"/api/v1/schools/{world.school}/timetable/cell", headers=api_token(who), json={
        "class_id": world.c5, "weekday": 1, "number": 4, "rows": [{"subject_id": world.maths}]}).status_code == 403
    with app.app_context():
        from eschool.timetable.models import TimetableEntry

        assert not TimetableEntry.select().where(TimetableEntry.number == 4).exists()


def test_the_whole_week_as_one_form_is_saved_all_or_nothing(app, world, login_as, place):
    deputy = login_as("deputy")
    url = f"/school/{world.school}/timetable/edit?class={world.c5}"
    form = {"c-2-5-0-entry": "", "c-2-5-0-subject": "Математика", "c-2-5-0-teacher": "", "c-2-5-0-room": "",
            "c-3-3-0-entry": "", "c-3-3-0-subject": "Математика", "c-3-3-0-teacher": "Другой Учитель",
            "c-3-3-0-room": ""}
    refused = deputy.post(url, data=form)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "Ничего не сохранено" in page
    assert 'href="#cell-3-3">среда, урок 3</a>: У учителя в это время уже есть урок: 6Б' in page
    assert 'value="Другой Учитель"' in page  # what was typed comes back, to be corrected
    assert place(2, 5) == [] and place(3, 3) == []
    form["c-3-3-0-teacher"] = ""
    saved = deputy.post(url, data=form)
    assert saved.status_code == 302
    assert place(2, 5) == [("Математика", "Учитель Предметник", None)] == place(3, 3)
    assert "Сохранено: изменено 2 места" in deputy.get(saved.headers["Location"]).get_data(as_text=True)

    # a class in two halves: both subgroups share a place, the whole class and a half do not
    from eschool.school import services as school_services
    from eschool.school.models import Subgroup
    from eschool.structure.models import School

    with app.app_context():
        group = school_services.create_class(School.get_by_id(world.school), {
            "academic_year_id": world.year, "grade": 7, "letter": "В", "kind": "regular", "name": "", "shift": 1,
            "class_teacher_id": None, "subgroups": ["1 группа", "2 группа"]})
        halves = [g.id for g in Subgroup.select().where(Subgroup.class_group == group.id).order_by(Subgroup.name)]
    page = deputy.get(f"/school/{world.school}/timetable/edit?class={group.id}").get_data(as_text=True)
    assert 'name="c-1-1-0-subgroup"' in page and "весь класс" in page and "2 группа" in page
    cell = f"/school/{world.school}/timetable/edit/cell"
    halves_row = {"class_id": group.id, "weekday": 1, "number": 1, "rows": [
        {"subgroup": str(halves[0]), "subject": "Математика", "teacher": "Учитель Предметник"},
        {"subgroup": str(halves[1]), "subject": "Математика", "teacher": "Другой Учитель"}]}
    assert deputy.post(cell, json=halves_row).status_code == 200
    assert len(place(1, 1, class_id=group.id)) == 2
    halves_row["rows"].append({"subject": "Русский язык", "teacher": "Классный Руководитель"})
    whole = deputy.post(cell, json=halves_row)
    assert whole.status_code == 409 and "У класса в это время уже есть урок" in whole.get_json()["error"]["message"]


def test_the_editor_runs_the_same_number_of_queries_for_an_empty_and_a_full_week(app, world, login_as, place,
                                                                                 count_queries):
    from eschool.structure.models import School
    from eschool.timetable import services

    admin = login_as("admin")
    url = f"/school/{world.school}/timetable/edit?class={world.c6}"
    admin.get(url)
    with count_queries() as few:
        assert admin.get(url).status_code == 200
    with app.app_context():
        school = School.get_by_id(world.school)
        for weekday in range(1, 6):
            for number in (1, 2, 4, 5, 6):
                services.add_entry(school, {"class_id": world.c6, "weekday": weekday, "number": number,
                                            "subject_id": world.maths, "teacher_id": world.user_id("other"),
                                            "room_id": None})
    with count_queries() as many:
        assert admin.get(url).status_code == 200
    assert many.count == few.count, (few.count, many.count)
