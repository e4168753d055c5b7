"""Surveys: the builder, audiences, answering once, anonymity down to the database, results with charts,
filters, the small-group rule, export, reminders, who may see what (through HTTP)."""
from __future__ import annotations

import io

import pytest

SECTIONS = [
    {"title": "Питание", "questions": [
        {"kind": "single", "text": "Обедает в столовой?", "options": ["Да", "Нет"]},
        {"kind": "multiple", "text": "Что улучшить?", "options": ["Меню", "Порции", "Время"], "required": False},
        {"kind": "scale5", "text": "Качество питания"}]},
    {"title": "Учёба", "questions": [
        {"kind": "scale10", "text": "Порекомендуете школу?"},
        {"kind": "matrix", "text": "Довольны ли", "options": ["Нет", "Да"], "rows": ["Уроками", "Дневником"]},
        {"kind": "text", "text": "Предложения", "required": False}]},
]


def _parents(app, world, n: int) -> list[str]:
    """n more parent accounts, each a parent of a 5А student."""
    from eschool.auth import services as auth
    from eschool.people import services as people
    from eschool.people.models import Student
    from eschool.structure.models import School

    names = []
    with app.app_context():
        ext = app.extensions["eschool"]
        school = School.get_by_id(world.school)
        for i in range(n):
            user = auth.create_user(f"par{i:03d}", f"Родитель Номер{i:03d}", password="demo-2026",
                                    must_change_password=False)
            auth.grant_role(user, "parent", school=school, allowed_roles=ext.roles)
            people.link_guardian(Student.get_by_id(world.students[i % len(world.students)]),
                                 {"user_id": user.id, "relation": "father", "legal_representative": True})
            names.append(user.username)
    return names


