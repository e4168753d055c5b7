"""Final marks, closing periods, the class period report and the rates per school, through the real routes.

The school is ``tests/journal_setup.py``'s: ``teacher`` teaches Математика in 5А (Анна, Борис, Вера),
``other`` Математика in 6Б, ``classteacher`` is 5А's class teacher. Period 1 ended three days ago.
Marks go in through the journal's own ``set_mark``: Анна 5 (oral, weight 1), 3 (test, weight 2) and
4 (independent work, weight 1.5) -> (5 + 6 + 6) / 4.5 = 3.78 -> 4; Борис one 2 -> 2 (fewer than 3 marks).
"""
import datetime as dt

import pytest

from eschool.auth.models import User
from tests.conftest import bearer, login
from tests.journal_setup import build_journal_school
from tests.probe_plugin import Probe


def _work_type(school, code):
    from eschool.journal import services

    return next(w for w in services.work_types(school) if w.code == code)


def _lesson(j, days_ago):
    from eschool.journal import services
    from eschool.journal.models import Lesson

    day = j["today"] - dt.timedelta(days=days_ago)
    services.ensure_lessons(j["c5"], day, day)
    lesson = Lesson.get_or_none((Lesson.class_group == j["c5"]) & (Lesson.date == day) & (Lesson.subject == j["maths"]))
    if lesson is None:  # a weekend: add it by hand
        lesson = services.add_lesson(j["teacher"], j["c5"], {"subject_id": j["maths"].id, "date": day, "number": 2})
    return lesson


def build(app, school):
    """The journal school with period 1's marks put in through the journal's services."""
    from eschool.journal import services
    from eschool.school.models import Period

    with app.test_request_context("/"):
        j = build_journal_school(app, school)
        teacher = j["teacher"]
        for days_ago, value, code in ((5, "5", "oral"), (4, "3", "test"), (3, "4", "independent")):
            lesson = _lesson(j, days_ago)
            services.set_mark(teacher, lesson, j["anna"], 0, value, work_type_id=_work_type(school, code).id)
        services.set_mark(teacher, _lesson(j, 4), j["boris"], 0, "2", work_type_id=_work_type(school, "oral").id)
        periods = list(Period.select().where(Period.academic_year == j["year"]).order_by(Period.number))
        j["p1"], j["p2"] = periods
    return j


@pytest.fixture
def j(app, demo):
    return build(app, demo["school"])


def url(j, kind="period", period=None):
    base = f"/api/v1/schools/{j['school'].id}/classes/{j['c5'].id}/subjects/{j['maths'].id}/final-marks"
    return base + (f"?kind={kind}" + (f"&period_id={period.id}" if period else ""))


def put(client, j, headers, student, value, version=None, kind="period", period="p1"):
    body = {"student_id": j[student].id, "kind": kind, "value": value, "version": version}
    if kind == "period":
        body["period_id"] = j[period].id
    return client.put(url(j).split("?")[0], json=body, headers=headers)


def test_the_teacher_sees_each_students_weighted_average_and_suggestion(client, j):
    response = client.get(url(j, period=j["p1"]), headers=bearer(client, "teacher"))
    assert response.status_code == 200, response.get_json()
    sheet = response.get_json()
    rows = {r["student"].split()[1]: r for r in sheet["rows"]}
    assert sheet["can_edit"] and sheet["ended"] and not sheet["closed"]
    assert rows["Анна"]["average"] == 3.78 and rows["Анна"]["suggestion"] == "4"
    assert rows["Анна"]["marks_counted"] == 3 and not rows["Анна"]["few_marks"]
    assert rows["Борис"]["average"] == 2.0 and rows["Борис"]["suggestion"] == "2" and rows["Борис"]["few_marks"]
    assert rows["Вера"]["average"] is None and rows["Вера"]["suggestion"] is None
    # the period that goes on: the suggestion is a forecast
    assert client.get(url(j, period=j["p2"]), headers=bearer(client, "teacher")).get_json()["ended"] is False


