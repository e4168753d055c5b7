"""The summer camp: Kuzbass's rules (camp meals only in Kemerovo city, off in Samara and Primorye),
enrolment (queue by priority and server time, one application per child and session, capacity held
under concurrent confirms, parents notified), squads' days, plans in the diary, XLSX reports, the
municipality's view, and who is refused what, through HTTP."""
from __future__ import annotations

import datetime as dt
import io
import threading

import pytest

from eschool.testing import PASSWORD

CAMP = "/summer_camp"
API = "/api/v1/summer_camp"


def _weekdays_before(today: dt.date, n: int) -> dt.date:
    day = today
    while n:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


@pytest.fixture
def camp(app, world):
    """The world's school with a running session (started a week ago, ends in ten days), two squads
    (Солнышко led by 'teacher', Искорка by 'other'), and a second school of the municipality with its
    own parent and child."""
    from eschool.auth import services as auth
    from eschool.people import services as people
    from eschool.plugin_api import School, Student
    from eschool.school import services as school_services
    from eschool.structure import services as structure
    from eschool_summer_camp import services

    ext = app.extensions["eschool"]
    with app.test_request_context("/"):
        school = School.get_by_id(world.school)
        start = _weekdays_before(world.today, 5)
        session = services.create_session(school, {
            "name": "1 смена", "starts_on": start, "ends_on": world.today + dt.timedelta(days=10), "capacity": 30,
            "applications_open": True, "head_id": None, "age_from": 6, "age_to": 17})
        sun = services.create_squad(session, {"name": "Солнышко", "leader_id": world.user_id("teacher"), "grade": 5})
        spark = services.create_squad(session, {"name": "Искорка", "leader_id": world.user_id("other"), "grade": 6})
        other = structure.create_school(school.municipality, "Школа № 2", "Школа № 2")
        year2 = school_services.create_year(other, {
            "name": "2026/2027", "starts_on": world.today - dt.timedelta(days=90),
            "ends_on": world.today + dt.timedelta(days=200), "is_current": True, "periods": []})
        c2 = school_services.create_class(other, {"academic_year_id": year2.id, "grade": 5, "letter": "А",
                                                  "kind": "regular", "name": "", "shift": 1,
                                                  "class_teacher_id": None, "subgroups": []})
        child2 = people.enrol(other, {
            "last_name": "Чужой", "first_name": "Ребёнок", "middle_name": "", "birth_date": dt.date(2015, 3, 3),
            "gender": "m", "document_kind": "birth_certificate", "document_number": "", "snils": "", "address": "",
            "class_id": c2.id, "date": world.today - dt.timedelta(days=60), "order_number": "1-у"}, notify=False)
        parent2 = auth.create_user("parent2", "Родитель Чужой", password=PASSWORD, must_change_password=False)
        auth.grant_role(parent2, "parent", school=other, allowed_roles=ext.roles)
        people.link_guardian(child2, {"user_id": parent2.id, "relation": "father", "legal_representative": True})
        own_child = Student.get_by_id(world.students[0])
        return {"school": school.id, "session": session.id, "sun": sun.id, "spark": spark.id, "other": other.id,
                "child2": child2.id, "child": own_child.id, "start": start}


def _apply(client, headers, camp, student_id, category="", session=None):
    return client.post(f"{API}/schools/{camp['school']}/sessions/{session or camp['session']}/applications",
                       json={"student_id": student_id, "category": category, "contact_phone": "+7 900 1"},
                       headers=headers)


def _paper(client, headers, camp, student_id, category=""):
    return client.post(f"{API}/schools/{camp['school']}/sessions/{camp['session']}/paper-applications",
                       json={"student_id": student_id, "category": category}, headers=headers)


def _decide(client, headers, camp, app_id, action, reason="", squad_id=None):
    return client.post(f"{API}/schools/{camp['school']}/applications/{app_id}/decision",
                       json={"action": action, "reason": reason, "squad_id": squad_id}, headers=headers)


