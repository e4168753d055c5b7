"""What the journal grid's page tells a teacher before anything is typed (issue 18): each column's work type and
weight, why a locked column's cells are not saved (the same rule the server refuses a save with), marks with
their colour class; the teacher's «not filled by the deadline» list holds today's lesson once its deadline has
passed (the grid's own rule); the lesson form takes «54» from a phone's number pad and goes back to the grid
at that lesson.
"""
import datetime as dt
import re

import pytest

from eschool.testing.world import build_world


def _lessons(app, world):
    """5А's maths lessons of the grid's period (made by opening the grid), by date."""
    from eschool.journal.models import Lesson

    with app.app_context():
        return {row.date: row for row in Lesson.select().where(Lesson.class_group == world.c5).order_by(Lesson.date)}


def test_the_grid_names_the_work_type_and_why_a_column_is_locked(app, login_as):
    from eschool.journal import services
    from eschool.journal.models import Lesson, WorkType

    world = build_world(app)
    teacher = login_as("teacher")
    grid = f"/school/{world.school}/journal/class/{world.c5}/subject/{world.maths}"
    assert teacher.get(grid).status_code == 200  # the lessons come from the timetable
    lessons = _lessons(app, world)
    past = max(d for d in lessons if d <= world.today)
    future = min(d for d in lessons if d > world.today)
    old = min(d for d in lessons if d < world.today - dt.timedelta(days=7))
    with app.test_request_context():
        from flask_login import login_user

        from eschool.auth.models import User

        user = User.get_by_id(world.user_id("teacher"))
        login_user(user)
        test = WorkType.get((WorkType.school == world.school) & (WorkType.code == "test"))
        Lesson.update(work_type=test.id).where(Lesson.id == lessons[past].id).execute()
        services.set_mark(user, Lesson.get_by_id(lessons[past].id), world.students[0], 0, "5")
        services.set_mark(user, Lesson.get_by_id(lessons[past].id), world.students[1], 0, "2")
    html = teacher.get(grid).get_data(as_text=True)

    def head(day):
        return re.search(rf'<th scope="col" id="lesson-{lessons[day].id}"[^>]*>.*?</th>', html, re.S).group(0)

    # the column head: the work type and its weight (the lesson's own, else the school's first)
    assert "КР&nbsp;×2" in head(past) and 'title="Контрольная работа, вес 2"' in head(past)
    assert "УО&nbsp;×1" in head(future) and "jwt default" in head(future)
    # a locked column says why, in the words the server refuses a save with
    assert "data-locked=" not in head(past)
    assert 'data-locked="Урок ещё не прошёл: отметки и посещаемость ставятся в день урока."' in head(future)
    assert "Срок редактирования истёк" in head(old)
    with app.test_request_context():
        from flask_login import login_user

        login_user(user)
        with pytest.raises(services.SchoolError) as refused:
            services.set_mark(user, Lesson.get_by_id(lessons[future].id), world.students[0], 0, "5")
        assert str(refused.value.message) in head(future)
    # marks carry their colour class, their figure stays
    assert 'class="jmark m5"' in html and 'class="jmark m2"' in html and ">5</span>" in html
    # the skip link leads to the grid
    assert 'href="#journal-grid"' in html and html.index('id="skip-to-grid"') < html.index('class="site-header"')


def test_todays_overdue_lesson_is_listed_and_the_lesson_form_takes_a_number_pad(app, login_as):
    from eschool.journal import services
    from eschool.journal.models import Lesson, Mark
    from eschool.journal.services import region_tz

    world = build_world(app)
    teacher = login_as("teacher")
    teacher.get(f"/school/{world.school}/journal/class/{world.c5}/subject/{world.maths}")
    with app.app_context():
        today = Lesson.get_or_none((Lesson.class_group == world.c5) & (Lesson.date == world.today))
    if today is None:  # a weekend: today's lesson by hand
        teacher.post(f"/school/{world.school}/journal/class/{world.c5}/subject/{world.maths}/lessons",
                     data={"date": world.today.isoformat(), "number": "2"})
    with app.app_context():
        today = Lesson.get((Lesson.class_group == world.c5) & (Lesson.date == world.today))
        local = dt.datetime.combine(world.today, dt.time(20, 0), tzinfo=region_tz())  # Kemerovo: by 19:00
        evening = local.astimezone(dt.UTC).replace(tzinfo=None)
        morning = evening - dt.timedelta(hours=11)
        lessons = [today]
        assert services.not_filled_in_time(lessons, now=evening) == [today]  # the grid flags it: so does the list
        assert services.not_filled_in_time(lessons, now=morning) == []
        assert services.lesson_state(today, now=evening) == "overdue"
    # the lesson form: «54» is a 5 and a 4; saving goes back to the grid at the lesson, in its period
    sid = world.students[2]
    form = teacher.get(f"/school/{world.school}/journal/lesson/{today.id}").get_data(as_text=True)
    assert f'id="m-{sid}"' in form and 'inputmode="numeric"' in form and "css/journal.css" in form
    saved = teacher.post(f"/school/{world.school}/journal/lesson/{today.id}", data={f"m_{sid}": "54", f"m_{sid}_orig": ""})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"#lesson-{today.id}")
    assert "period=" in saved.headers["Location"]
    with app.app_context():
        assert [m.value for m in Mark.select().where(Mark.student == sid).order_by(Mark.slot)] == ["5", "4"]
