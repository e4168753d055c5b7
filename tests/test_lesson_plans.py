"""Lesson plans (КТП): import from CSV/XLSX (bad lines named, all or nothing), list, delete, attach to a
class's lessons in date order through the journal's rules, detach; who may."""
import datetime as dt
import io

import pytest

from eschool.auth.models import User
from tests.conftest import bearer, login
from tests.journal_setup import build_journal_school

GOOD_CSV = ("Номер;Тема;Часы;Домашнее задание\n"
            "1;Натуральные числа;1;§1\n"
            "2;Сложение и вычитание;2;§2, № 5\n"
            "3;Умножение;1;\n")


@pytest.fixture
def j(app, demo):
    with app.test_request_context("/"):
        return build_journal_school(app, demo["school"])


def upload(client, j, headers, content, filename="plan.csv", grade=5, subject="maths", name="Математика 5"):
    data = {"subject_id": str(j[subject].id), "grade": str(grade), "name": name,
            "file": (io.BytesIO(content if isinstance(content, bytes) else content.encode("utf-8")), filename)}
    return client.post(f"/api/v1/schools/{j['school'].id}/lesson-plans", data=data, headers=headers,
                       content_type="multipart/form-data")


def test_a_plan_is_imported_from_csv_and_listed(client, j):
    headers = bearer(client, "teacher")
    response = upload(client, j, headers, GOOD_CSV)
    assert response.status_code == 201, response.get_json()
    plan = response.get_json()
    assert plan["grade"] == 5 and plan["item_count"] == 3 and plan["hours"] == 4 and plan["attached"] == 0
    assert [(i["number"], i["topic"], i["hours"], i["homework"]) for i in plan["items"]] == [
        (1, "Натуральные числа", 1, "§1"), (2, "Сложение и вычитание", 2, "§2, № 5"), (3, "Умножение", 1, "")]
    listed = client.get(f"/api/v1/schools/{j['school'].id}/lesson-plans", headers=headers).get_json()
    assert [p["name"] for p in listed] == ["Математика 5"]


