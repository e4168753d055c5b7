"""Olympiads: the catalogue, entering students (quotas, grades), parents' consent before anything is final,
results by hand and from the organiser's file (all or nothing), moving the qualified on with the
municipality's confirmation, statistics, the portfolio on the card and in the diary; who may (through HTTP)."""
from __future__ import annotations

import io

import pytest


def _olympiad(client, headers, world, **extra):
    body = {"title": "ВсОШ по математике, школьный этап", "series": "ВсОШ", "subject": "Математика",
            "stage": "school", "grade_from": 5, "grade_to": 6, "school_id": world.school, "max_score": 50,
            "passing_score": 30, "starts_on": world.today.isoformat(), "place": "Кабинет 21", **extra}
    response = client.post("/api/v1/olympiads", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _nominate(client, headers, olympiad_id, ids):
    return client.post(f"/api/v1/olympiads/{olympiad_id}/registrations", json={"student_ids": ids}, headers=headers)


@pytest.fixture
def other_school(app, world):
    from eschool.auth import services as auth
    from eschool.structure import services as structure
    from eschool.structure.models import Municipality

    with app.app_context():
        ext = app.extensions["eschool"]
        school = structure.create_school(Municipality.get_by_id(world.municipality), "Школа № 2", "Школа № 2")
        for username, role in (("director2", "director"), ("teacher2", "subject_teacher")):
            user = auth.create_user(username, username, password="demo-2026", must_change_password=False)
            auth.grant_role(user, role, school=school, allowed_roles=ext.roles)
        return school.id


def test_enter_consent_result_and_portfolio(app, client, world, api_token, login_as):
    director, teacher, parent = api_token("director"), api_token("teacher"), api_token("parent")
    olympiad = _olympiad(client, director, world, quota=3)
    assert client.get("/api/v1/olympiads", headers=api_token("student")).get_json()[0]["title"].startswith("ВсОШ")
    # a teacher enters students; the quota holds; no one twice
    entered = _nominate(client, teacher, olympiad["id"], world.students[:2])
    assert entered.status_code == 201 and all(not r["final"] for r in entered.get_json())
    assert _nominate(client, teacher, olympiad["id"], world.students[2:4]).status_code == 409  # quota 3
    assert _nominate(client, teacher, olympiad["id"], world.students[:1]).status_code == 409  # already there
    assert client.post(f"/api/v1/olympiads/{olympiad['id']}/registrations", json={"student_ids": [world.students[2]]},
                       headers=api_token("parent")).status_code == 403  # a parent does not nominate
    own, other = entered.get_json()
    # nothing is final (no result) before the parent's consent; only the child's parent consents
    assert client.put(f"/api/v1/olympiads/registrations/{own['id']}/result", json={"score": 40, "result": "winner"},
                      headers=director).status_code == 409
    assert client.post(f"/api/v1/olympiads/registrations/{other['id']}/consent", headers=parent).status_code == 404
    consented = client.post(f"/api/v1/olympiads/registrations/{own['id']}/consent", headers=parent)
    assert consented.status_code == 200 and consented.get_json()["final"] is True
    # the organiser records results; a teacher may not
    assert client.put(f"/api/v1/olympiads/registrations/{own['id']}/result", json={"score": 40, "result": "winner"},
                      headers=teacher).status_code == 403
    assert client.put(f"/api/v1/olympiads/registrations/{own['id']}/result", json={"score": 99, "result": "winner"},
                      headers=director).status_code == 400  # above the maximum
    done = client.put(f"/api/v1/olympiads/registrations/{own['id']}/result", json={"score": 40, "result": "winner"},
                      headers=director)
    assert done.status_code == 200 and done.get_json()["result"] == "winner"
    # the portfolio: the API, the student card, the diary of the student and of the parent
    results = client.get(f"/api/v1/olympiads/students/{world.students[0]}/results", headers=parent).get_json()
    assert [(r["score"], r["result"]) for r in results] == [(40.0, "winner")]
    assert client.get(f"/api/v1/olympiads/students/{world.students[1]}/results", headers=parent).status_code == 404
    card = login_as("classteacher").get(f"/school/{world.school}/students/{world.students[0]}")
    assert card.status_code == 200 and "ВсОШ по математике" in card.get_data(as_text=True)
    for who in ("parent", "student"):
        diary = login_as(who).get(f"/diary?date={world.today.isoformat()}").get_data(as_text=True)
        assert "ВсОШ по математике" in diary, who
    mine = login_as("parent").get("/olympiads/my").get_data(as_text=True)
    assert "ВсОШ по математике" in mine


def test_import_is_all_or_nothing_and_names_lines(app, client, world, api_token):
    from eschool_olympiads.models import Registration

    director, teacher = api_token("director"), api_token("teacher")
    olympiad = _olympiad(client, director, world)
    regs = _nominate(client, teacher, olympiad["id"], world.students[:3]).get_json()
    with app.app_context():
        Registration.update(consent_at=Registration.created_at).execute()
    bad = (f"Регистрация;Балл;Статус\n{regs[0]['id']};45;победитель\n{regs[1]['id']};сорок;участник\n"
           f"99999;10;участник\n")
    response = client.post(f"/api/v1/olympiads/{olympiad['id']}/results/import", headers=director,
                           data={"file": (io.BytesIO(bad.encode()), "results.csv")}, content_type="multipart/form-data")
    assert response.status_code == 400
    fields = response.get_json()["error"]["fields"]
    assert "line 3: score" in fields and "line 4: registration" in fields
    with app.app_context():
        assert Registration.select().where(Registration.score.is_null(False)).count() == 0  # nothing imported
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["registration", "score", "result"])
    for reg, score, result in zip(regs, (45, 31, 12), ("winner", "prize_winner", "participant"), strict=True):
        book.active.append([reg["id"], score, result])
    buffer = io.BytesIO()
    book.save(buffer)
    good = client.post(f"/api/v1/olympiads/{olympiad['id']}/results/import", headers=director,
                       data={"file": (io.BytesIO(buffer.getvalue()), "results.xlsx")},
                       content_type="multipart/form-data")
    assert good.status_code == 200 and good.get_json() == {"imported": 3}
    assert client.post(f"/api/v1/olympiads/{olympiad['id']}/results/import", headers=teacher,
                       data={"file": (io.BytesIO(bad.encode()), "r.csv")},
                       content_type="multipart/form-data").status_code == 403


