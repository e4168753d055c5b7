"""Every page renders under every region's theme, in Russian and in English, for visitors and staff."""
import pytest

from tests.conftest import login


def _pages(app, school_id, vacancy_id, class_id, student_id, user_id, extra=None):
    """Every GET page of the app, with arguments filled in for those that need them."""
    values = {"school_id": school_id, "vacancy_id": vacancy_id, "municipality_code": "placeholder",
              "filename": "css/eschool.css", "plugin": "vacancies", "class_id": class_id, "student_id": student_id,
              "user_id": user_id, "code": "vacancies", **(extra or {})}
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith("/api/") or rule.endpoint in (
                "web.static", "web.plugin_static", "ops.health", "ops.version", "ops.metrics", "auth.logout",
                "web.manifest",  # JSON, not a page: tests/test_home.py
                "kiosk.worker"):  # the kiosk's service worker: a script, not a page (tests/test_kiosk.py)
            continue
        if "token" in rule.arguments or rule.endpoint == "device_login.login":  # one-time links: their own tests
            continue
        if {"file_id", "attachment_id", "entry_id"} & set(rule.arguments):  # downloads: their own tests
            continue
        if rule.rule.endswith((".xlsx", ".pdf")):  # downloads: their own tests
            continue
        if rule.rule.endswith((".atom", ".ics")):  # feeds (XML, iCalendar): their own tests
            continue
        if "application_id" in rule.arguments:  # an application's page: tests/test_applications.py
            continue
        if "key" in rule.arguments and rule.endpoint.startswith("reports"):  # every core report of its level
            keys = ["school_rates"] if "municipality_code" in rule.arguments else [
                "attendance", "progress", "parallel", "subjects", "teachers", "at_risk", "summary_sheet",
                "class_journal", "movement", "activity"]
            urls += [(rule.endpoint, rule.rule, {**{k: values[k] for k in rule.arguments if k != "key"}, "key": key})
                     for key in keys]
            continue
        if "key" in rule.arguments:  # the school-year setup: every section
            from eschool.school.views import SECTIONS

            urls += [(rule.endpoint, rule.rule, {"school_id": school_id, "key": key}) for key in SECTIONS]
            continue
        urls.append((rule.endpoint, rule.rule, {k: values[k] for k in rule.arguments}))
    return urls


def _plugin_off(app, endpoint: str, school) -> bool:
    """The endpoint belongs to a plugin that is off at the school (its blueprint is ``<code>`` or ``<code>_...``)."""
    from eschool.plugins.services import is_enabled, scope_for_school

    blueprint = endpoint.split(".", 1)[0]
    codes = [c for c in app.extensions["eschool"].plugins.infos if blueprint == c or blueprint.startswith(c + "_")]
    with app.app_context():
        return bool(codes) and not is_enabled(max(codes, key=len), scope_for_school(school))


