"""The announcement board (Samara's rule): staff post to the audiences they may address, families read
only what is addressed to them; pinned first; the start page; the notice; refusals through HTTP."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.comm_world import second_school

BASE = "/api/v1/announcements/schools"


@pytest.fixture
def app(make_app):
    return make_app(region="samara")


@pytest.fixture
def two(app, world):
    return {"w": world, "o": second_school(app, world)}


def post(client, school, headers, **data):
    body = {"title": "Объявление", "body": "Текст **объявления**", **data}
    return client.post(f"{BASE}/{school}", json=body, headers=headers)


def titles(response):
    assert response.status_code == 200, response.get_json()
    return [i["title"] for i in response.get_json()["items"]]


def test_audiences_reach_only_those_addressed_and_pinned_come_first(app, client, two, api_token):
    w = two["w"]
    admin = api_token("admin")
    assert post(client, w.school, admin, title="Всем", audience="school").status_code == 201
    assert post(client, w.school, admin, title="Закреплённое", audience="school", pinned=True).status_code == 201
    assert post(client, w.school, admin, title="Родителям", audience="parents").status_code == 201
    assert post(client, w.school, admin, title="Сотрудникам", audience="staff").status_code == 201
    assert post(client, w.school, admin, title="Пятым классам", audience="parallel", grade=5).status_code == 201
    assert post(client, w.school, admin, title="Шестому Б", audience="class", class_id=w.c6).status_code == 201
    later = (w.today + dt.timedelta(days=3)).isoformat()
    assert post(client, w.school, admin, title="Позже", starts_on=later).status_code == 201

    parent = titles(client.get(f"{BASE}/{w.school}", headers=api_token("parent")))
    assert parent[0] == "Закреплённое"
    assert set(parent) == {"Всем", "Закреплённое", "Родителям", "Пятым классам"}
    student = set(titles(client.get(f"{BASE}/{w.school}", headers=api_token("student"))))
    assert student == {"Всем", "Закреплённое", "Пятым классам"}  # not parents-only, not staff, not 6Б
    teacher = set(titles(client.get(f"{BASE}/{w.school}", headers=api_token("other"))))  # teaches 6Б
    assert teacher == {"Всем", "Закреплённое", "Сотрудникам", "Шестому Б"}
    everything = set(titles(client.get(f"{BASE}/{w.school}?show=all", headers=admin)))
    assert "Позже" in everything and len(everything) == 7
    # a family never sees the planned one, even asking for all
    assert "Позже" not in titles(client.get(f"{BASE}/{w.school}?show=all", headers=api_token("parent")))
    # one announcement not addressed to the student: 404
    ids = {i["title"]: i["id"] for i in client.get(f"{BASE}/{w.school}?show=all", headers=admin).get_json()["items"]}
    assert client.get(f"{BASE}/{w.school}/{ids['Сотрудникам']}", headers=api_token("student")).status_code == 404
    one = client.get(f"{BASE}/{w.school}/{ids['Всем']}", headers=api_token("student")).get_json()
    assert "<strong>объявления</strong>" in one["body_html"] and one["editable"] is False


def test_students_and_parents_read_only(app, client, two, api_token, login_as):
    w = two["w"]
    for who in ("student", "parent"):
        assert post(client, w.school, api_token(who)).status_code == 403
        page = login_as(who)
        assert page.get(f"/announcements/school/{w.school}").status_code == 200
        assert page.get(f"/announcements/school/{w.school}/new").status_code in (302, 403)
        assert page.post(f"/announcements/school/{w.school}/new", data={"title": "x"}).status_code in (302, 403, 400)
    made = post(client, w.school, api_token("admin"), title="Всем").get_json()
    for who in ("student", "parent"):
        assert client.patch(f"{BASE}/{w.school}/{made['id']}", json={"title": "Взлом"},
                            headers=api_token(who)).status_code == 403
        assert client.delete(f"{BASE}/{w.school}/{made['id']}", headers=api_token(who)).status_code == 403


def test_posters_are_limited_to_what_they_may_address(app, client, two, api_token):
    w = two["w"]
    teacher = api_token("teacher")  # teaches 5А only
    assert post(client, w.school, teacher, audience="school").status_code == 403
    assert post(client, w.school, teacher, audience="parents").status_code == 403
    refused = post(client, w.school, teacher, audience="class", class_id=w.c6)
    assert refused.status_code == 403 and "class_id" in refused.get_json()["error"]["fields"]
    assert post(client, w.school, teacher, audience="class", class_id=w.c5).status_code == 201
    assert post(client, w.school, teacher, audience="staff").status_code == 201
    # another school's class: no such class here
    bad = post(client, w.school, api_token("admin"), audience="class", class_id=two["o"]["class"])
    assert bad.status_code == 400 and "class_id" in bad.get_json()["error"]["fields"]
    # bad input names the fields and changes nothing
    bad = client.post(f"{BASE}/{w.school}", json={"title": "", "audience": "planet", "ends_on": "когда"},
                      headers=api_token("admin"))
    assert bad.status_code == 400
    assert {"title", "body", "audience", "ends_on"} <= set(bad.get_json()["error"]["fields"])
    bad = post(client, w.school, api_token("admin"), starts_on="9999-12-31")
    assert bad.status_code == 400 and "starts_on" in bad.get_json()["error"]["fields"]
    bad = post(client, w.school, api_token("admin"), starts_on="2026-05-10", ends_on="2026-05-01")
    assert bad.status_code == 400 and "ends_on" in bad.get_json()["error"]["fields"]
    assert client.get(f"{BASE}/{w.school}?show=all", headers=api_token("admin")).get_json()["total"] == 2
    # a colleague cannot change the teacher's announcement; the administration can
    mine = titles(client.get(f"{BASE}/{w.school}", headers=teacher))
    assert len(mine) == 2
    item = client.get(f"{BASE}/{w.school}", headers=teacher).get_json()["items"][0]
    assert client.patch(f"{BASE}/{w.school}/{item['id']}", json={"title": "Чужое"},
                        headers=api_token("classteacher")).status_code in (403, 404)
    assert client.patch(f"{BASE}/{w.school}/{item['id']}", json={"title": "Чужое"},
                        headers=api_token("secretary")).status_code == 403  # posts to all, moderates nothing
    assert client.patch(f"{BASE}/{w.school}/{item['id']}", json={"title": "Поправлено"},
                        headers=api_token("director")).status_code == 200  # announcements.moderate
    gone = client.delete(f"{BASE}/{w.school}/{item['id']}", headers=teacher)
    assert gone.status_code == 204, gone.get_json()


def test_another_school_is_refused(app, client, two, api_token, login_as):
    w, o = two["w"], two["o"]
    theirs = post(client, o["school"], api_token("admin2"), title="Чужое").get_json()
    assert client.get(f"{BASE}/{o['school']}", headers=api_token("parent")).status_code == 403
    assert client.get(f"{BASE}/{o['school']}/{theirs['id']}", headers=api_token("admin")).status_code == 403
    assert post(client, o["school"], api_token("admin")).status_code == 403
    # the same id asked through my own school: not found
    assert client.get(f"{BASE}/{w.school}/{theirs['id']}", headers=api_token("admin")).status_code == 404
    assert client.delete(f"{BASE}/{w.school}/{theirs['id']}", headers=api_token("admin")).status_code == 404
    page = login_as("parent")
    assert page.get(f"/announcements/school/{o['school']}").status_code == 403
    assert "Чужое" not in page.get(f"/announcements/school/{w.school}").get_data(as_text=True)
    assert login_as("admin").get(f"/announcements/school/{w.school}/{theirs['id']}/edit").status_code == 404


def test_pages_post_edit_delete_and_the_start_page(app, client, two, login_as):
    w = two["w"]
    admin = login_as("admin")
    assert admin.get(f"/announcements/school/{w.school}/new").status_code == 200
    response = admin.post(f"/announcements/school/{w.school}/new", data={
        "title": "Субботник", "body": "<script>alert(1)</script> В субботу **субботник**", "audience": "school",
        "pinned": "1", "starts_on": "", "ends_on": ""})
    assert response.status_code == 302
    bad = admin.post(f"/announcements/school/{w.school}/new", data={"title": "", "body": "", "audience": "school"})
    assert bad.status_code == 400 and "field-error" in bad.get_data(as_text=True)
    parent = login_as("parent")
    html = parent.get(f"/announcements/school/{w.school}").get_data(as_text=True)
    assert "Субботник" in html and "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<strong>субботник</strong>" in html
    dashboard = parent.get("/dashboard", follow_redirects=True).get_data(as_text=True)
    assert "Субботник" in dashboard
    from eschool_announcements.models import Announcement

    with app.app_context():
        item_id = Announcement.get(Announcement.title == "Субботник").id
    assert admin.get(f"/announcements/school/{w.school}/{item_id}/edit").status_code == 200
    assert admin.post(f"/announcements/school/{w.school}/{item_id}/edit", data={
        "title": "Субботник переносится", "body": "В воскресенье", "audience": "school"}).status_code == 302
    assert "Субботник переносится" in parent.get(f"/announcements/school/{w.school}").get_data(as_text=True)
    assert parent.post(f"/announcements/school/{w.school}/{item_id}/delete").status_code in (302, 403)
    with app.app_context():
        assert Announcement.select().count() == 1
    assert admin.post(f"/announcements/school/{w.school}/{item_id}/delete").status_code == 302
    with app.app_context():
        assert Announcement.select().count() == 0


def test_those_addressed_are_notified_once(app, client, two, api_token):
    from eschool.jobs import run_pending
    from eschool.notifications.models import Notification

    w = two["w"]
    assert post(client, w.school, api_token("classteacher"), title="Экскурсия", audience="class",
                class_id=w.c5).status_code == 201
    run_pending(app)
    run_pending(app)
    with app.app_context():
        got = {n.user_id for n in Notification.select().where(Notification.kind == "announcements.new")}
    assert w.user_id("parent") in got and w.user_id("student") in got and w.user_id("teacher") in got
    assert w.user_id("other") not in got and two["o"]["users"]["parent2"] not in got
    with app.app_context():
        assert Notification.select().where(Notification.kind == "announcements.new").count() == len(got)


def test_switched_off_in_kemerovo_and_on_in_samara(make_app):
    import tomllib
    from pathlib import Path

    root = Path(__file__).parents[1] / "regions"
    for region in ("kemerovo", "samara", "primorye"):
        profile = tomllib.loads((root / region / "region.toml").read_text(encoding="utf-8"))
        wanted = profile["rules"]["communication"]
        for code in ("announcements", "news"):
            assert profile["plugins"][code]["default"] is (code in wanted), (region, code)
        assert profile["plugins"]["calendar"]["default"] is True


def test_query_counts_do_not_grow_with_announcements_or_recipients(app, client, two, api_token, login_as,
                                                                   count_queries):
    from eschool.plugin_api import School
    from eschool_announcements import services
    from eschool_announcements.reader import reader_for

    w = two["w"]
    parent = login_as("parent")
    headers = api_token("parent")

    def measure():
        counts = {}
        for name, call in (("board", lambda: parent.get(f"/announcements/school/{w.school}")),
                           ("dashboard", lambda: parent.get("/dashboard")),
                           ("api", lambda: client.get(f"{BASE}/{w.school}", headers=headers))):
            with app.app_context(), count_queries() as counted:
                assert call().status_code == 200
            counts[name] = counted.count
        return counts

    def add(n):
        with app.test_request_context():
            from eschool.plugin_api import User

            admin = User.get_by_id(w.user_id("admin"))
            school = School.get_by_id(w.school)
            reader = reader_for(admin, w.school, all_roles=True)
            for i in range(n):
                services.create(school, {"title": f"Объявление {i}", "body": "текст", "audience": "school",
                                         "pinned": i % 3 == 0}, reader, admin, notice=False)
                services.create(school, {"title": f"Классу {i}", "body": "текст", "audience": "class",
                                         "class_id": w.c5}, reader, admin, notice=False)

    add(2)
    measure()  # warm: once-per-session work (the token's last use, caches) is not what is pinned
    few = measure()
    add(20)
    assert measure() == few


def test_notice_queries_do_not_grow_with_recipients(app, two, count_queries):
    """The worker's notice: the same number of queries for a class of 6 and for a class of 30 families."""
    from eschool.plugin_api import ClassGroup, School, User
    from eschool_announcements import services
    from eschool_announcements.reader import reader_for
    from tests.comm_world import enrol_many

    w = two["w"]

    def send():
        with app.test_request_context():
            admin = User.get_by_id(w.user_id("admin"))
            item = services.create(School.get_by_id(w.school), {"title": "Всем", "body": "т", "audience": "class",
                                                                "class_id": w.c5},
                                   reader_for(admin, w.school, all_roles=True), admin, notice=False)
            item.notified_at = None
            item.save()
            with count_queries() as counted:
                result = services.send_notice(item.id)
            return counted.count, result["recipients"]

    few, n_few = send()
    with app.app_context():
        enrol_many(app, School.get_by_id(w.school), ClassGroup.get_by_id(w.c5), 24)
    many, n_many = send()
    assert n_many >= n_few + 24 and many == few
