"""The class teacher's view of their class (all subjects' marks, the day's attendance and its
reconciliation) and the deputy director's journal control: pages, API, refusals, query counts.

The school, its classes, people and students are built through the services. Journal rows (lessons,
marks, attendance, homework) are written with the models where a test needs a past date or a
chosen filling time, which the journal's own services rightly refuse (edit window, the clock).
"""
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from eschool.auth import services as auth
from eschool.auth.models import RoleAssignment, User
from eschool.journal.models import Attendance, Homework, Lesson, Mark
from tests.conftest import bearer, login

TODAY = dt.datetime.now(ZoneInfo("Asia/Novokuznetsk")).date()  # the kemerovo region's local date
CARD = {"middle_name": "", "birth_date": dt.date(2015, 3, 4), "gender": "f", "document_kind": "birth_certificate",
        "document_number": "", "snils": "", "address": ""}


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A local time of the region as the naive UTC instant the database keeps."""
    return dt.datetime.combine(day, dt.time(hour, minute), ZoneInfo("Asia/Novokuznetsk")).astimezone(
        dt.UTC).replace(tzinfo=None)


def make_teacher(app, school, username, full_name):
    user = auth.create_user(username, full_name, password="demo-2026", must_change_password=False)
    auth.grant_role(user, "subject_teacher", school=school, allowed_roles=app.extensions["eschool"].roles)
    return user


@pytest.fixture
def world(app, demo):
    """5А (class teacher 'classteacher') and 6Б (class teacher 'ct2'), maths (weights from work types),
    Russian and PE; three students in 5А and two in 6Б; the demo 'teacher' teaches maths."""
    from eschool.journal import services as journal
    from eschool.people import services as people
    from eschool.school import services as school_services

    with app.app_context():
        s = demo["school"]
        start = TODAY - dt.timedelta(days=70)
        year = school_services.create_year(s, {
            "name": "Тестовый", "starts_on": start, "ends_on": TODAY + dt.timedelta(days=150), "is_current": True,
            "periods": [{"kind": "quarter", "number": 1, "starts_on": start, "ends_on": TODAY + dt.timedelta(days=20),
                         "grade_from": 1, "grade_to": 11},
                        {"kind": "quarter", "number": 2, "starts_on": TODAY + dt.timedelta(days=21),
                         "ends_on": TODAY + dt.timedelta(days=150), "grade_from": 1, "grade_to": 11}]})
        subjects = {name: school_services.add_subject(s, {"name": name, "short_name": short})
                    for name, short in (("Математика", "Мат"), ("Русский язык", "Рус"), ("Физкультура", "Физ"))}
        ct2 = make_teacher(app, s, "ct2", "Классная Другого Класса")
        classteacher = User.get(User.username == "classteacher")
        groups = {}
        for grade, letter, head in ((5, "А", classteacher), (6, "Б", ct2)):
            groups[f"{grade}{letter}"] = school_services.create_class(s, {
                "academic_year_id": year.id, "kind": "regular", "grade": grade, "letter": letter, "name": "",
                "shift": 1, "class_teacher_id": None, "subgroups": []})
            groups[f"{grade}{letter}"].class_teacher = head
            groups[f"{grade}{letter}"].save()
        RoleAssignment.update(class_group_id=groups["5А"].id).where(RoleAssignment.user == classteacher).execute()
        auth.grant_role(ct2, "class_teacher", school=s, class_group_id=groups["6Б"].id,
                        allowed_roles=app.extensions["eschool"].roles)
        enrol = {"date": start, "order_number": "1-у"}
        students = {}
        for name, group in (("Анна", "5А"), ("Борис", "5А"), ("Вера", "5А"), ("Глеб", "6Б"), ("Дина", "6Б")):
            students[name] = people.enrol(s, {**CARD, "last_name": "Ученица", "first_name": name, **enrol,
                                              "class_id": groups[group].id})
        kinds = {w.code: w for w in journal.work_types(s)}
        teacher = User.get(User.username == "teacher")
        for group in groups.values():
            school_services.add_assignment(s, {"teacher_id": teacher.id, "class_id": group.id,
                                               "subject_id": subjects["Математика"].id, "subgroup_id": None})
        return {"school": s, "year": year, "subjects": subjects, "groups": groups, "students": students,
                "teacher": teacher, "ct2": ct2, "classteacher": classteacher, "kinds": kinds, "sid": s.id}


def lesson(w, group="5А", subject="Математика", day=TODAY, number=1, teacher=None, topic="Тема", filled_at="auto"):
    return Lesson.create(school=w["school"], class_group=w["groups"][group], subject=w["subjects"][subject],
                         date=day, number=number, teacher=teacher or w["teacher"], topic=topic,
                         filled_at=local(day, 14) if filled_at == "auto" and topic else
                         (None if filled_at == "auto" else filled_at))


def mark(w, lesson_, student, value, code="oral", slot=0):
    kind = w["kinds"][code]
    return Mark.create(lesson=lesson_, student=w["students"][student], slot=slot, value=value,
                       numeric=int(value) if value.isdigit() else None, work_type=kind, weight=kind.weight,
                       author=lesson_.teacher)


def absent(w, lesson_, student, kind="absent"):
    return Attendance.create(lesson=lesson_, student=w["students"][student], kind=kind,
                             recorded_by=lesson_.teacher_id, minutes_late=10 if kind == "late" else None)


def marks_url(w, group="5А"):
    return f"/school/{w['sid']}/classes/{w['groups'][group].id}/overview"


def day_url(w, group="5А", day=TODAY):
    return f"/school/{w['sid']}/classes/{w['groups'][group].id}/day?date={day.isoformat()}"


# --------------------------------------------------------------------------- marks of all subjects


def test_class_teacher_sees_every_subjects_weighted_average(app, client, world):
    with app.app_context():
        maths1 = lesson(world, day=TODAY - dt.timedelta(days=2))
        maths2 = lesson(world, day=TODAY - dt.timedelta(days=1))
        russian = lesson(world, subject="Русский язык", number=2, day=TODAY - dt.timedelta(days=1))
        mark(world, maths1, "Анна", "5")                # oral, weight 1
        mark(world, maths2, "Анна", "3", code="test")   # a test weighs more
        mark(world, maths2, "Анна", "4", slot=1)
        mark(world, russian, "Борис", "4")
        weights = {k: w.weight for k, w in world["kinds"].items()}
        expected = round(float((5 * weights["oral"] + 3 * weights["test"] + 4 * weights["oral"])
                               / (2 * weights["oral"] + weights["test"])), 2)
    login(client, "classteacher")
    page = client.get(marks_url(world))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Ученица Анна" in html and "Мат" in html and "Рус" in html and "(3)" in html
    api = client.get(f"/api/v1/schools/{world['sid']}/classes/{world['groups']['5А'].id}/marks-overview",
                     headers=bearer(client, "classteacher"))
    assert api.status_code == 200
    body = api.get_json()
    cells = {(c["student_id"], c["subject_id"]): c for c in body["cells"]}
    anna, maths = world["students"]["Анна"].id, world["subjects"]["Математика"].id
    assert cells[(anna, maths)]["count"] == 3 and cells[(anna, maths)]["average"] == pytest.approx(expected)
    assert [s["name"] for s in body["students"]] == ["Ученица Анна", "Ученица Борис", "Ученица Вера"]
    assert body["period"]["number"] == 1 and {s["name"] for s in body["subjects"]} == {"Математика", "Русский язык"}
    # a subject's marks, read-only, lesson by lesson
    detail = client.get(f"{marks_url(world)}/subjects/{maths}")
    detail_html = detail.get_data(as_text=True)
    assert detail.status_code == 200 and detail_html.count('method="post"') == html.count('method="post"')  # no form
    data = client.get(f"/api/v1/schools/{world['sid']}/classes/{world['groups']['5А'].id}/marks-overview/{maths}",
                      headers=bearer(client, "classteacher")).get_json()
    assert [m["value"] for m in data["marks"]] == ["5", "3", "4"] and len(data["lessons"]) == 2


def test_marks_outside_the_period_are_not_counted(app, client, world):
    with app.app_context():
        later = lesson(world, day=TODAY + dt.timedelta(days=30))  # the second quarter
        mark(world, later, "Анна", "2")
        mark(world, lesson(world, day=TODAY - dt.timedelta(days=3)), "Анна", "5")
    headers = bearer(client, "classteacher")
    base = f"/api/v1/schools/{world['sid']}/classes/{world['groups']['5А'].id}/marks-overview"
    first = client.get(base, headers=headers).get_json()
    assert [c["average"] for c in first["cells"]] == [5.0]
    custom = client.get(f"{base}?start={TODAY.isoformat()}&end={(TODAY + dt.timedelta(days=60)).isoformat()}",
                        headers=headers).get_json()
    assert [c["average"] for c in custom["cells"]] == [2.0] and custom["period"] is None
    with app.app_context():
        from eschool.school.models import Period

        q2 = Period.get((Period.academic_year == world["year"].id) & (Period.number == 2)).id
    assert [c["average"] for c in client.get(f"{base}?period={q2}", headers=headers).get_json()["cells"]] == [2.0]
    assert client.get(f"{base}?period=999999", headers=headers).status_code == 400


@pytest.mark.parametrize("username, status", [
    ("classteacher", 200), ("deputy", 200), ("director", 200), ("admin", 200),
    ("ct2", 403),        # the class teacher of another class
    ("teacher", 403),    # a subject teacher of the class is not its class teacher
    ("parent", 403), ("student", 403), ("secretary", 403),
])
def test_only_the_class_teacher_and_the_administration_see_the_class(client, world, username, status):
    login(client, username)
    maths = world["subjects"]["Математика"].id
    for url in (marks_url(world), f"{marks_url(world)}/subjects/{maths}", day_url(world)):
        assert client.get(url).status_code == status, url
    client.get("/logout")
    headers = bearer(client, username)
    base = f"/api/v1/schools/{world['sid']}/classes/{world['groups']['5А'].id}"
    for url in (f"{base}/marks-overview", f"{base}/marks-overview/{maths}", f"{base}/attendance-days/{TODAY}"):
        assert client.get(url, headers=headers).status_code == status, url
    reconcile = client.post(f"{base}/attendance-days/{TODAY}/reconcile", headers=headers,
                            json={"student_id": world["students"]["Анна"].id, "kind": "ill"})
    assert reconcile.status_code in ((403,) if status == 403 else (400, 200))


def test_another_schools_class_is_not_found(client, world):
    login(client, "classteacher")
    assert client.get(f"/school/{world['sid']}/classes/999999/overview").status_code == 404


# --------------------------------------------------------------------------- the day's attendance


@pytest.fixture
def day(app, world):
    """Yesterday in 5А: lesson 1 maths, 2 Russian (another teacher), 3 PE. Anna absent in 1 only
    (the teachers disagree); Boris ill in every lesson; Vera late to lesson 1."""
    yesterday = TODAY - dt.timedelta(days=1)
    with app.app_context():
        other = make_teacher(app, world["school"], "russian", "Учитель Русского")
        lessons = [lesson(world, day=yesterday, number=1),
                   lesson(world, subject="Русский язык", day=yesterday, number=2, teacher=other),
                   lesson(world, subject="Физкультура", day=yesterday, number=3, teacher=other)]
        absent(world, lessons[0], "Анна")
        for item in lessons:
            absent(world, item, "Борис", "ill")
        absent(world, lessons[0], "Вера", "late")
        lesson(world, group="6Б", day=yesterday)  # another class's lesson is not shown
    return {"date": yesterday, "lessons": [item.id for item in lessons], "other": other}


def test_the_day_shows_every_lesson_and_where_teachers_disagree(app, client, world, day):
    login(client, "classteacher")
    page = client.get(day_url(world, day=day["date"]))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Учитель Русского" in html and html.count('class="disagree"') == 1
    body = client.get(f"/api/v1/schools/{world['sid']}/classes/{world['groups']['5А'].id}/attendance-days/"
                      f"{day['date']}", headers=bearer(client, "classteacher")).get_json()
    assert [lesson_["id"] for lesson_ in body["lessons"]] == day["lessons"]
    anna, boris = world["students"]["Анна"].id, world["students"]["Борис"].id
    assert [(d["student_id"], d["away"], d["present"]) for d in body["disagreements"]] == [
        (anna, day["lessons"][:1], day["lessons"][1:])]
    kinds = {(a["student_id"], a["lesson_id"]): a["kind"] for a in body["attendance"]}
    assert kinds[(boris, day["lessons"][2])] == "ill" and len(kinds) == 5


def test_class_teacher_turns_an_absence_into_illness_for_the_whole_day(app, client, world, day):
    login(client, "classteacher")
    anna = world["students"]["Анна"].id
    response = client.post(day_url(world, day=day["date"]), data={
        "date": day["date"].isoformat(), "student_id": anna, "kind": "ill", "reason": "справка",
        "scope": "day"})
    assert response.status_code == 302
    with app.app_context():
        rows = list(Attendance.select().where(Attendance.student == anna).order_by(Attendance.lesson))
        assert [(r.lesson_id, r.kind, r.reason, r.recorded_by_id) for r in rows] == [
            (i, "ill", "справка", world["classteacher"].id) for i in day["lessons"]]
    body = client.get(f"/api/v1/schools/{world['sid']}/classes/{world['groups']['5А'].id}/attendance-days/"
                      f"{day['date']}", headers=bearer(client, "classteacher")).get_json()
    assert body["disagreements"] == []


def test_class_teacher_reconciles_chosen_lessons_and_a_stale_page_is_refused(app, client, world, day):
    login(client, "classteacher")
    boris = world["students"]["Борис"].id
    first, second, third = day["lessons"]
    with app.app_context():
        versions = {r.lesson_id: r.version for r in Attendance.select().where(Attendance.student == boris)}
    form = {"date": day["date"].isoformat(), "student_id": boris, "kind": "excused", "reason": "соревнования",
            "scope": "chosen", "lesson_ids": [second, third], "versions_for": str(boris),
            **{f"v_{k}": v for k, v in versions.items()}}
    assert client.post(day_url(world, day=day["date"]), data=form).status_code == 302
    with app.app_context():
        kinds = {r.lesson_id: r.kind for r in Attendance.select().where(Attendance.student == boris)}
    assert kinds == {first: "ill", second: "excused", third: "excused"}
    stale = client.post(day_url(world, day=day["date"]), data={**form, "kind": "ill"})  # old versions
    assert stale.status_code == 409
    none_chosen = client.post(day_url(world, day=day["date"]), data={**form, "lesson_ids": [], "versions_for": ""})
    assert none_chosen.status_code == 400
    # through the API: present again in lesson 1 (the row goes)
    api = client.post(f"/api/v1/schools/{world['sid']}/classes/{world['groups']['5А'].id}/attendance-days/"
                      f"{day['date']}/reconcile", headers=bearer(client, "classteacher"),
                      json={"student_id": boris, "kind": "present", "lesson_ids": [first]})
    assert api.status_code == 200, api.get_json()
    assert {a["lesson_id"] for a in api.get_json()["attendance"] if a["student_id"] == boris} == {second, third}
    stale_api = client.post(f"/api/v1/schools/{world['sid']}/classes/{world['groups']['5А'].id}/attendance-days/"
                            f"{day['date']}/reconcile", headers=bearer(client, "classteacher"),
                            json={"student_id": boris, "kind": "ill", "versions": {str(second): 1}})
    assert stale_api.status_code == 409 and stale_api.get_json()["error"]["code"] == "stale"
    assert stale_api.get_json()["error"]["current"]["kind"] == "excused"
    wrong = client.post(f"/api/v1/schools/{world['sid']}/classes/{world['groups']['5А'].id}/attendance-days/"
                        f"{day['date']}/reconcile", headers=bearer(client, "classteacher"),
                        json={"student_id": world["students"]["Глеб"].id, "kind": "ill"})
    assert wrong.status_code == 400 and "student_id" in wrong.get_json()["error"]["fields"]


def test_another_class_teacher_cannot_reconcile(app, client, world, day):
    login(client, "ct2")
    anna = world["students"]["Анна"].id
    response = client.post(day_url(world, day=day["date"]), data={
        "date": day["date"].isoformat(), "student_id": anna, "kind": "ill", "scope": "day"})
    assert response.status_code == 403
    with app.app_context():
        assert [r.kind for r in Attendance.select().where(Attendance.student == anna)] == ["absent"]


# --------------------------------------------------------------------------- the deputy director's control


@pytest.fixture
def control(app, world):
    """'teacher': 4 lessons (one on time with homework, one late, one without topic (overdue), one
    today not filled yet); 'russian': 1 lesson on time. Anna has a maths mark, Boris and Vera none."""
    d1, d2 = TODAY - dt.timedelta(days=3), TODAY - dt.timedelta(days=2)
    with app.app_context():
        other = make_teacher(app, world["school"], "russian", "Учитель Русского")
        on_time = lesson(world, day=d1, number=1)
        Homework.create(lesson=on_time, text="№ 5", created_by=world["teacher"])
        late = lesson(world, day=d1, number=2, filled_at=local(d2, 9))
        overdue = lesson(world, day=d2, number=1, topic="")
        open_ = lesson(world, day=TODAY, number=5, topic="", filled_at=None)
        russian = lesson(world, subject="Русский язык", day=d2, number=2, teacher=other)
        Homework.create(lesson=russian, text="Упр. 1", created_by=other)
        lesson(world, day=TODAY + dt.timedelta(days=2), number=1, topic="")  # not given yet: not counted
        mark(world, on_time, "Анна", "5")
    return {"start": TODAY - dt.timedelta(days=10), "end": TODAY + dt.timedelta(days=10), "other": other,
            "ids": {"on_time": on_time.id, "late": late.id, "overdue": overdue.id, "open": open_.id,
                    "russian": russian.id}}


def control_url(w, c, suffix="", **args):
    query = "&".join(f"{k}={v}" for k, v in {"start": c["start"], "end": c["end"], **args}.items())
    return f"/school/{w['sid']}/control{suffix}?{query}"


def test_control_counts_per_teacher_and_class_subject(app, client, world, control):
    headers = bearer(client, "deputy")
    body = client.get(f"/api/v1/schools/{world['sid']}/journal-control?start={control['start']}"
                      f"&end={control['end']}", headers=headers).get_json()
    rows = {r["teacher"]: r for r in body["teachers"]}
    open_is_overdue = 0  # today's lesson is overdue only after today's deadline (19:00 local)
    with app.app_context():
        from eschool.journal import services as journal

        open_is_overdue = int(journal.lesson_state(Lesson(date=TODAY, topic=""), school=world["school"]) == "overdue")
    assert rows["Учитель Предметник"] == {"id": world["teacher"].id, "teacher": "Учитель Предметник", "given": 4,
                                          "no_topic": 2, "no_homework": 3, "late": 1, "overdue": 1 + open_is_overdue}
    assert rows["Учитель Русского"]["given"] == 1 and rows["Учитель Русского"]["no_homework"] == 0
    subjects = {(r["class"], r["subject"]): r for r in body["subjects"]}
    assert subjects[("5А", "Математика")]["students"] == 3
    assert subjects[("5А", "Математика")]["without_marks"] == 2
    assert subjects[("5А", "Математика")]["share"] == pytest.approx(0.667)
    assert subjects[("5А", "Русский язык")]["without_marks"] == 3
    assert subjects[("5А", "Русский язык")]["teachers"] == ["Учитель Русского"]


def test_control_page_sorts_and_drills_down_to_problem_lessons(app, client, world, control):
    login(client, "deputy")
    page = client.get(control_url(world, control, sort="given", dir="desc"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.index("Учитель Предметник") < html.index("Учитель Русского")
    ascending = client.get(control_url(world, control, sort="given", dir="asc")).get_data(as_text=True)
    assert ascending.index("Учитель Русского") < ascending.index("Учитель Предметник")
    drill = client.get(control_url(world, control, f"/teachers/{world['teacher'].id}"))
    assert drill.status_code == 200
    lessons = client.get(f"/api/v1/schools/{world['sid']}/journal-control/teachers/{world['teacher'].id}"
                         f"?start={control['start']}&end={control['end']}", headers=bearer(client, "deputy")).get_json()
    by_id = {item["id"]: item for item in lessons}
    ids = control["ids"]
    assert by_id[ids["late"]]["state"] == "late" and "late" in by_id[ids["late"]]["problems"]
    assert by_id[ids["overdue"]]["problems"] == ["no_topic", "no_homework", "overdue"]
    assert ids["on_time"] not in by_id  # nothing wrong with it
    every = client.get(f"/api/v1/schools/{world['sid']}/journal-control/teachers/{world['teacher'].id}"
                       f"?start={control['start']}&end={control['end']}&only_problems=false",
                       headers=bearer(client, "deputy")).get_json()
    assert by_id.keys() < {item["id"] for item in every} and len(every) == 4
    # the summary agrees with the lesson states
    assert sum(1 for item in every if item["state"] == "late") == 1


@pytest.mark.parametrize("username, status", [
    ("deputy", 200), ("director", 200), ("admin", 200), ("teacher", 403), ("classteacher", 403), ("parent", 403),
    ("student", 403), ("secretary", 403),
])
def test_only_the_administration_sees_the_control_page(client, world, control, username, status):
    login(client, username)
    assert client.get(control_url(world, control)).status_code == status
    assert client.get(control_url(world, control, f"/teachers/{world['teacher'].id}")).status_code == status
    client.get("/logout")
    headers = bearer(client, username)
    assert client.get(f"/api/v1/schools/{world['sid']}/journal-control", headers=headers).status_code == status


def test_switched_off_for_the_school_its_pages_and_api_answer_404_and_come_back(app, client, world, control):
    """Oversight is a built-in plugin: a school may switch it off (its pages and API then 404, the menu
    loses its entries) and on again; the journal it reads is the core's and stays."""
    from eschool.plugins.services import set_toggle

    registry = app.extensions["eschool"].plugins
    login(client, "deputy")
    assert client.get(control_url(world, control)).status_code == 200
    menu_link = f'href="/school/{world["sid"]}/control"'
    assert menu_link in client.get("/dashboard").get_data(as_text=True)
    with app.app_context():
        set_toggle(registry, "oversight", "school", world["sid"], False, actor="test")
    assert client.get(control_url(world, control)).status_code == 404
    assert menu_link not in client.get("/dashboard").get_data(as_text=True)
    client.get("/logout")
    headers = bearer(client, "deputy")
    assert client.get(f"/api/v1/schools/{world['sid']}/journal-control", headers=headers).status_code == 404
    with app.app_context():
        lessons = Lesson.select().where(Lesson.school == world["sid"]).count()
        set_toggle(registry, "oversight", "school", world["sid"], True, actor="test")
        assert Lesson.select().where(Lesson.school == world["sid"]).count() == lessons
    assert client.get(f"/api/v1/schools/{world['sid']}/journal-control", headers=headers).status_code == 200