def test_final_marks_are_set_audited_and_a_stale_edit_is_refused(app, client, j):
    headers = bearer(client, "teacher")
    first = put(client, j, headers, "anna", "4")
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["value"] == "4" and first.get_json()["version"] == 1
    # a second tab that also started from the empty cell is refused with what is there now
    stale = put(client, j, headers, "anna", "5")
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    assert error["code"] == "stale" and error["current"]["value"] == "4" and error["current"]["version"] == 1
    changed = put(client, j, headers, "anna", "5", version=1)
    assert changed.status_code == 200 and changed.get_json()["version"] == 2
    assert put(client, j, headers, "anna", "5", version=1).status_code == 409  # version 1 is gone
    assert put(client, j, headers, "anna", "", version=2).status_code == 204
    assert put(client, j, headers, "anna", "7").status_code == 400  # not a final mark
    with app.app_context():
        from eschool.people.models import AuditEntry

        log = [(e.old_value, e.new_value) for e in AuditEntry.select().where(AuditEntry.record == "final_mark")
               .order_by(AuditEntry.id)]
        actors = {e.actor_id for e in AuditEntry.select().where(AuditEntry.record == "final_mark")}
    assert log == [(None, "4"), ("4", "5"), ("5", None)]
    assert actors == {j["teacher"].id}


def test_only_the_subjects_teacher_sets_final_marks(client, j):
    other = bearer(client, "other")  # teaches Математика, but in 6Б
    assert put(client, j, other, "anna", "4").status_code == 403
    assert client.get(url(j, period=j["p1"]), headers=other).status_code == 403
    classteacher = bearer(client, "classteacher")  # reads the class's sheet, does not set the marks
    assert client.get(url(j, period=j["p1"]), headers=classteacher).status_code == 200
    assert put(client, j, classteacher, "anna", "4").status_code == 403
    for name in ("student", "parent", "municipal"):
        assert put(client, j, bearer(client, name), "anna", "4").status_code == 403
    assert put(client, j, bearer(client, "teacher"), "anna", "4").status_code == 200


