"""A school's whole year (issue 17): closing refused outside the region's window and before the checks
pass, the decisions, the new year built (classes up a grade, leavers gone, repeaters kept, new 1st
grades, the timetable carried over), the old year read-only, ``year_closed`` delivered, the municipality
watching; and every refusal by the server."""
import datetime as dt

import pytest

from eschool import hookimpl
from eschool.testing import PASSWORD, build_world, login

IN_WINDOW = dt.date(2027, 6, 15)  # Kuzbass: 25 May - 31 October of the year the school year ends in


class YearListener:
    def __init__(self):
        self.closed = []

    @hookimpl
    def eschool_plugin_info(self):
        from eschool.types import PluginInfo

        return PluginInfo(code="yearprobe", name="probe", version="1")

    @hookimpl
    def eschool_on_year_closed(self, academic_year, actor, scope):
        self.closed.append((academic_year.id, actor.username, scope.school_id))


@pytest.fixture
def listener(regions_copy):
    regions_copy.append("kemerovo", "[plugins.yearprobe]")
    return YearListener()


@pytest.fixture
def app(make_app, listener):
    return make_app(extra_plugins=[("yearprobe", listener)])


@pytest.fixture
def school(app):
    """The kit's world plus 11А (two students, maths by ``teacher``) and 1А (two students, no marks)."""
    from eschool.auth.models import User
    from eschool.school import services as school_services
    from eschool.structure.models import School
    from eschool.testing.world import enrol_students

    world = build_world(app)
    with app.app_context():
        s = School.get_by_id(world.school)
        teacher = User.get_by_id(world.user_id("teacher"))
        extra = {}
        for grade in (11, 1):
            group = school_services.create_class(s, {"academic_year_id": world.year, "grade": grade, "letter": "А",
                                                     "kind": "regular", "name": "", "shift": 1, "class_teacher_id": None,
                                                     "subgroups": []})
            school_services.add_assignment(s, {"teacher_id": teacher.id, "class_id": group.id,
                                               "subject_id": world.maths, "subgroup_id": None})
            extra[grade] = (group.id, [st.id for st in enrol_students(s, group, 2, world.today - dt.timedelta(days=100),
                                                                        start=50 + grade)])
    world.c11, world.seniors = extra[11]
    world.c1, world.little = extra[1]
    return world


def _year_marks(app, world, failing=()):
    """Every year mark set (a 2 for the students in ``failing``) and every period closed."""
    from eschool.journal.models import FinalMark
    from eschool.school.models import Period

    with app.app_context():
        for class_id, students in ((world.c5, world.students), (world.c6, world.others), (world.c11, world.seniors)):
            for student in students:
                value = "2" if student in failing else "4"
                FinalMark.create(student=student, class_group=class_id, subject=world.maths, kind="year", value=value,
                                 numeric=int(value))
        Period.update(closed=True).where(Period.academic_year == world.year).execute()


def _accepted(app, world, api_token, *names) -> list[int]:
    """Applications to the 1st grade, submitted through the public API and accepted by the secretary, in the
    campaign the next year opens (the calendar year it starts in)."""
    from eschool.applications.models import Application
    from eschool.school.models import AcademicYear
    from eschool.yearend.services import suggest_next

    today = dt.date.today()
    september = dt.date(today.year if today.month < 9 else today.year + 1, 9, 1)
    api, ids = app.test_client(), []
    for name in names:
        made = api.post(f"/api/v1/schools/{world.school}/applications/", json={
            "kind": "first_grade", "child_last_name": "Новикова", "child_first_name": name, "child_gender": "f",
            "child_birth_date": (september - dt.timedelta(days=7 * 365)).isoformat(),
            "applicant_name": f"Новикова Мать {name}", "applicant_email": "mother@example.org",
            "street": "ул. Мира", "house": "3", "consent": True})
        assert made.status_code == 201, made.get_json()
        ids.append(made.get_json()["id"])
    for application_id in ids:
        assert api.put(f"/api/v1/schools/{world.school}/applications/{application_id}/status",
                       headers=api_token("secretary"), json={"status": "accepted"}).status_code == 200
    with app.app_context():
        campaign = suggest_next(AcademicYear.get_by_id(world.year))["starts_on"].year
        Application.update(campaign=campaign).where(Application.id.in_(ids)).execute()
    return ids