def test_a_plan_is_imported_from_xlsx_with_english_headers(client, j):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["number", "topic", "hours", "homework"])
    sheet.append([1, "Fractions", 2, "p. 10"])
    sheet.append([2, "Decimals", None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(client, j, bearer(client, "teacher"), buffer.getvalue(), filename="plan.xlsx")
    assert response.status_code == 201, response.get_json()
    assert [(i["number"], i["topic"], i["hours"]) for i in response.get_json()["items"]] == [
        (1, "Fractions", 2), (2, "Decimals", 1)]


def test_bad_rows_are_named_by_line_and_nothing_is_imported(app, client, j):
    bad = ("Номер;Тема;Часы\n"
           "1;Натуральные числа;1\n"
           "x;Без номера;1\n"
           "3;;1\n"
           "4;Много часов;99\n"
           "1;Повтор;1\n")
    response = upload(client, j, {**bearer(client, "teacher"), "Accept-Language": "en"}, bad)
    assert response.status_code == 400
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"rows.3.number", "rows.4.topic", "rows.5.hours", "rows.6.number"}
    assert "line 2" in fields["rows.6.number"][0]
    with app.app_context():
        from eschool_lesson_plans.models import LessonPlan, LessonPlanItem

        assert LessonPlan.select().count() == 0 and LessonPlanItem.select().count() == 0
    missing = upload(client, j, bearer(client, "teacher"), "Тема;Часы\nЧисла;1\n")
    assert missing.status_code == 400 and "number" in missing.get_json()["error"]["message"]
    wrong_type = upload(client, j, bearer(client, "teacher"), "1;2", filename="plan.txt")
    assert wrong_type.status_code == 400


def test_the_import_page_names_the_bad_lines(app, j):
    client = app.test_client()
    login(client, "teacher")
    page = f"/school/{j['school'].id}/lesson-plans"
    response = client.post(page, data={"subject_id": str(j["maths"].id), "grade": "5", "name": "",
                                       "file": (io.BytesIO("Номер;Тема\n1;\n".encode()), "plan.csv")},
                           content_type="multipart/form-data", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The topic is empty." in html and "<td>2</td>" in html
    ok = client.post(page, data={"subject_id": str(j["maths"].id), "grade": "5", "name": "",
                                 "file": (io.BytesIO(GOOD_CSV.encode()), "plan.csv")},
                     content_type="multipart/form-data")
    assert ok.status_code == 302
    shown = client.get(ok.headers["Location"]).get_data(as_text=True)
    assert "Сложение и вычитание" in shown and "5А" in shown  # the class to attach it to


def test_only_a_teacher_of_the_subject_in_that_grade_imports_or_deletes(app, client, j):
    # other teaches Математика in 6Б, not in grade 5; classteacher teaches Русский язык in 5А
    assert upload(client, j, bearer(client, "other"), GOOD_CSV).status_code == 403
    assert upload(client, j, bearer(client, "classteacher"), GOOD_CSV).status_code == 403
    assert upload(client, j, bearer(client, "other"), GOOD_CSV, grade=6).status_code == 201
    for name in ("student", "parent", "municipal", "secretary"):
        assert upload(client, j, bearer(client, name), GOOD_CSV).status_code == 403, name
    plan = upload(client, j, bearer(client, "teacher"), GOOD_CSV).get_json()
    address = f"/api/v1/schools/{j['school'].id}/lesson-plans/{plan['id']}"
    assert client.delete(address, headers=bearer(client, "other")).status_code == 403
    page = app.test_client()
    login(page, "other")
    assert page.post(f"/school/{j['school'].id}/lesson-plans/{plan['id']}/delete").status_code == 403
    assert client.delete(address, headers=bearer(client, "teacher")).status_code == 204
    assert client.get(address, headers=bearer(client, "teacher")).status_code == 404


def _lessons(app, j, days):
    """Math lessons of 5А on the given days from today (past and future), in date order."""
    from eschool.journal import services
    from eschool.journal.models import Lesson

    with app.test_request_context("/"):
        teacher = User.get(User.username == "teacher")
        made = []
        for offset in days:
            day = j["today"] + dt.timedelta(days=offset)
            services.ensure_lessons(j["c5"], day, day)
            lesson = Lesson.get_or_none((Lesson.class_group == j["c5"]) & (Lesson.date == day)
                                        & (Lesson.subject == j["maths"]))
            if lesson is None:
                lesson = services.add_lesson(teacher, j["c5"], {"subject_id": j["maths"].id, "date": day, "number": 2})
            made.append(lesson.id)
        return made


def _topics(app, ids):
    from eschool.journal.models import Lesson
    from eschool_lesson_plans.services import items_of_lessons

    with app.app_context():
        rows = {r.id: r for r in Lesson.select().where(Lesson.id.in_(ids))}
        items = items_of_lessons(ids)
        return [(rows[i].topic, items[i].number if i in items else None) for i in ids]


def test_attaching_fills_lessons_in_date_order_and_detaching_undoes_it(app, client, j):
    ids = _lessons(app, j, [-20, -2, -1, 1, 2, 3, 4])  # the first is past the 7-day edit window
    from eschool.journal import services

    with app.test_request_context("/"):
        from eschool.journal.models import Lesson

        teacher = User.get(User.username == "teacher")
        lesson = Lesson.get_by_id(ids[2])
        services.set_lesson(teacher, lesson, {"topic": "Контрольная работа"})
    headers = bearer(client, "teacher")
    plan = upload(client, j, headers, GOOD_CSV).get_json()
    base = f"/api/v1/schools/{j['school'].id}/lesson-plans/{plan['id']}"
    attached = client.post(f"{base}/attach", json={"class_id": j["c5"].id}, headers=headers)
    assert attached.status_code == 200, attached.get_json()
    # 1 (1 hour) -> the old lesson (refused: it keeps nothing but uses up item 1), 2 (2 hours) -> two lessons,
    # 3 -> the next; the lesson with a topic keeps it
    assert attached.get_json() == {"lessons": 3, "topics": 2, "skipped": 1, "items_left": 0}
    assert _topics(app, ids) == [("", None), ("Сложение и вычитание", 2), ("Контрольная работа", 2),
                                 ("Умножение", 3), ("", None), ("", None), ("", None)]
    # attaching again changes nothing: every item has its lessons
    again = client.post(f"{base}/attach", json={"class_id": j["c5"].id}, headers=headers).get_json()
    assert again["lessons"] == 0
    assert client.get(base, headers=headers).get_json()["attached"] == 3
    assert client.delete(base, headers=headers).status_code == 409  # attached: detach first
    detached = client.post(f"{base}/detach", json={"class_id": j["c5"].id}, headers=headers)
    assert detached.status_code == 200 and detached.get_json()["lessons"] == 3 and detached.get_json()["topics"] == 2
    assert _topics(app, ids) == [("", None), ("", None), ("Контрольная работа", None), ("", None),
                                 ("", None), ("", None), ("", None)]
    assert client.delete(base, headers=headers).status_code == 204


def test_attaching_is_for_the_teacher_of_that_class_and_the_plans_grade(app, client, j):
    _lessons(app, j, [1, 2])
    plan = upload(client, j, bearer(client, "teacher"), GOOD_CSV).get_json()
    base = f"/api/v1/schools/{j['school'].id}/lesson-plans/{plan['id']}"
    for name in ("other", "classteacher", "deputy"):
        assert client.post(f"{base}/attach", json={"class_id": j["c5"].id},
                           headers=bearer(client, name)).status_code == 403, name
        assert client.post(f"{base}/detach", json={"class_id": j["c5"].id},
                           headers=bearer(client, name)).status_code == 403, name
    wrong_grade = client.post(f"{base}/attach", json={"class_id": j["c6"].id}, headers=bearer(client, "teacher"))
    assert wrong_grade.status_code == 400 and "class_id" in wrong_grade.get_json()["error"]["fields"]
    page = app.test_client()
    login(page, "other")
    assert page.post(f"/school/{j['school'].id}/lesson-plans/{plan['id']}/attach",
                     data={"class_id": j["c5"].id}).status_code == 403
    teacher = app.test_client()
    login(teacher, "teacher")
    done = teacher.post(f"/school/{j['school'].id}/lesson-plans/{plan['id']}/attach", data={"class_id": j["c5"].id})
    assert done.status_code == 302
    assert teacher.get(f"/school/{j['school'].id}/lesson-plans").status_code == 200


def test_the_plan_list_runs_the_same_number_of_queries_for_few_and_many(app, client, j):
    from playhouse.test_utils import count_queries

    headers = bearer(client, "teacher")
    upload(client, j, headers, GOOD_CSV)
    page = app.test_client()
    login(page, "teacher")

    def counts():
        result = {}
        for who, address in ((client, f"/api/v1/schools/{j['school'].id}/lesson-plans"),
                             (page, f"/school/{j['school'].id}/lesson-plans")):
            with app.app_context(), count_queries() as counter:
                assert who.get(address, headers=headers if who is client else {}).status_code == 200
            result[address] = counter.count
        return result

    counts()
    few = counts()
    for i in range(4):
        upload(client, j, headers, GOOD_CSV + f"{4 + i};Ещё тема {i};1;\n", name=f"План {i}")
    many = counts()
    assert all(n > 0 for n in few.values()) and many == few


def test_an_unreadable_plan_file_is_refused_naming_the_file(app):
    """The file is read as the contingent imports read theirs (people.tabular); its refusals name the file."""
    import pytest

    from eschool_lesson_plans.services import PlanImportError, read_rows

    with app.test_request_context():
        for data, name in ((b"x", "plan.txt"), (b"\xff\xfe\x00", "plan.csv"), (b"not a zip", "plan.xlsx"), (b"", "plan.csv")):
            with pytest.raises(PlanImportError) as refused:
                read_rows(data, name)
            assert name in str(refused.value.message)


def test_a_school_that_switches_lesson_plans_off_gets_404_and_keeps_its_plans(app, client, j, toggle):
    """Lesson plans are a built-in plugin: switched off for a school its pages and API answer 404 (the
    journal goes on), switched on again its plans are all there."""
    headers = bearer(client, "teacher")
    assert upload(client, j, headers, GOOD_CSV).status_code == 201
    listing = f"/api/v1/schools/{j['school'].id}/lesson-plans"
    toggle("lesson_plans", False, school=j["school"].id)
    assert client.get(listing, headers=headers).status_code == 404
    page = app.test_client()
    login(page, "teacher")
    assert page.get(f"/school/{j['school'].id}/lesson-plans").status_code == 404
    assert page.get(f"/school/{j['school'].id}/journal").status_code == 200
    toggle("lesson_plans", True, school=j["school"].id)
    assert [p["name"] for p in client.get(listing, headers=headers).get_json()] == ["Математика 5"]
