"""The portal as each role lives it (issue 18): start pages with each role's today, the menu grouped by task with a
phone menu, one face of a person at a time (all staff roles together), the web app manifest and the dark variant."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from eschool.testing import login


def _lesson(app, world, day, number=2, topic="", teacher="teacher", class_id=None):
    """A lesson in the journal of 5А's maths (made from its timetable entry when there is one that day)."""
    from eschool.journal.models import Lesson
    from eschool.timetable.models import TimetableEntry

    with app.app_context():
        entry = TimetableEntry.get_or_none((TimetableEntry.class_group == (class_id or world.c5))
                                           & (TimetableEntry.weekday == day.isoweekday())
                                           & (TimetableEntry.number == number))
        return Lesson.create(school=world.school, class_group=class_id or world.c5, subject=world.maths, date=day,
                             number=number, teacher=world.user_id(teacher), topic=topic,
                             timetable_entry=entry.id if entry else None).id


def _school_day(day: dt.date, back: int) -> dt.date:
    """The weekday ``back`` school days before ``day``."""
    while back:
        day -= dt.timedelta(days=1)
        if day.isoweekday() <= 5:
            back -= 1
    return day


def _utc(local: dt.datetime) -> dt.datetime:
    """A naive local time of the region as the naive UTC instant the services compare with."""
    from eschool.journal.services import region_tz

    return local.replace(tzinfo=region_tz()).astimezone(dt.UTC).replace(tzinfo=None)


def _main(html: str) -> str:
    return html[html.index('<main'):]


def test_the_teachers_today_lists_what_is_to_fill_and_overdue_in_constant_queries(app, world, count_queries,
                                                                                  monkeypatch):
    """Today's lesson comes from the timetable even before the grid made it; a past lesson without a topic is
    overdue; the count of queries does not grow with the lessons and classes. The page is read at 09:00 of the
    region's day: after the 19:00 deadline today's empty lesson is rightly "overdue", not "to fill"."""
    from eschool.home import services as home_services
    from eschool.school import services as school_services
    from eschool.structure.models import School
    from eschool.timetable import services as timetable

    today = world.today
    with app.app_context():
        morning = _utc(dt.datetime.combine(today, dt.time(9, 0)))
    monkeypatch.setattr(home_services, "utcnow", lambda: morning)
    client = app.test_client()
    login(client, "teacher")
    overdue_day = _school_day(today, 2)
    _lesson(app, world, overdue_day)

    def dashboard():
        with app.app_context(), count_queries() as counted:
            html = client.get("/dashboard").get_data(as_text=True)
        dashboard.statements = [s[:60] for s in counted.statements]
        return html, counted.count

    dashboard()  # warm: what a process reads once (the municipalities' codes)
    html, few = dashboard()
    first = dashboard.statements
    main = _main(html)
    assert "Мои уроки сегодня" in main and "Не заполнены в срок" in main
    if today.isoweekday() <= 5:  # the timetable's lesson of today, before anyone opened the grid
        assert f"/journal/class/{world.c5}/subject/{world.maths}" in main and "заполнить" in main
    assert overdue_day.strftime("%d").lstrip("0") in main
    with app.app_context():  # more classes, lessons and timetable: the same number of queries
        school = School.get_by_id(world.school)
        for letter in "ВГД":
            group = school_services.create_class(school, {
                "academic_year_id": world.year, "grade": 7, "letter": letter, "kind": "regular", "name": "",
                "shift": 1, "class_teacher_id": None, "subgroups": []})
            school_services.add_assignment(school, {"teacher_id": world.user_id("teacher"), "class_id": group.id,
                                                    "subject_id": world.maths, "subgroup_id": None})
            for weekday in range(1, 6):
                timetable.add_entry(school, {"class_id": group.id, "weekday": weekday, "number": 4 + "ВГД".index(letter),
                                             "subject_id": world.maths, "teacher_id": world.user_id("teacher"),
                                             "room_id": None})
    for back in (3, 4, 5):
        _lesson(app, world, _school_day(today, back))
    html, many = dashboard()
    assert many == few, [x for x in first if x not in dashboard.statements]
    assert "7В" in _main(html) or today.isoweekday() > 5


