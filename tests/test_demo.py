"""``eschool demo`` builds every region: its municipalities, a demo school, an account per role."""
import pytest

from eschool.auth.models import RoleAssignment, User
from eschool.structure.models import Municipality
from eschool_demo.demo import build_demo
from tests.conftest import login


@pytest.mark.parametrize("region", ["kemerovo", "primorye", "samara"])
def test_demo_builds_every_region_with_an_account_for_every_role(make_app, region):
    app = make_app(region=region)
    with app.app_context():
        result = build_demo(log=lambda *_: None, school_year=False)
        roles = app.extensions["eschool"].roles
        assert {role for _username, role in result["accounts"]} == set(roles)
        assert Municipality.select().count() == len(app.extensions["eschool"].region.data["municipalities"])
        build_demo(log=lambda *_: None, school_year=False)  # idempotent
        assert User.select().count() == len(roles)
        assert RoleAssignment.select().count() == len(roles)
    client = app.test_client()
    for username, _role in result["accounts"]:
        login(client, username)
        assert client.get("/dashboard").status_code == 200
        client.post("/logout")


def _rows():
    """How many rows each table of the school year holds (to see that a second run adds none)."""
    from eschool.auth.models import RoleAssignment, User
    from eschool.people.models import ClassMembership, Consent, Guardian, Movement, StaffFile, Student
    from eschool.school.models import ClassGroup, CurriculumItem, Room, Subgroup, Subject, TeachingAssignment
    from eschool.timetable.models import LessonTime, TimetableEntry

    models = (User, RoleAssignment, Student, Guardian, ClassMembership, Movement, Consent, StaffFile, ClassGroup,
              Subgroup, Subject, Room, CurriculumItem, TeachingAssignment, LessonTime, TimetableEntry)
    return {m.__name__: m.select().count() for m in models}


@pytest.fixture
def school_demo(make_app):
    """The full demo (school year included), built twice: the second run must add nothing."""
    app = make_app()
    with app.app_context():
        lines = []
        result = build_demo(log=lines.append)
        before = _rows()
        again = build_demo(log=lines.append)
        assert _rows() == before  # idempotent
        assert again["school"].id == result["school"].id
    return app, result, lines


def test_demo_school_has_grades_1_to_11_students_with_parents_staff_and_a_curriculum(school_demo):
    from collections import Counter

    from eschool.people.models import ClassMembership, Guardian, Student
    from eschool.school import services as school_services
    from eschool.school.models import ClassGroup

    app, result, _lines = school_demo
    with app.app_context():
        school = result["school"]
        groups = list(ClassGroup.select().where(ClassGroup.kind == "regular"))  # not the camp's squads
        letters = Counter(g.grade for g in groups)
        assert sorted(letters) == list(range(1, 12)) and all(2 <= n <= 3 for n in letters.values())
        assert all(g.class_teacher_id is not None for g in groups)
        assert len({g.class_teacher_id for g in groups}) == len(groups)  # one class each
        students = Student.select().where(Student.school == school).count()
        assert 550 <= students <= 650
        assert ClassMembership.select().count() == students
        per_class = Counter(m.class_group_id for m in ClassMembership.select())
        assert all(15 <= n <= 30 for n in per_class.values()) and len(per_class) == len(groups)
        children = Counter(g.student_id for g in Guardian.select())
        assert len(children) == students  # every student has a parent
        parents = Counter(g.user_id for g in Guardian.select())
        two = [user for user, n in parents.items() if n == 2]
        assert len(two) >= 30 and max(parents.values()) == 2  # families with two children share their parents
        assert 40 <= len(school_services.staff(school)) <= 60
        for s in Student.select():  # names agree with the gender: Иванова Анна Петровна, Иванов Иван Петрович
            if s.gender == "f":
                assert s.middle_name.endswith(("вна", "ична")) and not s.last_name.endswith(("ов", "ев", "ин", "ий"))
            else:
                assert s.middle_name.endswith(("вич", "ич")) and not s.last_name.endswith(("ова", "ева", "ина", "ая"))
        siblings = Guardian.select().where(Guardian.user == two[0])
        assert len({g.student.middle_name[:-3] for g in siblings}) == 1  # the same father
        assert len({g.student.address for g in siblings}) == 1
        _curriculum_covers_primary_school_and_every_subject_has_a_teacher()


