"""The kiosk plugin: off by default and switched on per school; six sections edited by the positions the school
administrator chose; a device token reads the kiosk's screen and nothing else; drafts, pictures, bad input,
query counts flat in pages and pictures."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from eschool.testing import check_catalogs

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00"
       b"\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def kiosk(app, world, toggle):
    """The world's school with the kiosk on, its sections by kind, and a second school (its own admin)."""
    from eschool.plugin_api import School, create_school, grant_role
    from eschool.testing.world import PASSWORD
    from eschool_kiosk import services

    toggle("kiosk", True, school=world.school)
    with app.app_context():
        school = School.get_by_id(world.school)
        other = create_school(school.municipality, "МБОУ «Школа №2»", "Школа №2")
        from eschool.plugin_api import create_user

        admin2 = create_user("admin2", "Админ Второй", password=PASSWORD, must_change_password=False)
        grant_role(admin2, "school_admin", school=other, allowed_roles=app.extensions["eschool"].roles)
        sections = {s.kind: s.id for s in services.ensure_sections(school)}
    toggle("kiosk", True, school=other.id)
    return {"school": world.school, "other": other.id, "sections": sections, "world": world}


def _page(client, kiosk, kind, title="Объявление", body="Текст **важный**", headers=None, published=True):
    url = f"/api/v1/kiosk/school/{kiosk['school']}/sections/{kiosk['sections'][kind]}/pages"
    return client.post(url, json={"title": title, "body": body, "published": published}, headers=headers or {})


def _issue_device(app, kiosk, login_as):
    admin = login_as("admin")
    answer = admin.post(f"/school/{kiosk['school']}/devices", data={"purpose": "kiosk", "name": "Холл"})
    assert answer.status_code == 200
    token = re.search(r'id="device-token">([^<]+)<', answer.get_data(as_text=True)).group(1)
    return {"Authorization": f"Device {token}"}, admin


# --------------------------------------------------------------------------- switched on per school


def test_the_kiosk_is_off_by_default_and_on_where_a_school_switches_it_on(app, world, toggle, login_as, api_token):
    admin, headers = login_as("admin"), api_token("admin")
    assert admin.get(f"/kiosk/school/{world.school}/").status_code == 404
    assert admin.get(f"/api/v1/kiosk/school/{world.school}/sections", headers=headers).status_code == 404
    toggle("kiosk", True, school=world.school)
    answer = admin.get(f"/kiosk/school/{world.school}/")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert html.count('data-section="') == 6
    for title in ("О школе", "Расписание", "Замены", "Объявления", "Кружки и события"):
        assert title in html
    sections = admin.get(f"/api/v1/kiosk/school/{world.school}/sections", headers=headers).get_json()
    assert [s["position"] for s in sections] == [1, 2, 3, 4, 5, 6] and all(s["editable"] for s in sections)
    # the meals menu where nutrition is on at the school (Kemerovo city: on), useful information otherwise
    from eschool.plugin_api import is_enabled, scope_for_school
    from eschool.structure.models import School

    with app.app_context():
        meals = is_enabled("nutrition", scope_for_school(School.get_by_id(world.school)))
    assert sections[4]["kind"] == ("meals" if meals else "info")


# --------------------------------------------------------------------------- who edits what


def test_staff_edit_only_the_sections_their_position_is_chosen_for(app, kiosk, login_as, api_token):
    s = kiosk["sections"]
    secretary = login_as("secretary")
    assert secretary.get(f"/kiosk/school/{kiosk['school']}/sections/{s['announcements']}").status_code == 200
    assert secretary.get(f"/kiosk/school/{kiosk['school']}/sections/{s['about']}").status_code == 403
    headers = api_token("secretary")
    assert _page(app.test_client(), kiosk, "announcements", headers=headers).status_code == 201
    assert _page(app.test_client(), kiosk, "about", headers=headers).status_code == 403
    # a subject teacher holds no chosen position: refused on the page, the form and the API
    teacher = login_as("teacher")
    assert teacher.get(f"/kiosk/school/{kiosk['school']}/").status_code == 200  # the list, no edit links
    for kind in ("clubs", "announcements"):
        assert teacher.get(f"/kiosk/school/{kiosk['school']}/sections/{s[kind]}").status_code == 403
        assert teacher.post(f"/kiosk/school/{kiosk['school']}/sections/{s[kind]}/pages/new",
                            data={"title": "x", "body": "y"}).status_code == 403
    teacher_api = api_token("teacher")
    assert _page(app.test_client(), kiosk, "clubs", headers=teacher_api).status_code == 403
    # ... nor may they choose the editors
    patch = {"editor_roles": ["subject_teacher"]}
    url = f"/api/v1/kiosk/school/{kiosk['school']}/sections/{s['clubs']}"
    assert app.test_client().patch(url, json=patch, headers=teacher_api).status_code == 403
    # the school administrator chooses subject teachers for the clubs: now the teacher edits them
    assert app.test_client().patch(url, json=patch, headers=api_token("admin")).status_code == 200
    assert _page(app.test_client(), kiosk, "clubs", headers=teacher_api).status_code == 201
    assert teacher.get(f"/kiosk/school/{kiosk['school']}/sections/{s['clubs']}").status_code == 200
    # students and parents have no kiosk editing at all
    for who in ("student", "parent"):
        assert login_as(who).get(f"/kiosk/school/{kiosk['school']}/").status_code == 403
        assert _page(app.test_client(), kiosk, "announcements", headers=api_token(who)).status_code == 403


