"""The benchmark data generator: bulk rows that the services and pages then work with, on both databases."""
from tests.conftest import login


def test_a_small_scale_builds_consistent_rows_and_is_idempotent(app):
    from eschool.auth.models import User
    from eschool.journal.models import Lesson, Mark
    from eschool.people.models import ClassMembership, Guardian, Student
    from eschool.structure.models import School
    from eschool.timetable.models import TimetableEntry
    from eschool_demo.scale import build_scale

    with app.app_context():
        counts = build_scale("municipality", log=lambda _m: None, schools=2, students_per_school=60, weeks=1)
        assert (counts.schools, counts.students) == (2, 120)
        assert Student.select().count() == 120 == ClassMembership.select().count() == Guardian.select().count()
        assert counts.lessons == Lesson.select().count() == TimetableEntry.select().count()  # one week: 30 a class
        assert counts.marks == Mark.select().count() > 0
        from eschool.auth.models import RoleAssignment
        from eschool.school.models import ClassGroup

        # rows of mixed shapes in one batch (subject teachers, class teachers with their class, parents)
        class_roles = list(RoleAssignment.select().where(RoleAssignment.role == "class_teacher"))
        assert len(class_roles) == ClassGroup.select().count() and all(r.class_group_id for r in class_roles)
        marks_per_lesson = counts.marks / counts.lessons
        assert 0.4 < marks_per_lesson < 2  # one student in six, in classes of 5-6 (11 grades, 60 students)
        first_grade = Mark.select().join(Lesson).join(ClassGroup).where(ClassGroup.grade == 1).count()
        assert first_grade == 0 and Mark.select().join(Lesson).join(ClassGroup).where(ClassGroup.grade == 2).count()
        # the generator bypassed the stamp triggers on PostgreSQL: it moved every class's stamp itself
        from eschool.journal import stamps

        ids = [c.id for c in ClassGroup.select()]
        database = app.extensions["eschool"].database
        assert all(v > 0 for v in stamps.class_stamps(database, ids).values())
        # ... and every student's (a mark moves its student's stamp, not the class's: 0041)
        assert all(stamps.student_stamp(database, s.id) > 0 for s in Student.select(Student.id))
        again = build_scale("municipality", log=lambda _m: None, schools=2, students_per_school=60, weeks=1)
        assert again.schools == 0 and Student.select().count() == 120
        assert School.select().count() == 2
        # ids were given by the generator: the next row made the ordinary way must not collide
        user = User.create(username="after-scale", full_name="После")
        assert user.id > max(u.id for u in User.select(User.id).where(User.username != "after-scale"))


def test_a_scale_parent_reads_and_a_teacher_opens_pages(app, client):
    from eschool_demo.scale import build_scale

    with app.app_context():
        build_scale("school", log=lambda _m: None, students_per_school=30, weeks=1)
    login(client, "scale-teacher-1-1")
    page = client.get("/", follow_redirects=True)
    assert page.status_code == 200 and "Школа нагрузки №1" in page.get_data(as_text=True)
    client.post("/logout")
    login(client, "scale-parent-1")
    assert client.get("/", follow_redirects=True).status_code == 200


def test_the_region_is_built_through_the_current_week():
    """The region data set holds the journal from 1 September through the week measured (at least 8 weeks,
    at most the year), so the 19:00 mix finds today's lessons whatever the day it runs."""
    import datetime as dt

    from eschool_demo.scale import SCALES, YEAR_END, YEAR_START, weeks_through

    assert SCALES["region"][2] is None
    assert weeks_through(dt.date(2026, 12, 3)) == 14  # Tue 1 Sep .. the week of Thu 3 Dec
    assert weeks_through(dt.date(2026, 9, 10)) == 8
    assert weeks_through(dt.date(2027, 7, 1)) == (YEAR_END - YEAR_START).days // 7 + 1
    last_day = YEAR_START + dt.timedelta(days=weeks_through(dt.date(2026, 12, 3)) * 7 - 1)
    assert last_day >= dt.date(2026, 12, 3)
