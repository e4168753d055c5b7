"""End to end: the teacher fills a lesson from the grid (what its page and script post), the parent logs in
and sees it all at once in the diary (page and API), and the class teacher's overview shows the average
the teacher's grid and the parent's diary show."""
import datetime as dt
import re
from html import unescape

from tests.conftest import bearer, login
from tests.journal_world import build_world, recent_lesson


def test_a_lesson_filled_on_the_grid_reaches_the_parent_and_the_class_teacher(app, client, demo):
    from eschool.auth.models import User
    from eschool.journal import services
    from eschool.journal.models import Lesson
    from eschool.people import services as people
    from eschool.people.models import Student

    world = build_world(app, demo)
    child, sibling = world["students"][:2]
    with app.app_context():  # the demo parent has a second child in the class
        people.link_guardian(Student.get_by_id(sibling), {"user_id": User.get(User.username == "parent").id,
                                                          "relation": "mother", "legal_representative": True})

    # ---- the teacher opens the grid: the page gives the CSRF token and the endpoints' base
    login(client, "teacher")
    page = client.get(world["grid"]).get_data(as_text=True)
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    base = unescape(re.search(r'data-base="([^"]+)"', page).group(1))
    lesson = recent_lesson(app, world)
    assert f'data-lesson="{lesson.id}"' in page
    with app.app_context():
        school_types = {w.code: w for w in services.work_types(Lesson.get_by_id(lesson.id).school)}
        test_type = school_types["test"]
        earlier = (Lesson.select().where((Lesson.class_group == world["c5"]) & (Lesson.date < lesson.date)
                                         & (Lesson.date >= world["today"] - dt.timedelta(days=6)))
                   .order_by(Lesson.date.desc()).first())
        # an earlier oral answer, so the average weighs two kinds of work: (5x2 + 4x2 + 3x1) / 5 = 4.20
        services.set_mark(User.get_by_id(world["teacher"]), earlier, child, 0, "3",
                          work_type_id=school_types["oral"].id)
    script = {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"}

    # the topic and the lesson's work type (the grid's topic endpoint)
    topic = client.post(f"{base}/lesson/{lesson.id}/topic", headers=script,
                        json={"topic": "Сложение дробей", "work_type_id": test_type.id, "version": lesson.version})
    assert topic.status_code == 200, topic.get_json()
    # the homework through the lesson's form (each date of the grid opens it)
    form = client.get(f"{base}/lesson/{lesson.id}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    saved = client.post(f"{base}/lesson/{lesson.id}", data={
        "csrf_token": csrf, "version": version, "topic": "Сложение дробей", "topic_orig": "Сложение дробей",
        "work_type_id": str(test_type.id), "work_type_orig": str(test_type.id), "hw_version": "",
        "hw_text": "№ 215, 217", "hw_text_orig": "", "hw_links": "", "hw_links_orig": "",
        "hw_minutes": "25", "hw_minutes_orig": "", "hw_due": "", "hw_due_orig": "", "hw_students_orig": ""})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:500]
    # two marks typed into the child's cell ("5 4"), then "н" in the sibling's cell: what journal.js posts
    first = client.post(f"{base}/lesson/{lesson.id}/mark", headers=script,
                        json={"student_id": child, "slot": 0, "value": "5", "version": None})
    second = client.post(f"{base}/lesson/{lesson.id}/mark", headers=script,
                         json={"student_id": child, "slot": 1, "value": "4", "version": None})
    absent = client.post(f"{base}/lesson/{lesson.id}/attendance", headers=script,
                         json={"student_id": sibling, "kind": "н", "version": None})
    assert [r.status_code for r in (first, second, absent)] == [200, 200, 200], [first.get_json(), absent.get_json()]
    assert first.get_json()["mark"]["weight"] == str(test_type.weight)
    grid = client.get(world["grid"]).get_data(as_text=True)
    grid_average = re.search(rf'data-avg="{child}">([^<]*)<', grid).group(1)
    assert grid_average == "4,20"
    client.post("/logout")

    # ---- the parent logs in through /login and opens the diary of that week: everything is there
    login(client, "parent")
    week = client.get("/diary", query_string={"date": lesson.date.isoformat(), "student": child})
    assert week.status_code == 200
    html = week.get_data(as_text=True)
    assert "Сложение дробей" in html and "№ 215, 217" in html
    headers = bearer(client, "parent")
    day = lesson.date.isoformat()
    api = client.get("/api/v1/diary", query_string={"student_id": child, "start": day, "end": day}, headers=headers)
    assert api.status_code == 200, api.get_json()
    row = next(item for d in api.get_json()["days"] for item in d["lessons"] if item["id"] == lesson.id)
    assert row["topic"] == "Сложение дробей"
    assert [h["text"] for h in row["homework"]] == ["№ 215, 217"] and row["homework"][0]["minutes_needed"] == 25
    assert [m["value"] for m in row["marks"]] == ["5", "4"]
    label = row["marks"][0]["work_type"]
    assert label and {m["work_type"] for m in row["marks"]} == {label} and float(row["marks"][0]["weight"]) == 2
    assert re.search(rf'<span class="diary-mark mark-5" title="{re.escape(label)}', html)  # the work type by it
    assert re.search(rf'<span class="diary-mark mark-4" title="{re.escape(label)}', html)
    assert row["attendance"] is None
    sibling_day = client.get("/api/v1/diary", query_string={"student_id": sibling, "start": day, "end": day},
                             headers=headers).get_json()
    sibling_row = next(item for d in sibling_day["days"] for item in d["lessons"] if item["id"] == lesson.id)
    assert sibling_row["attendance"]["kind"] == "absent" and sibling_row["marks"] == []
    sibling_page = client.get("/diary", query_string={"date": day, "student": sibling}).get_data(as_text=True)
    assert "Сложение дробей" in sibling_page and 'class="diary-attendance att-absent"' in sibling_page
    summary = client.get("/diary/summary", query_string={"student": child}).get_data(as_text=True)
    assert re.search(r'class="diary-average">4,20<', summary)
    marks_api = client.get("/api/v1/diary/marks", query_string={"student_id": child}, headers=headers).get_json()
    assert [s["average"] for s in marks_api["subjects"] if s["average"] is not None] == [4.2]
    client.post("/logout")

    # ---- the class teacher's overview of the class: the same average
    login(client, "classteacher")
    overview = client.get(f"/school/{world['school']}/classes/{world['c5']}/overview")
    assert overview.status_code == 200
    assert "<strong>4,20</strong>" in overview.get_data(as_text=True)

