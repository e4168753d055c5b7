"""The reports registry (issue 17): every report a page, an XLSX and a PDF from one definition, each
opened by its permission; the core's reports and a plugin's (oversight's journal filling) through the
``eschool_report_types`` hook."""
import datetime as dt
import io

import openpyxl
import pytest

from eschool.exports.pdf import pdf_available
from eschool.testing import PASSWORD, build_world, login

SCHOOL_REPORTS = {"attendance", "progress", "parallel", "subjects", "teachers", "at_risk", "summary_sheet",
                  "class_journal", "movement", "activity", "oversight.filling"}


@pytest.fixture
def school(app):
    """The kit's world with lessons from the timetable over the last weeks and a few absences in 5А:
    the first student ill on the two latest lessons, the second absent without a reason once and late once."""
    from eschool.journal.models import Attendance, Lesson
    from eschool.journal.services import ensure_lessons
    from eschool.school.models import ClassGroup

    world = build_world(app)
    with app.app_context():
        for class_id in (world.c5, world.c6):
            ensure_lessons(ClassGroup.get_by_id(class_id), world.today - dt.timedelta(days=25), world.today)
        lessons = list(Lesson.select().where((Lesson.class_group == world.c5) & (Lesson.date <= world.today)
                                             & (Lesson.date >= world.today - dt.timedelta(days=25)))
                       .order_by(Lesson.date.desc()))
        first, second = world.students[:2]
        Attendance.create(lesson=lessons[0], student=first, kind="ill")
        Attendance.create(lesson=lessons[1], student=first, kind="ill")
        Attendance.create(lesson=lessons[0], student=second, kind="absent")
        Attendance.create(lesson=lessons[1], student=second, kind="late", minutes_late=5)
    return world


def _period(app, world):
    from eschool.school.models import Period

    with app.app_context():
        return next(p.id for p in Period.select().where(Period.academic_year == world.year)
                    if p.starts_on <= world.today <= p.ends_on)


def _sheets(data: bytes) -> dict:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in book.worksheets}


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_administration_opens_every_school_report_as_a_page_xlsx_and_pdf(app, school, login_as):
    admin = login_as("deputy")
    listing = admin.get(f"/school/{school.school}/reports/")
    assert listing.status_code == 200
    for key in SCHOOL_REPORTS:
        assert f"/reports/{key}" in listing.get_data(as_text=True), key
        page = admin.get(f"/school/{school.school}/reports/{key}")
        assert page.status_code == 200, (key, page.status_code)
        if key in ("summary_sheet", "class_journal", "parallel"):
            assert "format=pdf" not in page.get_data(as_text=True)  # the class (the grade) comes first
            key += f"?class_id={school.c5}" if key != "parallel" else "?grade=5"
            page = admin.get(f"/school/{school.school}/reports/{key}")
        sep = "&" if "?" in key else "?"
        xlsx = admin.get(f"/school/{school.school}/reports/{key}{sep}format=xlsx")
        assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet"), key
        sheets = _sheets(xlsx.data)
        title = next(iter(sheets.values()))[0][0]  # the report's title heads the first sheet
        assert title and sum(len(rows) for rows in sheets.values()) > 3, key
        if pdf_available():
            pdf = admin.get(f"/school/{school.school}/reports/{key}{sep}format=pdf")
            assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF"), key
            text = _pdf_text(pdf.data)
            assert "Тестовая школа" in text and title.split(":")[0] in text, key


def test_the_attendance_summary_counts_days_and_lessons_with_and_without_a_reason(app, school, login_as):
    admin = login_as("deputy")
    period = _period(app, school)
    per_class = _sheets(admin.get(f"/school/{school.school}/reports/attendance?format=xlsx&period_id={period}").data)
    rows = next(iter(per_class.values()))
    header = next(i for i, r in enumerate(rows) if r[0] == "Класс")
    five_a = next(r for r in rows[header:] if r[0] == "5А")
    # students, days, lessons, with a reason, without, late
    assert five_a[1:] == [6, 3, 3, 2, 1, 1]
    per_student = _sheets(admin.get(
        f"/school/{school.school}/reports/attendance?format=xlsx&period_id={period}&class_id={school.c5}").data)
    rows = next(iter(per_student.values()))
    first = next(r for r in rows if r[0] and str(r[0]).startswith("Абрамов"))
    second = next(r for r in rows if r[0] and str(r[0]).startswith("Белова"))
    assert first[1:] == [2, 2, 2, 0, 0] and second[1:] == [1, 1, 0, 1, 1]
    page = admin.get(f"/school/{school.school}/reports/attendance?period_id={period}").get_data(as_text=True)
    assert "<svg" in page and "5А" in page


