"""Setting up a school's year through the API, and the timetable refusing clashes with the lesson named."""
import pytest

from eschool.auth.models import User
from tests.conftest import bearer


@pytest.fixture
def school(app, client, demo):
    """The demo school with a current year, two subjects, two rooms, two classes and the admin's token."""
    sid = demo["school"].id
    headers = bearer(client, "admin")
    base = f"/api/v1/schools/{sid}"

    def post(path, body, status=201):
        response = client.post(base + path, json=body, headers=headers)
        assert response.status_code == status, response.get_json()
        return response.get_json()

    year = post("/years", {"name": "2026/2027", "starts_on": "2026-09-01", "ends_on": "2027-05-31",
                           "is_current": True, "periods": [
                               {"kind": "quarter", "number": 1, "starts_on": "2026-09-01", "ends_on": "2026-10-25",
                                "grade_from": 1, "grade_to": 9},
                               {"kind": "semester", "number": 1, "starts_on": "2026-09-01",
                                "ends_on": "2026-12-28", "grade_from": 10, "grade_to": 11}]})
    maths = post("/subjects", {"name": "Математика", "short_name": "Мат"})
    russian = post("/subjects", {"name": "Русский язык"})
    room1 = post("/rooms", {"name": "201", "capacity": 30})
    room2 = post("/rooms", {"name": "305"})
    with app.app_context():
        teacher = User.get(User.username == "teacher").id
        classteacher = User.get(User.username == "classteacher").id
    class5 = post("/classes", {"academic_year_id": year["id"], "grade": 5, "letter": "а",
                               "class_teacher_id": classteacher, "subgroups": ["1 группа", "2 группа"]})
    class6 = post("/classes", {"academic_year_id": year["id"], "grade": 6, "letter": "Б"})
    return {"base": base, "headers": headers, "post": post, "year": year, "maths": maths["id"],
            "russian": russian["id"], "room1": room1["id"], "room2": room2["id"], "teacher": teacher,
            "classteacher": classteacher, "class5": class5, "class6": class6["id"], "sid": sid}


def lesson(s, **kw):
    body = {"class_id": s["class6"], "weekday": 1, "number": 3, "subject_id": s["maths"], "teacher_id": s["teacher"],
            "room_id": s["room1"]}
    body.update(kw)
    return body


def test_the_year_is_set_up(client, school):
    years = client.get(f"{school['base']}/years", headers=school["headers"]).get_json()
    assert years[0]["name"] == "2026/2027" and len(years[0]["periods"]) == 2
    assert school["class5"]["name"] == "5А" and [s["name"] for s in school["class5"]["subgroups"]] == [
        "1 группа", "2 группа"]
    curriculum = client.put(f"{school['base']}/classes/{school['class6']}/curriculum", headers=school["headers"],
                            json={"lines": [{"subject_id": school["maths"], "hours_per_week": "5"},
                                            {"subject_id": school["russian"], "hours_per_week": "4.5"}]})
    assert curriculum.status_code == 200
    assert sorted(line["hours_per_week"] for line in curriculum.get_json()) == [4.5, 5.0]  # numbers, as documented
    school["post"]("/assignments", {"teacher_id": school["teacher"], "class_id": school["class6"],
                                    "subject_id": school["maths"]})
    school["post"]("/assignments", {"teacher_id": school["teacher"], "class_id": school["class6"],
                                    "subject_id": school["maths"]}, status=400)  # the same again


def test_a_teacher_booked_twice_is_refused_naming_the_lesson(client, school):
    school["post"]("/timetable", lesson(school))
    clash = client.post(f"{school['base']}/timetable", headers={**school["headers"], "Accept-Language": "en"},
                        json=lesson(school, class_id=school["class5"]["id"], room_id=school["room2"]))
    assert clash.status_code == 409
    error = clash.get_json()["error"]
    assert error["code"] == "conflict" and "teacher_id" in error["fields"]
    assert "6Б, Математика, Monday, lesson 3" in error["message"]
    russian = client.post(f"{school['base']}/timetable", headers={**school["headers"], "Accept-Language": "ru"},
                          json=lesson(school, class_id=school["class5"]["id"], room_id=school["room2"]))
    assert "6Б, Математика, понедельник, урок 3" in russian.get_json()["error"]["message"]


def test_a_room_booked_twice_is_refused(client, school):
    school["post"]("/timetable", lesson(school))
    clash = client.post(f"{school['base']}/timetable", headers=school["headers"],
                        json=lesson(school, class_id=school["class5"]["id"], teacher_id=school["classteacher"]))
    assert clash.status_code == 409 and "room_id" in clash.get_json()["error"]["fields"]
    ok = client.post(f"{school['base']}/timetable", headers=school["headers"],
                     json=lesson(school, class_id=school["class5"]["id"], teacher_id=school["classteacher"],
                                 room_id=school["room2"]))
    assert ok.status_code == 201
    other_time = client.post(f"{school['base']}/timetable", headers=school["headers"],
                             json=lesson(school, number=4))
    assert other_time.status_code == 201


