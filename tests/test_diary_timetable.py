"""The diary's week from the timetable (issue 18): days whose lessons are not in the journal yet show the
timetable (with substitutions), the journal's topic, homework and marks as they come; subgroups only to their
students; the page opens on today; the same in the API; the cache follows the timetable; constant queries."""
from __future__ import annotations

import datetime as dt
import json

from eschool.testing import login


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _week_of_planned_days(world) -> dt.date:
    """A Monday inside the second quarter with all five days ahead of today (next week)."""
    return _monday(world.today) + dt.timedelta(days=7)


def test_next_weeks_timetable_with_a_substitution_and_the_journals_lessons_as_they_come(app, world):
    from eschool.auth.models import User
    from eschool.journal import services as journal
    from eschool.journal.models import Lesson
    from eschool.school.models import ClassGroup
    from eschool.structure.models import School
    from eschool.timetable import services as timetable
    from eschool.timetable.models import TimetableEntry

    monday = _week_of_planned_days(world)
    tuesday = monday + dt.timedelta(days=1)
    with app.test_request_context():
        school = School.get_by_id(world.school)
        entry = TimetableEntry.get((TimetableEntry.class_group == world.c5) & (TimetableEntry.weekday == 2))
        timetable.substitute(school, {"entry_id": entry.id, "date": tuesday, "teacher_id": world.user_id("other")})
    client = app.test_client()
    login(client, "parent")
    html = client.get(f"/diary?date={monday.isoformat()}").get_data(as_text=True)
    days = html[html.index('class="diary-days"'):]
    assert days.count("Математика") == 5  # every school day of the week, none of it in the journal yet
    assert "Уроков нет." in days  # Saturday
    after = (tuesday + dt.timedelta(days=1)).isoformat()
    tuesday_card = days[days.index(f'id="day-{tuesday.isoformat()}"'):days.index(f'id="day-{after}"')]
    assert "Другой Учитель" in tuesday_card and "Учитель Предметник" not in tuesday_card  # the substitute
    # this week: the teacher opened the grid and entered Monday's topic; the rest is still the timetable's
    this_monday = _monday(world.today)
    with app.test_request_context():
        journal.ensure_lessons(ClassGroup.get_by_id(world.c5), this_monday, world.today)
        lesson = Lesson.get((Lesson.class_group == world.c5) & (Lesson.date == this_monday))
        journal.set_lesson(User.get_by_id(world.user_id("teacher")), lesson, {"topic": "Проценты"})
    html = client.get(f"/diary?date={this_monday.isoformat()}").get_data(as_text=True)
    days = html[html.index('class="diary-days"'):]
    assert days.count("Математика") == 5 and "Проценты" in days  # the journal's lessons replace the timetable's
    if world.today.isoweekday() == 1:
        assert "в журнале ещё нет" not in days[:days.index(f'id="day-{(this_monday + dt.timedelta(days=1)).isoformat()}"')]


def test_the_api_and_the_page_say_the_same_planned_week_and_subgroups(app, world, api_token):
    """``week_answer`` (the API's plain rows) equals the schema's dump of ``weeks`` for a week of the timetable
    with subgroups: one assigned (only its members), two parallel ones nobody is assigned to (shown once, named
    after both), and a lesson of the journal where a student not in the subgroup has a mark (shown to them)."""
    from flask import url_for

    from eschool.diary import services
    from eschool.diary.answer import week_answer
    from eschool.diary.schemas import DiarySchema
    from eschool.journal.models import Lesson
    from eschool.people.models import Student, SubgroupMembership
    from eschool.school.models import Subgroup
    from eschool.structure.models import School
    from eschool.timetable import services as timetable

    monday = _week_of_planned_days(world)
    anna, boris = world.students[0], world.students[1]
    with app.app_context():
        school = School.get_by_id(world.school)
        group_1 = Subgroup.create(class_group=world.c5, name="1 группа")
        group_2 = Subgroup.create(class_group=world.c5, name="2 группа")
        chosen = Subgroup.create(class_group=world.c5, name="Информатика")
        SubgroupMembership.create(subgroup=chosen, student=boris)
        for subgroup, teacher in ((group_1, "teacher"), (group_2, "other")):
            timetable.add_entry(school, {"class_id": world.c5, "weekday": 3, "number": 4, "subject_id": world.maths,
                                         "teacher_id": world.user_id(teacher), "room_id": None,
                                         "subgroup_id": subgroup.id})
        timetable.add_entry(school, {"class_id": world.c5, "weekday": 4, "number": 5, "subject_id": world.maths,
                                     "teacher_id": world.user_id("other"), "room_id": None, "subgroup_id": chosen.id})
    start, end = monday, monday + dt.timedelta(days=6)
    with app.app_context():  # Informatics given in the journal on Wednesday; Anna, not in the group, has a mark there
        from eschool.journal.models import Mark

        given = Lesson.create(school=world.school, class_group=world.c5, subject=world.maths,
                              date=monday + dt.timedelta(days=2), number=6, teacher=world.user_id("other"),
                              subgroup=chosen.id)
        Mark.create(lesson=given, student=anna, value="5", numeric=5)
    expected = {anna: ["1 группа, 2 группа", "Информатика"],
                boris: ["1 группа, 2 группа", "Информатика", "Информатика"]}
    for student_id in (anna, boris):
        with app.test_request_context():
            student = Student.get_by_id(student_id)
            lean = week_answer(student, start, end, services.week_key(student_id, start, end)[3],
                               lambda file_id: url_for("diary_api.homework_file", file_id=file_id))
            full = DiarySchema().dump(services.weeks([student], start, end, all_days=False)[student_id])
        lean, full = json.loads(app.json.dumps(lean)), json.loads(app.json.dumps(full))
        assert lean == full, student_id
        lessons = [item for day in lean["days"] for item in day["lessons"]]
        assert all(item["planned"] == (item["id"] is None) for item in lessons)
        assert sum(not item["planned"] for item in lessons) == 1
        assert [item["subgroup"] for item in lessons if item["subgroup"]] == expected[student_id], student_id
    headers = api_token("parent")
    answer = app.test_client().get(f"/api/v1/diary?start={start}&end={end}", headers=headers).get_json()
    assert answer["days"] and all("planned" in item for day in answer["days"] for item in day["lessons"])