def test_the_movement_report_lists_the_enrolments_of_the_range(app, school, login_as, api_token):
    admin = login_as("deputy")
    start = (school.today - dt.timedelta(days=130)).isoformat()
    answer, headers = app.test_client(), api_token("deputy")
    data = answer.get(f"/api/v1/schools/{school.school}/reports/movement?date_from={start}", headers=headers).get_json()
    summary, book = data["tables"]
    assert dict((row[0], row[1]) for row in summary["rows"])["зачисление"] == 9
    assert len(book["rows"]) == 9
    empty = answer.get(f"/api/v1/schools/{school.school}/reports/movement?date_from={school.today.isoformat()}",
                       headers=headers)
    assert empty.get_json()["tables"][1]["rows"] == []
    assert admin.get(f"/school/{school.school}/reports/movement?date_from=2026-13-40").status_code == 400


def test_user_activity_names_who_never_logged_in(app, school, login_as):
    login_as("parent")
    data = login_as("deputy").get(f"/school/{school.school}/reports/activity?format=xlsx").data
    sheets = _sheets(data)
    never = sheets[next(t for t in sheets if t.startswith("Ни разу"))]
    names = {row[0] for row in never}
    assert "Учитель Предметник" in names and "Родитель Первого" not in names


def test_the_summary_sheet_is_the_class_teachers_printed_form_of_their_own_class(app, school, login_as):
    teacher = login_as("classteacher")
    listing = teacher.get(f"/school/{school.school}/reports/").get_data(as_text=True)
    assert "/reports/summary_sheet" in listing and "/reports/attendance" in listing
    assert "/reports/movement" not in listing and "/reports/activity" not in listing
    hint = teacher.get(f"/school/{school.school}/reports/summary_sheet")
    assert hint.status_code == 200 and "format=pdf" not in hint.get_data(as_text=True)
    own = teacher.get(f"/school/{school.school}/reports/summary_sheet?class_id={school.c5}")
    assert own.status_code == 200 and "Абрамов" in own.get_data(as_text=True)
    assert teacher.get(f"/school/{school.school}/reports/summary_sheet?class_id={school.c6}").status_code == 403
    assert teacher.get(f"/school/{school.school}/reports/attendance?format=xlsx").status_code == 400  # needs the class
    assert teacher.get(f"/school/{school.school}/reports/movement").status_code == 403


@pytest.mark.parametrize("who", ["teacher", "student", "parent", "secretary", "municipal"])
def test_people_without_a_report_permission_are_refused_by_pages_and_api(app, school, login_as, api_token, who):
    client = login_as(who)
    assert client.get(f"/school/{school.school}/reports/").status_code == 403
    for key in ("attendance", "progress", "parallel", "subjects", "teachers", "movement", "activity", "summary_sheet"):
        assert client.get(f"/school/{school.school}/reports/{key}?class_id={school.c5}").status_code == 403, key
    api = app.test_client()
    headers = api_token(who)
    assert api.get(f"/api/v1/schools/{school.school}/reports/", headers=headers).get_json() == []
    assert api.get(f"/api/v1/schools/{school.school}/reports/activity", headers=headers).status_code == 403


def test_another_schools_administration_is_refused(app, school):
    from eschool.auth import services as auth
    from eschool.structure import services as structure
    from eschool.structure.models import Municipality

    with app.app_context():
        other = structure.create_school(Municipality.get_by_id(school.municipality), "Вторая школа", "Школа 2")
        deputy2 = auth.create_user("deputy2", "Завуч Второй", password=PASSWORD, must_change_password=False)
        auth.grant_role(deputy2, "deputy_director", school=other, allowed_roles=app.extensions["eschool"].roles)
    client = app.test_client()
    login(client, "deputy2")
    assert client.get(f"/school/{school.school}/reports/").status_code == 403
    assert client.get(f"/school/{school.school}/reports/activity").status_code == 403
    assert client.get(f"/school/{other.id}/reports/attendance?class_id={school.c5}").status_code == 400