def test_the_qualified_move_on_with_the_municipalitys_confirmation(app, client, world, api_token, login_as):
    from eschool_olympiads.models import Registration

    director, operator = api_token("director"), api_token("municipal")
    municipal = client.post("/api/v1/olympiads", headers=operator, json={
        "title": "ВсОШ по математике, муниципальный этап", "subject": "Математика", "stage": "municipal",
        "grade_from": 5, "grade_to": 11, "municipality_id": world.municipality}).get_json()
    assert client.post("/api/v1/olympiads", headers=director, json={
        "title": "x", "subject": "x", "municipality_id": world.municipality}).status_code == 403
    olympiad = _olympiad(client, director, world, next_stage_id=municipal["id"])
    regs = _nominate(client, api_token("teacher"), olympiad["id"], world.students[:3]).get_json()
    with app.app_context():
        Registration.update(consent_at=Registration.created_at).execute()
    for reg, score in zip(regs, (45, 30, 12), strict=True):
        client.put(f"/api/v1/olympiads/registrations/{reg['id']}/result", json={"score": score, "result": "participant"},
                   headers=director)
    assert client.post(f"/api/v1/olympiads/{olympiad['id']}/promote", headers=director).status_code == 403
    assert client.post(f"/api/v1/olympiads/{olympiad['id']}/promote", headers=operator).get_json() == {"moved": 2}
    moved = client.get(f"/api/v1/olympiads/{municipal['id']}/registrations", headers=operator).get_json()
    assert sorted(r["student_id"] for r in moved) == sorted(world.students[:2]) and all(r["final"] for r in moved)
    assert client.post(f"/api/v1/olympiads/{olympiad['id']}/promote", headers=operator).get_json() == {"moved": 0}
    page = login_as("municipal").get(f"/olympiads/{olympiad['id']}").get_data(as_text=True)
    assert "Confirm" in page or "Подтвердить" in page


def test_statistics_ranked_and_exported(app, client, world, other_school, api_token, login_as):
    from eschool_olympiads.models import Registration

    director = api_token("director")
    olympiad = _olympiad(client, director, world)
    regs = _nominate(client, api_token("teacher"), olympiad["id"], world.students[:2]).get_json()
    with app.app_context():
        Registration.update(consent_at=Registration.created_at).execute()
    client.put(f"/api/v1/olympiads/registrations/{regs[0]['id']}/result", json={"score": 45, "result": "winner"},
               headers=director)
    rows = client.get("/api/v1/olympiads/stats?by=school", headers=api_token("municipal")).get_json()
    assert rows[0]["label"] == "Тестовая школа" and rows[0]["winners"] == 1 and rows[0]["participants"] == 2
    by_grade = client.get("/api/v1/olympiads/stats?by=grade", headers=director).get_json()
    assert by_grade[0]["key"] == 5
    assert client.get("/api/v1/olympiads/stats", headers=api_token("student")).status_code == 403
    assert client.get("/api/v1/olympiads/stats", headers=api_token("director2")).get_json() == []  # its own school
    page = login_as("municipal")
    html = page.get("/olympiads/stats?by=school").get_data(as_text=True)
    assert "<svg" in html and "Тестовая школа" in html
    export = page.get("/olympiads/stats?format=xlsx&by=subject")
    assert export.status_code == 200 and export.data[:2] == b"PK"