def test_subgroups_share_a_slot_but_the_whole_class_does_not(client, school):
    c5 = school["class5"]
    g1, g2 = (s["id"] for s in c5["subgroups"])
    first = lesson(school, class_id=c5["id"], subgroup_id=g1)
    school["post"]("/timetable", first)
    school["post"]("/timetable", lesson(school, class_id=c5["id"], subgroup_id=g2, teacher_id=school["classteacher"],
                                        room_id=school["room2"]))
    whole = client.post(f"{school['base']}/timetable", headers=school["headers"],
                        json=lesson(school, class_id=c5["id"], teacher_id=school["classteacher"], room_id=None,
                                    number=3))
    assert whole.status_code == 409 and "class_id" in whole.get_json()["error"]["fields"]


def test_bell_schedule_times_decide_overlaps_between_shifts(client, school):
    headers, base = school["headers"], school["base"]
    assert client.put(f"{base}/lesson-times", headers=headers, json={"shift": 1, "times": [
        {"number": 6, "starts_at": "13:10", "ends_at": "13:50"}]}).status_code == 200
    assert client.put(f"{base}/lesson-times", headers=headers, json={"shift": 2, "times": [
        {"number": 1, "starts_at": "13:30", "ends_at": "14:10"}]}).status_code == 200
    second_shift = school["post"]("/classes", {"academic_year_id": school["year"]["id"], "grade": 7, "letter": "В",
                                               "shift": 2})
    school["post"]("/timetable", lesson(school, number=6))
    clash = client.post(f"{base}/timetable", headers=headers,
                        json=lesson(school, class_id=second_shift["id"], number=1, room_id=school["room2"]))
    assert clash.status_code == 409 and "teacher_id" in clash.get_json()["error"]["fields"]
    bad = client.put(f"{base}/lesson-times", headers=headers, json={"shift": 1, "times": [
        {"number": 1, "starts_at": "09:00", "ends_at": "08:15"}]})
    assert bad.status_code == 400 and "times.0.ends_at" in bad.get_json()["error"]["fields"]


def test_week_by_class_teacher_and_room(client, school):
    school["post"]("/timetable", lesson(school))
    school["post"]("/timetable", lesson(school, weekday=2, number=1, room_id=school["room2"]))
    base, headers = school["base"], school["headers"]
    by_class = client.get(f"{base}/timetable?class={school['class6']}", headers=headers).get_json()
    by_teacher = client.get(f"{base}/timetable?teacher={school['teacher']}", headers=headers).get_json()
    by_room = client.get(f"{base}/timetable?room={school['room2']}", headers=headers).get_json()
    assert len(by_class) == 2 and len(by_teacher) == 2 and len(by_room) == 1
    assert by_class[0]["subject"] == "Математика" and by_class[0]["room"] == "201"


def test_references_must_belong_to_the_school(app, client, school):
    from eschool.auth import services as auth
    from eschool.structure import services as structure
    from eschool.structure.models import Municipality

    with app.app_context():
        other = structure.create_school(Municipality.get(Municipality.code == "belovo"), "Школа №9", "Школа №9")
        stranger = auth.create_user("stranger", "Чужой Учитель", password="demo-2026", must_change_password=False)
        auth.grant_role(stranger, "subject_teacher", school=other, allowed_roles=app.extensions["eschool"].roles)
        stranger_id = stranger.id
    response = client.post(f"{school['base']}/timetable", headers=school["headers"],
                           json=lesson(school, teacher_id=stranger_id))
    assert response.status_code == 400 and "teacher_id" in response.get_json()["error"]["fields"]
    response = client.post(f"{school['base']}/timetable", headers=school["headers"],
                           json=lesson(school, subject_id=99999))
    assert response.status_code == 400 and "subject_id" in response.get_json()["error"]["fields"]


def test_substitution_needs_a_free_teacher_on_the_right_weekday(client, school):
    base, headers = school["base"], school["headers"]
    monday = school["post"]("/timetable", lesson(school))  # teacher, 6Б, Monday lesson 3
    own = school["post"]("/timetable", lesson(school, class_id=school["class5"]["id"], teacher_id=school["classteacher"],
                                              room_id=school["room2"]))  # classteacher busy at the same time
    busy = client.post(f"{base}/substitutions", headers=headers,
                       json={"entry_id": monday["id"], "date": "2026-09-07", "teacher_id": school["classteacher"]})
    assert busy.status_code == 409 and "5А" in busy.get_json()["error"]["message"]
    wrong_day = client.post(f"{base}/substitutions", headers=headers,
                            json={"entry_id": monday["id"], "date": "2026-09-08", "teacher_id": school["classteacher"]})
    assert wrong_day.status_code == 400 and "date" in wrong_day.get_json()["error"]["fields"]
    # Once the class teacher's own lesson that day is given by someone else (the director), they are free.
    with client.application.app_context():
        director = User.get(User.username == "director").id
    assert client.post(f"{base}/substitutions", headers=headers,
                       json={"entry_id": own["id"], "date": "2026-09-07", "teacher_id": director}).status_code == 201
    ok = client.post(f"{base}/substitutions", headers=headers,
                     json={"entry_id": monday["id"], "date": "2026-09-07", "teacher_id": school["classteacher"]})
    assert ok.status_code == 201
    listed = client.get(f"{base}/substitutions?date=2026-09-07", headers=headers).get_json()
    assert len(listed) == 2


