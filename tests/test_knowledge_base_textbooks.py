"""Knowledge base, part 3: smart textbooks (chapters, sections with media and practice tasks), each student's
progress, the class's map and the hardest sections, resuming where one stopped; part 4: parents see it."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.test_knowledge_base_tests import _students_with_accounts


@pytest.fixture
def book(app, client, world, login_as, api_token):
    teacher = login_as("teacher")
    r = teacher.post(f"/knowledge_base/school/{world.school}/textbooks",
                     data={"title": "Математика 5: дроби", "subject": "Математика", "grade": "5"})
    assert r.status_code == 302, r.get_data(as_text=True)
    book_id = int(r.headers["Location"].rstrip("/").split("/")[-1])
    base = f"/knowledge_base/school/{world.school}/textbooks/{book_id}"
    assert teacher.post(base, data={"title": "Глава 1. Дроби"}).status_code == 302
    question = client.post(f"/api/v1/knowledge_base/schools/{world.school}/questions", headers=api_token("teacher"),
                           json={"subject_id": world.maths, "kind": "number", "text": "1/2 = ?", "value": 0.5}).get_json()
    with app.app_context():
        from eschool_knowledge_base.models import Chapter

        chapter = Chapter.get(Chapter.textbook == book_id)
    for title in ("Что такое дробь", "Сравнение дробей", "Сложение дробей"):
        assert teacher.post(base, data={"chapter_id": chapter.id, "title": title, "body": f"## {title}",
                                        "question_ids": [question["id"]]}).status_code == 302
    with app.app_context():
        from eschool_knowledge_base.models import Section

        sections = [s.id for s in Section.select().where(Section.textbook == book_id).order_by(Section.position)]
    return {"id": book_id, "sections": sections, "question": question["id"], "base": base,
            "api": f"/api/v1/knowledge_base/schools/{world.school}/textbooks/{book_id}"}


def test_a_student_works_through_sections_and_resumes_where_they_stopped(app, client, world, book, api_token,
                                                                          login_as):
    from eschool_knowledge_base.models import Progress

    student = api_token("student")
    contents = client.get(book["api"], headers=student).get_json()
    assert contents["resume_section_id"] == book["sections"][0]
    first = client.get(f"{book['api']}/sections/{book['sections'][0]}", headers=student).get_json()
    assert first["tasks"] and "value" not in first["tasks"][0]  # no key
    answered = client.post(f"{book['api']}/sections/{book['sections'][0]}/answers", headers=student,
                           json={"answers": {str(book["question"]): "0,5"}}).get_json()
    assert answered["completed"] and answered["tasks_correct"] == 1
    assert client.get(book["api"], headers=student).get_json()["resume_section_id"] == book["sections"][1]
    client.get(f"{book['api']}/sections/{book['sections'][1]}", headers=student)
    assert client.get(book["api"], headers=student).get_json()["resume_section_id"] == book["sections"][1]
    page = login_as("student").get(book["base"])
    assert page.status_code == 200 and "Сравнение дробей" in page.get_data(as_text=True)
    # time is counted on the server between a student's steps
    with app.app_context():
        Progress.update(last_seen_at=dt.datetime.utcnow() - dt.timedelta(minutes=3)).where(
            Progress.section == book["sections"][1]).execute()
    login_as("student").post(f"{book['base']}/sections/{book['sections'][1]}", data={f"q{book['question']}": "1"})
    with app.app_context():
        row = Progress.get(Progress.section == book["sections"][1])
        assert 170 <= row.seconds <= 400 and row.completed_at is not None and row.tasks_correct == 0
    # the parent sees the child's progress; a teacher the class map and the hardest sections
    child = login_as("parent").get(f"/knowledge_base/school/{world.school}/child").get_data(as_text=True)
    assert "Математика 5: дроби" in child and "2" in child
    progress = client.get(f"{book['api']}/progress?class_id={world.c5}", headers=api_token("teacher")).get_json()
    assert progress["hardest"][0]["section_id"] == book["sections"][1]
    assert len(progress["students"]) == 6 and len(progress["cells"]) == 2
    page = login_as("teacher").get(f"{book['base']}/progress?class_id={world.c5}")
    assert page.status_code == 200 and "Сравнение дробей" in page.get_data(as_text=True)


def test_who_may(app, client, world, book, api_token, login_as):
    student = api_token("student")
    assert client.get(f"{book['api']}/progress?class_id={world.c5}", headers=student).status_code == 403
    assert login_as("student").get(f"{book['base']}/progress?class_id={world.c5}").status_code == 403
    assert login_as("student").post(book["base"], data={"title": "Глава X"}).status_code == 403
    assert login_as("other").post(book["base"], data={"title": "Глава X"}).status_code == 403
    # a parent reads but does not answer
    assert client.post(f"{book['api']}/sections/{book['sections'][0]}/answers", headers=api_token("parent"),
                       json={"answers": {}}).status_code == 403
    # a textbook of another school's URL is not found
    assert client.get(f"/api/v1/knowledge_base/schools/{world.school + 1}/textbooks/{book['id']}",
                      headers=student).status_code in (403, 404)


def test_progress_map_queries_stay_flat_in_students(app, client, world, book, api_token, count_queries):
    names = _students_with_accounts(app, world, 6)
    teacher = api_token("teacher")

    def work(who):
        h = api_token(who)
        for section in book["sections"]:
            client.post(f"{book['api']}/sections/{section}/answers", headers=h, json={"answers": {}})

    def count():
        with app.app_context(), count_queries() as counted:
            assert client.get(f"{book['api']}/progress?class_id={world.c5}", headers=teacher).status_code == 200
        return counted.count

    work(names[0])
    count()
    small = count()
    for who in names[1:]:
        work(who)
    assert count() == small


def _published_material(client, world, api_token, login_as):
    """A published material «Дроби: памятка» of 5А's maths teacher, the class's lessons made: (API, id, headers)."""
    teacher = api_token("teacher")
    api = f"/api/v1/knowledge_base/schools/{world.school}"
    mid = client.post(f"{api}/materials", headers=teacher, json={"title": "Дроби: памятка", "subject": "Математика",
                                                                "body": "Текст"}).get_json()["id"]
    client.post(f"{api}/materials/{mid}/publish", headers=teacher)
    login_as("teacher").get(f"/knowledge_base/school/{world.school}/materials/{mid}")  # lessons made
    return api, mid, teacher


def test_parents_see_assigned_materials_tests_and_results_in_the_diary(app, client, world, book, api_token, login_as):
    """Part 4: the diary day, the start page and the student card show the child's knowledge base."""
    from eschool.journal.models import Lesson

    api, mid, teacher = _published_material(client, world, api_token, login_as)
    with app.app_context():
        lesson = Lesson.select().where((Lesson.class_group == world.c5) & (Lesson.date <= world.today)).order_by(
            Lesson.date.desc()).first()
    assert client.post(f"{api}/materials/{mid}/assign", json={"lesson_id": lesson.id}, headers=teacher).status_code == 201
    parent = login_as("parent")
    diary = parent.get(f"/diary?date={lesson.date.isoformat()}").get_data(as_text=True)
    assert "Дроби: памятка" in diary and f"/knowledge_base/school/{world.school}/materials/{mid}" in diary
    start = parent.get("/dashboard").get_data(as_text=True)
    assert "Knowledge base" in start or "База знаний" in start
    # the parent opens the material under their school's URL; a parent of no child there sees no child
    assert parent.get(f"/knowledge_base/school/{world.school}/materials/{mid}").status_code == 200
    assert parent.get(f"/knowledge_base/school/{world.school}/child?student_id={world.others[0]}").status_code == 404