def test_bad_parameters_are_named_and_nothing_runs(app, school, api_token):
    api = app.test_client()
    headers = api_token("deputy")
    base = f"/api/v1/schools/{school.school}/reports"
    for query, field in (("attendance?period_id=999999", "period_id"), ("attendance?class_id=999999", "class_id"),
                         ("movement?date_from=2026-05-01&date_to=2026-04-01", "date_to"),
                         ("attendance?format=doc", "format"), ("attendance?period_id=abc", "period_id")):
        answer = api.get(f"{base}/{query}", headers=headers)
        assert answer.status_code == 400, query
        assert field in answer.get_json()["error"]["fields"], query
    assert api.get(f"{base}/no-such-report", headers=headers).status_code == 404


def test_the_municipality_sees_its_schools_rates_and_no_school_report(app, school, login_as):
    from eschool.structure.models import Municipality

    with app.app_context():
        code = Municipality.get_by_id(school.municipality).code
    operator = login_as("municipal")
    listing = operator.get(f"/municipality/{code}/reports/")
    assert listing.status_code == 200 and "/reports/school_rates" in listing.get_data(as_text=True)
    page = operator.get(f"/municipality/{code}/reports/school_rates?kind=quarter&number=2")
    assert page.status_code == 200 and "Тестовая школа" in page.get_data(as_text=True)
    assert operator.get(f"/municipality/{code}/reports/school_rates?kind=decade").status_code == 400
    assert operator.get(f"/municipality/{code}/reports/attendance").status_code == 404  # not offered there
    assert login_as("deputy").get(f"/municipality/{code}/reports/school_rates").status_code == 403


def test_a_plugins_report_goes_when_the_plugin_is_switched_off(app, school, login_as, toggle):
    admin = login_as("deputy")
    assert admin.get(f"/school/{school.school}/reports/oversight.filling").status_code == 200
    toggle("oversight", False, school=school.school)
    assert "oversight.filling" not in admin.get(f"/school/{school.school}/reports/").get_data(as_text=True)
    assert admin.get(f"/school/{school.school}/reports/oversight.filling").status_code == 404


def test_query_counts_grow_neither_with_the_students_nor_with_the_classes(app, school, login_as, count_queries):
    """Every school report, as a page and as a file: the same number of queries with 20 more students,
    and the school-wide ones with two more classes too."""
    from eschool.school import services as school_services
    from eschool.school.models import ClassGroup
    from eschool.structure.models import School
    from eschool.testing.world import enrol_students

    admin = login_as("deputy")
    base = f"/school/{school.school}/reports"
    school_wide = [f"{base}/{key}" for key in ("attendance", "progress", "at_risk", "subjects", "teachers",
                                                "activity", "movement", "oversight.filling")] + [
        f"{base}/parallel?grade=5", f"{base}/subjects?subject_id={school.maths}"]
    one_class = [f"{base}/{key}?class_id={school.c5}" for key in ("attendance", "summary_sheet", "at_risk",
                                                                  "class_journal")]
    urls = school_wide + one_class + [f"{base}/progress?format=xlsx", f"{base}/teachers?format=xlsx"]
    for url in urls:
        admin.get(url)

    def counts():
        found = {}
        for url in urls:
            with count_queries() as counted:
                assert admin.get(url).status_code == 200, url
            found[url] = counted.count
        return found

    few = counts()
    with app.app_context():
        s = School.get_by_id(school.school)
        enrol_students(s, ClassGroup.get_by_id(school.c5), 20, school.today - dt.timedelta(days=100), start=40)
    assert counts() == few
    with app.app_context():
        for letter in "БВ":
            group = school_services.create_class(s, {
                "academic_year_id": school.year, "grade": 5, "letter": letter, "kind": "regular", "name": "",
                "shift": 1, "class_teacher_id": None, "subgroups": []})
            school_services.add_assignment(s, {"teacher_id": school.user_id("other"), "class_id": group.id,
                                               "subject_id": school.maths, "subgroup_id": None})
            enrol_students(s, group, 5, school.today - dt.timedelta(days=100), start=70 + ord(letter) % 7 * 5)
    more = counts()
    assert {url: more[url] for url in school_wide} == {url: few[url] for url in school_wide}


