"""The journal pages' smaller duties: adding a lesson by hand, flagging lessons not filled by the
deadline, and the teacher's comment on marks in the lesson form; each refused where it must be."""
import datetime as dt

import pytest

from tests.conftest import login
from tests.journal_setup import build_journal_school


@pytest.fixture
def j(app, demo):
    with app.app_context():
        return {k: (v.id if hasattr(v, "id") else v) for k, v in build_journal_school(app, demo["school"]).items()}


def grid_url(j, cls="c5"):
    return f"/school/{j['school']}/journal/class/{j[cls]}/subject/{j['maths']}"


def test_the_teacher_adds_a_lesson_by_hand(app, client, j):
    from eschool.journal.models import Lesson

    login(client, "teacher")
    saturday = j["today"] - dt.timedelta(days=(j["today"].isoweekday() + 1) % 7)
    response = client.post(f"{grid_url(j)}/lessons", data={"date": saturday.isoformat(), "number": "3"})
    assert response.status_code == 302 and "/journal/lesson/" in response.headers["Location"]
    with app.app_context():
        lesson = Lesson.get((Lesson.date == saturday) & (Lesson.number == 3))
        assert (lesson.class_group_id, lesson.subject_id, lesson.teacher_id, lesson.timetable_entry_id) == (
            j["c5"], j["maths"], j["teacher"], None)
    outside = client.post(f"{grid_url(j)}/lessons", data={"date": (j["today"] + dt.timedelta(days=400)).isoformat()},
                          follow_redirects=True)
    assert "вне учебных периодов" in outside.get_data(as_text=True)


@pytest.mark.parametrize("username", ["other", "parent", "student", "secretary"])
def test_others_cannot_add_a_lesson(app, client, j, username):
    from eschool.journal.models import Lesson

    login(client, username)
    response = client.post(f"{grid_url(j)}/lessons", data={"date": j["today"].isoformat(), "number": "5"})
    assert response.status_code == 403
    with app.app_context():
        assert not Lesson.select().where(Lesson.number == 5).exists()


def test_lessons_not_filled_by_the_deadline_are_flagged(app, client, j):
    from eschool.journal import services
    from eschool.journal.models import Lesson

    login(client, "teacher")
    client.get(grid_url(j))  # lessons come from the timetable
    with app.app_context():  # and last week's, whichever period: on a Monday this period began on Saturday
        from eschool.school.models import ClassGroup

        services.ensure_lessons(ClassGroup.get_by_id(j["c5"]), j["today"] - dt.timedelta(days=7),
                                j["today"] - dt.timedelta(days=1))
        past = (Lesson.select().where((Lesson.class_group == j["c5"]) & (Lesson.subject == j["maths"])
                                      & (Lesson.date < j["today"])).order_by(Lesson.date.desc()).first())
        period = services.period_of(past.class_group, past.date).id
    page = client.get(f"{grid_url(j)}?period={period}").get_data(as_text=True)
    assert "jstate-overdue" in page and "не заполнен" in page
    index = client.get(f"/school/{j['school']}/journal").get_data(as_text=True)
    assert "Не заполнены в срок" in index and f"/journal/lesson/{past.id}" in index
    with app.test_request_context("/"):
        from eschool.auth.models import User

        services.set_lesson(User.get_by_id(j["teacher"]), services.lesson_of(j["school"], past.id), {"topic": "Дроби"})
    index = client.get(f"/school/{j['school']}/journal").get_data(as_text=True)
    assert f"/journal/lesson/{past.id}\"" not in index
    assert "заполнено с опозданием" in client.get(f"{grid_url(j)}?period={period}").get_data(as_text=True)


def test_a_comment_goes_with_the_marks_in_the_lesson_form(app, client, j):
    from eschool.journal.models import Lesson, Mark

    login(client, "teacher")
    client.get(grid_url(j))
    with app.app_context():
        lesson = Lesson.get((Lesson.class_group == j["c5"]) & (Lesson.subject == j["maths"])
                            & (Lesson.date == j["today"])) if Lesson.select().where(
            (Lesson.class_group == j["c5"]) & (Lesson.date == j["today"])).exists() else None
    if lesson is None:  # a weekend: add today's lesson by hand
        client.post(f"{grid_url(j)}/lessons", data={"date": j["today"].isoformat(), "number": "2"})
        with app.app_context():
            lesson = Lesson.get((Lesson.class_group == j["c5"]) & (Lesson.date == j["today"]))
    url = f"/school/{j['school']}/journal/lesson/{lesson.id}"
    sid = j["boris"]
    refused = client.post(url, data={f"c_{sid}": "Без отметки", f"c_{sid}_orig": ""})
    assert refused.status_code == 400 and "Комментарий ставится к отметке" in refused.get_data(as_text=True)
    assert client.post(url, data={f"m_{sid}": "4 5", f"m_{sid}_orig": ""}).status_code == 302
    with app.app_context():
        versions = [f"{m.slot}:{m.value}:{m.version}" for m in Mark.select().where(Mark.student == sid)]
    saved = client.post(url, data={f"m_{sid}": "4 5", f"m_{sid}_orig": "4 5", "mv_" + str(sid): versions,
                                   f"c_{sid}": "Молодец, аккуратное решение", f"c_{sid}_orig": ""})
    assert saved.status_code == 302
    with app.app_context():
        assert {(m.value, m.comment) for m in Mark.select().where(Mark.student == sid)} == {
            ("4", "Молодец, аккуратное решение"), ("5", "Молодец, аккуратное решение")}
    assert "Молодец, аккуратное решение" in client.get(url).get_data(as_text=True)


def test_the_api_adds_a_lesson_for_its_teacher_only(app, client, j):
    from tests.conftest import bearer

    body = {"class_id": j["c5"], "subject_id": j["maths"], "date": j["today"].isoformat(), "number": 6}
    refused = client.post("/api/v1/journal/lessons", json=body, headers=bearer(client, "other"))
    assert refused.status_code == 403
    added = client.post("/api/v1/journal/lessons", json=body, headers=bearer(client, "teacher"))
    assert added.status_code == 201 and added.get_json()["number"] == 6
    outside = client.post("/api/v1/journal/lessons", json={**body, "date": "2000-01-01"},
                          headers=bearer(client, "teacher"))
    assert outside.status_code == 400 and "date" in outside.get_json()["error"]["fields"]