def _inbox(app, username):
    from eschool.notifications.models import Notification
    from eschool.plugin_api import User

    with app.app_context():
        user = User.get(User.username == username)
        return [(n.title, n.body) for n in Notification.select().where(
            (Notification.user == user) & (Notification.kind == "summer_camp.application")).order_by(Notification.id)]


# --------------------------------------------------------------------------- Kuzbass's rules


def test_kuzbass_profile_camp_everywhere_camp_meals_only_in_kemerovo_city(app, world, client):
    """Kemerovo city: camp and camp meals; Novokuznetsk: a camp (and nutrition where installed) but no
    camp meals; Prokopyevsk: no camp meals (and no nutrition)."""
    from eschool.plugin_api import Municipality, School, is_enabled, scope_for_school
    from eschool.structure import services as structure
    from eschool_summer_camp import services

    installed = "nutrition" in app.extensions["eschool"].plugins.infos
    with app.test_request_context("/"):
        schools = {}
        for code in ("kemerovo", "novokuznetsk", "prokopyevsk"):
            muni = Municipality.get(Municipality.code == code)
            schools[code] = (School.get_by_id(world.school) if code == "kemerovo"
                             else structure.create_school(muni, f"Школа {code}", f"Школа {code}"))
        state = {code: (is_enabled("summer_camp", scope_for_school(s)), services.meals_allowed(s),
                        is_enabled("nutrition", scope_for_school(s)) if installed else None)
                 for code, s in schools.items()}
    assert state["kemerovo"][:2] == (True, True)
    assert state["novokuznetsk"][:2] == (True, False)
    assert state["prokopyevsk"][1] is False
    if installed:
        assert state["kemerovo"][2] is True and state["novokuznetsk"][2] is True
        assert state["prokopyevsk"][2] is False


@pytest.mark.parametrize("region", ["samara", "primorye"])
def test_off_in_samara_and_primorye(make_app, region):
    from eschool.plugin_api import Municipality, is_enabled, scope_for_school
    from eschool.structure import services as structure

    app = make_app(region=region)
    with app.test_request_context("/"):
        muni = structure.sync_municipalities(app.extensions["eschool"].region)[0]
        school = structure.create_school(Municipality.get_by_id(muni.id), "Школа", "Школа")
        assert not is_enabled("summer_camp", scope_for_school(school))
    assert app.test_client().get(f"{API}/schools/{school.id}/sessions").status_code == 404


# --------------------------------------------------------------------------- enrolment


def test_a_parent_applies_once_per_child_and_session_and_is_notified(app, camp, client, api_token, login_as):
    parent = api_token("parent")
    first = _apply(client, parent, camp, camp["child"], "large_family")
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["status"] == "submitted" and body["source"] == "portal" and body["category"] == "large_family"
    again = _apply(client, parent, camp, camp["child"])
    assert again.status_code == 409
    assert "уже есть заявление" in again.get_json()["error"]["message"]
    page = login_as("parent").post(f"{CAMP}/school/{camp['school']}/my/apply",
                                   data={"session_id": camp["session"], "student_id": camp["child"]})
    assert page.status_code == 409 and "уже есть заявление" in page.get_data(as_text=True)
    mine = client.get(f"{API}/schools/{camp['school']}/my-applications", headers=parent).get_json()
    assert [(a["student_id"], a["status"], a["position"]) for a in mine] == [(camp["child"], "submitted", 1)]
    assert len(_inbox(app, "parent")) == 1
    # withdrawn, then the child may apply again (the same row, at the end of the queue)
    withdrawn = client.post(f"{API}/schools/{camp['school']}/applications/{body['id']}/withdraw", headers=parent)
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert _apply(client, parent, camp, camp["child"]).status_code == 201
    html = login_as("parent").get(f"{CAMP}/school/{camp['school']}/my").get_data(as_text=True)
    assert "1 смена" in html and "Ученик00" in html


