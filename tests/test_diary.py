"""The diary pages: who sees which student's diary, what the parent reads after the teacher entered it,
the class average as an aggregate, the printable weeks, and the query guard."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from eschool.auth import services as auth
from eschool.auth.models import RoleAssignment, User
from tests.conftest import bearer, login

CARD = {"middle_name": "", "birth_date": dt.date(2015, 3, 4), "gender": "f", "document_kind": "birth_certificate",
        "document_number": "", "snils": "", "address": ""}


def local_today(app):
    return dt.datetime.now(ZoneInfo(app.extensions["eschool"].region.timezone)).date()


class World:
    """Handles to the diary test school: ids, and helpers that enter journal data as a teacher would."""

    def __init__(self, app, **ids):
        self.app = app
        self.__dict__.update(ids)

    def lesson(self, day, number, subject="maths", class_id=None, topic=""):
        from eschool.journal.models import Lesson

        with self.app.app_context():
            return Lesson.create(school=self.school, class_group=class_id or self.c5, subject=getattr(self, subject),
                                 date=day, number=number, teacher=self.teacher, topic=topic).id

    def _teacher_and_lesson(self, lesson_id):
        from eschool.journal.models import Lesson

        return User.get_by_id(self.teacher), Lesson.get_by_id(lesson_id)

    def mark(self, lesson_id, student_id, value, slot=0, work_type=None, comment=""):
        """The teacher puts a mark through the journal's rules (``journal.services.set_mark``)."""
        from eschool.journal import services as journal
        from eschool.journal.models import WorkType

        with self.app.test_request_context():
            teacher, lesson = self._teacher_and_lesson(lesson_id)
            wt = WorkType.get((WorkType.school == self.school) & (WorkType.code == work_type)) if work_type else None
            return journal.set_mark(teacher, lesson, student_id, slot, value, work_type_id=wt.id if wt else None,
                                    comment=comment).id

    def attendance(self, lesson_id, student_id, kind, minutes_late=None):
        from eschool.journal import services as journal

        with self.app.test_request_context():
            teacher, lesson = self._teacher_and_lesson(lesson_id)
            journal.set_attendance(teacher, lesson, student_id, kind, minutes_late=minutes_late)

    def homework(self, lesson_id, text, student_ids=(), links=""):
        from eschool.journal import services as journal

        with self.app.test_request_context():
            teacher, lesson = self._teacher_and_lesson(lesson_id)
            return journal.set_homework(teacher, lesson, {"text": text, "links": links,
                                                          "student_ids": list(student_ids)}).id

    def file(self, homework_id, name, data: bytes):
        """The teacher attaches a file to homework (``journal.services.add_homework_file``)."""
        import io

        from werkzeug.datastructures import FileStorage

        from eschool.journal import services as journal
        from eschool.journal.models import Homework

        with self.app.test_request_context():
            teacher = User.get_by_id(self.teacher)
            return journal.add_homework_file(teacher, Homework.get_by_id(homework_id),
                                             FileStorage(io.BytesIO(data), filename=name)).id

    def bulk(self, days, per_day, students):
        """Volume for the query guards: lessons with a mark for every student, an absence and homework
        each, written in bulk (the rules are exercised by the other tests)."""
        from eschool.journal.models import Attendance, Homework, Lesson, Mark

        with self.app.app_context():
            for d in range(days):
                for n in range(per_day):
                    lesson = Lesson.create(school=self.school, class_group=self.c5, teacher=self.teacher,
                                           subject=self.maths if n % 2 else self.russian, number=n + 1,
                                           date=self.monday + dt.timedelta(days=d), topic=f"Тема {d}-{n}")
                    Mark.insert_many([{"lesson": lesson.id, "student": sid, "value": "4", "numeric": 4, "weight": 1}
                                      for sid in students]).execute()
                    Attendance.create(lesson=lesson, student=self.anna, kind="absent")
                    Homework.create(lesson=lesson, text=f"Задание {d}-{n}")