@pytest.fixture
def in_window(monkeypatch):
    from eschool.yearend import services

    monkeypatch.setattr(services, "local_today", lambda: IN_WINDOW)


def test_a_whole_year_closes_and_the_next_one_opens(app, school, listener, api_token, monkeypatch):
    """The whole year's end: refused outside the region's window and before the checks pass, the decisions,
    the first graders' applications, the closing in the window, the new year built, the leavers gone, the
    old journal read-only, the year's archive built in the background."""
    from eschool.auth.models import RoleAssignment
    from eschool.people.models import ClassMembership, Movement, Student
    from eschool.school.models import AcademicYear, ClassGroup
    from eschool.timetable.models import TimetableEntry
    from eschool.yearend import services

    monkeypatch.setattr(services, "local_today", lambda: dt.date(IN_WINDOW.year, 5, 1))  # before 25 May
    api = app.test_client()
    headers = api_token("admin")
    base = f"/api/v1/schools/{school.school}/year-end"
    blocked = api.post(f"{base}/close", headers=headers, json={})
    assert blocked.status_code == 409, "periods open, year marks missing"
    state = api.get(base, headers=headers).get_json()
    assert state["window_open"] is False and state["open_periods"] == 2 and len(state["missing_marks"]) == 11
    first, left, repeater = school.students[0], school.students[1], school.others[0]
    _year_marks(app, school, failing={first})
    early = api.post(f"{base}/close", headers=headers, json={"order_number": "45-у"})
    assert early.status_code == 409 and "25.05" in early.get_json()["error"]["message"]
    monkeypatch.setattr(services, "local_today", lambda: IN_WINDOW)
    assert api.get(base, headers=headers).get_json()["window_open"]
    state = api.get(base, headers=headers).get_json()
    suggested = {d["student_id"]: d for d in state["decisions"]}
    assert suggested[first]["decision"] == "conditional" and suggested[first]["debts"] == ["Математика"]
    assert all(suggested[s]["decision"] == "graduated" for s in school.seniors)
    saved = api.put(f"{base}/decisions", headers=headers, json={"decisions": [
        {"student_id": left, "decision": "left"}, {"student_id": repeater, "decision": "repeat"}]})
    assert saved.status_code == 200
    anna, vera, olga = _accepted(app, school, api_token, "Анна", "Вера", "Ольга")
    api.put(f"/api/v1/schools/{school.school}/applications/{olga}/status", headers=api_token("secretary"),
            json={"status": "refused", "reason": "Передумали"})
    planned = api.get(base, headers=headers).get_json()["first_graders"]
    assert [(f["application_id"], f["letter"]) for f in planned] == [(anna, "А"), (vera, "А")]
    made = api.post(f"{base}/close", headers=headers, json={"order_number": "45-у", "enrolment_order": "50-у",
                                                            "admissions": [{"application_id": vera, "letter": "Б"}]})
    assert made.status_code == 201, made.get_json()
    assert made.headers["Cache-Control"] == "no-store"
    new_id = made.get_json()["id"]
    admitted = {a["application_id"]: a for a in made.get_json()["admitted"]}
    assert set(admitted) == {anna, vera} and admitted[vera]["class"] == "1Б"
    with app.app_context():
        from eschool.applications.models import Application
        from eschool.people.models import Guardian

        old, new = AcademicYear.get_by_id(school.year), AcademicYear.get_by_id(new_id)
        assert old.closed and not old.is_current and new.is_current and not new.closed
        classes = {c.name: c for c in ClassGroup.select().where(ClassGroup.academic_year == new)}
        assert set(classes) == {"6А", "7Б", "6Б", "2А", "1А", "1Б"}
        members = {name: {m.student_id for m in ClassMembership.select().where(
            (ClassMembership.class_group == c) & ClassMembership.ends_on.is_null())} for name, c in classes.items()}
        assert members["6А"] == set(school.students) - {left}
        assert members["7Б"] == set(school.others) - {repeater} and members["6Б"] == {repeater}
        assert members["2А"] == set(school.little)
        # the first graders from the applications, with their parents' logins and the enrolment order
        assert members["1А"] == {admitted[anna]["student_id"]} and members["1Б"] == {admitted[vera]["student_id"]}
        assert Student.get_by_id(admitted[anna]["student_id"]).full_name.startswith("Новикова Анна")
        assert Movement.get((Movement.student == admitted[vera]["student_id"])
                            & (Movement.kind == "enrolment")).order_number == "50-у"
        assert {a.id: a.status for a in Application.select()} == {anna: "enrolled", vera: "enrolled", olga: "refused"}
        assert Guardian.get(Guardian.student == admitted[anna]["student_id"]).user.username == \
            admitted[anna]["parent_username"]
    parent = app.test_client().post("/login", data={"login": admitted[anna]["parent_username"],
                                                    "password": admitted[anna]["parent_password"]})
    assert parent.status_code == 302, "the parent logs in (and must change the password)"
    with app.app_context():
        assert classes["6А"].class_teacher_id == school.user_id("classteacher")
        assert RoleAssignment.get((RoleAssignment.user == school.user_id("classteacher"))
                                  & (RoleAssignment.role == "class_teacher")).class_group_id == classes["6А"].id
        gone = {m.student_id: m for m in Movement.select().where(Movement.kind == "leaving")}
        assert set(gone) == set(school.seniors) | {left} and gone[left].order_number == "45-у"
        assert all(Student.get_by_id(s).status == "left" for s in gone)
        # the repeaters' class got old 6Б's timetable as a draft (maths by "other", lesson 3 every weekday)
        copied = list(TimetableEntry.select().where(TimetableEntry.class_group == classes["6Б"]))
        assert len(copied) == 5 and {e.teacher_id for e in copied} == {school.user_id("other")}
        assert all(e.academic_year_id == new.id for e in copied)
    assert listener.closed == [(school.year, "admin", school.school)]
    # last year's journal is read-only (every route: the next test), and its archive is built in the background
    with app.app_context():
        from eschool.journal.models import Lesson
        from eschool.journal.services import ensure_lessons

        ensure_lessons(ClassGroup.get_by_id(school.c5), school.today - dt.timedelta(days=2), school.today)
        lesson = Lesson.select().where(Lesson.class_group == school.c5).first().id
    refused = api.post(f"/api/v1/journal/lessons/{lesson}/marks", headers=api_token("teacher"),
                       json={"student_id": school.students[2], "value": "5"})
    assert refused.status_code in (403, 409)
    from eschool.archive import services as archive
    from eschool.jobs import run_pending

    monkeypatch.setattr(archive, "render", lambda *args: (b"%PDF-1.7", b"PK"))
    run_pending(app)
    years = api.get(f"/api/v1/schools/{school.school}/archive/", headers=headers).get_json()
    assert next(y for y in years if y["year_id"] == school.year)["states"] == {"done": 4}