def _create(client, headers, world, anonymous=True, audience=None, **extra):
    body = {"school_id": world.school, "title": "Опрос родителей", "anonymous": anonymous,
            "audience": audience or [{"kind": "school", "school_id": world.school, "who": ["parents"]}],
            "sections": SECTIONS, **extra}
    response = client.post("/api/v1/surveys", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    survey = response.get_json()
    assert client.post(f"/api/v1/surveys/{survey['id']}/publish", headers=headers).status_code == 200
    return client.get(f"/api/v1/surveys/{survey['id']}", headers=headers).get_json()


def _answers(survey, text="Больше фруктов", pick=0):
    q = [q for s in survey["sections"] for q in s["questions"]]
    return {str(q[0]["id"]): pick, str(q[1]["id"]): [0, 2], str(q[2]["id"]): 4, str(q[3]["id"]): 9,
            str(q[4]["id"]): {"0": 1, "1": 0}, str(q[5]["id"]): text}


@pytest.fixture
def other_school(app, world):
    from eschool.auth import services as auth
    from eschool.structure import services as structure
    from eschool.structure.models import Municipality

    with app.app_context():
        ext = app.extensions["eschool"]
        school = structure.create_school(Municipality.get_by_id(world.municipality), "Школа № 2", "Школа № 2")
        director = auth.create_user("director2", "Директор Второй", password="demo-2026", must_change_password=False)
        auth.grant_role(director, "director", school=school, allowed_roles=ext.roles)
        return school.id


def test_build_publish_answer_and_see_results(app, client, world, api_token, login_as):
    director = api_token("director")
    survey = _create(client, director, world)
    assert [len(s["questions"]) for s in survey["sections"]] == [3, 3]
    assert survey["state"] == "open" and survey["invited"] == 1  # the one parent of the world
    # the parent sees it, answers it through the page, once
    parent = login_as("parent")
    assert "Опрос родителей" in parent.get("/surveys/").get_data(as_text=True)
    page = parent.get(f"/surveys/{survey['id']}/answer")
    assert page.status_code == 200 and "Уроками" in page.get_data(as_text=True)
    q = [q for s in survey["sections"] for q in s["questions"]]
    form = {f"q{q[0]['id']}": "1", f"q{q[1]['id']}": ["0", "1"], f"q{q[2]['id']}": "3", f"q{q[3]['id']}": "7",
            f"q{q[4]['id']}_r0": "1", f"q{q[4]['id']}_r1": "1", f"q{q[5]['id']}": "Спасибо"}
    missing = parent.post(f"/surveys/{survey['id']}/answer", data={f"q{q[0]['id']}": "1"})
    assert missing.status_code == 400 and "Answer this question" in missing.get_data(as_text=True) or \
        "Ответьте на этот вопрос" in missing.get_data(as_text=True)
    assert parent.post(f"/surveys/{survey['id']}/answer", data=form).status_code == 302
    again = client.post(f"/api/v1/surveys/{survey['id']}/responses", json={"answers": _answers(survey)},
                        headers=api_token("parent"))
    assert again.status_code == 409
    # results: counts, percentages, an SVG chart, the free text
    results = client.get(f"/api/v1/surveys/{survey['id']}/results", headers=director).get_json()
    assert results["total"] == 1 and results["rate"] == 100.0
    first = results["questions"][0]
    assert [b["count"] for b in first["bars"]] == [0, 1] and first["bars"][1]["pct"] == 100.0
    assert results["questions"][3]["average"] == 7.0 and results["questions"][5]["texts"] == ["Спасибо"]
    html = login_as("director").get(f"/surveys/{survey['id']}/results").get_data(as_text=True)
    assert "<svg" in html and "Спасибо" in html and "cdn" not in html.lower()


def test_builder_pages_preview_and_copy(app, client, world, login_as):
    director = login_as("director")
    created = director.post(f"/surveys/school/{world.school}/new", data={
        "title": "Классный час", "anonymous": "1", "opens_on": "", "closes_on": "",
        "aud_class": str(world.c5), "aud_class_who": ["students", "parents"]})
    assert created.status_code == 302, created.get_data(as_text=True)
    edit_url = created.headers["Location"]
    survey_id = int(edit_url.rstrip("/").split("/")[-1])
    bad = director.post(f"/surveys/{survey_id}/questions", data={"kind": "single", "text": "Один вариант",
                                                                 "options": "только один"})
    assert bad.status_code == 400
    assert director.post(f"/surveys/{survey_id}/sections", data={"title": "Раздел 1"}).status_code == 302
    for text, kind, options, rows in (("Оценка", "scale5", "", ""), ("Таблица", "matrix", "Да\nНет", "А\nБ"),
                                      ("Выбор", "single", "Один\nДва", "")):
        assert director.post(f"/surveys/{survey_id}/questions", data={
            "kind": kind, "text": text, "options": options, "rows": rows, "required": "1"}).status_code == 302
    html = director.get(f"/surveys/{survey_id}/preview").get_data(as_text=True)
    assert "Оценка" in html and "Таблица" in html and "Раздел 1" in html
    copied = director.post(f"/surveys/{survey_id}/copy")
    assert copied.status_code == 302
    copy_html = director.get(copied.headers["Location"]).get_data(as_text=True)
    assert "Классный час" in copy_html and "Таблица" in copy_html
    # a class of another school is refused as an audience
    other_bad = director.post(f"/surveys/school/{world.school}/new", data={
        "title": "x", "aud_class": "99999", "aud_class_who": "students"})
    assert other_bad.status_code == 400


def test_anonymous_answers_cannot_be_traced_to_a_person(app, client, world, api_token, login_as):
    from eschool.plugin_api import db
    from eschool_surveys.models import Answer, Participation, Response

    names = _parents(app, world, 5)
    director = api_token("director")
    survey = _create(client, director, world)
    for i, name in enumerate(names + ["parent"]):
        answer = client.post(f"/api/v1/surveys/{survey['id']}/responses",
                             json={"answers": _answers(survey, text=f"Текст{i}")}, headers=api_token(name))
        assert answer.status_code == 201 and set(answer.get_json()) == {"survey_id", "accepted"}
    with app.app_context():
        # the schema itself: the response and the answer name no person, no participation and no time
        for model in (Response, Answer):
            columns = {c.name for c in db.get_columns(model._meta.table_name)}
            assert not columns & {"user_id", "participation_id", "student_id", "child", "created_at",
                                  "submitted_at", "updated_at"}, columns
            foreign = {fk.dest_table for fk in db.get_foreign_keys(model._meta.table_name)}
            assert foreign <= {"surveys_survey", "surveys_response", "surveys_question"}, foreign
        parts = list(Participation.select().where(Participation.survey == survey["id"]))
        assert len(parts) == 6 and all(p.response_id is None and p.submitted_at is None for p in parts)
        ids = [r.id for r in Response.select().where(Response.survey == survey["id"])]
        assert len(ids) == 6 and max(ids) > 10**9  # random ids: no order to match with the participations
    # not via the API, not via the pages, not via the export
    assert client.get(f"/api/v1/surveys/{survey['id']}/respondents", headers=director).status_code == 404
    html = login_as("director").get(f"/surveys/{survey['id']}/results").get_data(as_text=True)
    assert "Номер000" not in html and "Родитель Первого" not in html
    import openpyxl

    data = login_as("director").get(f"/surveys/{survey['id']}/results.xlsx").data
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = [str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
    assert not any("Номер" in c or "Родитель" in c for c in cells)
    assert "Текст3" in cells  # the free texts are there, without anyone's name
    # a class of fewer than 5 answers is not shown per group
    grouped = client.get(f"/api/v1/surveys/{survey['id']}/results?class={world.c5}", headers=director).get_json()
    assert grouped["total"] == 6 and not grouped["hidden"]
    assert client.get(f"/api/v1/surveys/{survey['id']}/results?class={world.c6}",
                      headers=director).get_json()["hidden"] is True


def test_small_anonymous_group_is_hidden_named_survey_lists_people(app, client, world, api_token, login_as):
    director = api_token("director")
    anonymous = _create(client, director, world)
    client.post(f"/api/v1/surveys/{anonymous['id']}/responses", json={"answers": _answers(anonymous)},
                headers=api_token("parent"))
    hidden = client.get(f"/api/v1/surveys/{anonymous['id']}/results?class={world.c5}", headers=director).get_json()
    assert hidden["hidden"] is True and hidden["questions"] == []
    assert "Номер" not in login_as("director").get(
        f"/surveys/{anonymous['id']}/results?class={world.c5}").get_data(as_text=True)
    named = _create(client, director, world, anonymous=False)
    client.post(f"/api/v1/surveys/{named['id']}/responses", json={"answers": _answers(named, text="=SUM(A1)")},
                headers=api_token("parent"))
    people = client.get(f"/api/v1/surveys/{named['id']}/respondents", headers=director).get_json()
    assert [p["name"] for p in people] == ["Родитель Первого"]
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(login_as("director").get(f"/surveys/{named['id']}/results.xlsx").data))
    cells = [c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
    assert "'=SUM(A1)" in cells and "=SUM(A1)" not in cells and "Родитель Первого" in cells


@pytest.mark.parametrize("who", ["teacher", "classteacher", "parent", "student", "secretary"])
def test_results_and_builder_are_refused_to_those_without_the_right(app, client, world, api_token, login_as, who):
    survey = _create(client, api_token("director"), world)
    headers = api_token(who)
    assert client.get(f"/api/v1/surveys/{survey['id']}/results", headers=headers).status_code == 403
    assert client.post("/api/v1/surveys", json={"school_id": world.school, "title": "x", "audience": [
        {"kind": "school", "who": ["parents"]}]}, headers=headers).status_code == 403
    page = login_as(who)
    assert page.get(f"/surveys/{survey['id']}/results").status_code == 403
    assert page.get(f"/surveys/{survey['id']}/").status_code == 403


def test_another_schools_survey_is_refused(app, client, world, other_school, api_token, login_as):
    survey = _create(client, api_token("director"), world)
    other = api_token("director2")
    assert client.get(f"/api/v1/surveys/{survey['id']}/results", headers=other).status_code == 404
    assert client.get(f"/api/v1/surveys/{survey['id']}", headers=other).status_code == 404
    assert client.post(f"/api/v1/surveys/{survey['id']}/copy", headers=other).status_code == 404
    assert client.get(f"/api/v1/surveys?school={world.school}", headers=other).status_code == 403
    page = login_as("director2")
    assert page.get(f"/surveys/{survey['id']}/results").status_code == 404
    assert page.get(f"/surveys/{survey['id']}/results.xlsx").status_code == 404
    assert page.get(f"/surveys/{survey['id']}/").status_code == 404
    # a teacher not in the audience cannot answer a parents' survey
    answer = client.post(f"/api/v1/surveys/{survey['id']}/responses", json={"answers": _answers(survey)},
                         headers=api_token("teacher"))
    assert answer.status_code == 404
    # the municipality's operator sees its schools' results
    assert client.get(f"/api/v1/surveys/{survey['id']}/results",
                      headers=api_token("municipal")).status_code == 200


def test_municipal_survey_of_all_parents_side_by_side_and_reminders(app, client, world, other_school, api_token):
    from eschool.notifications.models import Notification as InboxEntry

    names = _parents(app, world, 5)
    operator = api_token("municipal")
    body = {"municipality_id": world.municipality, "title": "Муниципальный опрос", "anonymous": True,
            "audience": [{"kind": "municipality", "who": ["parents"]}], "sections": SECTIONS[:1]}
    created = client.post("/api/v1/surveys", json=body, headers=operator)
    assert created.status_code == 201, created.get_json()
    sid = created.get_json()["id"]
    assert client.post(f"/api/v1/surveys/{sid}/publish", headers=operator).get_json()["invited"] == 6
    survey = client.get(f"/api/v1/surveys/{sid}", headers=operator).get_json()
    q = survey["sections"][0]["questions"]
    for name in names:
        assert client.post(f"/api/v1/surveys/{sid}/responses", headers=api_token(name), json={"answers": {
            str(q[0]["id"]): 1, str(q[2]["id"]): 5}}).status_code == 201
    side = client.get(f"/api/v1/surveys/{sid}/schools", headers=operator).get_json()
    assert [(s["answers"], s["hidden"]) for s in side["schools"]] == [(5, False)]
    assert side["questions"][0]["rows"][0]["cells"] == [0.0, 100.0]
    # a school director may not run a municipal survey
    assert client.post("/api/v1/surveys", json=body, headers=api_token("director")).status_code == 403
    # reminders go to the one parent who has not answered
    from eschool_surveys import services

    with app.test_request_context("/"):
        before = InboxEntry.select().where(InboxEntry.user == world.user_id("parent")).count()
        assert services.remind_due() == 1
        assert InboxEntry.select().where(InboxEntry.user == world.user_id("parent")).count() == before + 1
        assert services.remind_due() == 0  # not again the same day


def test_bad_input_is_refused_with_fields(client, world, api_token):
    director = api_token("director")
    response = client.post("/api/v1/surveys", json={"school_id": world.school, "title": "x", "audience": [
        {"kind": "class", "class_id": 99999, "who": ["students"]}], "sections": [{"questions": [
            {"kind": "single", "text": "one", "options": ["only"]}]}]}, headers=director)
    assert response.status_code == 400
    fields = response.get_json()["error"]["fields"]
    assert "audience" in fields and "sections.0.questions.0.options" in fields
    survey = _create(client, director, world)
    bad = client.post(f"/api/v1/surveys/{survey['id']}/responses", json={"answers": {
        str(survey["sections"][0]["questions"][0]["id"]): 7}}, headers=api_token("parent"))
    assert bad.status_code == 400 and f"q{survey['sections'][0]['questions'][0]['id']}" in bad.get_json()["error"]["fields"]


def test_query_counts_do_not_grow_with_answers(app, client, world, api_token, login_as, count_queries):
    names = _parents(app, world, 20)
    director = api_token("director")
    survey = _create(client, director, world)
    page = login_as("director")

    def measure():
        with count_queries() as counted:
            assert page.get(f"/surveys/{survey['id']}/results").status_code == 200
        with count_queries() as api_counted:
            assert client.get(f"/api/v1/surveys/{survey['id']}/results", headers=director).status_code == 200
        return counted.count, api_counted.count

    for name in names[:2]:
        client.post(f"/api/v1/surveys/{survey['id']}/responses", json={"answers": _answers(survey)},
                    headers=api_token(name))
    few = measure()
    for name in names[2:]:
        client.post(f"/api/v1/surveys/{survey['id']}/responses", json={"answers": _answers(survey)},
                    headers=api_token(name))
    assert measure() == few


def test_parents_answer_once_per_child_when_asked_so(app, client, world, api_token, login_as):
    from eschool.people import services as people
    from eschool.people.models import Student

    with app.app_context():
        people.link_guardian(Student.get_by_id(world.students[1]), {"user_id": world.user_id("parent"),
                                                                    "relation": "mother", "legal_representative": True})
    survey = _create(client, api_token("director"), world, per_child=True,
                     audience=[{"kind": "class", "class_id": world.c5, "who": ["parents"]}])
    parent = api_token("parent")
    url = f"/api/v1/surveys/{survey['id']}/responses"
    assert client.post(url, json={"answers": _answers(survey)}, headers=parent).status_code == 400  # which child?
    mine = client.get("/api/v1/surveys/mine", headers=parent).get_json()
    assert sorted(mine[0]["pending_children"]) == sorted(world.students[:2])
    for child in world.students[:2]:
        assert client.post(url, json={"answers": _answers(survey), "child_id": child}, headers=parent).status_code == 201
    assert client.post(url, json={"answers": _answers(survey), "child_id": world.students[0]},
                       headers=parent).status_code == 409
    assert client.post(url, json={"answers": _answers(survey), "child_id": world.others[0]},
                       headers=parent).status_code == 400  # not their child
    assert client.get("/api/v1/surveys/mine", headers=parent).get_json()[0]["answered"] is True
    assert client.get(f"/api/v1/surveys/{survey['id']}/results", headers=api_token("director")).get_json()["total"] == 2