def test_a_familys_today_per_child_and_the_class_teachers_class(app, world, count_queries, toggle):
    """The parent sees each child's day with the mark just given, the homework due next, this week's absence;
    the class teacher sees who is missing today; the core's today runs as many queries for three children as for
    one (the knowledge base's widget, which reads up to three children each, is switched off here)."""
    from eschool.auth.models import User
    from eschool.journal import services as journal
    from eschool.journal.models import Lesson
    from eschool.people import services as people
    from eschool.people.models import Student

    today = world.today
    lesson = _lesson(app, world, today, topic="Дроби")
    with app.test_request_context():
        teacher, row = User.get_by_id(world.user_id("teacher")), Lesson.get_by_id(lesson)
        journal.set_mark(teacher, row, world.students[0], 0, "5")
        journal.set_attendance(teacher, row, world.students[1], "ill")
        following = _next_weekday(today)
        journal.set_homework(teacher, row, {"text": "Задачи 1–5", "due_on": following})
    toggle("knowledge_base", False, school=world.school)
    parent = app.test_client()
    login(parent, "parent")

    def dashboard():
        with app.app_context(), count_queries() as counted:
            html = parent.get("/dashboard").get_data(as_text=True)
        return _main(html), counted.count

    dashboard()  # warm
    main, one = dashboard()
    assert "Сегодня" in main and "Новые оценки" in main and ">5<" in main
    assert "Задачи 1–5" in main and "Открыть дневник" in main
    with app.app_context():  # a second and a third child: the same number of queries
        for sid in world.students[1:3]:
            people.link_guardian(Student.get_by_id(sid), {"user_id": world.user_id("parent"), "relation": "mother",
                                                          "legal_representative": True})
    main, three = dashboard()
    assert three == one, (one, three)
    assert main.count('class="home-child"') == 3 and "б</span>" in main  # the second child was ill today
    teacher = app.test_client()
    login(teacher, "classteacher")
    main = _main(teacher.get("/dashboard").get_data(as_text=True))
    assert "Мой класс сегодня" in main and "Белова Ученик01" in main  # ill today, lesson by lesson
    assert f"/school/{world.school}/classes/{world.c5}/students" in main


def _next_weekday(day: dt.date) -> dt.date:
    day += dt.timedelta(days=1)
    while day.isoweekday() > 5:
        day += dt.timedelta(days=1)
    return day


def test_the_schools_and_the_operators_today_in_constant_queries(app, world, count_queries):
    """The administrator sees the journal's filling and what waits; the municipal operator the schools needing
    attention: a school without a current year first; more schools cost no more queries."""
    from eschool.structure import services as structure
    from eschool.structure.models import Municipality

    _lesson(app, world, _school_day(world.today, 1))  # a lesson left without a topic
    admin = app.test_client()
    login(admin, "admin")
    main = _main(admin.get("/dashboard").get_data(as_text=True))
    assert "Школа сегодня" in main and "не заполнено в срок" in main and "Ждёт вашего решения" in main
    operator = app.test_client()
    login(operator, "municipal")

    def dashboard():
        with app.app_context(), count_queries() as counted:
            html = operator.get("/dashboard").get_data(as_text=True)
        return _main(html), counted.count

    dashboard()  # warm
    main, one = dashboard()
    assert "Школы, которым нужно внимание" in main and "Тестовая школа" in main
    with app.app_context():
        muni = Municipality.get_by_id(world.municipality)
        for n in range(3):
            structure.create_school(muni, f"Школа без года № {n}", f"Новая школа {n}")
    main, four = dashboard()
    assert four == one, (one, four)
    assert main.index("Новая школа 0") < main.index("Тестовая школа")  # no current year: first
    assert "нет текущего учебного года" in main


def test_a_plugins_widget_joins_the_start_page(make_app, probe):
    """Plugins add widgets through ``eschool_dashboard_widgets``; the core's today comes first."""
    from eschool import hookimpl
    from eschool.testing import build_world
    from eschool.types import Widget

    class WithWidget(type(probe)):
        @hookimpl
        def eschool_dashboard_widgets(self, user, scope):
            return [Widget("probe_hello", "Probe", "web/_probe_widget.html", context=lambda: {"n": 7}, order=500,
                           plugin="probe")]

    app = make_app(extra_plugins=[("probe", WithWidget())])
    app.jinja_loader.loaders.insert(0, __import__("jinja2").DictLoader({"web/_probe_widget.html": "<p>probe {{ ctx.n }}</p>"}))
    build_world(app)
    client = app.test_client()
    login(client, "teacher")
    main = _main(client.get("/dashboard").get_data(as_text=True))
    assert "probe 7" in main and main.index("Мои уроки сегодня") < main.index("probe 7")


def test_the_menu_is_grouped_by_task_with_a_phone_menu_that_needs_no_script(app, world):
    client = app.test_client()
    login(client, "admin")
    html = client.get("/dashboard").get_data(as_text=True)
    header = html[html.index('<header'):html.index('</header>')]
    bar = header[header.index('class="main-nav"'):header.index('</nav>')]
    groups = re.findall(r'<summary[^>]*>([^<]+)</summary>', bar)
    assert groups[:3] == ["Журнал", "Школа", "Люди"], groups
    assert "Отчёты" in groups and "Модули" in groups
    assert bar.count("<li") >= 15  # every entry is in the bar, in its group (none hidden in a scrolling strip)
    phone = header[header.index('class="phone-menu'):]
    assert "<details" in header and "<summary" in phone and 'href="/dashboard"' in phone
    assert "Сменить пароль" in header or "Изменить пароль" in header or "/account/password" in header
    assert 'src="/static/js/menu.js"' in html
    assert client.get("/static/js/menu.js").status_code == 200
    # a parent's few entries: the diary first, the journal's group named after it
    parent = app.test_client()
    login(parent, "parent")
    bar = parent.get("/dashboard").get_data(as_text=True)
    bar = bar[bar.index('class="main-nav"'):]
    assert bar.index('href="/diary"') < bar.index("</nav>")


