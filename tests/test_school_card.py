"""The school card: requisites, buildings (rooms belong to one), the catchment area and its look-up;
the settings, staff and substitution APIs the setup pages lacked; the timetable of one date."""
import datetime as dt
import re

import pytest

from eschool.auth import services as auth
from eschool.school import card
from eschool.school import services as school_services
from eschool.school.services import SchoolError
from eschool.structure import services as structure
from eschool.structure.models import School
from tests.conftest import bearer, login

GOOD_CARD = {"name": "МБОУ «Демонстрационная школа №1»", "short_name": "Демо-школа №1", "address": "ул. Школьная, 1",
             "phone": "", "email": "school1@example.org", "inn": "7707083893", "kpp": "773601001",
             "ogrn": "1027700132195", "okpo": "00032537", "director_name": "Иванова Мария Петровна",
             "website": "https://school1.example.org"}


@pytest.fixture
def world(app, demo):
    """The demo school and a second school of the same municipality with its own administrator."""
    with app.app_context():
        ext = app.extensions["eschool"]
        school = demo["school"]
        other = structure.create_school(school.municipality, "МБОУ «Школа №2»", "Школа №2")
        admin2 = auth.create_user("admin2", "Админ Второй", password="demo-2026", must_change_password=False)
        auth.grant_role(admin2, "school_admin", school=other, allowed_roles=ext.roles)
        return {"school": school.id, "other": other.id, "muni": school.municipality.code}


# --------------------------------------------------------------------------- rules without HTTP


def test_requisites_are_checked_with_their_check_digits():
    assert card.inn_valid("7707083893") and not card.inn_valid("7707083894") and not card.inn_valid("77070838")
    assert card.inn_valid("500100732259") and not card.inn_valid("500100732250")
    assert card.ogrn_valid("1027700132195") and not card.ogrn_valid("1027700132196")
    assert card.okpo_valid("00032537") and not card.okpo_valid("00032538")
    assert card.KPP_RE.match("773601001") and not card.KPP_RE.match("77360100")


def test_house_lists_are_read_checked_and_compared():
    houses = card.parse_houses("1-15, 17, 19 корп. 2; 2-20 чёт")
    assert houses.text() == "1-15, 2-20 чёт, 17, 19к2"
    assert houses.covers(card.parse_house("5а")) and houses.covers(card.parse_house("19к2"))
    assert not houses.covers(card.parse_house("19")) and not houses.covers(card.parse_house("21"))
    assert houses.covers(card.parse_house("20")) and not card.parse_houses("2-20 чёт").covers(card.parse_house("19"))
    assert card.parse_houses("все").covers(card.parse_house("999"))
    assert card.parse_houses("1-9 нечёт").overlap(card.parse_houses("2-10 чёт")) is None
    assert card.parse_houses("1-9 нечёт").overlap(card.parse_houses("9-12")) == "9"
    assert card.parse_houses("10-20").overlap(card.parse_houses("1, 15к1")) == "15к1"
    for bad in ("", "15-1", "abc", "1-5 странные", "12/"):
        with pytest.raises(SchoolError) as err:
            card.parse_houses(bad)
        assert err.value.field == "houses"
    assert card.street_key("улица Ленина") == card.street_key("Ленина ул.") == card.street_key("ул. ЛЕНИНА")
    assert card.street_key("проспект Ленина") != card.street_key("ул. Ленина")


def test_a_house_of_another_school_is_refused_naming_it(app, world):
    with app.app_context():
        one, two = School.get_by_id(world["school"]), School.get_by_id(world["other"])
        card.set_street(one, {"street": "ул. Ленина", "houses": "1-15, 17"})
        card.set_street(two, {"street": "улица Ленина", "houses": "16, 18-30"})  # no overlap
        with pytest.raises(SchoolError) as err:
            card.set_street(two, {"street": "Ленина ул", "houses": "16, 17"})
        assert err.value.conflict and "Демо-школа №1" in str(err.value.message) and "17" in str(err.value.message)
        card.set_street(two, {"street": "пр-кт Ленина", "houses": "1-40"})  # another street of the same name
        muni = one.municipality
        assert [line.school.short_name for line in card.schools_for_address(muni, "ленина улица", "17")] == [
            "Демо-школа №1"]
        assert [line.school.short_name for line in card.schools_for_address(muni, "ул. Ленина", "20")] == ["Школа №2"]
        assert card.schools_for_address(muni, "ул. Ленина", "31") == []
        assert card.schools_for_address(muni, "ул. Садовая", "1") == []


