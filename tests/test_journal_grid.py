"""The teacher's journal pages: the grid, the cell endpoints its script saves through, the lesson form,
who is refused, stale saves, and the grid's fixed number of queries."""
import datetime as dt
import io
import re

import pytest

from eschool.journal.grid import weighted_average
from tests.conftest import login
from tests.journal_world import build_world, enrol, recent_lesson


@pytest.fixture
def world(app, demo):
    return build_world(app, demo)


def _without_csrf(html: str) -> str:
    return re.sub(r'(name="csrf[-_]token"[^>]*?value="|name="csrf-token" content=")[^"]*"', r'\1"', html)


def _open_grid(client, world):
    response = client.get(world["grid"])
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def test_weighted_average():
    from decimal import Decimal

    assert weighted_average([(5, Decimal("1")), (3, Decimal("2"))]) == Decimal("3.67")
    assert weighted_average([(None, 1), (4, 1)]) == Decimal("4.00")
    assert weighted_average([]) is None


def test_a_teacher_fills_a_lesson_through_the_grid_endpoints(app, client, world):
    from eschool.journal.models import Attendance, Homework, Mark
    from eschool.people.models import AuditEntry

    login(client, "teacher")
    html = _open_grid(client, world)
    assert 'name="csrf-token"' in html and "js/journal.js" in html
    lesson = recent_lesson(app, world)
    assert lesson is not None and f'data-lesson="{lesson.id}"' in html
    first, second = world["students"][:2]
    url = f"{world['base']}/lesson/{lesson.id}"
    saved = client.post(f"{url}/mark", json={"student_id": first, "slot": 0, "value": "5", "version": None})
    assert saved.status_code == 200, saved.get_json()
    mark = saved.get_json()["mark"]
    assert mark["value"] == "5" and mark["version"] == 1
    second_mark = client.post(f"{url}/mark", json={"student_id": first, "slot": 1, "value": "4", "version": None})
    assert second_mark.status_code == 200
    changed = client.post(f"{url}/mark", json={"student_id": first, "slot": 0, "value": "3", "version": 1})
    assert changed.status_code == 200 and changed.get_json()["mark"]["version"] == 2
    absent = client.post(f"{url}/attendance", json={"student_id": second, "kind": "н", "version": None})
    assert absent.status_code == 200 and absent.get_json()["attendance"]["kind"] == "absent"
    topic = client.post(f"{url}/topic", json={"topic": "Дроби", "version": lesson.version})
    assert topic.status_code == 200 and topic.get_json()["topic"] == "Дроби"
    form = client.post(url, data={"version": topic.get_json()["version"], "topic": "Дроби", "topic_orig": "Дроби",
                                  "hw_text": "№ 12, 14", "hw_text_orig": "", "hw_links": "https://example.org/x",
                                  "hw_minutes": "30", "hw_file": (io.BytesIO(b"%PDF-1.4 test"), "task.pdf")},
                       content_type="multipart/form-data")
    assert form.status_code == 302, form.get_data(as_text=True)[:800]
    with app.app_context():
        marks = {(m.student_id, m.slot): m.value for m in Mark.select().where(Mark.lesson == lesson.id)}
        assert marks == {(first, 0): "3", (first, 1): "4"}
        assert Attendance.get(Attendance.lesson == lesson.id).student_id == second
        homework = Homework.get(Homework.lesson == lesson.id)
        assert homework.text == "№ 12, 14" and homework.minutes_needed == 30 and homework.for_all
        assert [f.original_name for f in homework.files] == ["task.pdf"]
        assert AuditEntry.select().where(AuditEntry.record == "mark").count() >= 3
    html = _open_grid(client, world)
    assert "3,50" in html  # (3 + 4) / 2 with the default weight, written as the Russian page writes numbers
    file_id = re.search(r"/journal/files/(\d+)", client.get(url).get_data(as_text=True)).group(1)
    download = client.get(f"{world['base']}/files/{file_id}")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 test"


