"""The rules of keeping the journal, tried against the services: each one is broken and refused."""
import datetime as dt
from decimal import Decimal

import pytest

from eschool.auth.models import User
from eschool.school.services import SchoolError
from tests.journal_setup import build_journal_school


@pytest.fixture
def j(app, demo):
    with app.app_context():
        data = build_journal_school(app, demo["school"])
    ctx = app.test_request_context("/")
    ctx.push()
    yield data
    ctx.pop()


def lesson_on(j, days_ago: int, cls="c5", subject="maths"):
    from eschool.journal import services
    from eschool.journal.models import Lesson

    day = j["today"] - dt.timedelta(days=days_ago)
    services.ensure_lessons(j[cls], day, day)
    lesson = Lesson.get_or_none((Lesson.class_group == j[cls]) & (Lesson.date == day)
                                & (Lesson.subject == j[subject]))
    if lesson is None:  # a weekend: add it by hand
        teacher = j["teacher"] if cls == "c5" else j["other"]
        lesson = services.add_lesson(teacher, j[cls], {"subject_id": j[subject].id, "date": day, "number": 2})
    return lesson


def user(name):
    return User.get(User.username == name)


def test_lessons_come_from_the_timetable_once_with_the_substitute(j):
    from eschool.journal import services
    from eschool.journal.models import Lesson
    from eschool.timetable import services as timetable
    from eschool.timetable.models import TimetableEntry

    start = j["today"] - dt.timedelta(days=13)
    made = services.ensure_lessons(j["c5"], start, j["today"])
    weekdays = sum(1 for d in range(14) if (start + dt.timedelta(days=d)).isoweekday() <= 5)
    assert made == 2 * weekdays  # Математика and Русский язык every weekday
    assert services.ensure_lessons(j["c5"], start, j["today"]) == 0  # idempotent
    monday = start + dt.timedelta(days=(7 - start.weekday()) % 7)
    entry = TimetableEntry.get((TimetableEntry.class_group == j["c5"]) & (TimetableEntry.weekday == 1)
                               & (TimetableEntry.subject == j["maths"]))
    timetable.substitute(j["school"], {"entry_id": entry.id, "date": monday, "teacher_id": j["other"].id})
    services.ensure_lessons(j["c5"], monday, monday)
    lesson = Lesson.get((Lesson.timetable_entry == entry) & (Lesson.date == monday))
    assert lesson.teacher_id == j["other"].id
    assert services.may_keep(j["other"], lesson) and services.may_keep(j["teacher"], lesson)


def test_a_mark_is_saved_and_audited(j):
    from eschool.journal import services
    from eschool.people.models import AuditEntry

    lesson = lesson_on(j, 0)
    mark = services.set_mark(j["teacher"], lesson, j["anna"], 0, "5")
    changed = services.set_mark(j["teacher"], lesson, j["anna"], 0, "4", version=mark.version)
    assert (changed.value, changed.numeric, changed.version) == ("4", 4, 2)
    log = [(a.old_value, a.new_value, a.actor_id) for a in AuditEntry.select().where(
        (AuditEntry.record == "mark") & (AuditEntry.record_id == mark.id)).order_by(AuditEntry.id)]
    assert log == [(None, "5", j["teacher"].id), ("5", "4", j["teacher"].id)]
    services.set_mark(j["teacher"], lesson, j["anna"], 0, None, version=changed.version)
    assert AuditEntry.select().where((AuditEntry.record == "mark") & (AuditEntry.new_value.is_null())).count() == 1


def test_events_reach_the_plugins_on_at_the_school_only(make_app, probe):
    from eschool.journal import services
    from eschool.plugins import services as toggles
    from eschool_demo.demo import build_demo

    app = make_app(extra_plugins=[("probe", probe)])
    with app.app_context():
        school = build_demo(log=lambda *_: None, school_year=False)["school"]
        data = build_journal_school(app, school)
    with app.test_request_context("/"):
        j = {**data}
        lesson = lesson_on(j, 0)
        services.set_mark(j["teacher"], lesson, j["anna"], 0, "5")
        services.set_attendance(j["teacher"], lesson, j["boris"], "н")
        services.set_homework(j["teacher"], lesson, {"text": "§7"})
        assert [len(probe.called(k)) for k in ("mark_saved", "absence_recorded", "homework_set")] == [1, 1, 1]
        assert probe.called("mark_saved")[0].value == "5"
        toggles.set_toggle(app.extensions["eschool"].plugins, "probe", "school", school.id, False)
        services.set_mark(j["teacher"], lesson, j["vera"], 0, "4")
        assert len(probe.called("mark_saved")) == 1