@pytest.mark.parametrize("region", ["kemerovo", "primorye", "samara"])
def test_every_page_renders_in_both_languages_under_the_regions_theme(make_app, regions_copy, region):
    from flask import url_for
    from peewee import fn

    from eschool.structure.models import Municipality
    from eschool_demo.demo import build_demo
    from eschool_vacancies.models import Vacancy

    # the communication plugins a profile leaves off (allowed, default off) are switched on: every page is walked
    for code in ("announcements", "news"):
        off = f"[plugins.{code}]\nenabled = true\ndefault = false"
        if off in regions_copy.path(region).read_text(encoding="utf-8"):
            regions_copy.replace(region, off, off.replace("false", "true"))
    app = make_app(region=region)
    with app.app_context():
        demo = build_demo(log=lambda *_: None)  # with the school year, so the timetable has lessons
        school = demo["school"]
        vacancy = Vacancy.select().where(Vacancy.school == school, Vacancy.status == "open").first()
        from eschool.people.models import Student
        from eschool.school.models import ClassGroup

        group = ClassGroup.get(ClassGroup.name == "5А")
        student = Student.select().where(Student.school == school).first()
        municipality = Municipality.get_by_id(school.municipality_id).code
    theme = app.extensions["eschool"].region.theme
    visitor, admin = app.test_client(), app.test_client()
    login(admin, "admin")
    with app.app_context():
        from eschool.auth.models import User

        teacher_id = User.get(User.username == "teacher").id
        import datetime as dt

        from eschool.journal import services as journal
        from eschool.journal.models import Lesson

        journal.ensure_lessons(group, journal.local_today() - dt.timedelta(days=7), journal.local_today())
        lesson = Lesson.select().where(Lesson.class_group == group).first()
        from eschool_announcements.models import Announcement
        from eschool_calendar.models import Event
        from eschool_kiosk.models import KioskPage  # the demo school has a kiosk (demo = true)

        kiosk_page = KioskPage.select().first()
        extra = {"subject_id": lesson.subject_id, "lesson_id": lesson.id, "year_id": group.academic_year_id,
                 "item_id": Announcement.select(fn.MIN(Announcement.id)).scalar(),  # news item 1 exists too
                 "event_id": Event.select(fn.MIN(Event.id)).scalar(),
                 "section_id": kiosk_page.section_id, "page_id": kiosk_page.id}
        if "summer_camp" in app.extensions["eschool"].plugins.infos:  # the demo's camp session and squad
            from eschool_summer_camp.models import CampSession, Squad

            camp = CampSession.select().where(CampSession.school == school).order_by(CampSession.id).first()
            extra.update(session_id=camp.id, squad_id=Squad.select().where(Squad.session == camp).first().id)
        from eschool_forum.models import Board, Post, Topic

        board = Board.select().where(Board.school == school).first()  # the forum's demo boards
        topic = Topic.select().where(Topic.board == board).first()
        extra.update(board_id=board.id, topic_id=topic.id,
                     post_id=Post.select().where(Post.topic == topic).first().id)
        if "messages" in app.extensions["eschool"].plugins.settings:  # the mail: the admin's letter to the staff
            from eschool_messages.models import Conversation

            extra["conversation_id"] = Conversation.get(Conversation.created_by == User.get(
                User.username == "admin").id).id
        from eschool_knowledge_base.models import Attempt, Material, Quiz, Section

        section = Section.select().first()  # the knowledge base's demo rows
        extra.update(material_id=Material.select().first().id, quiz_id=Quiz.select().first().id,
                     attempt_id=Attempt.select().first().id, textbook_id=section.textbook_id, book_section_id=section.id)
        from eschool_surveys.models import Question, Survey

        survey = Survey.get(Survey.title == "Методическая неделя")  # the staff's: the admin is asked
        extra.update(survey_id=survey.id, question_id=Question.select().where(Question.survey == survey).first().id)
        from eschool_olympiads.models import Olympiad

        extra["olympiad_id"] = Olympiad.select().where(Olympiad.school == school).first().id
    pages = _pages(app, school.id, vacancy.id, group.id, student.id, teacher_id, extra)
    assert len(pages) >= 15
    for endpoint, _rule, args in pages:
        if "municipality_code" in args:
            args["municipality_code"] = municipality
        with app.test_request_context():
            url = url_for(endpoint, **args)
        for client in (visitor, admin):
            bodies = {}
            for locale in ("ru", "en"):
                response = client.get(url, headers={"Accept-Language": locale})
                if response.status_code in (301, 302):  # login redirects, the manage shortcut
                    continue
                if response.status_code == 404 and _plugin_off(app, endpoint, school):
                    continue  # a plugin the region leaves off (nutrition outside Kemerovo): its pages are 404
                assert response.status_code in (200, 403), (url, locale, response.status_code)
                html = response.get_data(as_text=True)
                assert f'<html lang="{locale}">' in html, (url, locale)
                assert f"theme-{theme}" in html and "/static/css/theme.css" in html, url
                bodies[locale] = html
            if len(bodies) == 2:
                assert bodies["ru"] != bodies["en"], f"{url} reads the same in Russian and English"


def test_static_files_come_from_region_then_theme_then_core(make_app):
    app = make_app(region="samara")
    client = app.test_client()
    theme_css = client.get("/static/css/theme.css").get_data(as_text=True)
    assert "Samara" in theme_css or "samara" in theme_css
    assert client.get("/static/css/eschool.css").status_code == 200  # from the core
    assert client.get("/static/img/logo.svg").status_code == 200  # from the theme
    assert client.get("/static/../../pyproject.toml").status_code == 404


def test_templates_of_plugins_are_namespaced(app):
    loader = app.jinja_loader
    names = loader.list_templates()
    assert "vacancies/list.html" in names and "vacancies:vacancies/list.html" in names
    assert "core:base.html" in names
    plugin_templates = [n for n in names if ":" not in n and n.startswith("vacancies")]
    assert all(n.startswith("vacancies/") for n in plugin_templates)