# --------------------------------------------------------------------------- the migration


def test_room_building_texts_become_buildings_in_the_migration(make_app):
    app = make_app(migrate=False)
    ext = app.extensions["eschool"]
    database = ext.database
    with app.app_context():
        ext.migration_owners()[0].runner(database).up(target="0007_staff_files")
        database.execute_sql("INSERT INTO municipality (code, name_ru, name_en) VALUES ('kemerovo', 'Кемерово', '')")
        for name in ("Школа 1", "Школа 2"):
            database.execute_sql(
                "INSERT INTO school (municipality_id, name, short_name, address, phone, email, created_at, "
                "max_class_letter, medal_average) VALUES (1, %s, %s, '', '', '', '2025-09-01 08:00:00', 'Д', 4.5)"
                .replace("%s", database.param), (name, name))
        for school_id, room, building in [(1, "101", "Главный корпус"), (1, "102", "Главный корпус"),
                                          (1, "Спортзал", "Корпус 2"), (1, "Библиотека", ""),
                                          (2, "101", "Главный корпус")]:
            database.execute_sql("INSERT INTO room (school_id, name, building) VALUES (%s, %s, %s)"
                                 .replace("%s", database.param), (school_id, room, building))
        ext.upgrade()
        from eschool.school.models import Building, Room

        rooms = {(r.school_id, r.name): (r.building.name if r.building_id else "", r.building.school_id
                                         if r.building_id else r.school_id) for r in Room.select()}
        assert rooms == {(1, "101"): ("Главный корпус", 1), (1, "102"): ("Главный корпус", 1),
                         (1, "Спортзал"): ("Корпус 2", 1), (1, "Библиотека"): ("", 1),
                         (2, "101"): ("Главный корпус", 2)}
        assert Building.select().count() == 3  # one per school and text
        assert School.get_by_id(1).inn == ""


# --------------------------------------------------------------------------- pages