def test_another_schools_parent_cannot_see_or_apply(app, camp, client, api_token, login_as):
    other = api_token("parent2")
    assert _apply(client, other, camp, camp["child2"]).status_code == 403
    assert _apply(client, other, camp, camp["child"]).status_code == 403
    assert client.get(f"{API}/schools/{camp['school']}/my-applications", headers=other).status_code == 403
    assert client.get(f"{API}/schools/{camp['school']}/sessions", headers=other).status_code == 403
    browser = login_as("parent2")
    assert browser.get(f"{CAMP}/school/{camp['school']}/my").status_code == 403
    assert browser.get(f"{CAMP}/school/{camp['school']}/sessions/{camp['session']}").status_code == 403
    assert browser.post(f"{CAMP}/school/{camp['school']}/my/apply",
                        data={"session_id": camp["session"], "student_id": camp["child2"]}).status_code == 403
    # nor may the own school's parent apply for a child that is not theirs
    refused = _apply(client, api_token("parent"), camp, camp["child2"])
    assert refused.status_code == 400 and "student_id" in refused.get_json()["error"]["fields"]


def test_a_parent_sees_only_their_childrens_applications(app, world, camp, client, api_token, login_as):
    admin = api_token("admin")
    assert _paper(client, admin, camp, world.students[1]).status_code == 201
    mine = _apply(client, api_token("parent"), camp, camp["child"])
    parent = api_token("parent")
    listed = client.get(f"{API}/schools/{camp['school']}/my-applications", headers=parent).get_json()
    assert [a["student_id"] for a in listed] == [camp["child"]]
    assert client.get(f"{API}/schools/{camp['school']}/sessions/{camp['session']}/applications",
                      headers=parent).status_code == 403
    others = [a for a in client.get(f"{API}/schools/{camp['school']}/sessions/{camp['session']}/applications",
                                    headers=admin).get_json() if a["student_id"] != camp["child"]]
    assert client.post(f"{API}/schools/{camp['school']}/applications/{others[0]['id']}/withdraw",
                       headers=parent).status_code == 404
    assert _decide(client, parent, camp, mine.get_json()["id"], "confirm").status_code == 403
    page = login_as("parent").get(f"{CAMP}/school/{camp['school']}/sessions/{camp['session']}")
    assert page.status_code == 200 and "Ученик01" not in page.get_data(as_text=True)  # no queue for parents


def test_queue_by_priority_then_time_capacity_and_decisions(app, world, camp, client, api_token):
    admin = api_token("admin")
    client.patch(f"{API}/schools/{camp['school']}/sessions/{camp['session']}", json={"capacity": 2}, headers=admin)
    late_svo = world.students[2]
    assert _apply(client, api_token("parent"), camp, camp["child"]).status_code == 201  # earliest, no category
    assert _paper(client, admin, camp, world.students[1], "large_family").status_code == 201
    assert _paper(client, admin, camp, late_svo, "svo").status_code == 201
    queue = client.get(f"{API}/schools/{camp['school']}/sessions/{camp['session']}/applications",
                       headers=admin).get_json()
    assert [(a["student_id"], a["position"]) for a in queue] == [
        (late_svo, 1), (world.students[1], 2), (camp["child"], 3)]
    ids = {a["student_id"]: a["id"] for a in queue}
    assert _decide(client, admin, camp, ids[late_svo], "confirm", squad_id=camp["spark"]).get_json()["squad_id"] == camp["spark"]
    assert _decide(client, admin, camp, ids[world.students[1]], "confirm").get_json()["squad_id"] == camp["sun"]
    full = _decide(client, admin, camp, ids[camp["child"]], "confirm")
    assert full.status_code == 409 and "заполнена" in full.get_json()["error"]["message"]
    no_reason = _decide(client, admin, camp, ids[camp["child"]], "reject")
    assert no_reason.status_code == 400 and "reason" in no_reason.get_json()["error"]["fields"]
    assert _decide(client, admin, camp, ids[camp["child"]], "waitlist").get_json()["status"] == "waitlisted"
    rejected = _decide(client, admin, camp, ids[camp["child"]], "reject", reason="Нет медицинской справки")
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    assert _decide(client, admin, camp, ids[camp["child"]], "confirm").status_code == 409  # rejected is final
    lower = client.patch(f"{API}/schools/{camp['school']}/sessions/{camp['session']}", json={"capacity": 1},
                         headers=admin)
    assert lower.status_code == 409 and "capacity" in lower.get_json()["error"]["fields"]
    inbox = _inbox(app, "parent")
    assert len(inbox) == 3  # received, waiting list, rejected
    assert "Нет медицинской справки" in inbox[-1][1]