@pytest.fixture
def world(app, demo):
    """Class 5А (class teacher 'classteacher'): Anna (the demo student's and parent's), Boris; 6Б: Vera (parent2).
    'teacher' teaches maths and Russian in 5А and is also Boris's parent (role switching). One period
    around today, the bell schedule, the default work types (oral answer x1, test x2)."""
    from eschool.journal import services as journal
    from eschool.people import services as people
    from eschool.people.models import Student
    from eschool.school import services as school
    from eschool.timetable import services as timetable

    with app.app_context():
        s = demo["school"]
        today = local_today(app)
        roles = app.extensions["eschool"].roles
        year = school.create_year(s, {
            "name": "2026/2027", "starts_on": today - dt.timedelta(days=120), "ends_on": today + dt.timedelta(days=120),
            "is_current": True, "periods": [
                {"kind": "quarter", "number": 1, "starts_on": today - dt.timedelta(days=120),
                 "ends_on": today - dt.timedelta(days=61), "grade_from": 1, "grade_to": 11},
                {"kind": "quarter", "number": 2, "starts_on": today - dt.timedelta(days=60),
                 "ends_on": today + dt.timedelta(days=30), "grade_from": 1, "grade_to": 11}]})
        maths = school.add_subject(s, {"name": "Математика", "short_name": "Мат"})
        russian = school.add_subject(s, {"name": "Русский язык", "short_name": "Рус"})
        groups = {}
        for grade, letter in ((5, "А"), (6, "Б")):
            groups[grade] = school.create_class(s, {
                "academic_year_id": year.id, "kind": "regular", "grade": grade, "letter": letter, "name": "",
                "shift": 1, "class_teacher_id": None, "subgroups": []})
            school.set_curriculum(s, groups[grade], [{"subject_id": maths.id, "hours_per_week": 5},
                                                     {"subject_id": russian.id, "hours_per_week": 4}])
        teacher = User.get(User.username == "teacher")
        classteacher = User.get(User.username == "classteacher")
        RoleAssignment.update(class_group_id=groups[5].id).where(
            (RoleAssignment.user == classteacher) & (RoleAssignment.role == "class_teacher")).execute()
        timetable.set_lesson_times(s, 1, [
            {"number": 1, "starts_at": dt.time(8, 0), "ends_at": dt.time(8, 40)},
            {"number": 2, "starts_at": dt.time(8, 50), "ends_at": dt.time(9, 30)}])
        journal.work_types(s)  # the defaults: oral answer weighs 1, a test 2
        enrol = {"date": today - dt.timedelta(days=120), "order_number": "1-у"}
        anna = people.enrol(s, {**CARD, "last_name": "Алексеева", "first_name": "Анна", **enrol, "class_id": groups[5].id})
        boris = people.enrol(s, {**CARD, "last_name": "Борисов", "first_name": "Борис", "gender": "m", **enrol,
                                 "class_id": groups[5].id})
        vera = people.enrol(s, {**CARD, "last_name": "Волкова", "first_name": "Вера", **enrol, "class_id": groups[6].id})
        Student.update(user=User.get(User.username == "student")).where(Student.id == anna.id).execute()
        parent = User.get(User.username == "parent")
        people.link_guardian(anna, {"user_id": parent.id, "relation": "mother", "legal_representative": True})
        parent2 = auth.create_user("parent2", "Другой Родитель", password="demo-2026", must_change_password=False)
        auth.grant_role(parent2, "parent", school=s, allowed_roles=roles)
        people.link_guardian(vera, {"user_id": parent2.id, "relation": "father", "legal_representative": True})
        auth.grant_role(teacher, "parent", school=s, allowed_roles=roles)  # the teacher is Boris's father
        people.link_guardian(boris, {"user_id": teacher.id, "relation": "father", "legal_representative": True})
        ids = {"school": s.id, "year": year.id, "c5": groups[5].id, "c6": groups[6].id, "maths": maths.id,
               "russian": russian.id, "teacher": teacher.id, "anna": anna.id, "boris": boris.id, "vera": vera.id,
               "today": today, "monday": today - dt.timedelta(days=today.weekday())}
    return World(app, **ids)


def act_as(client, app, username, role):
    """Switch the logged-in user to one of their roles (the header's role switcher)."""
    with app.app_context():
        assignment = RoleAssignment.get((RoleAssignment.user == User.get(User.username == username).id)
                                        & (RoleAssignment.role == role))
    assert client.post("/account/role", data={"assignment": assignment.id}).status_code == 302


# --------------------------------------------------------------------------- what the parent reads


