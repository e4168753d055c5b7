"""The diary API's answer from plain rows (``diary/answer.py``) is exactly ``DiarySchema().dump(weeks(...))``:
the schema stays the one description of the answer, and every rule of the week (own marks only, homework
for chosen students, homework due, subgroups, a move between classes, bell times) holds in both."""
import datetime as dt
import json

from tests import test_diary
from tests.test_diary import World

world = test_diary.world  # the shared fixture: the diary's test school


def _both(app, student_id, start, end):
    from flask import url_for

    from eschool.diary import services
    from eschool.diary.answer import week_answer
    from eschool.diary.schemas import DiarySchema
    from eschool.people.models import Student

    with app.test_request_context():
        student = Student.get_by_id(student_id)
        memberships = services.week_key(student_id, start, end)[3]
        lean = week_answer(student, start, end, memberships,
                           lambda file_id: url_for("diary_api.homework_file", file_id=file_id))
        full = DiarySchema().dump(services.weeks([student], start, end, all_days=False)[student_id])
        return json.loads(app.json.dumps(lean)), json.loads(app.json.dumps(full))


def test_the_plain_answer_equals_the_schema_dump_of_the_week(app, world: World):
    from eschool.journal.models import Lesson
    from eschool.people.models import SubgroupMembership
    from eschool.school.models import Subgroup
    from eschool.structure.models import School

    monday = world.monday
    days = [monday + dt.timedelta(days=i) for i in range(5)]
    earlier = monday - dt.timedelta(days=3)
    with app.app_context():  # the Friday before this week is 8-9 days back on a weekend: inside a 14-day window
        School.update(journal_edit_days=14).where(School.id == world.school).execute()
    before = world.lesson(earlier, 1, topic="Раньше")
    world.homework(before, "На понедельник")  # set earlier, due later: shown on a lesson of the week
    with app.app_context():
        from eschool.journal.models import Homework

        Homework.update(due_on=days[1]).where(Homework.lesson == before).execute()
        english = Subgroup.create(class_group=world.c5, name="Английский, группа 1")
        SubgroupMembership.create(subgroup=english, student=world.boris)
    for i, day in enumerate(days):
        if day > world.today:
            break
        first = world.lesson(day, 1, topic=f"Тема {i}")
        second = world.lesson(day, 2, "russian")
        world.mark(first, world.anna, "5", work_type="test", comment="Молодец")
        world.mark(first, world.anna, "4", slot=1)
        world.mark(first, world.boris, "3")
        world.attendance(second, world.anna, "late", minutes_late=10)
        world.attendance(second, world.boris, "ill")
        world.homework(first, f"Упражнение {i}", links="https://example.org/x\n\nhttps://example.org/y")
        only = world.homework(second, "Только Борису", student_ids=[world.boris])
        world.file(only, "task.txt", b"12345")
        with app.app_context():
            group_lesson = Lesson.create(school=world.school, class_group=world.c5, subgroup=english,
                                         subject=world.russian, date=day, number=None, teacher=world.teacher,
                                         topic="Только группа 1")
        world.mark(group_lesson.id, world.boris, "5")
    start, end = monday, monday + dt.timedelta(days=6)
    for student in (world.anna, world.boris, world.vera):
        lean, full = _both(app, student, start, end)
        assert lean == full, student
    lean, _full = _both(app, world.boris, start, end)
    lessons = [item for day in lean["days"] for item in day["lessons"]]
    assert any(item["subgroup"] == "Английский, группа 1" for item in lessons)  # Boris's subgroup lesson
    assert any(item["homework_due"] for item in lessons) or world.today < days[1]
    anna, _full = _both(app, world.anna, start, end)
    anna_lessons = [item for day in anna["days"] for item in day["lessons"]]
    assert not any(item["subgroup"] for item in anna_lessons)  # not in the subgroup: not her lesson
    assert not any(h["text"] == "Только Борису" for item in anna_lessons for h in item["homework"])
    assert anna_lessons[0]["starts_at"] == "08:00" and anna_lessons[0]["marks"][0]["work_type"]


def test_a_move_mid_week_shows_each_class_on_its_own_days(app, world: World):
    from eschool.people.models import ClassMembership

    monday = world.monday
    world.lesson(monday, 1, topic="5А в понедельник")
    world.lesson(monday + dt.timedelta(days=1), 1, class_id=world.c6, topic="6Б во вторник")
    world.lesson(monday, 2, class_id=world.c6, topic="6Б в понедельник")
    with app.app_context():
        ClassMembership.update(ends_on=monday).where((ClassMembership.student == world.anna)
                                                     & ClassMembership.ends_on.is_null()).execute()
        ClassMembership.create(student=world.anna, class_group=world.c6, starts_on=monday + dt.timedelta(days=1))
    lean, full = _both(app, world.anna, monday, monday + dt.timedelta(days=6))
    assert lean == full
    topics = [item["topic"] for day in lean["days"] for item in day["lessons"]]
    assert topics == ["5А в понедельник", "6Б во вторник"]


def test_the_week_page_shows_what_the_plain_rows_hold(app, client, world: World):
    """The page renders the same rows: the class, the times, the weight and comment, the due date, links, files."""
    from eschool.auth.models import User
    from eschool.journal import services as journal
    from eschool.journal.models import Lesson
    from tests.conftest import login

    lesson = world.lesson(world.today, 2, topic="Дроби")
    world.mark(lesson, world.anna, "5", work_type="test", comment="Отлично")
    with app.test_request_context():
        hw = journal.set_homework(User.get_by_id(world.teacher), Lesson.get_by_id(lesson),
                                  {"text": "Задачи 1-5", "due_on": world.today + dt.timedelta(days=2),
                                   "links": "https://example.org/t"})
    file_id = world.file(hw.id, "list.pdf", b"%PDF-1.4 x")
    login(client, "parent")
    html = client.get(f"/diary?date={world.today.isoformat()}").get_data(as_text=True)
    assert "Класс 5А" in html and "08:50–09:30" in html and "Учитель Предметник" in html
    assert "(вес 2.0)" in html and "— Отлично" in html and "×2.0" in html
    assert "https://example.org/t" in html and f'href="/diary/files/{file_id}"' in html and "list.pdf" in html
    due = world.today + dt.timedelta(days=2)
    assert f"(к {due.day} " in html  # the due date, "by ..."