def test_the_public_pages_stay_in_the_footer_after_logging_in_and_go_with_their_module(app, world, toggle):
    """A visitor has the region's vacancies and the school's news in the header; a logged-in parent finds them
    in the footer (the header holds their own menu); a module switched off takes its entry away."""
    def footer(client):
        html = client.get("/dashboard" if client is not anonymous else "/").get_data(as_text=True)
        part = html[html.index('<footer'):]
        return part[:part.index('</footer>')]

    anonymous = app.test_client()
    head = anonymous.get("/").get_data(as_text=True)
    head = head[head.index('<header'):head.index('</header>')]
    assert 'href="/vacancies/"' in head
    assert 'class="footer-nav"' not in footer(anonymous)
    parent = app.test_client()
    login(parent, "parent")
    below = footer(parent)
    assert 'class="footer-nav"' in below and 'href="/vacancies/"' in below and "Вакансии" in below
    toggle("vacancies", False, school=world.school)
    assert 'href="/vacancies/"' not in footer(parent)


def test_a_class_teacher_acts_with_all_staff_roles_and_a_teacher_who_is_a_parent_switches(app, world):
    """«My class» is in the menu of the class teacher who also teaches; a teacher who is a parent starts as the
    teacher (the broadest face) and switches to the parent face visibly, on the start page too."""
    from eschool.auth import services as auth
    from eschool.auth.models import RoleAssignment, User
    from eschool.people import services as people
    from eschool.people.models import Student
    from eschool.structure.models import School

    with app.app_context():
        school = School.get_by_id(world.school)
        ct = User.get_by_id(world.user_id("classteacher"))
        auth.grant_role(ct, "subject_teacher", school=school, allowed_roles=app.extensions["eschool"].roles)
        teacher = User.get_by_id(world.user_id("teacher"))
        auth.grant_role(teacher, "parent", school=school, allowed_roles=app.extensions["eschool"].roles)
        people.link_guardian(Student.get_by_id(world.others[0]), {"user_id": teacher.id, "relation": "father",
                                                                   "legal_representative": True})
        as_parent = RoleAssignment.get((RoleAssignment.user == teacher) & (RoleAssignment.role == "parent")).id
    client = app.test_client()
    login(client, "classteacher")
    html = client.get("/dashboard").get_data(as_text=True)
    assert f'href="/school/{world.school}/classes/{world.c5}/students"' in html  # «Мой класс»
    assert "Классный руководитель 5А, Учитель-предметник" in html or "Классный руководитель 5А" in html
    assert 'name="assignment"' not in html  # one face: nothing to switch
    assert client.get(f"/school/{world.school}/journal").status_code == 200  # the subject teacher's page too
    client = app.test_client()
    login(client, "teacher")
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'name="assignment"' in html and "Мои уроки сегодня" in html
    assert client.get("/diary").status_code == 403  # acting as the teacher
    assert client.post("/account/role", data={"assignment": as_parent}).status_code == 302
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Мои уроки сегодня" not in html and "home-child" in html
    assert client.get(f"/diary?student={world.others[0]}").status_code == 200


def test_the_web_app_manifest_and_icons_come_from_the_portal(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert 'rel="manifest" href="/manifest.webmanifest"' in page and 'name="theme-color" content="#0b5c3b"' in page
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["start_url"] == "/dashboard" and manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0b5c3b" and manifest["lang"] == "ru"
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in manifest["icons"]}
    assert any(icon["purpose"] == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        picture = client.get(icon["src"])
        assert picture.status_code == 200 and picture.data[:8] == b"\x89PNG\r\n\x1a\n", icon["src"]
    assert manifest["shortcuts"][0]["url"] == "/diary"


@pytest.mark.parametrize("region", ["samara"])
def test_the_dark_variant_is_in_the_core_and_themes_inherit_it(make_app, region):
    """The core's stylesheet changes its colour variables for a dark device; a theme sets only its brand colours
    (or its own dark ones) and inherits the rest."""
    app = make_app(region=region)
    client = app.test_client()
    core = client.get("/static/css/eschool.css").get_data(as_text=True)
    dark = core[core.index("@media (prefers-color-scheme: dark)"):]
    assert "--bg:" in dark and "--card:" in dark and "--link:" in dark
    assert "color-scheme: light dark" in core
    theme = client.get("/static/css/theme.css").get_data(as_text=True)
    assert "--brand" in theme and "--bg" not in theme  # the theme's colours: the dark variant stays the core's
    page = client.get("/login").get_data(as_text=True)
    assert '<meta name="color-scheme" content="light dark">' in page