def test_control_refuses_a_backwards_range(client, world):
    headers = bearer(client, "deputy")
    bad = client.get(f"/api/v1/schools/{world['sid']}/journal-control?start=2026-10-10&end=2026-10-01",
                     headers=headers)
    assert bad.status_code == 400 and "end" in bad.get_json()["error"]["fields"]


def test_the_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/schools/{school_id}/classes/{class_id}/marks-overview",
                 "/api/v1/schools/{school_id}/classes/{class_id}/attendance-days/{date}/reconcile",
                 "/api/v1/schools/{school_id}/journal-control",
                 "/api/v1/schools/{school_id}/journal-control/teachers/{teacher_id}"):
        assert path in paths, path


# --------------------------------------------------------------------------- query counts


def _populate(app, w, teachers: int, lessons: int):
    """``teachers`` teachers giving ``lessons`` lessons over the last days in both classes, each with a
    mark and an absence, every other one with homework, every fourth without a topic."""
    with app.app_context():
        existing = {u.username: u for u in User.select().where(User.username.startswith("teacher_"))}
        staff = [w["teacher"]] + [existing.get(f"teacher_{i}") or make_teacher(app, w["school"], f"teacher_{i}", f"Учитель {i:02d}")
                                  for i in range(1, teachers)]
        names = list(w["students"])
        for i in range(lessons):
            group = "5А" if i % 2 == 0 else "6Б"
            item = lesson(w, group=group, subject=("Математика", "Русский язык", "Физкультура")[i % 3],
                          day=TODAY - dt.timedelta(days=1 + i // 6), number=1 + i % 6, teacher=staff[i % teachers],
                          topic="" if i % 4 == 0 else "Тема")
            in_class = [n for n in names if (n in ("Глеб", "Дина")) == (group == "6Б")]
            mark(w, item, in_class[i % len(in_class)], str(2 + i % 4))
            absent(w, item, in_class[(i + 1) % len(in_class)], ("absent", "ill", "late")[i % 3])
            if i % 2:
                Homework.create(lesson=item, text="№ 1", created_by=staff[i % teachers])


def _counts(app, client, urls):
    from playhouse.test_utils import count_queries

    result = {}
    for url, headers in urls:
        client.get(url, headers=headers or {})  # once first: a token's last use is written once a minute
        with app.app_context(), count_queries() as counter:
            response = client.get(url, headers=headers or {})
            assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
        result[url] = counter.count
    return result


def test_query_counts_do_not_grow_with_the_school(app, client, world):
    """The same pages with 2 teachers and 5 lessons, then with 8 teachers and 60 lessons: the same counts."""
    login(client, "deputy")
    headers = bearer(client, "deputy")
    start, end = TODAY - dt.timedelta(days=30), TODAY
    api = f"/api/v1/schools/{world['sid']}"
    group = world["groups"]["5А"].id
    maths = world["subjects"]["Математика"].id
    yesterday = TODAY - dt.timedelta(days=1)
    teacher_id = world["teacher"].id

    def urls():
        return [
            (f"/school/{world['sid']}/control?start={start}&end={end}", None),
            (f"/school/{world['sid']}/control/teachers/{teacher_id}?start={start}&end={end}&all=1", None),
            (f"{api}/journal-control?start={start}&end={end}", headers),
            (f"{api}/journal-control/teachers/{teacher_id}?start={start}&end={end}&only_problems=false", headers),
            (f"/school/{world['sid']}/classes/{group}/overview", None),
            (f"/school/{world['sid']}/classes/{group}/overview/subjects/{maths}", None),
            (f"/school/{world['sid']}/classes/{group}/day?date={yesterday}", None),
            (f"{api}/classes/{group}/marks-overview", headers),
            (f"{api}/classes/{group}/marks-overview/{maths}", headers),
            (f"{api}/classes/{group}/attendance-days/{yesterday}", headers),
        ]

    _populate(app, world, 2, 5)
    few = _counts(app, client, urls())
    with app.app_context():
        Lesson.delete().execute()
    _populate(app, world, 8, 60)
    many = _counts(app, client, urls())
    assert all(n > 0 for n in few.values()) and many == few


def test_weights_are_kept_as_decimals(app, world):
    """The averages use each mark's own weight (copied from its work type when saved)."""
    with app.app_context():
        from eschool_oversight import services

        item = lesson(world, day=TODAY - dt.timedelta(days=1))
        first = mark(world, item, "Анна", "5")
        Mark.update(weight=Decimal("2.50")).where(Mark.id == first.id).execute()
        mark(world, item, "Анна", "2", slot=1)
        data = services.marks_overview(world["groups"]["5А"], TODAY - dt.timedelta(days=5), TODAY)
        cell = data["cells"][(world["students"]["Анна"].id, world["subjects"]["Математика"].id)]
        weight = float(world["kinds"]["oral"].weight)
        assert cell == {"count": 2, "average": round((5 * 2.5 + 2 * weight) / (2.5 + weight), 2)}


def test_problem_lessons_link_to_the_journal_grid(make_app, app, client, world, control):
    """With the journal grid in the portal the drill-down links each lesson to it; without, it names the
    lesson's id."""
    from eschool.auth.permissions import require

    login(client, "deputy")
    url = control_url(world, control, f"/teachers/{world['teacher'].id}")
    grid = f"/school/{world['sid']}/journal/class/{world['groups']['5А'].id}/subject/{world['subjects']['Математика'].id}"
    if "journal.grid" not in app.view_functions:
        assert f"#{control['ids']['overdue']}" in client.get(url).get_data(as_text=True)
        fresh = make_app()  # the same database; a portal whose grid exists
        fresh.add_url_rule("/school/<int:school_id>/journal/class/<int:class_id>/subject/<int:subject_id>",
                           "journal.grid", require("journal.keep")(lambda **kw: "grid"))
        client = fresh.test_client()
        login(client, "deputy")
    assert grid in client.get(url).get_data(as_text=True)


def test_lessons_nobody_opened_count_as_not_filled(app, client, world):
    """The timetable's lessons exist for the control page and the day even before a teacher opened the
    journal: the control counts them as given and overdue, the day lists them, nothing is made twice."""
    from eschool.journal import services as journal
    from eschool.timetable import services as timetable

    day_ = TODAY - dt.timedelta(days=7)  # the same weekday a week ago
    with app.app_context():
        timetable.add_entry(world["school"], {"class_id": world["groups"]["6Б"].id, "weekday": day_.isoweekday(),
                                              "number": 3, "subject_id": world["subjects"]["Физкультура"].id,
                                              "teacher_id": world["ct2"].id, "room_id": None})
    headers = bearer(client, "deputy")
    url = (f"/api/v1/schools/{world['sid']}/journal-control?start={day_ - dt.timedelta(days=1)}"
           f"&end={day_ + dt.timedelta(days=1)}")
    rows = {r["teacher"]: r for r in client.get(url, headers=headers).get_json()["teachers"]}
    assert rows["Классная Другого Класса"]["given"] == 1 and rows["Классная Другого Класса"]["overdue"] == 1
    client.get(url, headers=headers)
    with app.app_context():
        assert Lesson.select().count() == 1
        assert journal.ensure_lessons(world["groups"]["6Б"], day_, day_) == 0
    login(client, "ct2")
    page = client.get(day_url(world, "6Б", day=day_ + dt.timedelta(days=7)))  # today: made on opening the day
    assert page.status_code == 200 and "Физ" in page.get_data(as_text=True)
    with app.app_context():
        assert Lesson.select().count() == 2