def test_the_parent_sees_the_mark_absence_and_homework_the_teacher_entered(app, client, world):
    day = world.today
    first = world.lesson(day, 1, "maths", topic="Дроби")
    second = world.lesson(day, 2, "russian", topic="Причастие")
    world.mark(first, world.anna, "5", work_type="test", comment="Отлично")
    world.mark(first, world.boris, "2")  # another child's mark: never on Anna's page
    world.attendance(second, world.anna, "ill")
    world.homework(first, "Задачи 12-15", links="https://example.org/task")
    world.homework(second, "Доп. задание для Бориса", student_ids=[world.boris])
    login(client, "parent")
    html = client.get(f"/diary?date={day.isoformat()}").get_data(as_text=True)
    assert "Анна" in html and "Дроби" in html and "Причастие" in html
    assert "Контрольная работа" in html and "Отлично" in html and 'class="diary-mark mark-5"' in html
    assert "mark-2" not in html
    assert "Задачи 12-15" in html and "https://example.org/task" in html
    assert "Доп. задание" not in html  # homework for chosen students only to them
    assert "att-ill" in html
    assert "08:00" in html and "08:50" in html  # the bell schedule
    assert html.index("Дроби") < html.index("Причастие")  # lessons in order


def test_homework_is_shown_where_it_is_set_and_on_the_day_it_is_due(app, client, world):
    from eschool.journal import services as journal
    from eschool.journal.models import Lesson

    earlier = world.lesson(world.today - dt.timedelta(days=7), 1, "maths", topic="Дроби")
    world.lesson(world.today, 3, "maths", topic="Десятичные дроби")
    with app.test_request_context():
        journal.set_homework(User.get_by_id(world.teacher), Lesson.get_by_id(earlier),
                             {"text": "Задачи к сегодняшнему уроку", "due_on": world.today})
    login(client, "student")
    html = client.get(f"/diary?date={world.today.isoformat()}").get_data(as_text=True)
    assert "Задачи к сегодняшнему уроку" in html and 'class="diary-homework diary-due"' in html
    html = client.get(f"/diary?date={(world.today - dt.timedelta(days=7)).isoformat()}").get_data(as_text=True)
    assert "Задачи к сегодняшнему уроку" in html and "diary-due" not in html
    day = world.today.isoformat()
    body = client.get(f"/api/v1/diary?start={day}&end={day}", headers=bearer(client, "student")).get_json()
    [lesson] = body["days"][0]["lessons"]
    assert [h["text"] for h in lesson["homework_due"]] == ["Задачи к сегодняшнему уроку"] and lesson["homework"] == []


def test_homework_for_chosen_students_reaches_them(app, client, world):
    first = world.lesson(world.today, 1)
    world.homework(first, "Доп. задание для Бориса", student_ids=[world.boris])
    login(client, "teacher")
    act_as(client, app, "teacher", "parent")
    html = client.get(f"/diary?date={world.today.isoformat()}").get_data(as_text=True)
    assert "Борис" in html and "Доп. задание для Бориса" in html


def test_homework_files_download_only_for_those_who_see_the_homework(app, client, world):
    for_all = world.homework(world.lesson(world.today, 1), "Прочитать текст")
    for_boris = world.homework(world.lesson(world.today, 2), "Только Борису", student_ids=[world.boris])
    text = world.file(for_all, "текст.txt", "Жили-были".encode())
    secret = world.file(for_boris, "borisu.pdf", b"%PDF-1.4 secret")
    login(client, "parent")
    html = client.get(f"/diary?date={world.today.isoformat()}").get_data(as_text=True)
    assert f"/diary/files/{text}" in html and f"/diary/files/{secret}" not in html
    response = client.get(f"/diary/files/{text}")
    assert response.status_code == 200 and response.data == "Жили-были".encode()
    assert "attachment" in response.headers["Content-Disposition"]
    assert client.get(f"/diary/files/{secret}").status_code == 404  # homework for another child
    assert client.get("/diary/files/999999").status_code == 404
    client.post("/logout")
    login(client, "parent2")
    assert client.get(f"/diary/files/{text}").status_code == 404  # another family's class


def test_week_navigation_and_date_picker(app, client, world):
    monday = world.monday
    world.lesson(monday - dt.timedelta(days=7), 1, topic="Квадраты")
    world.lesson(monday, 1, topic="Кубы")
    login(client, "student")
    html = client.get("/diary").get_data(as_text=True)  # default: this week in the region's timezone
    assert "Кубы" in html and "Квадраты" not in html
    previous = (monday - dt.timedelta(days=7)).isoformat()
    assert f"date={previous}" in html
    html = client.get(f"/diary?date={(monday - dt.timedelta(days=3)).isoformat()}").get_data(as_text=True)
    assert "Квадраты" in html and "Кубы" not in html
    assert client.get("/diary?date=not-a-date").status_code == 200


# --------------------------------------------------------------------------- who


@pytest.mark.parametrize("username, anna, vera", [
    ("student", 200, 404), ("parent", 200, 404), ("parent2", 404, 200)])