def test_another_schools_admin_neither_edits_this_kiosk_nor_issues_its_tokens(app, kiosk, login_as):
    other_admin = login_as("admin2")
    school, section = kiosk["school"], kiosk["sections"]["about"]
    assert other_admin.get(f"/kiosk/school/{school}/").status_code == 403
    assert other_admin.get(f"/kiosk/school/{school}/sections/{section}").status_code == 403
    assert other_admin.post(f"/kiosk/school/{school}/sections/{section}/settings",
                            data={"title": "Чужое"}).status_code == 403
    assert other_admin.get(f"/school/{school}/devices").status_code == 403
    assert other_admin.post(f"/school/{school}/devices", data={"purpose": "kiosk", "name": "x"}).status_code == 403
    with app.app_context():
        from eschool_kiosk.models import KioskSection

        assert KioskSection.get_by_id(section).title == ""  # still its default title
    # their own school's kiosk is theirs
    assert other_admin.get(f"/kiosk/school/{kiosk['other']}/").status_code == 200


def test_the_administrator_renames_sections_and_bad_input_changes_nothing(app, kiosk, login_as, api_token):
    admin = login_as("admin")
    school, section = kiosk["school"], kiosk["sections"]["clubs"]
    answer = admin.post(f"/kiosk/school/{school}/sections/{section}/settings",
                        data={"title": "Секции и праздники", "editor_roles": ["class_teacher", "secretary"]})
    assert answer.status_code == 302
    answer = admin.post(f"/kiosk/school/{school}/sections/{section}/settings", data={"title": "Я" * 61})
    assert answer.status_code == 400 and 'field-error' in answer.get_data(as_text=True)
    bad = app.test_client().patch(f"/api/v1/kiosk/school/{school}/sections/{section}",
                                  json={"editor_roles": ["student"]}, headers=api_token("admin"))
    assert bad.status_code == 400 and "editor_roles" in bad.get_json()["error"]["fields"]
    bad = _page(app.test_client(), kiosk, "clubs", title="", headers=api_token("admin"))
    assert bad.status_code == 400 and "title" in bad.get_json()["error"]["fields"]
    answer = admin.post(f"/kiosk/school/{school}/sections/{section}/pages/new", data={"title": "", "body": "x"})
    assert answer.status_code == 400
    with app.app_context():
        from eschool_kiosk.models import KioskPage, KioskSection

        row = KioskSection.get_by_id(section)
        assert row.title == "Секции и праздники" and row.roles == ["class_teacher", "secretary"]
        assert KioskPage.select().count() == 0