def test_several_marks_per_lesson_and_the_work_type_weight(j):
    from eschool.journal import services

    lesson = lesson_on(j, 0)
    types = {t.code: t for t in services.work_types(j["school"])}
    assert (types["test"].weight, types["oral"].weight) == (Decimal("2"), Decimal("1"))
    first = services.set_mark(j["teacher"], lesson, j["anna"], 0, "5", work_type_id=types["oral"].id)
    second = services.set_mark(j["teacher"], lesson, j["anna"], 1, "3", work_type_id=types["test"].id,
                               comment="  ошибки в задаче 2 ")
    assert (first.weight, second.weight, second.comment) == (types["oral"].weight, types["test"].weight,
                                                             "ошибки в задаче 2")


def test_another_teacher_is_refused(j):
    from eschool.journal import services
    from eschool.journal.models import Mark

    lesson = lesson_on(j, 0)
    for who in ("other", "deputy", "parent", "student", "admin"):
        with pytest.raises(services.JournalForbidden):
            services.set_mark(user(who), lesson, j["anna"], 0, "5")
    with pytest.raises(services.JournalForbidden):
        services.set_homework(user("other"), lesson, {"text": "§5"})
    with pytest.raises(services.JournalForbidden):
        services.set_lesson(user("other"), lesson, {"topic": "Дроби"})
    assert Mark.select().count() == 0


def test_the_class_teacher_reconciles_attendance_but_gives_no_marks_in_another_subject(j):
    from eschool.journal import services

    lesson = lesson_on(j, 0)
    row = services.set_attendance(j["classteacher"], lesson, j["boris"], "б", reason="справка")
    assert (row.kind, row.reason) == ("ill", "справка")
    with pytest.raises(services.JournalForbidden):
        services.set_mark(j["classteacher"], lesson, j["boris"], 0, "5")


def test_a_student_of_another_class_is_refused(j):
    from eschool.journal import services

    with pytest.raises(SchoolError) as err:
        services.set_mark(j["teacher"], lesson_on(j, 0), j["gleb"], 0, "5")
    assert err.value.field == "student_id"


def test_a_stale_save_is_refused_with_the_current_value(j):
    from eschool.journal import services
    from eschool.journal.models import Mark

    lesson = lesson_on(j, 0)
    services.set_mark(j["teacher"], lesson, j["anna"], 0, "5")  # tab A saves into the empty cell
    with pytest.raises(services.StaleEdit) as err:  # tab B, opened before, also saw it empty
        services.set_mark(j["teacher"], lesson, j["anna"], 0, "3", version=None)
    assert err.value.current["value"] == "5" and err.value.conflict
    mark = Mark.get()
    services.set_mark(j["teacher"], lesson, j["anna"], 0, "4", version=mark.version)
    with pytest.raises(services.StaleEdit) as err:  # B again, with the version it saw first
        services.set_mark(j["teacher"], lesson, j["anna"], 0, "2", version=mark.version)
    assert err.value.current["value"] == "4"
    with pytest.raises(services.StaleEdit):  # clearing a mark changed since
        services.set_mark(j["teacher"], lesson, j["anna"], 0, "", version=mark.version)
    assert Mark.get().value == "4"


def test_no_marks_for_a_lesson_still_to_come_but_homework_yes(j):
    from eschool.journal import services

    tomorrow = lesson_on(j, -1)
    with pytest.raises(SchoolError) as err:
        services.set_mark(j["teacher"], tomorrow, j["anna"], 0, "5")
    assert err.value.conflict
    with pytest.raises(SchoolError):
        services.set_attendance(j["teacher"], tomorrow, j["anna"], "н")
    assert services.set_homework(j["teacher"], tomorrow, {"text": "Прочитать §3"}).text == "Прочитать §3"


def test_the_edit_window_and_the_schools_setting(j):
    from eschool.journal import services

    old = lesson_on(j, 20)
    with pytest.raises(SchoolError) as err:
        services.set_mark(j["teacher"], old, j["anna"], 0, "5")
    assert "7" in str(err.value.message)
    j["school"].journal_edit_days = 30
    j["school"].save()
    old = services.lesson_of(j["school"], old.id)
    assert services.set_mark(j["teacher"], old, j["anna"], 0, "5").value == "5"


def test_a_closed_period_refuses_marks_until_reopened(j):
    from eschool.journal import services
    from eschool.school.models import Period

    lesson = lesson_on(j, 5)
    period = services.period_of(j["c5"], lesson.date)
    assert period.number == 1
    Period.update(closed=True).where(Period.id == period.id).execute()
    with pytest.raises(SchoolError) as err:
        services.set_mark(j["teacher"], lesson, j["anna"], 0, "5")
    assert err.value.conflict
    services.set_attendance(j["teacher"], lesson, j["anna"], "н")  # attendance is not a period's mark
    Period.update(closed=False).where(Period.id == period.id).execute()
    assert services.set_mark(j["teacher"], lesson, j["anna"], 0, "5").value == "5"


def test_a_past_year_is_read_only(j):
    from eschool.journal import services
    from eschool.school.models import AcademicYear

    lesson = lesson_on(j, 0)
    AcademicYear.update(closed=True).where(AcademicYear.id == j["year"].id).execute()
    for call in (lambda: services.set_mark(j["teacher"], lesson, j["anna"], 0, "5"),
                 lambda: services.set_lesson(j["teacher"], lesson, {"topic": "x"}),
                 lambda: services.set_homework(j["teacher"], lesson, {"text": "x"})):
        with pytest.raises(SchoolError) as err:
            call()
        assert err.value.conflict