def _curriculum_covers_primary_school_and_every_subject_has_a_teacher():
    """Grades 1-4 learn the primary subjects (English from grade 2, ОРКСЭ in grade 4), mostly from their own
    teacher; every line of every curriculum has its teacher."""
    from eschool.school.models import ClassGroup, CurriculumItem, TeachingAssignment

    subjects = {}
    for item in CurriculumItem.select(CurriculumItem, ClassGroup).join(ClassGroup):
        subjects.setdefault(item.class_group.grade, set()).add(item.subject.name)
    primary = {"Русский язык", "Литературное чтение", "Математика", "Окружающий мир",
               "Изобразительное искусство", "Музыка", "Технология", "Физическая культура"}
    assert subjects[1] == primary
    assert subjects[2] == subjects[3] == primary | {"Английский язык"}
    assert subjects[4] == primary | {"Английский язык", "Основы религиозных культур и светской этики"}
    assert {"Алгебра", "Геометрия", "Физика", "Химия", "История"} <= subjects[9]
    taught = {}
    for a in TeachingAssignment.select():
        taught.setdefault((a.class_group_id, a.subject_id), []).append(a)
    for item in CurriculumItem.select():
        assert (item.class_group_id, item.subject_id) in taught, item.subject.name
    for group in ClassGroup.select().where((ClassGroup.grade <= 4) & (ClassGroup.kind == "regular")):  # the primary teacher teaches most of it
        own = [a for a in TeachingAssignment.select().where(
            (TeachingAssignment.class_group == group) & (TeachingAssignment.teacher == group.class_teacher_id))]
        assert len(own) >= 6


def test_demo_school_year_has_a_full_week_without_clashes(school_demo):
    from collections import Counter

    from eschool.school.models import ClassGroup, CurriculumItem, TeachingAssignment
    from eschool.timetable.models import TimetableEntry
    from eschool.timetable.services import clashes, lesson_times

    app, result, lines = school_demo
    with app.app_context():
        assert ClassGroup.select().where(ClassGroup.shift == 2).exists()  # a second shift
        entries = list(TimetableEntry.select(TimetableEntry, ClassGroup).join(ClassGroup))
        # every curriculum hour has its weekly lesson (both English halves theirs)
        per = Counter((e.class_group_id, e.subject_id, e.subgroup_id) for e in entries)
        for item in CurriculumItem.select():
            halves = [k for k in per if k[:2] == (item.class_group_id, item.subject_id)]
            assert halves and all(per[k] == int(item.hours_per_week) for k in halves), item.subject.name
        taught = {(a.class_group_id, a.subject_id, a.teacher_id, a.subgroup_id) for a in TeachingAssignment.select()}
        assert all((e.class_group_id, e.subject_id, e.teacher_id, e.subgroup_id) in taught for e in entries)
        # the timetable service finds no clash (it compares a lesson with the whole weekday: Monday in full)
        assert all(clashes(e, ignore_id=e.id) == [] for e in entries if e.weekday == 1)
        # and the whole week by the same rule: bell times, teacher, room, class (one subgroup at a time)
        times = lesson_times(result["school"])
        span = {e.id: (times[(e.class_group.shift, e.number)].starts_at, times[(e.class_group.shift, e.number)].ends_at)
                for e in entries}
        for day in range(1, 6):
            today = [e for e in entries if e.weekday == day]
            for i, a in enumerate(today):
                for b in today[i + 1:]:
                    if span[a.id][0] < span[b.id][1] and span[b.id][0] < span[a.id][1]:
                        assert a.teacher_id != b.teacher_id and a.room_id != b.room_id
                        assert a.class_group_id != b.class_group_id or (
                            a.subgroup_id and b.subgroup_id and a.subgroup_id != b.subgroup_id)
        # a class's day starts with lesson 1 and has no free periods
        numbers = {}
        for e in entries:
            numbers.setdefault((e.class_group_id, e.weekday), set()).add(e.number)
        assert all(sorted(n) == list(range(1, len(n) + 1)) for n in numbers.values())
        assert {day for _class, day in numbers} == {1, 2, 3, 4, 5}
    assert any("weekly lessons" in line for line in lines)
    assert result["school_year"]["classes"] and result["school_year"]["assignments"]


