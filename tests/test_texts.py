"""Texts people read (issue 18): the audit log in words, not identifiers; dates of the setup pages in the user's
locale; check boxes beside their labels."""
from __future__ import annotations

from eschool.testing import login


def test_the_audit_log_says_who_what_and_which_in_words(app, world, count_queries):
    """A mark, an absence, a parent's link and a card change read as the student, the lesson, the relation and the
    field in the user's language; the page runs a query per kind of record, not per entry."""
    from eschool.auth.models import User
    from eschool.journal import services as journal
    from eschool.journal.models import Lesson
    from eschool.people import services as people
    from eschool.people.models import Student

    with app.test_request_context():
        teacher = User.get_by_id(world.user_id("teacher"))
        lesson = Lesson.create(school=world.school, class_group=world.c5, subject=world.maths, date=world.today,
                               number=2, teacher=teacher)
        journal.set_mark(teacher, lesson, world.students[0], 0, "5")
        journal.set_attendance(teacher, lesson, world.students[1], "ill")
        student = Student.get_by_id(world.students[2])
        people.update_card(student, {"address": "ул. Новая, 5"}, actor=User.get_by_id(world.user_id("secretary")))
    client = app.test_client()
    login(client, "admin")
    with app.app_context(), count_queries() as few:
        html = client.get(f"/school/{world.school}/audit").get_data(as_text=True)
    table = html[html.index("<tbody>"):html.index("</tbody>")]
    assert "Отметка: Абрамов Ученик00" in table and "Математика" in table and "урок 2" in table
    assert "Посещаемость: Белова Ученик01" in table and "отсутствовал(а) по болезни" in table
    assert "Адрес" in table and "ул. Новая, 5" in table
    assert "Родитель Первого, родитель: Абрамов Ученик00" in table and "мать" in table  # the world's link
    for raw in ("mark #", "attendance #", " ill<", ">value<", ">kind<", "relation", "guardian #", "student #"):
        assert raw not in table, raw
    with app.test_request_context():  # more entries of the same kinds: the same number of queries
        for sid in world.students[1:5]:
            journal.set_mark(teacher, lesson, sid, 0, "4")
    with app.app_context(), count_queries() as more:
        client.get(f"/school/{world.school}/audit")
    assert more.count == few.count, (few.count, more.count)
    client.post("/language", data={"locale": "en"})
    table = client.get(f"/school/{world.school}/audit").get_data(as_text=True)
    assert "Mark: Абрамов Ученик00" in table and "absent, ill" in table and "mother" in table


def test_setup_pages_show_dates_in_the_users_locale(app, world):
    from eschool.school.models import AcademicYear

    with app.app_context():
        year = AcademicYear.get_by_id(world.year)
    client = app.test_client()
    login(client, "admin")
    html = client.get(f"/school/{world.school}/setup/years").get_data(as_text=True)
    assert year.starts_on.strftime("%d.%m.%Y") in html and year.starts_on.isoformat() + " –" not in html
    client.post("/language", data={"locale": "en"})
    html = client.get(f"/school/{world.school}/setup/periods").get_data(as_text=True)
    assert f"{year.starts_on.month}/{year.starts_on.day}/{year.starts_on.strftime('%y')}" in html


def test_check_boxes_and_radio_buttons_sit_beside_their_labels(app):
    css = app.test_client().get("/static/css/eschool.css").get_data(as_text=True)
    rule = css[css.index('input[type="checkbox"], input[type="radio"], .field input[type="checkbox"]'):]
    rule = rule[:rule.index("}")]
    assert "width: 1.15em" in rule and "min-height: 0" in rule
    assert 'label:has(> input[type="checkbox"])' in css and "display: inline-flex" in css