@pytest.mark.parametrize("username", ["teacher", "classteacher", "secretary", "director", "parent", "student",
                                      "municipal"])
def test_only_the_school_administrator_and_deputy_change_the_timetable(client, school, username):
    headers = bearer(client, username)
    response = client.post(f"{school['base']}/timetable", headers=headers, json=lesson(school))
    assert response.status_code == 403
    assert client.post(f"{school['base']}/subjects", headers=headers, json={"name": "Астрономия"}).status_code == 403


@pytest.mark.parametrize("username, status", [("teacher", 200), ("secretary", 200), ("deputy", 200),
                                              ("parent", 403), ("student", 403), ("municipal", 403)])
def test_who_reads_the_timetable(client, school, username, status):
    headers = bearer(client, username)
    assert client.get(f"{school['base']}/timetable", headers=headers).status_code == status
    assert client.get(f"{school['base']}/classes", headers=headers).status_code == status


def test_the_deputy_director_can_change_it(client, school):
    headers = bearer(client, "deputy")
    assert client.post(f"{school['base']}/timetable", headers=headers, json=lesson(school)).status_code == 201


def test_a_closed_year_is_read_only(app, client, school):
    from eschool.school.models import AcademicYear

    with app.app_context():
        AcademicYear.update(closed=True).where(AcademicYear.id == school["year"]["id"]).execute()
    response = client.post(f"{school['base']}/timetable", headers=school["headers"], json=lesson(school))
    assert response.status_code == 409
    assert "только для чтения" in response.get_json()["error"]["message"]  # Russian: the region's language


def test_timetable_page_by_class_teacher_room_and_day(make_app):
    from eschool.school.models import ClassGroup, Room
    from eschool.timetable.models import TimetableEntry
    from eschool_demo.demo import build_demo
    from tests.conftest import login

    app = make_app()
    with app.app_context():
        demo = build_demo(log=lambda *_: None)
        sid = demo["school"].id
        entry = TimetableEntry.select().join(ClassGroup).where(ClassGroup.name == "7Б").first()
        room = Room.get_by_id(entry.room_id)
        teacher_name = entry.teacher.full_name
    client = app.test_client()
    login(client, "teacher")
    page = client.get(f"/school/{sid}/timetable?class={entry.class_group_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "7Б" in html and "08:00" in html and entry.subject.name in html
    assert teacher_name in client.get(f"/school/{sid}/timetable?teacher={entry.teacher_id}").get_data(as_text=True)
    assert room.name in client.get(f"/school/{sid}/timetable?room={room.id}").get_data(as_text=True)
    one_day = client.get(f"/school/{sid}/timetable?class={entry.class_group_id}&day=2").get_data(as_text=True)
    assert "вторник" in one_day and "понедельник</th>" not in one_day
    assert f"/school/{sid}/timetable" in client.get("/dashboard").get_data(as_text=True)  # in the menu
    client.post("/logout")
    login(client, "parent")
    family = client.get(f"/school/{sid}/timetable")  # a family reads its own children's timetable instead
    assert family.status_code == 302 and family.headers["Location"].endswith("/diary/timetable")


def test_class_letters_stop_at_the_schools_highest(app, client, school):
    from eschool.structure.models import School

    with app.app_context():
        School.update(max_class_letter="Б").where(School.id == school["sid"]).execute()
    response = client.post(f"{school['base']}/classes", headers=school["headers"],
                           json={"academic_year_id": school["year"]["id"], "grade": 7, "letter": "В"})
    assert response.status_code == 400 and "letter" in response.get_json()["error"]["fields"]


def test_substitutions_page(client, school):
    from tests.conftest import login

    monday = school["post"]("/timetable", lesson(school))
    school["post"]("/timetable", lesson(school, class_id=school["class5"]["id"], teacher_id=school["classteacher"],
                                      room_id=school["room2"]))
    url = f"/school/{school['sid']}/timetable/substitutions?date=2026-09-07"
    login(client, "deputy")
    page = client.get(url).get_data(as_text=True)
    assert "6Б" in page and 'name="entry_id"' in page
    busy = client.post(url, data={"entry_id": monday["id"], "teacher_id": school["classteacher"],
                                  "date": "2026-09-07"})
    assert busy.status_code == 409 and "5А" in busy.get_data(as_text=True)
    with client.application.app_context():
        director = User.get(User.username == "director").id
    assert client.post(url, data={"entry_id": monday["id"], "teacher_id": director, "date": "2026-09-07",
                                  "note": "болезнь"}).status_code == 302
    assert "болезнь" in client.get(url).get_data(as_text=True)
    client.post("/logout")
    login(client, "teacher")
    assert client.get(url).status_code == 200 and 'name="entry_id"' not in client.get(url).get_data(as_text=True)
    assert client.post(url, data={"entry_id": monday["id"], "teacher_id": director}).status_code == 403