def test_the_student_card_shows_the_knowledge_base(app, world, book, login_as):
    """The class teacher opens a student's card: the knowledge base's section (textbooks, tests, materials)."""
    client = login_as("classteacher")
    html = client.get(f"/school/{world.school}/students/{world.students[0]}",
                      headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "База знаний" in html and "Математика 5: дроби" in html


def test_the_diary_week_reads_the_knowledge_base_once_not_once_a_day(app, client, world, book, api_token, login_as,
                                                                     count_queries):
    """The diary fills every day's slot: the materials and tests of the week are read once for the week
    (two statements, not two a day), and each material shows on its own day only."""
    from eschool.journal.models import Lesson

    api, mid, teacher = _published_material(client, world, api_token, login_as)
    with app.app_context():
        lessons = list(Lesson.select().where((Lesson.class_group == world.c5) & (Lesson.date <= world.today))
                       .order_by(Lesson.date))
    weeks: dict = {}
    for lesson in lessons:  # the latest week with lessons on two days or more
        weeks.setdefault(lesson.date - dt.timedelta(days=lesson.date.weekday()), []).append(lesson)
    week = next(w for _monday, w in sorted(weeks.items(), reverse=True) if len({x.date for x in w}) >= 2)
    days = sorted({lesson.date for lesson in week})
    first = next(lesson for lesson in week if lesson.date == days[0])
    second = next(lesson for lesson in week if lesson.date == days[-1])
    parent = login_as("parent")
    url = f"/diary?date={days[-1].isoformat()}"
    shown = f'📘 <a href="/knowledge_base/school/{world.school}/materials/{mid}">'  # the day's slot
    assert shown not in parent.get(url).get_data(as_text=True)
    assert client.post(f"{api}/materials/{mid}/assign", json={"lesson_id": first.id}, headers=teacher).status_code == 201
    with count_queries() as one_day:
        html = parent.get(url).get_data(as_text=True)
    assert html.count(shown) == 1
    assert client.post(f"{api}/materials/{mid}/assign", json={"lesson_id": second.id}, headers=teacher).status_code == 201
    with count_queries() as two_days:
        html = parent.get(url).get_data(as_text=True)
    assert html.count(shown) == 2
    assert two_days.count <= one_day.count
    # the week's materials and tests: one statement each, whatever the days shown (were two a day)
    assert sum('"knowledge_base_' in sql for sql in two_days.statements) == 2, two_days.statements