def test_the_closed_year_is_read_only_through_every_route(app, school, api_token, in_window, login_as):
    """After the closing, every way of writing into the old year is refused by the server (journal, final marks,
    periods, setup, timetable, the movement book, the class teacher's day, the pages' forms) and nothing changes;
    the old year stays readable."""
    from eschool.journal.models import Attendance, FinalMark, Homework, Lesson, Mark
    from eschool.journal.services import ensure_lessons
    from eschool.people.models import ClassMembership
    from eschool.school.models import ClassGroup, CurriculumItem, Period, TeachingAssignment
    from eschool.timetable.models import TimetableEntry

    with app.app_context():
        ensure_lessons(ClassGroup.get_by_id(school.c5), school.today - dt.timedelta(days=3), school.today)
        lesson = Lesson.select().where(Lesson.class_group == school.c5).order_by(Lesson.date.desc()).first()
        mark = Mark.create(lesson=lesson, student=school.students[1], slot=0, value="4", numeric=4)
        absence = Attendance.create(lesson=lesson, student=school.students[2], kind="absent")
        period = Period.select().where(Period.academic_year == school.year).order_by(Period.starts_on).first().id
        entry = TimetableEntry.select().where(TimetableEntry.class_group == school.c5).first().id

    def snapshot():
        with app.app_context():
            return (Mark.select().count(), Attendance.select().count(), Homework.select().count(),
                    Lesson.select().count(), [lsn.topic for lsn in Lesson.select().order_by(Lesson.id)],
                    FinalMark.select().count(), Period.select().where(Period.closed).count(),
                    ClassGroup.select().where(ClassGroup.academic_year == school.year).count(),
                    CurriculumItem.select().count(), TeachingAssignment.select().count(),
                    TimetableEntry.select().where(TimetableEntry.academic_year == school.year).count(),
                    ClassMembership.select().count())

    _year_marks(app, school)
    api = app.test_client()
    assert api.post(f"/api/v1/schools/{school.school}/year-end/close", headers=api_token("admin"), json={}).status_code == 201
    before = snapshot()
    s, c5, student = school.school, school.c5, school.students[0]
    teacher, admin, deputy = api_token("teacher"), api_token("admin"), api_token("deputy")
    classteacher = api_token("classteacher")
    attempts = [
        ("post", "/api/v1/journal/lessons", teacher,
         {"class_id": c5, "subject_id": school.maths, "date": lesson.date.isoformat(), "number": 7}),
        ("put", f"/api/v1/journal/lessons/{lesson.id}", teacher, {"topic": "Новая тема", "version": lesson.version}),
        ("post", f"/api/v1/journal/lessons/{lesson.id}/marks", teacher, {"student_id": student, "value": "5"}),
        ("put", f"/api/v1/journal/lessons/{lesson.id}/marks", teacher,
         {"student_id": student, "slot": 1, "value": "5"}),
        ("delete", f"/api/v1/journal/lessons/{lesson.id}/marks?student_id={school.students[1]}&slot=0&version={mark.version}",
         teacher, None),
        ("put", f"/api/v1/journal/lessons/{lesson.id}/attendance", teacher, {"student_id": student, "kind": "ill"}),
        ("delete", f"/api/v1/journal/lessons/{lesson.id}/attendance?student_id={school.students[2]}&version={absence.version}",
         teacher, None),
        ("put", f"/api/v1/journal/lessons/{lesson.id}/homework", teacher, {"text": "№ 1"}),
        ("put", f"/api/v1/schools/{s}/classes/{c5}/subjects/{school.maths}/final-marks", teacher,
         {"student_id": student, "kind": "period", "period_id": period, "value": "5"}),
        ("post", f"/api/v1/schools/{s}/periods/{period}/reopen", deputy, {}),
        ("post", f"/api/v1/schools/{s}/classes", admin,
         {"academic_year_id": school.year, "grade": 7, "letter": "В", "kind": "regular", "name": "", "shift": 1,
          "class_teacher_id": None, "subgroups": []}),
        ("post", f"/api/v1/schools/{s}/years/{school.year}/periods", admin,
         {"kind": "quarter", "number": 3, "starts_on": (school.today + dt.timedelta(days=61)).isoformat(),
          "ends_on": (school.today + dt.timedelta(days=100)).isoformat(), "grade_from": 1, "grade_to": 11}),
        ("put", f"/api/v1/schools/{s}/classes/{c5}/curriculum", admin,
         {"lines": [{"subject_id": school.maths, "hours_per_week": "5"}]}),
        ("post", f"/api/v1/schools/{s}/assignments", admin,
         {"teacher_id": school.user_id("other"), "class_id": c5, "subject_id": school.maths}),
        ("post", f"/api/v1/schools/{s}/timetable", admin,
         {"class_id": c5, "weekday": 6, "number": 1, "subject_id": school.maths, "teacher_id": school.user_id("teacher")}),
        ("delete", f"/api/v1/schools/{s}/timetable/{entry}", admin, None),
        ("post", f"/api/v1/schools/{s}/substitutions", admin,
         {"entry_id": entry, "date": lesson.date.isoformat(), "teacher_id": school.user_id("other")}),
        ("post", f"/api/v1/schools/{s}/students", admin,
         {"last_name": "Новый", "first_name": "Ученик", "birth_date": "2015-01-01", "gender": "m", "class_id": c5,
          "date": lesson.date.isoformat(), "order_number": "1"}),
        ("post", f"/api/v1/schools/{s}/students/{school.students[3]}/transfer", admin,
         {"class_id": school.c6, "date": lesson.date.isoformat(), "order_number": "2"}),
        ("post", f"/api/v1/schools/{s}/classes/{c5}/attendance-days/{lesson.date.isoformat()}/reconcile", classteacher,
         {"student_id": student, "kind": "ill", "reason": "справка", "lesson_ids": None, "versions": None}),
    ]
    for method, url, headers, body in attempts:
        answer = getattr(api, method)(url, headers=headers, **({"json": body} if body is not None else {}))
        assert answer.status_code in (403, 404, 409), (method, url, answer.status_code, answer.get_json())
    pages = login_as("teacher")
    base = f"/school/{s}/journal/lesson/{lesson.id}"
    for url, body in ((f"{base}/mark", {"student_id": student, "slot": 0, "value": "5"}),
                      (f"{base}/attendance", {"student_id": student, "kind": "ill"}),
                      (f"{base}/topic", {"topic": "Тема", "version": lesson.version})):  # the grid's script
        assert pages.post(url, json=body).status_code in (403, 404, 409), url
    plain = pages.post(base, data={"topic": "Тема", "version": lesson.version, f"cell_{student}": "5"})
    assert plain.status_code in (302, 400, 403, 409), "the plain lesson form"
    assert snapshot() == before, "nothing changed in the closed year"
    again = api.post(f"/api/v1/schools/{s}/year-end/close", headers=admin, json={})
    assert again.status_code in (404, 409), "a closed year is not closed twice"
    grid = login_as("teacher").get(f"/school/{s}/journal/class/{c5}/subject/{school.maths}")
    assert grid.status_code == 200, "the past year stays readable"
    report = login_as("classteacher").get(f"/school/{s}/results/classes/{c5}/report?kind=year")
    assert report.status_code == 200 and "Абрамов" in report.get_data(as_text=True)