def test_pages_take_pictures_that_only_editors_and_the_kiosk_read(app, kiosk, login_as):
    admin = login_as("admin")
    school, section = kiosk["school"], kiosk["sections"]["about"]
    answer = admin.post(f"/kiosk/school/{school}/sections/{section}/pages/new",
                        data={"title": "Наша школа", "body": "Добро пожаловать", "published": "1"})
    assert answer.status_code == 302
    page_id = int(answer.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    base = f"/kiosk/school/{school}/sections/{section}/pages/{page_id}"
    bad = admin.post(f"{base}/pictures", data={"file": (io.BytesIO(b"MZ..."), "virus.exe")},
                     content_type="multipart/form-data")
    assert bad.status_code == 400
    good = admin.post(f"{base}/pictures", data={"file": (io.BytesIO(PNG), "hall.png")},
                      content_type="multipart/form-data")
    assert good.status_code == 302
    html = admin.get(base).get_data(as_text=True)
    file_url = re.search(r'src="(/files/\d+)"', html).group(1)
    assert admin.get(file_url).status_code == 200
    assert app.test_client().get(file_url).status_code == 404  # not for visitors
    assert login_as("student").get(file_url).status_code == 404


# --------------------------------------------------------------------------- the device


def test_a_kiosk_token_reads_its_screen_and_pictures_and_drafts_stay_hidden(app, kiosk, login_as, api_token):
    device, _admin = _issue_device(app, kiosk, login_as)
    headers = api_token("admin")
    client = app.test_client()
    assert _page(client, kiosk, "announcements", title="Собрание", body="В 18:00", headers=headers).status_code == 201
    assert _page(client, kiosk, "announcements", title="Черновик", headers=headers, published=False).status_code == 201
    page = _page(client, kiosk, "about", title="О нас", headers=headers).get_json()
    url = f"/api/v1/kiosk/school/{kiosk['school']}/sections/{kiosk['sections']['about']}/pages/{page['id']}/pictures"
    picture = client.post(url, data={"file": (io.BytesIO(PNG), "a.png")}, headers=headers,
                          content_type="multipart/form-data").get_json()
    answer = client.get(f"/api/v1/kiosk/school/{kiosk['school']}/screen", headers=device)
    assert answer.status_code == 200
    data = answer.get_json()
    assert len(data["sections"]) == 6
    titles = [p["title"] for s in data["sections"] for p in s["pages"]]
    assert "Собрание" in titles and "О нас" in titles and "Черновик" not in titles
    assert [s["page_id"] for s in data["slides"]] and all(isinstance(s["page_id"], int) for s in data["slides"])
    assert any(c["class_name"] == "5А" for c in data["timetable"]) or data["date"]
    shown = [p for s in data["sections"] for p in s["pages"] if p["title"] == "О нас"][0]
    assert shown["pictures"][0]["id"] == picture["id"]
    image = client.get(shown["pictures"][0]["url"], headers=device)
    assert image.status_code == 200 and image.data == PNG and image.mimetype == "image/png"
    # a draft's picture is not the kiosk's to read
    page_url = f"/api/v1/kiosk/school/{kiosk['school']}/sections/{kiosk['sections']['about']}/pages/{page['id']}"
    assert client.patch(page_url, json={"published": False}, headers=headers).status_code == 200
    assert client.get(shown["pictures"][0]["url"], headers=device).status_code == 404
    assert client.patch(page_url, json={"published": True}, headers=headers).status_code == 200
    # the same picture through the other school's path, or without the token: refused
    assert client.get(f"/api/v1/kiosk/school/{kiosk['other']}/pictures/{picture['id']}", headers=device).status_code == 403
    assert client.get(shown["pictures"][0]["url"]).status_code == 401


def test_the_screen_shows_todays_timetable_and_substitutions(app, kiosk, login_as):
    import datetime as dt

    from eschool.plugin_api import School, local_today
    from eschool.timetable import services as timetable

    device, _admin = _issue_device(app, kiosk, login_as)
    world = kiosk["world"]
    with app.app_context():
        today = local_today()
        school = School.get_by_id(world.school)
        if today.isoweekday() > 5:  # the world's timetable runs Monday to Friday
            entry = timetable.add_entry(school, {"class_id": world.c5, "weekday": today.isoweekday(), "number": 2,
                                                 "subject_id": world.maths, "teacher_id": world.user_id("teacher"),
                                                 "room_id": None})
        else:
            entry = [e for e in timetable.week(school, world.year, class_id=world.c5, weekday=today.isoweekday())][0]
        timetable.substitute(school, {"entry_id": entry.id, "date": today, "teacher_id": world.user_id("other"),
                                      "room_id": None, "note": "болезнь"})
    data = app.test_client().get(f"/api/v1/kiosk/school/{kiosk['school']}/screen", headers=device).get_json()
    assert data["date"] == today.isoformat()
    c5 = [c for c in data["timetable"] if c["class_name"] == "5А"][0]
    lesson = [lesson for lesson in c5["lessons"] if lesson["number"] == 2][0]
    assert lesson["subject"] == "Мат" and lesson["substituted"] and lesson["teacher"].startswith("Другой")
    assert data["substitutions"] == [{"number": 2, "class_name": "5А", "teacher": "Другой У.", "note": "болезнь"}]
    assert dt.date.fromisoformat(data["date"]) == today


def _fill(rule, school_id: int) -> str | None:
    """A path of ``rule`` with the school's own id and 1 (or a word, or today) for every other argument."""
    for other in (1, "x", "2026-12-01"):
        values = {arg: school_id if arg == "school_id" else other for arg in rule.arguments}
        try:
            return rule.build(values, append_unknown=False)[1]
        except Exception:  # noqa: BLE001 - the converter refuses this kind of value: try the next
            continue
    return None


def test_a_kiosk_token_reads_nothing_but_its_kiosk(app, kiosk, login_as):
    """Every GET page and API endpoint of the app, with the school's own id: the device is refused everywhere
    but the kiosk's display; where a page is public it sees no more than a visitor does."""
    from eschool.auth.permissions import PUBLIC, declared_permission

    device, _admin = _issue_device(app, kiosk, login_as)
    own = {"kiosk_api.screen", "kiosk_api.picture"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in own or rule.endpoint == "static":
            continue
        path = _fill(rule, kiosk["school"])
        if path is None:
            continue
        view = app.view_functions[rule.endpoint]
        permission = declared_permission(view)
        answer = app.test_client().get(path, headers=device)
        if permission == PUBLIC:
            visitor = app.test_client().get(path)
            # never more than a visitor: what a visitor is refused, the device is refused too
            assert answer.status_code != 200 or visitor.status_code == 200, (rule.rule, visitor.status_code)
            if answer.status_code == 200 and answer.mimetype == "application/json":
                assert answer.get_json() == visitor.get_json(), rule.rule
        else:
            assert answer.status_code in (401, 403, 404), (rule.rule, permission, answer.status_code)
        checked += 1
    assert checked > 120
    # writes are refused too
    section = kiosk["sections"]["about"]
    assert _page(app.test_client(), kiosk, "about", headers=device).status_code == 403
    assert app.test_client().patch(f"/api/v1/kiosk/school/{kiosk['school']}/sections/{section}",
                                   json={"title": "x"}, headers=device).status_code == 403
    # and another school's kiosk is not its kiosk
    assert app.test_client().get(f"/api/v1/kiosk/school/{kiosk['other']}/screen", headers=device).status_code == 403


def test_a_revoked_token_is_refused_and_the_screen_is_gone_where_the_kiosk_is_off(app, kiosk, login_as, toggle):
    device, admin = _issue_device(app, kiosk, login_as)
    url = f"/api/v1/kiosk/school/{kiosk['school']}/screen"
    assert app.test_client().get(url, headers=device).status_code == 200
    toggle("kiosk", False, school=kiosk["school"])
    assert app.test_client().get(url, headers=device).status_code == 404
    assert app.test_client().get(f"/kiosk/school/{kiosk['school']}/screen").status_code == 404
    toggle("kiosk", True, school=kiosk["school"])
    with app.app_context():
        from eschool.devices.models import DeviceToken

        device_id = DeviceToken.get().id
    assert admin.post(f"/school/{kiosk['school']}/devices/{device_id}/revoke").status_code == 302
    assert app.test_client().get(url, headers=device).status_code == 401


def test_the_display_shell_is_local_and_carries_no_content(app, kiosk):
    answer = app.test_client().get(f"/kiosk/school/{kiosk['school']}/screen")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "blob:" in answer.headers["Content-Security-Policy"]
    assert "http://" not in html.replace("http://localhost", "") and "https://" not in html  # no CDN
    assert "О школе" not in html  # the sections come only with the token
    worker = app.test_client().get(f"/kiosk/school/{kiosk['school']}/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript" and b"caches" in worker.data
    for name in ("kiosk.js", "kiosk.css"):
        asset = app.test_client().get(f"/static/plugins/kiosk/{name}")
        assert asset.status_code == 200 and b"https://" not in asset.data and b"http://" not in asset.data
        asset.close()
    worker.close()


# --------------------------------------------------------------------------- query counts


def test_query_counts_stay_flat_in_pages_and_pictures(app, kiosk, login_as, api_token, count_queries):
    device, _admin = _issue_device(app, kiosk, login_as)
    headers = api_token("admin")
    client = app.test_client()
    editor = login_as("admin")
    school = kiosk["school"]

    def add(n):
        for i in range(n):
            page = _page(client, kiosk, ("about", "announcements", "clubs")[i % 3], title=f"Стр {i}",
                         headers=headers).get_json()
            section = kiosk["sections"][("about", "announcements", "clubs")[i % 3]]
            client.post(f"/api/v1/kiosk/school/{school}/sections/{section}/pages/{page['id']}/pictures",
                        data={"file": (io.BytesIO(PNG), "p.png")}, headers=headers, content_type="multipart/form-data")

    def measure():
        counts = []
        for url, who in ((f"/api/v1/kiosk/school/{school}/screen", device), (f"/kiosk/school/{school}/", None),
                         (f"/api/v1/kiosk/school/{school}/sections/{kiosk['sections']['about']}/pages", headers)):
            c = editor if who is None else client
            c.get(url, headers=who or {})  # warm the caches of the request
            with count_queries() as counted:
                assert c.get(url, headers=who or {}).status_code == 200
            counts.append(counted.count)
        return counts

    add(2)
    few = measure()
    add(18)
    assert measure() == few


def test_the_catalogs_are_complete():
    assert check_catalogs(Path(__file__).parents[1] / "plugins" / "eschool_kiosk") == []