def test_scales(j, app):
    from eschool.journal import services
    from eschool.school.models import CurriculumItem

    lesson = lesson_on(j, 0)
    with pytest.raises(SchoolError) as err:
        services.set_mark(j["teacher"], lesson, j["anna"], 0, "6")
    assert err.value.field == "value"
    CurriculumItem.create(class_group=j["c5"], subject=j["maths"], hours_per_week=5, scale="pass_fail")
    assert services.set_mark(j["teacher"], lesson, j["anna"], 0, "зач").value == "pass"
    with pytest.raises(SchoolError):
        services.set_mark(j["teacher"], lesson, j["anna"], 1, "5")
    from eschool.school.models import ClassGroup

    ClassGroup.update(grade=1).where(ClassGroup.id == j["c5"].id).execute()
    lesson = services.lesson_of(j["school"], lesson.id)
    assert services.scale_of(lesson.class_group, lesson.subject_id) == "none"  # Kemerovo: no marks in grade 1
    with pytest.raises(SchoolError):
        services.set_mark(j["teacher"], lesson, j["boris"], 0, "5")


def test_topic_lateness_and_deadline(j):
    from eschool.journal import services

    lesson = lesson_on(j, 3)
    assert services.lesson_state(lesson) == "overdue"  # Kemerovo: by 19:00 the same day
    services.set_lesson(j["teacher"], lesson, {"topic": "Дроби"})
    lesson = services.lesson_of(j["school"], lesson.id)
    assert services.lesson_state(lesson) == "late"
    limit = services.deadline(lesson)
    local = limit.replace(tzinfo=dt.UTC).astimezone(services.region_tz())
    assert (local.date(), local.hour, local.minute) == (lesson.date, 19, 0)
    future = lesson_on(j, -2)
    assert services.lesson_state(future) == "open"
    services.set_lesson(j["teacher"], future, {"topic": "Повторение"})
    assert services.lesson_state(services.lesson_of(j["school"], future.id)) == "filled"


def test_homework_for_chosen_students_and_its_readers(j):
    from eschool.journal import services

    lesson = lesson_on(j, 0)
    hw = services.set_homework(j["teacher"], lesson, {"text": "Доп. задание", "student_ids": [j["boris"].id],
                                                     "links": ["https://example.org/task"], "minutes_needed": 20})
    assert not hw.for_all and hw.links == "https://example.org/task"
    assert not services.can_read_homework(user("student"), hw)  # Анна: not for her
    assert not services.can_read_homework(user("parent"), hw)
    assert services.can_read_homework(j["classteacher"], hw) and services.can_read_homework(user("deputy"), hw)
    with pytest.raises(SchoolError) as err:
        services.set_homework(j["teacher"], lesson, {"text": "x", "links": ["javascript:alert(1)"]},
                              version=hw.version)
    assert err.value.field == "links.0"
    hw = services.set_homework(j["teacher"], lesson, {"text": "Всем"}, version=hw.version)
    assert hw.for_all and services.can_read_homework(user("parent"), hw)
    assert not services.can_read_homework(user("parent2"), hw)


def test_homework_files_are_checked_and_served_to_readers_only(j, app):
    import io

    from werkzeug.datastructures import FileStorage

    from eschool.journal import services

    lesson = lesson_on(j, 0)
    hw = services.set_homework(j["teacher"], lesson, {"text": "См. файл"})
    with pytest.raises(SchoolError):
        services.add_homework_file(j["teacher"], hw, FileStorage(io.BytesIO(b"MZ..."), "virus.exe"))
    app.config["HOMEWORK_MAX_BYTES"] = 10
    with pytest.raises(SchoolError):
        services.add_homework_file(j["teacher"], hw, FileStorage(io.BytesIO(b"x" * 11), "big.pdf"))
    app.config["HOMEWORK_MAX_BYTES"] = 1000
    row = services.add_homework_file(j["teacher"], hw, FileStorage(io.BytesIO(b"%PDF-1.4"), "../../task.pdf"))
    assert row.original_name == "task.pdf" and row.stored_name != "task.pdf"
    found, path = services.open_homework_file(user("parent"), row.id)
    assert path.read_bytes() == b"%PDF-1.4"
    with pytest.raises(services.JournalForbidden):
        services.open_homework_file(user("parent2"), row.id)


def test_who_reads_a_students_marks(j):
    from eschool.journal import services

    allowed = {"student", "parent", "classteacher", "teacher", "deputy", "director", "admin"}
    for who in ("student", "parent", "parent2", "classteacher", "teacher", "other", "deputy", "director",
                "admin", "municipal", "region", "secretary"):
        assert services.can_read_student(user(who), j["anna"]) == (who in allowed), who