def test_closing_is_refused_outside_the_regions_window(app, school, api_token):
    _year_marks(app, school)
    answer = app.test_client().post(f"/api/v1/schools/{school.school}/year-end/close", headers=api_token("admin"),
                                    json={})
    assert answer.status_code == 409 and "25.05.2027" in answer.get_json()["error"]["message"]
    with app.app_context():
        from eschool.school.models import AcademicYear

        assert not AcademicYear.get_by_id(school.year).closed
        assert AcademicYear.select().count() == 1, "nothing was built"


def test_a_failure_in_the_middle_changes_nothing(app, school, api_token, in_window, monkeypatch):
    from eschool.yearend import services

    _year_marks(app, school)
    [waiting] = _accepted(app, school, api_token, "Анна")

    def broken(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "write_audit", broken)  # the closing's last step, after the first graders
    with pytest.raises(RuntimeError):
        app.test_client().post(f"/api/v1/schools/{school.school}/year-end/close", headers=api_token("admin"),
                               json={"order_number": "1-у"})
    with app.app_context():
        from eschool.people.models import ClassMembership
        from eschool.school.models import AcademicYear, ClassGroup

        assert AcademicYear.select().count() == 1 and not AcademicYear.get_by_id(school.year).closed
        assert ClassGroup.select().count() == 4
        assert not ClassMembership.select().where(ClassMembership.ends_on.is_null(False)).exists()
        from eschool.applications.models import Application
        from eschool.auth.models import User
        from eschool.people.models import Student

        assert Application.get_by_id(waiting).status == "accepted" and Application.get_by_id(waiting).student is None
        assert not Student.select().where(Student.last_name == "Новикова").exists()
        assert not User.select().where(User.full_name == "Новикова Мать Анна").exists()