def test_final_marks_on_the_page_as_a_plain_form(app, j):
    page = f"/school/{j['school'].id}/results/classes/{j['c5'].id}/final-marks?subject={j['maths'].id}&period={j['p1'].id}"
    other = app.test_client()
    login(other, "other")
    assert other.get(page).status_code == 403
    assert other.post(page, data={f"value_{j['anna'].id}": "5", f"was_{j['anna'].id}": ""}).status_code == 403
    teacher = app.test_client()
    login(teacher, "teacher")
    html = teacher.get(page, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "3.78" in html and "fewer than 3 marks" in html
    saved = teacher.post(page, data={f"value_{j['anna'].id}": "4", f"was_{j['anna'].id}": "",
                                     f"version_{j['anna'].id}": "", f"value_{j['boris'].id}": "2",
                                     f"was_{j['boris'].id}": "", f"version_{j['boris'].id}": ""})
    assert saved.status_code == 302
    # the same form sent again (from a tab opened before the save) is refused, the row named
    again = teacher.post(page, data={f"value_{j['anna'].id}": "5", f"was_{j['anna'].id}": "",
                                     f"version_{j['anna'].id}": ""}, headers={"Accept-Language": "en"})
    assert again.status_code == 409 and "Changed in the meantime" in again.get_data(as_text=True)
    with app.app_context():
        from eschool.journal.models import FinalMark

        assert sorted(m.value for m in FinalMark.select()) == ["2", "4"]


def test_the_teacher_accepts_the_suggested_marks_in_one_go(app, j):
    """One button instead of a dropdown per student: each student without a final mark gets the suggestion;
    a forecast from fewer than three marks is left to the teacher; the average in the locale's decimals."""
    from eschool.journal.models import FinalMark

    page = f"/school/{j['school'].id}/results/classes/{j['c5'].id}/final-marks?subject={j['maths'].id}&period={j['p1'].id}"
    accept = page.replace("/final-marks?", "/final-marks/accept?")
    for name in ("other", "classteacher", "parent"):  # not the subject's teacher here: refused, nothing set
        client = app.test_client()
        login(client, name)
        assert client.post(accept).status_code == 403, name
    teacher = app.test_client()
    login(teacher, "teacher")
    html = teacher.get(page).get_data(as_text=True)
    assert "3,78" in html and "3.78" not in html and "Принять предложенные отметки" in html
    done = teacher.post(accept, follow_redirects=True).get_data(as_text=True)
    assert "Принято: 1 итоговая отметка" in done and "решите сами: Быков Борис" in done.replace("\xa0", " ")
    with app.app_context():
        assert [(m.student_id, m.value) for m in FinalMark.select()] == [(j["anna"].id, "4")]
        FinalMark.update(value="5").execute()  # the teacher changed it: accepting again keeps it
    teacher.post(accept)
    with app.app_context():
        assert [(m.student_id, m.value) for m in FinalMark.select()] == [(j["anna"].id, "5")]


def test_the_year_mark_is_suggested_from_the_period_marks_and_exams_are_set(client, j):
    headers = bearer(client, "teacher")
    assert put(client, j, headers, "anna", "4").status_code == 200
    assert put(client, j, headers, "anna", "3", period="p2").status_code == 200
    assert put(client, j, headers, "boris", "3").status_code == 200
    year = client.get(url(j, kind="year"), headers=headers).get_json()
    rows = {r["student"].split()[1]: r for r in year["rows"]}
    assert rows["Анна"]["periods"] == {str(j["p1"].id): "4", str(j["p2"].id): "3"}
    assert rows["Анна"]["average"] == 3.5 and rows["Анна"]["suggestion"] == "4"  # 3.50 rounds up
    assert rows["Борис"]["suggestion"] == "3" and rows["Вера"]["suggestion"] is None
    assert put(client, j, headers, "anna", "4", kind="year").status_code == 200
    assert put(client, j, headers, "anna", "5", kind="exam").status_code == 200
    exam = client.get(url(j, kind="exam"), headers=headers).get_json()
    assert [r["final"]["value"] for r in exam["rows"] if r["final"]] == ["5"]


def test_the_deputy_closes_and_reopens_a_period_and_a_teacher_cannot(make_app, probe):
    from eschool.journal import services as journal
    from eschool.school.services import SchoolError
    from eschool_demo.demo import build_demo

    class PeriodProbe(Probe):
        from eschool import hookimpl

        @hookimpl
        def eschool_on_period_closed(self, period, actor, scope):
            self.calls.append(("period_closed", period))

    listener = PeriodProbe()
    app = make_app(extra_plugins=[("probe", listener)])
    with app.app_context():
        school = build_demo(log=lambda *_: None, school_year=False)["school"]
    j = build(app, school)
    client = app.test_client()
    close = f"/api/v1/schools/{school.id}/periods/{j['p1'].id}/close"
    reopen = f"/api/v1/schools/{school.id}/periods/{j['p1'].id}/reopen"
    for name in ("teacher", "classteacher", "student"):
        assert client.post(close, headers=bearer(client, name)).status_code == 403
    teacher_page = app.test_client()
    login(teacher_page, "teacher")
    assert teacher_page.post(f"/school/{school.id}/results/periods/{j['p1'].id}/close").status_code == 403
    deputy = bearer(client, "deputy")
    closed = client.post(close, headers=deputy)
    assert closed.status_code == 200 and closed.get_json()["closed"] is True
    assert [p.id for p in listener.called("period_closed")] == [j["p1"].id]
    assert client.post(close, headers=deputy).status_code == 409  # closed already
    teacher = bearer(client, "teacher")
    refused = put(client, j, teacher, "anna", "4")
    assert refused.status_code == 409 and "period_id" in refused.get_json()["error"]["fields"]
    with app.test_request_context("/"):  # the journal refuses marks in the closed period too
        with pytest.raises(SchoolError) as info:
            journal.set_mark(User.get(User.username == "teacher"), _lesson(j, 3), j["vera"], 0, "5")
        assert info.value.conflict
    assert client.post(reopen, headers=teacher).status_code == 403
    assert teacher_page.post(f"/school/{school.id}/results/periods/{j['p1'].id}/reopen").status_code == 403
    assert client.post(reopen, headers=deputy).status_code == 200
    assert put(client, j, teacher, "anna", "4").status_code == 200
    with app.app_context():
        from eschool.people.models import AuditEntry

        assert [(e.old_value, e.new_value) for e in AuditEntry.select().where(AuditEntry.record == "period")
                .order_by(AuditEntry.id)] == [("False", "True"), ("True", "False")]
    # the deputy's page: the periods with their buttons
    page = app.test_client()
    login(page, "deputy")
    assert page.post(f"/school/{school.id}/results/periods/{j['p1'].id}/close").status_code == 302
    assert "Reopen" in page.get(f"/school/{school.id}/results", headers={"Accept-Language": "en"}).get_data(
        as_text=True)


def report_url(j, kind="period"):
    base = f"/api/v1/schools/{j['school'].id}/classes/{j['c5'].id}/report"
    return base + (f"?period_id={j['p1'].id}" if kind == "period" else "?kind=year")


def test_the_class_report_shows_marks_or_suggestions_and_the_rates(client, j):
    teacher = bearer(client, "teacher")
    assert put(client, j, teacher, "anna", "5").status_code == 200  # Борис keeps his suggestion, a 2
    report = client.get(report_url(j), headers=bearer(client, "classteacher"))
    assert report.status_code == 200, report.get_json()
    body = report.get_json()
    maths = str(j["maths"].id)
    marks = {s["name"].split()[1]: s["marks"] for s in body["students"]}
    assert marks["Анна"][maths] == {"value": "5", "suggested": False}
    assert marks["Борис"][maths] == {"value": "2", "suggested": True}
    assert maths not in marks["Вера"]  # no marks, nothing to suggest
    assert body["provisional"] is True
    subject = next(s for s in body["subjects"] if s["id"] == j["maths"].id)
    # two students assessed: Анна (5) passes with quality, Борис (2) fails
    assert subject["rates"] == {"students": 2, "passed": 1, "good": 1, "pass_rate": 50.0, "quality_rate": 50.0}
    assert body["rates"]["pass_rate"] == 50.0
    for name in ("deputy", "director", "admin"):
        assert client.get(report_url(j), headers=bearer(client, name)).status_code == 200
    year = client.get(report_url(j, "year"), headers=bearer(client, "classteacher")).get_json()
    assert {s["name"].split()[1]: s["marks"].get(maths) for s in year["students"]}["Анна"] == {
        "value": "5", "suggested": True}


def test_the_class_report_is_refused_to_others_and_the_operator_sees_only_rates(app, client, j):
    for name in ("teacher", "other", "student", "parent", "municipal", "region"):
        assert client.get(report_url(j), headers=bearer(client, name)).status_code == 403, name
    page = f"/school/{j['school'].id}/results/classes/{j['c5'].id}/report?period={j['p1'].id}"
    operator = app.test_client()
    login(operator, "municipal")
    assert operator.get(page).status_code == 403
    teacher = app.test_client()
    login(teacher, "teacher")
    assert teacher.get(page).status_code == 403
    classteacher = app.test_client()
    login(classteacher, "classteacher")
    html = classteacher.get(page, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Аксёнова Анна" in html and "Pass rate" in html
    # the operator's own view: rates per school, no student
    assert put(client, j, bearer(client, "teacher"), "anna", "5").status_code == 200
    assert put(client, j, bearer(client, "teacher"), "boris", "2").status_code == 200
    with app.app_context():
        from eschool.structure.models import Municipality

        code = Municipality.get_by_id(j["school"].municipality_id).code
    rates = client.get(f"/api/v1/municipalities/{code}/results?kind=quarter&number=1", headers=bearer(client, "municipal"))
    assert rates.status_code == 200
    row = next(r for r in rates.get_json() if r["school_id"] == j["school"].id)
    assert row["rates"] == {"students": 2, "passed": 1, "good": 1, "pass_rate": 50.0, "quality_rate": 50.0}
    assert "Аксёнова" not in rates.get_data(as_text=True)
    html = operator.get(f"/results/municipalities/{code}?kind=quarter&number=1").get_data(as_text=True)
    assert "50,0" in html and "Аксёнова" not in html  # the rates in the user's locale: a comma in Russian
    english = operator.get(f"/results/municipalities/{code}?kind=quarter&number=1", headers={"Accept-Language": "en"})
    assert "50.0" in english.get_data(as_text=True)
    assert put(client, j, bearer(client, "teacher"), "anna", "4", kind="year").status_code == 200
    year = client.get(f"/api/v1/municipalities/{code}/results?kind=year", headers=bearer(client, "municipal"))
    assert next(r for r in year.get_json() if r["school_id"] == j["school"].id)["rates"]["quality_rate"] == 100.0
    for name in ("teacher", "deputy", "director"):
        assert client.get(f"/api/v1/municipalities/{code}/results", headers=bearer(client, name)).status_code == 403


def test_the_sheet_and_the_report_run_the_same_number_of_queries_for_few_and_many(app, client, j):
    from playhouse.test_utils import count_queries

    from eschool.journal import services as journal
    from eschool.people import services as people
    from eschool.structure import services as structure
    from eschool.structure.models import Municipality

    with app.app_context():
        municipality = Municipality.get_by_id(j["school"].municipality_id)
    headers = {"teacher": bearer(client, "teacher"), "classteacher": bearer(client, "classteacher"),
               "municipal": bearer(client, "municipal")}
    urls = [("teacher", url(j, period=j["p1"])), ("teacher", url(j, kind="year")),
            ("classteacher", report_url(j)), ("classteacher", report_url(j, "year")),
            ("municipal", f"/api/v1/municipalities/{municipality.code}/results?kind=quarter&number=1")]

    def counts():
        result = {}
        for who, address in urls:
            with app.app_context(), count_queries() as counter:
                assert client.get(address, headers=headers[who]).status_code == 200
            result[address] = counter.count
        return result

    counts()  # the first use of a token records it (one more query): warm up
    few = counts()
    with app.test_request_context("/"):
        card = {"middle_name": "", "birth_date": dt.date(2015, 1, 1), "gender": "m", "document_kind": "birth_certificate",
                "document_number": "", "snils": "", "address": ""}
        teacher = User.get(User.username == "teacher")
        for i in range(6):
            student = people.enrol(j["school"], {**card, "last_name": f"Новиков{i}", "first_name": "Иван",
                                                 "date": j["year"].starts_on, "order_number": "2-у",
                                                 "class_id": j["c5"].id})
            for days_ago in (3, 4, 5):
                journal.set_mark(teacher, _lesson(j, days_ago), student, 0, "4")
    for i, name in enumerate(("anna", "boris")):
        put(client, j, headers["teacher"], name, str(4 - i))
    with app.app_context():
        for i in range(3):
            structure.create_school(municipality, f"Школа №{i + 10}", f"Школа №{i + 10}")
    many = counts()
    assert all(n > 0 for n in few.values()) and many == few


def test_another_municipalitys_operator_is_refused_and_the_index_lists_what_each_may_open(app, client, j):
    from eschool.auth import services as auth
    from eschool.structure.models import Municipality

    with app.app_context():
        home = Municipality.get_by_id(j["school"].municipality_id)
        other = Municipality.select().where(Municipality.id != home.id).first()
        stranger = auth.create_user("stranger", "Оператор Другой", password="demo-2026", must_change_password=False)
        auth.grant_role(stranger, "municipal_operator", municipality=other,
                        allowed_roles=app.extensions["eschool"].roles)
        code = home.code
    assert client.get(f"/api/v1/municipalities/{code}/results", headers=bearer(client, "stranger")).status_code == 403
    assert client.get(f"/api/v1/municipalities/{code}/results", headers=bearer(client, "region")).status_code == 200
    index = f"/school/{j['school'].id}/results"
    teacher = app.test_client()
    login(teacher, "teacher")
    html = teacher.get(index, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Математика" in html and "Class period reports" not in html and "Reopen" not in html
    classteacher = app.test_client()
    login(classteacher, "classteacher")
    html = classteacher.get(index, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Class period reports" in html and f"/classes/{j['c5'].id}/report" in html
    assert f"/classes/{j['c6'].id}/report" not in html
    for name in ("student", "parent", "secretary"):
        other_client = app.test_client()
        login(other_client, name)
        assert other_client.get(index).status_code == 403, name