def test_concurrent_confirms_never_exceed_the_capacity(app, world, camp, client, api_token):
    from eschool.plugin_api import School
    from eschool_summer_camp import services
    from eschool_summer_camp.models import Application

    admin = api_token("admin")
    client.patch(f"{API}/schools/{camp['school']}/sessions/{camp['session']}", json={"capacity": 2}, headers=admin)
    for student in world.students[1:6]:
        assert _paper(client, admin, camp, student).status_code == 201
    with app.app_context():
        ids = [a.id for a in Application.select()]
        school = School.get_by_id(camp["school"])
    barrier, results = threading.Barrier(len(ids)), []

    def confirm(app_id):
        with app.test_request_context("/"):
            application = services.get_application(school.id, app_id)
            barrier.wait()
            try:
                services.decide(application, "confirm", None)
                results.append("ok")
            except services.CampError as exc:
                results.append(exc.status)
            finally:
                app.extensions["eschool"].database.close()

    threads = [threading.Thread(target=confirm, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results, key=str) == [409, 409, 409, "ok", "ok"]
    with app.app_context():
        assert Application.select().where(Application.status == "confirmed").count() == 2


def test_bad_input_names_the_fields_and_changes_nothing(app, camp, client, api_token, login_as):
    from eschool_summer_camp.models import CampSession

    admin = api_token("admin")
    bad = client.post(f"{API}/schools/{camp['school']}/sessions", headers=admin,
                      json={"name": "x", "starts_on": "2027-06-10", "ends_on": "2027-06-01", "capacity": 0})
    assert bad.status_code == 400
    assert {"name", "capacity"} <= set(bad.get_json()["error"]["fields"])
    page = login_as("admin").post(f"{CAMP}/school/{camp['school']}/sessions",
                                  data={"name": "Смена", "starts_on": "2027-06-10", "ends_on": "2027-06-01",
                                        "capacity": "20"})
    assert page.status_code == 400 and "ends_on" in page.get_data(as_text=True)
    with app.app_context():
        assert CampSession.select().count() == 1
    squad = client.post(f"{API}/schools/{camp['school']}/sessions/{camp['session']}/squads", headers=admin,
                        json={"name": "Чужой", "leader_id": 999999})
    assert squad.status_code == 400 and "leader_id" in squad.get_json()["error"]["fields"]
    assert client.get(f"{API}/schools/{camp['other']}/sessions/{camp['session']}", headers=admin).status_code == 403


# --------------------------------------------------------------------------- squads' days


def _confirmed(client, admin, camp, students):
    ids = []
    for student, squad in students:
        app_id = _paper(client, admin, camp, student).get_json()["id"]
        assert _decide(client, admin, camp, app_id, "confirm", squad_id=squad).status_code == 200
        ids.append(app_id)
    return ids


def test_a_squad_leader_marks_only_their_squad(app, world, camp, client, api_token, login_as):
    admin = api_token("admin")
    sun_app, spark_app = _confirmed(client, admin, camp, [(camp["child"], camp["sun"]),
                                                          (world.students[1], camp["spark"])])
    teacher = api_token("teacher")
    day = str(camp["start"])
    own = client.put(f"{API}/schools/{camp['school']}/squads/{camp['sun']}/attendance", headers=teacher,
                     json={"date": day, "marks": [{"application_id": sun_app, "mark": "present"}]})
    assert own.status_code == 200 and own.get_json()["rows"][0]["mark"] == "present"
    other_squad = client.put(f"{API}/schools/{camp['school']}/squads/{camp['spark']}/attendance", headers=teacher,
                             json={"date": day, "marks": [{"application_id": spark_app, "mark": "absent"}]})
    assert other_squad.status_code == 403
    smuggled = client.put(f"{API}/schools/{camp['school']}/squads/{camp['sun']}/attendance", headers=teacher,
                          json={"date": day, "marks": [{"application_id": spark_app, "mark": "absent"}]})
    assert smuggled.status_code == 400 and "marks.0.application_id" in smuggled.get_json()["error"]["fields"]
    future = client.put(f"{API}/schools/{camp['school']}/squads/{camp['sun']}/attendance", headers=teacher,
                        json={"date": str(world.today + dt.timedelta(days=7)),
                              "marks": [{"application_id": sun_app, "mark": "present"}]})
    assert future.status_code == 400
    browser = login_as("teacher")
    assert browser.get(f"{CAMP}/school/{camp['school']}/squads/{camp['spark']}/attendance").status_code == 403
    assert browser.post(f"{CAMP}/school/{camp['school']}/squads/{camp['spark']}/attendance",
                        data={"date": day, f"mark-{spark_app}": "ill"}).status_code == 403
    sheet = browser.get(f"{CAMP}/school/{camp['school']}/squads/{camp['sun']}/attendance?date={day}")
    assert sheet.status_code == 200 and "Ученик00" in sheet.get_data(as_text=True)
    saved = browser.post(f"{CAMP}/school/{camp['school']}/squads/{camp['sun']}/attendance",
                         data={"date": day, f"mark-{sun_app}": "ill"})
    assert saved.status_code == 302
    got = client.get(f"{API}/schools/{camp['school']}/squads/{camp['sun']}/attendance?date={day}", headers=teacher)
    assert got.get_json()["rows"][0]["mark"] == "ill"
    assert client.get(f"{API}/schools/{camp['school']}/squads/{camp['sun']}/attendance",
                      headers=api_token("parent")).status_code == 403
    # the squad is a class group of kind summer_camp led by its leader
    from eschool.plugin_api import ClassGroup
    from eschool_summer_camp.models import Squad

    with app.app_context():
        group = ClassGroup.get_by_id(Squad.get_by_id(camp["sun"]).class_group_id)
        assert (group.kind, group.class_teacher_id) == ("summer_camp", world.user_id("teacher"))


def test_the_days_plan_reaches_the_parents_diary(app, world, camp, client, api_token, login_as):
    admin = api_token("admin")
    _confirmed(client, admin, camp, [(camp["child"], camp["sun"])])
    day = str(camp["start"])
    url = f"{API}/schools/{camp['school']}/sessions/{camp['session']}/plan"
    assert client.post(url, headers=admin, json={"date": day, "time": "10:00", "title": "Экскурсия в музей",
                                                 "place": "Краеведческий музей"}).status_code == 201
    teacher = api_token("teacher")
    assert client.post(url, headers=teacher, json={"date": day, "title": "Игры отряда",
                                                   "squad_id": camp["sun"]}).status_code == 201
    assert client.post(url, headers=teacher, json={"date": day, "title": "Чужой отряд",
                                                   "squad_id": camp["spark"]}).status_code == 403
    assert client.post(url, headers=teacher, json={"date": day, "title": "Весь лагерь"}).status_code == 403
    listed = client.get(f"{url}?date={day}", headers=api_token("parent")).get_json()
    assert [i["title"] for i in listed] == ["Экскурсия в музей", "Игры отряда"]
    diary = login_as("parent").get(f"/diary?student={camp['child']}&date={day}")
    assert diary.status_code == 200
    html = diary.get_data(as_text=True)
    assert "Экскурсия в музей" in html and "Солнышко" in html


def test_a_diary_week_without_camp_asks_the_camp_once(app, world, camp, login_as, count_queries):
    """Most weeks of the year a child has no camp: the diary's seven day slots cost one statement for the
    week, not one a day."""
    parent = login_as("parent")
    far = camp["start"] - dt.timedelta(days=60)
    parent.get(f"/diary?student={camp['child']}&date={far}")
    with count_queries() as counted:
        assert parent.get(f"/diary?student={camp['child']}&date={far}").status_code == 200
    assert sum('"summer_camp_' in sql for sql in counted.statements) == 1, counted.statements


# --------------------------------------------------------------------------- reports


def test_session_reports_read_back_with_health_days_and_escaped_text(app, world, camp, client, api_token, login_as):
    import openpyxl

    from eschool_summer_camp.models import Category

    admin = api_token("admin")
    with app.app_context():
        Category.create(school=camp["school"], code="formula", name="=HYPERLINK(\"http://x\")", rank=9)
    first, second = _confirmed(client, admin, camp, [(camp["child"], camp["sun"]), (world.students[1], camp["sun"])])
    client.post(f"{API}/schools/{camp['school']}/applications/{first}/squad", json={"squad_id": camp["sun"]},
                headers=admin)
    teacher = api_token("teacher")
    days = [camp["start"], camp["start"] + dt.timedelta(days=1)]
    days = [d for d in days if d.weekday() < 5][:2]
    for day, marks in zip(days, (("present", "ill"), ("present", "present")), strict=False):
        client.put(f"{API}/schools/{camp['school']}/squads/{camp['sun']}/attendance", headers=teacher,
                   json={"date": str(day), "marks": [{"application_id": first, "mark": marks[0]},
                                                     {"application_id": second, "mark": marks[1]}]})
    response = client.get(f"{API}/schools/{camp['school']}/sessions/{camp['session']}/attendance.xlsx", headers=admin)
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    health = list(book.worksheets[1].iter_rows(values_only=True))
    header = next(i for i, row in enumerate(health) if row[0] in ("Ребёнок", "Child"))
    rows = [list(row) for row in health[header + 1:]]
    expected_total = 1 + len(days) if len(days) == 2 else 1
    assert rows[-1][-1] == expected_total
    assert sum(r[-1] for r in rows[:-1]) == expected_total
    # the list for the municipality, with a category whose name looks like a formula: kept as text
    paper = _paper(client, admin, camp, world.students[2], "formula").get_json()["id"]
    _decide(client, admin, camp, paper, "confirm")
    children = login_as("admin").get(f"{CAMP}/school/{camp['school']}/sessions/{camp['session']}/children.xlsx")
    assert children.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(children.data)).active
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)
    report = login_as("admin").get(f"{CAMP}/school/{camp['school']}/sessions/{camp['session']}/report")
    assert report.status_code == 200
    from eschool.plugin_api import pdf_available

    pdf = login_as("admin").get(f"{CAMP}/school/{camp['school']}/sessions/{camp['session']}/report.pdf")
    if pdf_available():
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    else:
        assert pdf.status_code == 503
    assert login_as("teacher").get(f"{CAMP}/school/{camp['school']}/sessions/{camp['session']}/report").status_code == 403


