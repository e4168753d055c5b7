"""The events calendar: who adds which events, who sees them (school-wide, class, staff-only), month and
week pages, school holidays from the periods, the private iCalendar feed (RFC 5545) and its revocation."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.comm_world import second_school


@pytest.fixture
def two(app, world):
    return {"w": world, "o": second_school(app, world)}


def base(school):
    return f"/api/v1/calendar/schools/{school}/events"


def add(client, school, headers, **data):
    body = {"title": "Событие", "starts_on": dt.date.today().isoformat(), **data}
    return client.post(base(school), json=body, headers=headers)


def listed(client, school, headers, day):
    start, end = (day - dt.timedelta(days=3)).isoformat(), (day + dt.timedelta(days=20)).isoformat()
    response = client.get(f"{base(school)}?start={start}&end={end}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return {e["title"] for e in response.get_json()}


def test_who_adds_and_who_sees(client, two, api_token):
    w, o = two["w"], two["o"]
    day = w.today.isoformat()
    deputy = api_token("deputy")
    assert add(client, w.school, deputy, title="Педсовет", audience="staff", kind="meeting", starts_on=day,
               start_time="15:00").status_code == 201
    assert add(client, w.school, deputy, title="Собрание", audience="school", kind="parents_meeting",
               starts_on=day).status_code == 201
    assert add(client, w.school, deputy, title="Контрольная 6Б", audience="class", class_id=w.c6, kind="exam",
               starts_on=day).status_code == 201
    assert add(client, w.school, api_token("classteacher"), title="Поход 5А", audience="class", class_id=w.c5,
               starts_on=day).status_code == 201
    assert add(client, w.school, api_token("classteacher"), title="Не мой класс", audience="class",
               class_id=w.c6, starts_on=day).status_code == 403
    assert add(client, w.school, api_token("classteacher"), title="Всем", audience="school",
               starts_on=day).status_code == 403
    for who in ("student", "parent", "teacher"):
        assert add(client, w.school, api_token(who), title="Моё", starts_on=day).status_code == 403
    bad = add(client, w.school, deputy, title="", kind="party", starts_on="вчера")
    assert bad.status_code == 400 and {"title", "kind", "starts_on"} <= set(bad.get_json()["error"]["fields"])
    bad = add(client, w.school, deputy, starts_on=day, ends_on=(w.today - dt.timedelta(days=1)).isoformat())
    assert bad.status_code == 400 and "ends_on" in bad.get_json()["error"]["fields"]

    assert listed(client, w.school, api_token("parent"), w.today) == {"Собрание", "Поход 5А"}
    assert listed(client, w.school, api_token("student"), w.today) == {"Собрание", "Поход 5А"}
    assert listed(client, w.school, api_token("teacher"), w.today) == {"Педсовет", "Собрание", "Поход 5А"}
    assert listed(client, w.school, api_token("other"), w.today) == {"Педсовет", "Собрание", "Контрольная 6Б"}
    assert len(listed(client, w.school, deputy, w.today)) == 4
    # another school
    assert client.get(f"{base(o['school'])}?start={day}&end={day}", headers=api_token("parent")).status_code == 403
    assert add(client, o["school"], deputy, title="Чужое", starts_on=day).status_code == 403
    theirs = add(client, o["school"], api_token("admin2"), title="Чужое", starts_on=day).get_json()
    assert client.get(f"{base(w.school)}/{theirs['id']}", headers=deputy).status_code == 404
    assert client.delete(f"{base(w.school)}/{theirs['id']}", headers=deputy).status_code == 404
    assert "Чужое" not in listed(client, w.school, deputy, w.today)
    bad = client.get(f"{base(w.school)}?start={day}&end=2099-01-01", headers=deputy)
    assert bad.status_code == 400 and "end" in bad.get_json()["error"]["fields"]
    bad = add(client, w.school, deputy, starts_on="9999-12-31")
    assert bad.status_code == 400 and "starts_on" in bad.get_json()["error"]["fields"]


def test_month_and_week_pages(app, client, two, api_token, login_as):
    w = two["w"]
    day = w.today.isoformat()
    add(client, w.school, api_token("deputy"), title="Педсовет", audience="staff", starts_on=day, start_time="15:00")
    add(client, w.school, api_token("deputy"), title="Олимпиада", audience="school", kind="olympiad", starts_on=day)
    parent = login_as("parent")
    for url in (f"/calendar/school/{w.school}", f"/calendar/school/{w.school}/week",
                f"/calendar/school/{w.school}?month={w.today:%Y-%m}", f"/calendar/school/{w.school}/week?date={day}"):
        html = parent.get(url).get_data(as_text=True)
        assert "Олимпиада" in html and "Педсовет" not in html, url
    for odd in ("?month=garbage", "?month=9999-12", "/week?date=9999-12-31", "/week?date=0001-01-01"):
        assert parent.get(f"/calendar/school/{w.school}{odd}").status_code == 200, odd
    assert parent.get(f"/calendar/school/{w.school}/new").status_code in (302, 403)
    assert parent.get(f"/calendar/school/{two['o']['school']}").status_code == 403
    deputy = login_as("deputy")
    assert "Педсовет" in deputy.get(f"/calendar/school/{w.school}/week").get_data(as_text=True)
    assert deputy.get(f"/calendar/school/{w.school}/new").status_code == 200
    response = deputy.post(f"/calendar/school/{w.school}/new", data={
        "title": "Субботник", "kind": "event", "audience": "school", "starts_on": day, "ends_on": "",
        "start_time": "", "end_time": "", "location": "Двор", "description": ""})
    assert response.status_code == 302
    assert deputy.post(f"/calendar/school/{w.school}/new", data={"title": "", "starts_on": ""}).status_code == 400
    from eschool_calendar.models import Event

    with app.app_context():
        event = Event.get(Event.title == "Субботник")
    assert deputy.get(f"/calendar/school/{w.school}/{event.id}/edit").status_code == 200
    assert login_as("classteacher").get(f"/calendar/school/{w.school}/{event.id}/edit").status_code == 403
    assert deputy.post(f"/calendar/school/{w.school}/{event.id}/delete").status_code == 302
    with app.app_context():
        assert not Event.select().where(Event.title == "Субботник").exists()


def test_school_holidays_come_from_the_periods(app, client, two, api_token):
    from eschool.plugin_api import Period

    w = two["w"]
    with app.app_context():
        q2 = Period.get((Period.academic_year == w.year) & (Period.number == 2))
        Period.create(academic_year=w.year, kind="quarter", number=3, starts_on=q2.ends_on + dt.timedelta(days=9),
                      ends_on=q2.ends_on + dt.timedelta(days=60), grade_from=1, grade_to=11)
        first = q2.ends_on + dt.timedelta(days=1)
    response = client.get(f"{base(w.school)}?start={first}&end={first + dt.timedelta(days=10)}",
                          headers=api_token("parent"))
    holidays = [e for e in response.get_json() if e["kind"] == "vacation"]
    assert len(holidays) == 1 and holidays[0]["id"] is None and holidays[0]["all_day"] is True
    assert holidays[0]["starts_on"] == first.isoformat()
    assert holidays[0]["ends_on"] == (first + dt.timedelta(days=7)).isoformat()


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_the_private_feed_is_rfc5545_and_revocable(app, client, two, api_token, login_as):
    w = two["w"]
    day = w.today
    long_title = "Родительское собрание; тема: «итоги, планы\\задачи» " + "очень длинное название " * 4
    add(client, w.school, api_token("deputy"), title=long_title, audience="school", kind="parents_meeting",
        starts_on=day.isoformat(), start_time="18:00", end_time="19:30", location="Зал, 2 этаж",
        description="Первая строка\nвторая строка")
    add(client, w.school, api_token("deputy"), title="Каникулы по приказу", audience="school", kind="holiday",
        starts_on=day.isoformat(), ends_on=(day + dt.timedelta(days=2)).isoformat())
    add(client, w.school, api_token("deputy"), title="Только сотрудникам", audience="staff", starts_on=day.isoformat())
    made = client.post("/api/v1/calendar/feed", headers=api_token("parent"))
    assert made.status_code == 201
    url = made.get_json()["url"]
    path = url[url.index("/calendar/feed/"):]
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    raw = response.data
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75, line  # folded at 75 octets
        line.decode("utf-8")  # never cut inside a character
    lines = unfold(raw.decode("utf-8"))
    assert "VERSION:2.0" in lines and any(x.startswith("PRODID:") for x in lines)
    assert "BEGIN:VTIMEZONE" in lines and "TZID:Asia/Novokuznetsk" in lines
    events = raw.decode("utf-8").count("BEGIN:VEVENT")
    assert events == 2 and "Только сотрудникам" not in raw.decode("utf-8")
    assert sum(1 for x in lines if x.startswith("UID:")) == 2
    assert sum(1 for x in lines if x.startswith("DTSTAMP:") and x.endswith("Z")) == 2
    summary = next(x for x in lines if x.startswith("SUMMARY:Родительское"))
    assert "\\;" in summary and "\\," in summary and "\\\\задачи" in summary
    assert "DESCRIPTION:Первая строка\\nвторая строка" in lines
    assert "LOCATION:Зал\\, 2 этаж" in lines
    assert f"DTSTART;TZID=Asia/Novokuznetsk:{day:%Y%m%d}T180000" in lines
    assert f"DTEND;TZID=Asia/Novokuznetsk:{day:%Y%m%d}T193000" in lines
    assert f"DTSTART;VALUE=DATE:{day:%Y%m%d}" in lines
    assert f"DTEND;VALUE=DATE:{day + dt.timedelta(days=3):%Y%m%d}" in lines  # exclusive end

    # revoking: the old address answers 404; a new one works
    page = login_as("parent")
    assert page.get("/calendar/subscribe").status_code == 200
    assert page.post("/calendar/subscribe", data={"action": "revoke"}).status_code == 302
    assert client.get(path).status_code == 404
    html = page.post("/calendar/subscribe", data={"action": "issue"}).get_data(as_text=True)
    assert "/calendar/feed/" in html
    new_path = html[html.index("/calendar/feed/"):].split('"')[0]
    assert client.get(new_path).status_code == 200
    assert client.delete("/api/v1/calendar/feed", headers=api_token("parent")).status_code == 204
    assert client.get(new_path).status_code == 404
    assert client.get("/calendar/feed/nonsense.ics").status_code == 404


def test_query_counts_do_not_grow_with_events(app, client, two, api_token, login_as, count_queries):
    from eschool.plugin_api import School, User
    from eschool_calendar import services
    from eschool_calendar.reader import reader_for

    w = two["w"]
    parent = login_as("parent")
    headers = api_token("parent")
    with app.app_context():
        token = services.issue_token(User.get_by_id(w.user_id("parent")))
    day = w.today.isoformat()

    def measure():
        counts = {}
        for name, call in (("month", lambda: parent.get(f"/calendar/school/{w.school}")),
                           ("week", lambda: parent.get(f"/calendar/school/{w.school}/week")),
                           ("dashboard", lambda: parent.get("/dashboard")),
                           ("feed", lambda: client.get(f"/calendar/feed/{token}.ics")),
                           ("api", lambda: client.get(f"{base(w.school)}?start={day}&end={day}", headers=headers))):
            with app.app_context(), count_queries() as counted:
                assert call().status_code == 200
            counts[name] = counted.count
        return counts

    def more(n):
        with app.test_request_context():
            deputy = User.get_by_id(w.user_id("deputy"))
            school = School.get_by_id(w.school)
            reader = reader_for(deputy, w.school, all_roles=True)
            for i in range(n):
                services.create(school, {"title": f"Событие {i}", "starts_on": day, "start_time": "10:00"},
                                reader, deputy)
                services.create(school, {"title": f"Класс {i}", "starts_on": day, "audience": "class",
                                         "class_id": w.c5}, reader, deputy)

    more(2)
    measure()
    few = measure()
    more(20)
    assert measure() == few