def test_families_see_only_their_own(client, world, username, anna, vera):
    login(client, username)
    for page in ("/diary", "/diary/summary", "/diary/print"):
        assert client.get(f"{page}?student={world.anna}").status_code == anna
        assert client.get(f"{page}?student={world.vera}").status_code == vera
    assert client.get("/diary?student=999999").status_code == 404


@pytest.mark.parametrize("username", ["teacher", "classteacher", "admin", "deputy", "secretary"])
def test_staff_have_no_diary(client, world, username):
    login(client, username)
    assert client.get(f"/diary?student={world.anna}").status_code == 403


def test_a_teacher_acting_as_a_parent_sees_only_their_own_child(app, client, world):
    login(client, "teacher")
    assert client.get(f"/diary?student={world.boris}").status_code == 403  # acting as a teacher
    act_as(client, app, "teacher", "parent")
    assert client.get(f"/diary?student={world.boris}").status_code == 200
    assert client.get(f"/diary?student={world.anna}").status_code == 404  # a student of their class, not theirs


def test_a_parent_with_several_children_switches_between_them(app, client, world):
    from eschool.people import services as people
    from eschool.people.models import Student

    with app.app_context():
        people.link_guardian(Student.get_by_id(world.boris), {
            "user_id": User.get(User.username == "parent").id, "relation": "mother", "legal_representative": True})
    world.lesson(world.today, 1, topic="Общий урок")
    login(client, "parent")
    html = client.get("/diary").get_data(as_text=True)
    assert f"student={world.boris}" in html and f"student={world.anna}" in html
    assert "Алексеева" in html  # the first child by name
    html = client.get(f"/diary?student={world.boris}").get_data(as_text=True)
    assert "Борисов" in html


def test_the_menu_has_the_diary_for_families_only(client, world):
    login(client, "parent")
    assert 'href="/diary"' in client.get("/dashboard").get_data(as_text=True)
    client.post("/logout")
    login(client, "teacher")
    assert 'href="/diary"' not in client.get("/dashboard").get_data(as_text=True)


# --------------------------------------------------------------------------- the period summary


def test_the_summary_shows_averages_forecast_and_an_aggregate_class_average(app, client, world):
    d1, d2 = world.today - dt.timedelta(days=7), world.today  # two weeks, inside the edit window
    l1, l2 = world.lesson(d1, 1), world.lesson(d2, 1)
    world.mark(l1, world.anna, "5", work_type="test")  # weight 2
    world.mark(l2, world.anna, "3", work_type="oral")  # weight 1 -> (10 + 3) / 3 = 4.33
    world.mark(l1, world.boris, "2", work_type="oral", comment="Секретный комментарий")
    world.mark(l2, world.boris, "4", work_type="oral")  # Boris: 3.00; class average (4.33 + 3.00) / 2 = 3.67
    with app.app_context():
        from eschool.journal.models import FinalMark
        from eschool.school.models import Period

        period = Period.get((Period.academic_year == world.year) & (Period.number == 2))
        FinalMark.create(student=world.anna, class_group=world.c5, subject=world.russian, kind="period",
                         period=period, value="5", numeric=5)
    login(client, "parent")
    html = client.get("/diary/summary").get_data(as_text=True)
    assert 'class="diary-final">5<' in html  # Russian's final mark for the period
    assert "4,33" in html and "3,67" in html  # Russian decimals
    assert 'class="diary-forecast">4<' in html
    assert "Секретный комментарий" not in html and "3,00" not in html  # no other student's mark or average
    assert "<svg" in html and "<polyline" in html  # the running average chart, two weeks
    assert "<script" not in html.split("</head>", 1)[1]  # the chart needs no script (the layout's menu.js is in the head)


def test_the_class_average_is_computed_by_the_database_as_an_aggregate(app, world):
    from eschool.diary import services
    from eschool.school.models import CurriculumItem

    l1 = world.lesson(world.today, 1)
    world.mark(l1, world.anna, "5")
    world.mark(l1, world.anna, "3", slot=1)
    world.mark(l1, world.boris, "2")
    with app.app_context():  # Russian is marked pass/fail in 5А: those marks do not count
        CurriculumItem.update(scale="pass_fail").where((CurriculumItem.class_group == world.c5)
                                                       & (CurriculumItem.subject == world.russian)).execute()
    world.mark(world.lesson(world.today, 2, "russian"), world.anna, "pass")
    with app.app_context():
        averages = services.class_averages([world.c5], world.today, world.today)
    assert averages == {world.maths: 3.0}  # mean of 4.0 and 2.0, not the pooled 3.33