def test_the_municipality_sees_its_camps_and_others_are_refused(app, world, camp, client, api_token, login_as):
    import openpyxl

    from eschool.plugin_api import Municipality

    admin = api_token("admin")
    _confirmed(client, admin, camp, [(camp["child"], camp["sun"])])
    with app.app_context():
        code = Municipality.get_by_id(world.municipality).code
    municipal = api_token("municipal")
    year = camp["start"].year
    camps = client.get(f"{API}/municipalities/{code}/camps?year={year}", headers=municipal)
    assert camps.status_code == 200
    assert [(c["session"], c["confirmed"], c["capacity"]) for c in camps.get_json()] == [("1 смена", 1, 30)]
    xlsx = client.get(f"{API}/municipalities/{code}/children.xlsx?year={year}", headers=municipal)
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1 and rows[0][4].startswith("Абрамов")
    page = login_as("municipal").get(f"{CAMP}/m/{code}?year={year}")
    assert page.status_code == 200 and "1 смена" in page.get_data(as_text=True)
    for who in ("admin", "parent", "teacher"):
        assert client.get(f"{API}/municipalities/{code}/camps", headers=api_token(who)).status_code == 403
    assert client.get(f"{API}/municipalities/novokuznetsk/camps", headers=municipal).status_code == 403
    assert login_as("parent").get(f"{CAMP}/m/{code}").status_code == 403