def test_the_administrator_keeps_the_card_buildings_and_catchment_through_the_pages(client, world):
    sid = world["school"]
    base = f"/school/{sid}/setup"
    login(client, "admin")
    assert "Карточка школы" in client.get(f"{base}/years").get_data(as_text=True)
    bad = client.post(f"{base}/card", data={**GOOD_CARD, "inn": "7707083894", "ogrn": "12"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and text.count('class="field-error"') == 2 and "7707083894" in text
    assert client.post(f"{base}/card", data=GOOD_CARD).status_code == 302
    assert "Иванова Мария Петровна" in client.get(f"{base}/card").get_data(as_text=True)

    assert client.post(f"{base}/buildings", data={"name": "Корпус 2", "address": "ул. Садовая, 3"}).status_code == 302
    html = client.get(f"{base}/rooms").get_data(as_text=True)
    building = re.search(r'<option value="(\d+)"[^>]*>Корпус 2</option>', html).group(1)
    assert client.post(f"{base}/rooms", data={"name": "Спортзал", "building_id": building}).status_code == 302
    assert "Корпус 2" in client.get(f"{base}/rooms").get_data(as_text=True)
    refused = client.post(f"{base}/buildings/{building}/delete", follow_redirects=True)
    assert "Корпус 2" in refused.get_data(as_text=True) and "помещени" in refused.get_data(as_text=True)

    assert client.post(f"{base}/catchment", data={"street": "ул. Ленина", "houses": "1-15, 17"}).status_code == 302
    wrong = client.post(f"{base}/catchment", data={"street": "ул. Мира", "houses": "1-x"})
    assert wrong.status_code == 400 and "1-x" in wrong.get_data(as_text=True)
    check = client.get(f"{base}/catchment?street=Ленина&house=5").get_data(as_text=True)
    assert "Демо-школа №1: ул. Ленина, 1-15, 17" in check
    client.post("/logout")

    login(client, "admin2")  # the other school of the municipality
    base2 = f"/school/{world['other']}/setup"
    clash = client.post(f"{base2}/catchment", data={"street": "Ленина", "houses": "15-20"})
    assert clash.status_code == 409 and "Демо-школа №1" in clash.get_data(as_text=True)


@pytest.mark.parametrize("username", ["teacher", "secretary", "parent"])
def test_card_and_catchment_pages_refuse_other_roles(client, world, username):
    login(client, username)
    base = f"/school/{world['school']}/setup"
    assert client.post(f"{base}/card", data=GOOD_CARD).status_code == 403
    assert client.post(f"{base}/catchment", data={"street": "ул. Ленина", "houses": "1"}).status_code == 403
    assert client.post(f"{base}/buildings/1/delete").status_code == 403


def test_the_admin_of_another_school_is_refused_the_card(client, world):
    login(client, "admin2")
    assert client.get(f"/school/{world['school']}/setup/card").status_code == 403
    assert client.get(f"/school/{world['other']}/setup/card").status_code == 200


# --------------------------------------------------------------------------- the API


def test_card_settings_buildings_and_catchment_over_the_api(client, world):
    sid = world["school"]
    api = f"/api/v1/schools/{sid}"
    admin = bearer(client, "admin")
    put = client.put(f"{api}/card", json={**GOOD_CARD, "okpo": "00032538"}, headers=admin)
    assert put.status_code == 400 and list(put.get_json()["error"]["fields"]) == ["okpo"]
    assert client.put(f"{api}/card", json=GOOD_CARD, headers=admin).status_code == 200
    teacher = bearer(client, "teacher")
    assert client.get(f"{api}/card", headers=teacher).get_json()["inn"] == "7707083893"
    assert client.put(f"{api}/card", json=GOOD_CARD, headers=teacher).status_code == 403

    settings = client.get(f"{api}/settings", headers=admin).get_json()
    assert settings == {"max_class_letter": "Д", "medal_average": 4.5, "session_idle_minutes": None}  # a number
    changed = client.put(f"{api}/settings", json={"max_class_letter": "Е", "medal_average": "4.6"}, headers=admin)
    assert changed.status_code == 200 and changed.get_json()["max_class_letter"] == "Е"
    assert client.get(f"{api}/settings", headers=teacher).status_code == 403
    assert client.put(f"{api}/settings", json=settings, headers=teacher).status_code == 403

    made = client.post(f"{api}/buildings", json={"name": "Корпус 2", "address": "ул. Садовая, 3"}, headers=admin)
    assert made.status_code == 201
    building = made.get_json()["id"]
    assert client.post(f"{api}/buildings", json={"name": "Корпус 2"}, headers=admin).status_code == 400
    room = client.post(f"{api}/rooms", json={"name": "201", "building_id": building}, headers=admin)
    assert room.status_code == 201 and room.get_json()["building"] == "Корпус 2"
    assert client.delete(f"{api}/buildings/{building}", headers=admin).status_code == 409
    assert client.get(f"{api}/buildings", headers=teacher).get_json()[0]["room_count"] == 1
    assert client.post(f"{api}/buildings", json={"name": "Корпус 3"}, headers=teacher).status_code == 403

    line = client.post(f"{api}/catchment", json={"street": "ул. Ленина", "houses": "1-15, 17"}, headers=admin)
    assert line.status_code == 201 and line.get_json()["houses"] == "1-15, 17"
    admin2 = bearer(client, "admin2")
    clash = client.post(f"/api/v1/schools/{world['other']}/catchment", json={"street": "Ленина", "houses": "9"},
                        headers=admin2)
    assert clash.status_code == 409 and "Демо-школа №1" in clash.get_json()["error"]["message"]
    assert client.post(f"{api}/catchment", json={"street": "ул. Мира", "houses": "1"},
                       headers=admin2).status_code == 403  # another school's administrator
    found = client.get(f"/api/v1/municipalities/{world['muni']}/school-for-address?street=Ленина ул&house=9")
    assert found.status_code == 200 and [m["school_id"] for m in found.get_json()] == [sid]
    assert client.get(f"/api/v1/municipalities/{world['muni']}/school-for-address?street=Ленина&house=99"
                      ).get_json() == []
    assert client.get(f"/api/v1/municipalities/{world['muni']}/school-for-address?street=Ленина&house=-"
                      ).status_code == 400
    assert client.get("/api/v1/municipalities/nowhere/school-for-address?street=Ленина&house=1").status_code == 404
    assert client.delete(f"{api}/catchment/{line.get_json()['id']}", headers=teacher).status_code == 403
    assert client.delete(f"{api}/catchment/{line.get_json()['id']}", headers=admin).status_code == 204
    assert client.get(f"{api}/catchment", headers=admin).get_json() == []


def test_the_openapi_document_describes_the_new_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    for path in ("/api/v1/schools/{school_id}/card", "/api/v1/schools/{school_id}/settings",
                 "/api/v1/schools/{school_id}/buildings", "/api/v1/schools/{school_id}/catchment",
                 "/api/v1/municipalities/{code}/school-for-address", "/api/v1/schools/{school_id}/staff",
                 "/api/v1/schools/{school_id}/substitutions/{substitution_id}",
                 "/api/v1/schools/{school_id}/timetable/day"):
        assert path in paths, path
    assert "SchoolCard" in str(paths["/api/v1/schools/{school_id}/card"]["put"])


def test_staff_list_over_the_api_has_roles_and_positions(app, client, world):
    from eschool.people import services as people

    with app.app_context():
        school = School.get_by_id(world["school"])
        teacher = auth.find_login("teacher")
        people.save_staff_file(school, teacher.id, {"position": "Учитель математики", "birth_date": None, "phone": "",
                                                    "address": "", "education": "", "hired_on": None,
                                                    "order_number": ""})
    api = f"/api/v1/schools/{world['school']}"
    staff = client.get(f"{api}/staff", headers=bearer(client, "admin"))
    assert staff.status_code == 200
    rows = {r["username"]: r for r in staff.get_json()}
    assert rows["teacher"]["position"] == "Учитель математики" and rows["teacher"]["roles"] == ["subject_teacher"]
    assert rows["director"]["roles"] == ["director"] and "parent" not in rows and "admin2" not in rows
    for username in ("teacher", "director", "admin2"):
        assert client.get(f"{api}/staff", headers=bearer(client, username)).status_code == 403
    hr = bearer(client, "admin")  # the school administrator keeps personal files (HR too, where the region has it)
    got = client.get(f"{api}/staff/{teacher.id}/file", headers=hr).get_json()
    assert got["position"] == "Учитель математики"
    put = client.put(f"{api}/staff/{teacher.id}/file", json={"position": "Завуч"}, headers=hr)
    assert put.status_code == 200 and put.get_json()["position"] == "Завуч"
    assert client.get(f"{api}/staff/{teacher.id}/file", headers=bearer(client, "teacher")).status_code == 403


def test_a_staff_login_is_issued_over_the_api(client, world):
    api = f"/api/v1/schools/{world['school']}/staff"
    body = {"full_name": "Смирнова Ольга Петровна", "role": "subject_teacher"}
    assert client.post(api, json=body, headers=bearer(client, "director")).status_code == 403
    assert client.post(f"/api/v1/schools/{world['school']}/staff", json=body,
                       headers=bearer(client, "admin2")).status_code == 403  # another school's administrator
    admin = bearer(client, "admin")
    bad = client.post(api, json={**body, "role": "region_operator"}, headers=admin)
    assert bad.status_code == 400 and list(bad.get_json()["error"]["fields"]) == ["role"]
    made = client.post(api, json=body, headers=admin)
    assert made.status_code == 201
    issued = made.get_json()
    assert issued["username"] == "smirnova.op" and len(issued["password"]) >= 8
    first = client.post("/api/v1/auth/token", json={"login": issued["username"], "password": issued["password"]})
    assert first.status_code == 201 and first.get_json()["must_change_password"] is True
    assert issued["user_id"] in [r["user_id"] for r in client.get(api, headers=admin).get_json()]


def test_staff_list_runs_the_same_number_of_queries_for_few_and_many(app, client, world):
    from playhouse.test_utils import count_queries

    headers = bearer(client, "admin")

    def count():
        with app.app_context(), count_queries() as counter:
            assert client.get(f"/api/v1/schools/{world['school']}/staff", headers=headers).status_code == 200
        return counter.count

    count()  # the token's first use writes its last-use time
    few = count()
    with app.app_context():
        ext = app.extensions["eschool"]
        for i in range(12):
            user = auth.create_user(f"extra{i}", f"Учитель Номер {i}", password="demo-2026")
            auth.grant_role(user, "subject_teacher", school=world["school"], allowed_roles=ext.roles)
    assert count() == few


# --------------------------------------------------------------------------- substitutions and one date


@pytest.fixture
def lessons(app, world):
    """A current year, a class, two teachers' lessons on Monday, and a substitution on a Monday."""
    from eschool.timetable import services as timetable

    with app.app_context():
        school = School.get_by_id(world["school"])
        year = school_services.create_year(school, {"name": "2026/2027", "starts_on": dt.date(2026, 9, 1),
                                                    "ends_on": dt.date(2027, 5, 31), "is_current": True,
                                                    "periods": []})
        maths = school_services.add_subject(school, {"name": "Математика", "short_name": ""})
        room = school_services.add_room(school, {"name": "101", "capacity": None})
        group = school_services.create_class(school, {"academic_year_id": year.id, "kind": "regular", "grade": 5,
                                                      "letter": "А", "name": "", "shift": 1,
                                                      "class_teacher_id": None, "subgroups": []})
        teacher, deputy = auth.find_login("teacher"), auth.find_login("deputy")
        first = timetable.add_entry(school, {"class_id": group.id, "weekday": 1, "number": 1, "subject_id": maths.id,
                                             "teacher_id": teacher.id, "room_id": room.id})
        timetable.add_entry(school, {"class_id": group.id, "weekday": 1, "number": 2, "subject_id": maths.id,
                                     "teacher_id": teacher.id, "room_id": None})
        monday = dt.date(2026, 9, 7)
        sub = timetable.substitute(school, {"entry_id": first.id, "date": monday, "teacher_id": deputy.id,
                                            "note": "болеет"})
        return {"sub": sub.id, "date": monday, "teacher": teacher.id, "deputy": deputy.id, "room": room.id}


def test_one_date_of_a_teacher_or_room_has_its_substitutions_in_place(client, world, lessons):
    api = f"/api/v1/schools/{world['school']}/timetable"
    headers = bearer(client, "teacher")
    monday = lessons["date"].isoformat()
    own = client.get(f"{api}/day?date={monday}&teacher={lessons['teacher']}", headers=headers).get_json()
    assert [e["number"] for e in own] == [2]  # lesson 1 is given by the deputy that day
    deputy = client.get(f"{api}/day?date={monday}&teacher={lessons['deputy']}", headers=headers).get_json()
    assert [(e["number"], e["substituted"], e["substitution_id"]) for e in deputy] == [(1, True, lessons["sub"])]
    room = client.get(f"{api}/day?date={monday}&room={lessons['room']}", headers=headers).get_json()
    assert [e["number"] for e in room] == [1]
    tuesday = client.get(f"{api}/day?date=2026-09-08&teacher={lessons['teacher']}", headers=headers).get_json()
    assert tuesday == []
    week_day = client.get(f"{api}?teacher={lessons['teacher']}&day=1", headers=headers).get_json()
    assert [e["number"] for e in week_day] == [1, 2]
    assert client.get(f"{api}?day=2", headers=headers).get_json() == []
    assert client.get(f"{api}/day?date={monday}", headers=bearer(client, "parent")).status_code == 403


def test_a_substitution_is_cancelled_over_the_api_and_the_page(client, world, lessons):
    api = f"/api/v1/schools/{world['school']}/substitutions"
    monday = lessons["date"].isoformat()
    assert client.delete(f"{api}/{lessons['sub']}", headers=bearer(client, "teacher")).status_code == 403
    listed = client.get(f"{api}?date={monday}", headers=bearer(client, "teacher")).get_json()
    assert [(s["number"], s["class_name"]) for s in listed] == [(1, "5А")]
    assert client.delete(f"{api}/{lessons['sub']}", headers=bearer(client, "admin2")).status_code == 403
    assert client.delete(f"/api/v1/schools/{world['other']}/substitutions/{lessons['sub']}",
                         headers=bearer(client, "admin2")).status_code == 404  # not that school's
    deputy = bearer(client, "deputy")
    assert client.delete(f"{api}/{lessons['sub']}", headers=deputy).status_code == 204
    assert client.get(f"{api}?date={monday}", headers=deputy).get_json() == []
    assert client.delete(f"{api}/{lessons['sub']}", headers=deputy).status_code == 404


def test_the_substitutions_page_cancels_one(app, client, world, lessons):
    page = f"/school/{world['school']}/timetable/substitutions"
    login(client, "teacher")
    assert client.post(f"{page}/{lessons['sub']}/delete").status_code == 403
    client.post("/logout")
    login(client, "deputy")
    html = client.get(f"{page}?date={lessons['date']}").get_data(as_text=True)
    assert f"/substitutions/{lessons['sub']}/delete" in html
    done = client.post(f"{page}/{lessons['sub']}/delete", follow_redirects=True)
    assert done.status_code == 200 and "болеет" not in done.get_data(as_text=True)


def test_building_room_and_catchment_lists_run_the_same_number_of_queries_for_few_and_many(app, client, world):
    from playhouse.test_utils import count_queries

    sid = world["school"]
    headers = bearer(client, "admin")
    login(client, "admin")
    urls = [f"/api/v1/schools/{sid}/buildings", f"/api/v1/schools/{sid}/catchment", f"/api/v1/schools/{sid}/rooms",
            f"/school/{sid}/setup/buildings", f"/school/{sid}/setup/catchment", f"/school/{sid}/setup/rooms",
            f"/api/v1/municipalities/{world['muni']}/school-for-address?street=Ленина&house=3"]

    def counts():
        result = {}
        for url in urls:
            with app.app_context(), count_queries() as counter:
                assert client.get(url, headers=headers if "/api/" in url else {}).status_code == 200
            result[url] = counter.count
        return result

    def add(start, end):
        with app.app_context():
            school = School.get_by_id(sid)
            for i in range(start, end):
                building = card.add_building(school, {"name": f"Корпус {i}", "address": f"ул. Садовая, {i}"})
                school_services.add_room(school, {"name": f"{i}01", "building_id": building.id, "capacity": None})
                card.set_street(school, {"street": f"ул. Ленина {i}" if i else "ул. Ленина", "houses": "1-15"})

    add(0, 1)
    counts()  # the token's first use writes its last-use time
    few = counts()
    add(1, 13)
    assert counts() == few


@pytest.mark.parametrize("method, path, username", [
    ("get", "/card", "parent"), ("put", "/card", "teacher"), ("get", "/settings", "teacher"),
    ("put", "/settings", "director"), ("get", "/buildings", "parent"), ("post", "/buildings", "teacher"),
    ("delete", "/buildings/1", "teacher"), ("get", "/catchment", "parent"), ("post", "/catchment", "teacher"),
    ("delete", "/catchment/1", "secretary"), ("get", "/staff", "secretary"), ("post", "/staff", "teacher"),
    ("get", "/staff/1/file", "teacher"), ("put", "/staff/1/file", "secretary"),
    ("delete", "/substitutions/1", "teacher"), ("get", "/timetable/day?date=2026-09-07", "parent"),
])
def test_every_new_endpoint_refuses_a_role_without_its_permission(client, world, method, path, username):
    headers = bearer(client, username)
    response = getattr(client, method)(f"/api/v1/schools/{world['school']}{path}", json={}, headers=headers)
    assert response.status_code == 403, (method, path, username)
    assert client.get(f"/api/v1/schools/{world['school']}/card").status_code == 401  # no token at all