def test_the_week_opens_on_today_folded_before_it_and_the_cache_follows_the_timetable(app, world, count_queries):
    from eschool.structure.models import School
    from eschool.timetable import services as timetable
    from eschool.timetable.models import TimetableEntry

    client = app.test_client()
    login(client, "parent")
    html = client.get("/diary").get_data(as_text=True)
    today = world.today
    if today.isoweekday() <= 6:  # today's card is open, the days before it folded, the strip marks today
        card = html[html.index(f'id="day-{today.isoformat()}"'):]
        assert "<details open>" in card[:400] and "diary-today" in html[html.index(f'id="day-{today.isoformat()}"') - 200:]
        assert 'aria-current="date"' in html
        for back in range(1, today.weekday() + 1):
            earlier = html[html.index(f'id="day-{(today - dt.timedelta(days=back)).isoformat()}"'):]
            assert "<details>" in earlier[:300]
    monday = _week_of_planned_days(world)
    url = f"/diary?date={monday.isoformat()}"
    with app.app_context(), count_queries() as first:
        client.get(url)
    with app.app_context(), count_queries() as again:
        html = client.get(url).get_data(as_text=True)
    assert again.count < first.count  # the week comes from the cache
    with app.app_context():  # the timetable changes: the next read shows it (the class's stamp moved)
        entry = TimetableEntry.get((TimetableEntry.class_group == world.c5) & (TimetableEntry.weekday == 1))
        timetable.remove_entry(School.get_by_id(world.school), entry.id)
    html = client.get(url).get_data(as_text=True)
    assert html[html.index('class="diary-days"'):].count("Математика") == 4
    # more lessons in the timetable: the week still costs the same number of queries
    with app.app_context():
        school = School.get_by_id(world.school)
        for weekday in range(1, 6):
            for number in (5, 6, 7):
                timetable.add_entry(school, {"class_id": world.c5, "weekday": weekday, "number": number,
                                             "subject_id": world.maths, "teacher_id": world.user_id("teacher"),
                                             "room_id": None})
    with app.app_context(), count_queries() as more:
        html = client.get(url).get_data(as_text=True)
    assert more.count == first.count, (first.count, more.count)
    assert html[html.index('class="diary-days"'):].count("Математика") == 19


def test_a_family_reads_the_class_timetable_and_the_school_page_sends_them_there(app, world):
    client = app.test_client()
    login(client, "student")
    answer = client.get(f"/school/{world.school}/timetable")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/diary/timetable")
    html = client.get("/diary/timetable").get_data(as_text=True)
    assert html.count("Математика") == 5 and "Учитель Предметник" in html
    assert 'href="/account/password"' in html  # a student changes their own password from the account menu
    staff = app.test_client()
    login(staff, "teacher")
    assert staff.get(f"/school/{world.school}/timetable").status_code == 200  # the staff's page as before
    assert staff.get("/diary/timetable").status_code == 403


def test_the_period_marks_page_is_a_row_per_subject(app, world):
    """On a phone the period's marks are a line per subject; figures and the chart open on a tap."""
    from eschool.journal.models import Lesson, Mark

    with app.app_context():
        lesson = Lesson.create(school=world.school, class_group=world.c5, subject=world.maths, date=world.today,
                               number=2, teacher=world.user_id("teacher"))
        Mark.create(lesson=lesson, student=world.students[0], value="4", numeric=4)
    client = app.test_client()
    login(client, "parent")
    html = client.get("/diary/summary").get_data(as_text=True)
    main = html[html.index("<main"):]
    assert 'class="diary-subject-list"' in main and '<details class="diary-subject"' in main
    assert '<h1 class="diary-title">' in main and "Математика" in main and 'class="diary-average">4,00<' in main