# --------------------------------------------------------------------------- flat query counts


def _grow(app, world, camp, client, admin, n):
    """n children confirmed in the Солнышко squad, each marked present on the session's first days."""
    from eschool.people import services as people
    from eschool.plugin_api import ClassGroup, School

    with app.app_context():
        school, group = School.get_by_id(world.school), ClassGroup.get_by_id(world.c5)
        kids = [people.enrol(school, {
            "last_name": "Растущий", "first_name": f"Ребёнок{i:02d}", "middle_name": "", "birth_date": dt.date(2016, 1, 1),
            "gender": "f", "document_kind": "birth_certificate", "document_number": "", "snils": "", "address": "",
            "class_id": group.id, "date": world.today - dt.timedelta(days=60), "order_number": f"{i}-к"},
            notify=False).id for i in range(n)]
    ids = _confirmed(client, admin, camp, [(k, camp["sun"]) for k in kids])
    teacher = {"Authorization": admin["Authorization"]}
    day = camp["start"]
    while day <= world.today:
        if day.weekday() < 5:
            client.put(f"{API}/schools/{camp['school']}/squads/{camp['sun']}/attendance", headers=teacher,
                       json={"date": str(day), "marks": [{"application_id": i, "mark": "present"} for i in ids]})
        day += dt.timedelta(days=1)