def test_the_plain_lesson_form_saves_marks_and_attendance(app, client, world):
    from eschool.journal.models import Attendance, Mark

    login(client, "teacher")
    _open_grid(client, world)
    lesson = recent_lesson(app, world)
    url = f"{world['base']}/lesson/{lesson.id}"
    page = client.get(url)
    assert page.status_code == 200
    a, b = world["students"][:2]
    response = client.post(url, data={"version": lesson.version, f"m_{a}": "5 4", f"m_{a}_orig": "",
                                      f"a_{b}": "ill", f"a_{b}_orig": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    with app.app_context():
        assert sorted(m.value for m in Mark.select().where((Mark.lesson == lesson.id) & (Mark.student == a))) == [
            "4", "5"]
        assert Attendance.get((Attendance.lesson == lesson.id) & (Attendance.student == b)).kind == "ill"
        slot0 = Mark.get((Mark.lesson == lesson.id) & (Mark.student == a) & (Mark.slot == 0))
        slot1 = Mark.get((Mark.lesson == lesson.id) & (Mark.student == a) & (Mark.slot == 1))
    # "5" left: slot 0 kept, slot 1 cleared
    response = client.post(url, data={"version": lesson.version, f"m_{a}": "5", f"m_{a}_orig": "5 4",
                                      f"mv_{a}": [f"0:{slot0.value}:{slot0.version}",
                                                  f"1:{slot1.value}:{slot1.version}"]})
    assert response.status_code == 302
    with app.app_context():
        assert [m.value for m in Mark.select().where((Mark.lesson == lesson.id) & (Mark.student == a))] == ["5"]


def test_a_stale_save_is_refused_with_the_current_value(app, client, world):
    login(client, "teacher")
    _open_grid(client, world)
    lesson = recent_lesson(app, world)
    url = f"{world['base']}/lesson/{lesson.id}/mark"
    student = world["students"][0]
    assert client.post(url, json={"student_id": student, "slot": 0, "value": "4", "version": None}).status_code == 200
    # another tab still shows the empty cell and types 3
    stale = client.post(url, json={"student_id": student, "slot": 0, "value": "3", "version": None})
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    assert error["code"] == "stale" and error["current"]["value"] == "4"
    assert error["current"]["version"] == 1 and error["current"]["by"] == "Учитель Предметник"
    assert "Учитель Предметник" in error["message"]
    att = f"{world['base']}/lesson/{lesson.id}/attendance"
    assert client.post(att, json={"student_id": student, "kind": "absent", "version": None}).status_code == 200
    stale = client.post(att, json={"student_id": student, "kind": "ill", "version": 7})
    assert stale.status_code == 409 and stale.get_json()["error"]["current"]["kind"] == "absent"


def test_a_teacher_of_another_class_is_refused_everywhere(app, client, world):
    login(client, "teacher")
    _open_grid(client, world)  # makes the lessons
    lesson = recent_lesson(app, world)
    client.post("/logout")
    login(client, "other")
    assert client.get(world["grid"]).status_code == 403
    url = f"{world['base']}/lesson/{lesson.id}"
    student = world["students"][0]
    assert client.get(url).status_code == 403
    assert client.post(url, data={"topic": "x", "topic_orig": ""}).status_code == 403
    for path, body in (("mark", {"student_id": student, "slot": 0, "value": "5", "version": None}),
                       ("attendance", {"student_id": student, "kind": "н", "version": None}),
                       ("topic", {"topic": "Чужая тема", "version": lesson.version})):
        response = client.post(f"{url}/{path}", json=body)
        assert response.status_code == 403, (path, response.get_json())
        assert response.get_json()["error"]["code"] == "forbidden"
    # their own class opens
    own = client.get(f"{world['base']}/class/{world['c6']}/subject/{world['maths']}")
    assert own.status_code == 200


@pytest.mark.parametrize("username", ["student", "parent"])
def test_students_and_parents_are_refused_on_the_grid(client, world, username):
    login(client, username)
    assert client.get(world["grid"]).status_code == 403
    assert client.get(world["base"]).status_code == 403


def test_the_class_teacher_reads_the_grid_without_editing(client, world):
    login(client, "classteacher")
    html = _open_grid(client, world)
    assert "data-edit-marks" not in html


def test_a_future_lesson_takes_no_marks(app, client, world):
    from eschool.journal.models import Lesson

    login(client, "teacher")
    _open_grid(client, world)
    with app.app_context():
        future = (Lesson.select().where((Lesson.class_group == world["c5"]) & (Lesson.date > world["today"]))
                  .order_by(Lesson.date).first())
    assert future is not None
    response = client.post(f"{world['base']}/lesson/{future.id}/mark",
                           json={"student_id": world["students"][0], "slot": 0, "value": "5", "version": None})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"


def test_the_cell_endpoints_need_the_csrf_token_from_the_page(app, client, world):
    login(client, "teacher")
    _open_grid(client, world)
    lesson = recent_lesson(app, world)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        html = _open_grid(client, world)
        token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
        body = {"student_id": world["students"][0], "slot": 0, "value": "5", "version": None}
        url = f"{world['base']}/lesson/{lesson.id}/mark"
        assert client.post(url, json=body).status_code == 400
        assert client.post(url, json=body, headers={"X-CSRFToken": token}).status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_the_journal_menu_and_my_lessons_page(client, world):
    login(client, "teacher")
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert f'href="{world["base"]}"' in dashboard
    page = client.get(world["base"]).get_data(as_text=True)
    assert world["grid"] in page and "5А · Математика" in page


def test_the_grid_runs_the_same_number_of_queries_for_few_and_many_students_and_lessons(app, client, demo):
    """10 or 35 students, 5 or 60 lessons: the grid page and the loader run the same number of queries."""
    from playhouse.test_utils import count_queries

    from eschool.auth.models import User
    from eschool.journal import grid, services
    from eschool.school import services as school_services
    from eschool.school.models import ClassGroup, Subject
    from eschool.structure.models import School

    world = build_world(app, demo, students=2)
    with app.app_context():
        school = School.get_by_id(world["school"])
        teacher = User.get_by_id(world["teacher"])
        year = school_services.current_year(school)
        groups = {}
        for size, letter in ((10, "В"), (35, "Г")):
            group = school_services.create_class(school, {"academic_year_id": year.id, "grade": 7, "letter": letter,
                                                          "kind": "regular", "name": "", "shift": 1,
                                                          "class_teacher_id": None, "subgroups": []})
            school_services.add_assignment(school, {"teacher_id": teacher.id, "class_id": group.id,
                                                    "subject_id": world["maths"], "subgroup_id": None})
            kids = enrol(school, group, size, year.starts_on)
            groups[size] = group.id
            services.work_types(school)
            for day in range(1, 6):
                lesson = services.add_lesson(teacher, group, {"subject_id": world["maths"], "subgroup_id": None,
                                                              "date": world["today"] - dt.timedelta(days=day),
                                                              "number": 1})
                for kid in kids:
                    services.set_mark(teacher, lesson, kid, 0, str(1 + (kid.id + day) % 5))
                services.set_attendance(teacher, lesson, kids[day], "н")

    def counts():
        result = {}
        for size, group_id in groups.items():
            url = f"/school/{world['school']}/journal/class/{group_id}/subject/{world['maths']}"
            with app.app_context(), count_queries() as counter:
                assert client.get(url).status_code == 200
            result[f"page{size}"] = counter.count
            with app.test_request_context():
                from flask_login import login_user

                login_user(User.get_by_id(world["teacher"]))
                group = ClassGroup.get_by_id(group_id)
                subject = Subject.get_by_id(world["maths"])
                with count_queries() as counter:
                    built = grid.build(group, subject, user=User.get_by_id(world["teacher"]))
                result[f"build{size}"] = counter.count
                result[f"lessons{size}"] = len(built.lessons)
        return result

    login(client, "teacher")
    client.get("/dashboard")  # the first request after logging in runs one query less (the idle check)
    few = counts()
    assert few["lessons10"] == few["lessons35"] == 5
    with app.app_context():
        teacher = User.get_by_id(world["teacher"])
        for group_id in groups.values():
            group = ClassGroup.get_by_id(group_id)
            for i in range(55):
                services.add_lesson(teacher, group, {"subject_id": world["maths"], "subgroup_id": None,
                                                     "date": world["today"] - dt.timedelta(days=6 + i // 3),
                                                     "number": 2 + i % 3})
    many = counts()
    assert many["lessons10"] == many["lessons35"] == 60
    for key in ("page", "build"):
        assert few[f"{key}10"] == few[f"{key}35"] == many[f"{key}10"] == many[f"{key}35"] > 0, (few, many)


def test_a_lesson_outside_the_edit_window_is_refused_with_the_reason(app, client, world):
    from eschool.journal.models import Lesson

    login(client, "teacher")
    _open_grid(client, world)
    with app.app_context():
        old = (Lesson.select().where((Lesson.class_group == world["c5"])
                                     & (Lesson.date < world["today"] - dt.timedelta(days=10)))
               .order_by(Lesson.date.desc()).first())
    assert old is not None
    response = client.post(f"{world['base']}/lesson/{old.id}/mark", headers={"Accept-Language": "en"},
                           json={"student_id": world["students"][0], "slot": 0, "value": "5", "version": None})
    assert response.status_code == 409 and "edit window" in response.get_json()["error"]["message"]
    html = _open_grid(client, world)
    cell = re.search(rf'<td class="jcell[^"]*"\s+data-lesson="{old.id}"[^>]*>', html).group(0)
    assert "locked" in cell and "data-edit-marks" not in cell


def test_the_grid_is_kept_in_the_cache_yet_shows_every_change_at_once(app, client, world):
    """A reopened grid comes from the cache (``gridmod.cache_key``); a mark written past the page (another
    app server, an SQL fix) and a period closed by the deputy show at the very next opening."""
    from eschool.journal.models import Mark
    from eschool.school.models import Period

    login(client, "teacher")
    html = _open_grid(client, world)
    lesson = recent_lesson(app, world)
    first = world["students"][0]
    cell = re.compile(rf'<td class="[^"]*" data-lesson="{lesson.id}" data-student="{first}"[^>]*>(.*?)</td>')
    assert cell.search(html).group(1) == ""
    cache = app.extensions["eschool"].cache
    hits = cache.hits
    # the same page but for the CSRF token, which carries the second it was made in
    assert _without_csrf(_open_grid(client, world)) == _without_csrf(html) and cache.hits == hits + 1
    with app.app_context():
        Mark.create(lesson=lesson.id, student=first, slot=0, value="2", numeric=2, weight=1)
    html = _open_grid(client, world)
    assert ">2</span>" in cell.search(html).group(1)
    assert f'data-lesson="{lesson.id}" data-student="{first}"' in html and "data-edit-marks" in cell.search(
        html).group(0)
    with app.app_context():
        Period.update(closed=True).where(Period.starts_on <= lesson.date, Period.ends_on >= lesson.date).execute()
    html = _open_grid(client, world)
    assert "data-edit-marks" not in cell.search(html).group(0)