def test_progress_by_parallel_subject_and_teacher(app, school, login_as, api_token):
    """5А's maths period marks 5, 4, 3, 2 (two students without), 6Б's 4, 4, 4: the parallel of the 5th
    grade, the subjects' and the teachers' figures."""
    from eschool.journal.models import FinalMark

    period = _period(app, school)
    with app.app_context():
        for student, value in zip(school.students[:4], "5432", strict=True):
            FinalMark.create(student=student, class_group=school.c5, subject=school.maths, kind="period",
                             period=period, value=value, numeric=int(value))
        for student in school.others:
            FinalMark.create(student=student, class_group=school.c6, subject=school.maths, kind="period",
                             period=period, value="4", numeric=4)
    api, headers = app.test_client(), api_token("deputy")
    base = f"/api/v1/schools/{school.school}/reports"
    parallel = api.get(f"{base}/parallel?grade=5&period_id={period}", headers=headers).get_json()
    classes, subjects = parallel["tables"]
    # class, students, assessed, only 5, 4 and 5, with a 2, pass rate, quality, average
    assert classes["rows"] == [["5А", 6, 4, 1, 1, 1, 75.0, 50.0, 3.5]]
    assert classes["totals"][1:] == [6, 4, 1, 1, 1, 75.0, 50.0, 3.5]
    assert subjects["rows"] == [["Математика", 4, 1, 1, 1, 1, 75.0, 50.0, 3.5]]
    assert api.get(f"{base}/parallel", headers=headers).status_code == 400  # the grade comes first
    by_subject = api.get(f"{base}/subjects?period_id={period}", headers=headers).get_json()["tables"][0]
    # subject, marks, «5», «4», «3», «2», pass rate, quality, average
    assert by_subject["rows"] == [["Математика", 7, 1, 4, 1, 1, 85.7, 71.4, 3.71]]
    one = api.get(f"{base}/subjects?period_id={period}&subject_id={school.maths}", headers=headers).get_json()
    assert [r[:2] for r in one["tables"][0]["rows"]] == [["5А", 4], ["6Б", 3]]
    teachers = api.get(f"{base}/teachers?period_id={period}", headers=headers).get_json()
    summary, detail = teachers["tables"]
    assert sorted(summary["rows"]) == [["Другой Учитель", 1, 3, 0, 3, 0, 0, 100.0, 100.0, 4.0],
                                       ["Учитель Предметник", 1, 4, 1, 1, 1, 1, 75.0, 50.0, 3.5]]
    assert sorted(r[:3] for r in detail["rows"]) == [["Другой Учитель", "6Б", "Математика"],
                                                     ["Учитель Предметник", "5А", "Математика"]]
    sheets = _sheets(login_as("deputy").get(f"/school/{school.school}/reports/teachers?format=xlsx&period_id={period}").data)
    assert any(row[:2] == ["Учитель Предметник", 1] for rows in sheets.values() for row in rows)


def test_the_class_journal_prints_marks_absences_and_topics_per_subject(app, school, login_as, count_queries):
    from eschool.journal.models import Lesson, Mark

    with app.app_context():
        lesson = (Lesson.select().where((Lesson.class_group == school.c5) & (Lesson.date <= school.today))
                  .order_by(Lesson.date.desc()).first())
        Mark.create(lesson=lesson, student=school.students[2], slot=0, value="5", numeric=5)
        Lesson.update(topic="Дроби").where(Lesson.id == lesson.id).execute()
    teacher = login_as("classteacher")
    url = f"/school/{school.school}/reports/class_journal?class_id={school.c5}"
    sheets = _sheets(teacher.get(url + "&format=xlsx").data)
    maths = sheets["Математика"]
    at = next(i for i, r in enumerate(maths) if r[0] == "Ученик")
    column = maths[at].index(f"{lesson.date:%d.%m}")
    rows = {r[0]: r for r in maths[at + 1:]}
    assert rows["Волков Ученик02"][column] == "5" and rows["Абрамов Ученик00"][column] == "б"
    topics = next(rows for title, rows in sheets.items() if title.startswith("Темы"))
    assert any("Дроби" in (r[2] or "") for r in topics)
    assert teacher.get(f"/school/{school.school}/reports/class_journal?class_id={school.c6}").status_code == 403
    with count_queries() as few:
        teacher.get(url)
    with app.app_context():
        from eschool.school.models import ClassGroup
        from eschool.structure.models import School
        from eschool.testing.world import enrol_students

        enrol_students(School.get_by_id(school.school), ClassGroup.get_by_id(school.c5), 15,
                       school.today - dt.timedelta(days=100), start=60)
    with count_queries() as many:
        teacher.get(url)
    assert many.count == few.count