def _count(count_queries, client, url, headers=None):
    with count_queries() as counted:
        response = client.get(url, headers=headers or {})
    assert response.status_code == 200, url
    import os
    if os.environ.get("CAMP_DEBUG"):
        print("URL", url, counted.count)
        for st in counted.statements:
            print("   ", str(st)[:200])
    return counted.count


def test_query_counts_are_flat_in_children_and_days(app, world, camp, client, api_token, login_as, count_queries):
    from eschool.plugin_api import Municipality

    admin = api_token("admin")
    with app.app_context():
        code = Municipality.get_by_id(world.municipality).code
    municipal = api_token("municipal")
    browser = login_as("admin")
    s, c = camp["school"], camp["session"]
    urls = [(f"{API}/schools/{s}/sessions/{c}/applications", admin),
            (f"{API}/schools/{s}/squads/{camp['sun']}/attendance?date={camp['start']}", admin),
            (f"{API}/schools/{s}/sessions/{c}/attendance.xlsx", admin),
            (f"{API}/municipalities/{code}/camps?year={camp['start'].year}", municipal),
            (f"{CAMP}/school/{s}/sessions/{c}", None), (f"{CAMP}/school/{s}/sessions/{c}/report", None),
            (f"{CAMP}/school/{s}/squads/{camp['sun']}/attendance", None)]

    def counts():
        return [_count(count_queries, browser if h is None else client, u, h) for u, h in urls]

    _grow(app, world, camp, client, admin, 2)
    counts()  # the first visit gives the school its default priority categories
    small = counts()
    _grow(app, world, camp, client, admin, 18)
    assert counts() == small


def test_catalogs_are_complete():
    from pathlib import Path

    from eschool.testing import check_catalogs

    assert check_catalogs(Path(__file__).parents[1] / "plugins" / "eschool_summer_camp") == []


def test_the_camps_in_the_reports_registry(app, world, camp, client, api_token, login_as):
    from eschool.plugin_api import Municipality

    admin = api_token("admin")
    _confirmed(client, admin, camp, [(camp["child"], camp["sun"])])
    with app.app_context():
        code = Municipality.get_by_id(world.municipality).code
    year = camp["start"].year
    page = login_as("municipal").get(f"/municipality/{code}/reports/summer_camp.camps?year={year}")
    assert page.status_code == 200 and "1 смена" in page.get_data(as_text=True)
    school = login_as("admin").get(f"/school/{camp['school']}/reports/summer_camp.sessions?year={year}")
    assert school.status_code == 200 and "1 смена" in school.get_data(as_text=True)
    assert login_as("parent").get(f"/school/{camp['school']}/reports/summer_camp.sessions").status_code == 403
    assert login_as("admin").get(f"/municipality/{code}/reports/summer_camp.camps").status_code == 403