def test_another_schools_olympiad_and_students_are_refused(app, client, world, other_school, api_token, login_as):
    olympiad = _olympiad(client, api_token("director"), world)
    other = api_token("director2")
    assert client.get(f"/api/v1/olympiads/{olympiad['id']}", headers=other).status_code == 404
    assert login_as("director2").get(f"/olympiads/{olympiad['id']}").status_code == 404
    assert client.get(f"/api/v1/olympiads/students/{world.students[0]}/results", headers=other).status_code == 404
    # a teacher of another school cannot enter this school's students into a region-wide olympiad
    region = client.post("/api/v1/olympiads", headers=api_token("region"), json={
        "title": "Региональная олимпиада", "subject": "Физика", "stage": "regional", "grade_from": 5,
        "grade_to": 11}).get_json()
    assert _nominate(client, api_token("teacher2"), region["id"], world.students[:1]).status_code == 404
    assert _nominate(client, api_token("teacher"), region["id"], world.students[:1]).status_code == 201


def test_students_apply_themselves_only_where_allowed(client, world, api_token, login_as):
    director, student = api_token("director"), api_token("student")
    closed = _olympiad(client, director, world)
    assert client.post(f"/api/v1/olympiads/{closed['id']}/registrations", json={},
                       headers=student).status_code == 403
    tomorrow = world.today.replace(year=world.today.year + 1).isoformat()
    open_ = _olympiad(client, director, world, title="Знатоки края", subject="Краеведение", self_apply=True,
                      starts_on=tomorrow)
    page = login_as("student")
    assert "Знатоки края" in page.get("/olympiads/my").get_data(as_text=True)
    assert page.post("/olympiads/my", data={"olympiad_id": open_["id"]}).status_code == 302
    regs = client.get(f"/api/v1/olympiads/{open_['id']}/registrations", headers=director).get_json()
    assert [r["self_applied"] for r in regs] == [True]


def test_bad_input_is_refused_with_fields(client, world, api_token):
    director = api_token("director")
    response = client.post("/api/v1/olympiads", headers=director, json={
        "title": "", "subject": "Математика", "grade_from": 9, "grade_to": 5, "school_id": world.school})
    assert response.status_code == 400 and "title" in response.get_json()["error"]["fields"]
    response = client.post("/api/v1/olympiads", headers=director, json={
        "title": "x", "subject": "Математика", "grade_from": 9, "grade_to": 5, "school_id": world.school})
    assert response.status_code == 400 and "grade_to" in response.get_json()["error"]["fields"]
    olympiad = _olympiad(client, director, world, grade_from=7, grade_to=11)
    wrong_grade = _nominate(client, api_token("teacher"), olympiad["id"], world.students[:1])
    assert wrong_grade.status_code == 400 and "student_ids" in wrong_grade.get_json()["error"]["fields"]


def test_query_counts_do_not_grow_with_participants(app, client, world, api_token, login_as, count_queries):
    from eschool.school.models import ClassGroup
    from eschool.structure.models import School
    from eschool.testing.world import enrol_students
    from eschool_olympiads.models import Registration

    with app.test_request_context("/"):
        school, group = School.get_by_id(world.school), ClassGroup.get_by_id(world.c5)
        extra = [s.id for s in enrol_students(school, group, 14, world.today, start=40)]
    director = api_token("director")
    olympiad = _olympiad(client, director, world)
    teacher = api_token("teacher")
    page = login_as("director")
    mun = login_as("municipal")

    def measure():
        with app.app_context():
            Registration.update(consent_at=Registration.created_at, score=20, result="participant").execute()
        counts = []
        for client_, url in ((page, f"/olympiads/{olympiad['id']}"), (page, "/olympiads/"),
                             (mun, "/olympiads/stats"), (page, "/olympiads/teacher")):
            with count_queries() as counted:
                assert client_.get(url).status_code == 200, url
            counts.append(counted.count)
        with count_queries() as counted:
            assert client.get(f"/api/v1/olympiads/{olympiad['id']}/registrations", headers=teacher).status_code == 200
        return counts + [counted.count]

    _nominate(client, teacher, olympiad["id"], world.students[:2])
    few = measure()
    _nominate(client, teacher, olympiad["id"], world.students[2:] + extra)
    assert measure() == few