def test_demo_accounts_log_in_and_know_each_other(school_demo):
    from eschool.auth.models import RoleAssignment, User
    from eschool.people.models import ClassMembership, Guardian, Student
    from eschool.school.models import TeachingAssignment

    app, result, _lines = school_demo
    with app.app_context():
        users = {u.username: u for u in User.select().where(User.username.in_([n for n, _r in result["accounts"]]))}
        card = Student.get(Student.user == users["student"])
        group = ClassMembership.get(ClassMembership.student == card).class_group
        assert group.name == "5А" and group.class_teacher_id == users["classteacher"].id
        assert RoleAssignment.get((RoleAssignment.user == users["classteacher"])
                                  & (RoleAssignment.role == "class_teacher")).class_group_id == group.id
        assert RoleAssignment.get((RoleAssignment.user == users["student"])
                                  & (RoleAssignment.role == "student")).class_group_id == group.id
        children = [g.student for g in Guardian.select().where(Guardian.user == users["parent"])]
        assert card in children and len(children) == 2
        other = [c for c in children if c.id != card.id][0]
        stranger = Student.select().where(Student.id.not_in([c.id for c in children])).first()
        assert TeachingAssignment.select().where((TeachingAssignment.teacher == users["teacher"])
                                                 & (TeachingAssignment.class_group == group)).exists()
        assert TeachingAssignment.select().where((TeachingAssignment.teacher == users["classteacher"])
                                                 & (TeachingAssignment.class_group == group)).exists()
        sample = [u.username for u in User.select().join(RoleAssignment).where(
            RoleAssignment.role.in_(["subject_teacher", "parent", "student"])
            & User.username.not_in([n for n, _r in result["accounts"]])).group_by(User.id, RoleAssignment.role)
            .order_by(RoleAssignment.role, User.id).limit(200)][::60]
        teacher_id, group_id, sid = users["teacher"].id, group.id, result["school"].id
    client = app.test_client()
    for username in [*(n for n, _r in result["accounts"]), *sample]:  # the demo's and some made-up accounts
        login(client, username)
        assert client.get("/dashboard").status_code == 200
        client.post("/logout")
    login(client, "classteacher")
    assert client.get(f"/school/{sid}/students/{card.id}").status_code == 200
    client.post("/logout")
    login(client, "parent")
    assert client.get(f"/school/{sid}/students/{card.id}").status_code == 200
    assert client.get(f"/school/{sid}/students/{other.id}").status_code == 200
    assert client.get(f"/school/{sid}/students/{stranger.id}").status_code == 403
    client.post("/logout")
    login(client, "teacher")
    week = client.get(f"/school/{sid}/timetable?teacher={teacher_id}").get_data(as_text=True)
    assert "5А" in week
    assert "Математика" in client.get(f"/school/{sid}/timetable?class={group_id}").get_data(as_text=True)


def test_every_demo_student_holds_the_student_role_in_their_own_class(app):
    """Bulk rows of mixed shapes (school-level parents, class-level students) keep every column."""
    from eschool.auth.models import RoleAssignment
    from eschool.people.models import ClassMembership, Student
    from eschool_demo.demo import build_demo

    with app.app_context():
        build_demo(log=lambda *_: None, journal=False)
        classes = {m.student_id: m.class_group_id for m in ClassMembership.select()}
        roles = {r.user_id: r.class_group_id for r in RoleAssignment.select().where(RoleAssignment.role == "student")}
        students = list(Student.select().where(Student.user.is_null(False)))
        assert len(students) > 500
        wrong = [s.id for s in students if roles.get(s.user_id) != classes[s.id]]
        assert wrong == []