def test_the_page_walks_the_administrator_through_it(app, school, login_as, in_window):
    admin = login_as("admin")
    page = admin.get(f"/school/{school.school}/year-end/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "disabled" in html  # checks not passed yet
    _year_marks(app, school)
    saved = admin.post(f"/school/{school.school}/year-end/decisions",
                       data={f"d_{school.students[1]}": "repeat", f"debts_{school.students[1]}": ""})
    assert saved.status_code == 302
    closed = admin.post(f"/school/{school.school}/year-end/close", data={"order_number": "7-у"})
    assert closed.status_code == 302
    with app.app_context():
        from eschool.school.models import AcademicYear

        assert AcademicYear.get_by_id(school.year).closed


@pytest.mark.parametrize("who", ["teacher", "classteacher", "deputy", "secretary", "parent", "municipal"])
def test_only_the_administration_closes_the_year(app, school, login_as, api_token, who, in_window):
    _year_marks(app, school)
    assert login_as(who).get(f"/school/{school.school}/year-end/").status_code == 403
    answer = app.test_client().post(f"/api/v1/schools/{school.school}/year-end/close", headers=api_token(who), json={})
    assert answer.status_code == 403
    with app.app_context():
        from eschool.school.models import AcademicYear

        assert not AcademicYear.get_by_id(school.year).closed


def test_another_schools_administrator_is_refused(app, school):
    from eschool.auth import services as auth
    from eschool.structure import services as structure
    from eschool.structure.models import Municipality

    with app.app_context():
        other = structure.create_school(Municipality.get_by_id(school.municipality), "Вторая школа", "Школа 2")
        admin2 = auth.create_user("admin2", "Администратор Второй", password=PASSWORD, must_change_password=False)
        auth.grant_role(admin2, "school_admin", school=other, allowed_roles=app.extensions["eschool"].roles)
    client = app.test_client()
    login(client, "admin2")
    assert client.get(f"/school/{school.school}/year-end/").status_code == 403
    assert client.post(f"/school/{school.school}/year-end/close", data={}).status_code == 403


def test_bad_decisions_are_named_and_nothing_is_saved(app, school, api_token):
    api = app.test_client()
    base = f"/api/v1/schools/{school.school}/year-end"
    headers = api_token("admin")
    answer = api.put(f"{base}/decisions", headers=headers, json={"decisions": [
        {"student_id": school.students[0], "decision": "repeat"}, {"student_id": 999999, "decision": "left"}]})
    assert answer.status_code == 400 and "decisions.1.student_id" in answer.get_json()["error"]["fields"]
    wrong = api.put(f"{base}/decisions", headers=headers, json={"decisions": [
        {"student_id": school.students[0], "decision": "expelled"}]})
    assert wrong.status_code == 400
    assert not any(d["saved"] for d in api.get(base, headers=headers).get_json()["decisions"])
    dates = api.post(f"{base}/close", headers=headers, json={"starts_on": "2027-09-01", "ends_on": "2027-01-01"})
    assert dates.status_code == 400 and "ends_on" in dates.get_json()["error"]["fields"]


def test_bad_first_grade_choices_are_named_and_nothing_changes(app, school, api_token, in_window):
    from eschool.applications.models import Application
    from eschool.school.models import AcademicYear

    _year_marks(app, school)
    [anna] = _accepted(app, school, api_token, "Анна")
    api, headers = app.test_client(), api_token("admin")
    base = f"/api/v1/schools/{school.school}/year-end/close"
    for admissions, field in (([{"application_id": 999999, "letter": "А"}], "admissions.0.application_id"),
                              ([{"application_id": anna, "letter": "Я"}], "admissions.0.letter")):
        answer = api.post(base, headers=headers, json={"order_number": "1", "admissions": admissions})
        assert answer.status_code == 400 and field in answer.get_json()["error"]["fields"], answer.get_json()
    no_order = api.post(base, headers=headers, json={})
    assert no_order.status_code == 400 and "enrolment_order" in no_order.get_json()["error"]["fields"]
    with app.app_context():
        assert not AcademicYear.get_by_id(school.year).closed and Application.get_by_id(anna).status == "accepted"
    # the page: the step lists the child with a class to choose; the slips come after the closing
    admin = app.test_client()
    from eschool.testing import login

    login(admin, "admin")
    page = admin.get(f"/school/{school.school}/year-end/").get_data(as_text=True)
    assert "Новикова Анна" in page and f'name="place_{anna}"' in page
    slips = admin.post(f"/school/{school.school}/year-end/close", data={"order_number": "7-у", f"place_{anna}": "В"})
    html = slips.get_data(as_text=True)
    assert slips.status_code == 200 and "Новикова Мать Анна" in html and "1В" in html
    assert slips.headers["Cache-Control"] == "no-store"


def test_the_municipality_sees_its_schools_closing(app, school, login_as, api_token, in_window):
    from eschool.structure.models import Municipality

    with app.app_context():
        code = Municipality.get_by_id(school.municipality).code
    _year_marks(app, school)
    app.test_client().post(f"/api/v1/schools/{school.school}/year-end/close", headers=api_token("admin"), json={})
    page = login_as("municipal").get(f"/municipality/{code}/year-end/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Тестовая школа" in html and f"{school.today.year}/" in html
    assert login_as("admin").get(f"/municipality/{code}/year-end/").status_code == 403