def test_the_forecast_helper(app):
    """The diary's figures are results.figures': two places half up, the region's rounding threshold."""
    from decimal import Decimal

    from eschool.diary.services import forecast, weighted_average

    class M:
        def __init__(self, numeric, weight):
            self.numeric, self.weight = numeric, weight

    assert weighted_average([M(5, 2), M(3, 1), M(None, 5)]) == Decimal("4.33")
    assert weighted_average([M(4, Decimal("1.5")), M(3, Decimal("0.5")), M(5, 0)]) == Decimal("3.75")
    assert weighted_average([]) is None
    with app.app_context():
        assert [forecast(x) for x in ("4.50", "4.49", "2.50", "1.20", None)] == ["5", "4", "3", "2", None]


def test_an_unknown_period_is_not_found(client, world):
    login(client, "parent")
    assert client.get("/diary/summary?period=999999").status_code == 404


# --------------------------------------------------------------------------- printable weeks


def test_the_printable_week_of_one_student(client, world):
    lesson = world.lesson(world.today, 1, topic="Дроби")
    world.mark(lesson, world.anna, "4")
    world.attendance(lesson, world.anna, "late", minutes_late=5)
    login(client, "parent")
    response = client.get(f"/diary/print?date={world.today.isoformat()}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "diary-print.css" in html and html.count('class="diary-sheet"') == 1
    assert "Дроби" in html and "Алексеева Анна" in html


@pytest.mark.parametrize("username, status", [("classteacher", 200), ("deputy", 200), ("teacher", 403),
                                              ("parent", 403), ("student", 403)])
def test_the_class_teacher_prints_the_whole_class(client, world, username, status):
    world.lesson(world.today, 1, topic="Дроби")
    login(client, username)
    response = client.get(f"/diary/classes/{world.c5}/print?date={world.today.isoformat()}")
    assert response.status_code == status
    if status == 200:
        html = response.get_data(as_text=True)
        assert html.count('class="diary-sheet"') == 2  # Anna and Boris, a page each
        assert "Алексеева Анна" in html and "Борисов Борис" in html and "Волкова" not in html


def test_a_class_teacher_cannot_print_another_class(client, world):
    login(client, "classteacher")
    assert client.get(f"/diary/classes/{world.c6}/print").status_code == 403
    html = client.get("/diary/classes").get_data(as_text=True)
    assert f"/diary/classes/{world.c5}/print" in html and f"/diary/classes/{world.c6}/print" not in html


def test_the_print_stylesheet_breaks_pages_between_students(app):
    from pathlib import Path

    import eschool

    css = (Path(eschool.__file__).parent / "static" / "css" / "diary-print.css").read_text(encoding="utf-8")
    assert "@media print" in css and "page-break-after: always" in css


# --------------------------------------------------------------------------- query counts


def _add_students(app, world, n, start=0):
    from eschool.people import services as people
    from eschool.structure.models import School

    with app.app_context():
        s = School.get_by_id(world.school)
        return [people.enrol(s, {**CARD, "last_name": f"Ученик{i:02d}", "first_name": "Тест", "class_id": world.c5,
                                 "date": world.today - dt.timedelta(days=120), "order_number": f"{i}-у"}).id
                for i in range(start, start + n)]


def test_the_week_runs_the_same_number_of_queries_for_small_and_large_classes_and_weeks(app, client, world):
    from playhouse.test_utils import count_queries

    day = world.monday
    urls = [f"/diary?date={day.isoformat()}", f"/diary/print?date={day.isoformat()}",
            f"/diary/summary?student={world.anna}"]

    def counts(username, pages):
        login(client, username)
        result = {}
        for url in pages:
            with app.app_context(), count_queries() as counter:
                assert client.get(url).status_code == 200, url
            result[url] = counter.count
        client.post("/logout")
        return result

    class_print = [f"/diary/classes/{world.c5}/print?date={day.isoformat()}"]
    ten = [world.anna, world.boris, *_add_students(app, world, 8)]
    world.bulk(5, 1, ten)  # 10 students, 5 lessons in the week
    few = {**counts("parent", urls), **counts("classteacher", class_print)}
    more = _add_students(app, world, 25, start=8)  # 35 students
    world.bulk(5, 11, [*ten, *more])  # 60 lessons in the week
    many = {**counts("parent", urls), **counts("classteacher", class_print)}
    assert all(n > 0 for n in few.values()) and many == few
