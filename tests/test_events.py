"""Plugin events (eschool.events): delivered after the outermost commit, never for a rolled-back change, each
plugin isolated (a handler's exception is logged, the user's save stands and answers 2xx), the actor always
a User (or None for a system action), delete events for marks, absences and homework."""
from __future__ import annotations

import datetime as dt
import logging

import peewee
import pytest

from eschool import hookimpl
from eschool.types import PluginInfo
from tests.conftest import bearer, login
from tests.journal_world import build_world, recent_lesson
from tests.probe_plugin import Probe

API = "/api/v1/journal"


class RaisingProbe(Probe):
    """The probe, with a mark handler that fails on a bad SQL statement (which, in an open PostgreSQL
    transaction, would spoil the transaction were it not run in a savepoint)."""

    @hookimpl
    def eschool_on_mark_saved(self, mark, created, actor, scope):
        from eschool.db import db

        self.calls.append(("mark_saved", mark))
        db.execute_sql("SELECT * FROM probe_no_such_table")


class Listener:
    """Hears every event it can, with the actor and whether a transaction was still open then."""

    def __init__(self, root):
        self.root = root
        self.heard: list[tuple] = []

    def _hear(self, event, subject, actor, **extra):
        from eschool.db import db

        self.heard.append((event, subject, actor, db.in_transaction(), extra))

    def events(self, *names):
        return [h for h in self.heard if not names or h[0] in names]

    @hookimpl
    def eschool_plugin_info(self):
        return PluginInfo(code="listener", name="Listener", root=self.root)

    @hookimpl
    def eschool_on_mark_saved(self, mark, created, actor, scope):
        self._hear("mark_saved", mark, actor, created=created)

    @hookimpl
    def eschool_on_mark_deleted(self, mark, actor, scope):
        self._hear("mark_deleted", mark, actor)

    @hookimpl
    def eschool_on_absence_recorded(self, attendance, created, actor, scope):
        self._hear("absence_recorded", attendance, actor, created=created)

    @hookimpl
    def eschool_on_absence_deleted(self, attendance, actor, scope):
        self._hear("absence_deleted", attendance, actor)

    @hookimpl
    def eschool_on_homework_set(self, homework, created, actor, scope):
        self._hear("homework_set", homework, actor)

    @hookimpl
    def eschool_on_homework_deleted(self, homework, actor, scope):
        self._hear("homework_deleted", homework, actor)

    @hookimpl
    def eschool_on_student_moved(self, student, movement, actor, scope):
        self._hear("student_moved", student, actor, kind=movement.kind)

    @hookimpl
    def eschool_on_lessons_created(self, class_group, lessons, actor, scope):
        self._hear("lessons_created", class_group, actor, lessons=lessons)

    @hookimpl
    def eschool_on_timetable_changed(self, entry, change, actor, scope):
        self._hear("timetable_changed", entry, actor, change=change)

    @hookimpl
    def eschool_on_substitution_made(self, substitution, created, actor, scope):
        self._hear("substitution_made", substitution, actor, created=created)

    @hookimpl
    def eschool_on_user_created(self, user, actor, scope):
        self._hear("user_created", user, actor, scope=scope)


@pytest.fixture
def plugins(regions_copy, tmp_path):
    regions_copy.append("kemerovo", "[plugins.probe]\n[plugins.listener]")
    return RaisingProbe(), Listener(tmp_path)


@pytest.fixture
def app(make_app, plugins):
    probe, listener = plugins
    with pytest.warns(DeprecationWarning, match="eschool_on_student_moved: `actor` is now the acting User"):
        return make_app(extra_plugins=[("probe", probe), ("listener", listener)])


@pytest.fixture
def world(app, client, demo, plugins):
    built = build_world(app, demo)
    login(client, "teacher")
    assert client.get(built["grid"]).status_code == 200  # the lessons from the timetable
    client.post("/logout")
    built["headers"] = bearer(client, "teacher")
    built["lesson"] = recent_lesson(app, built)
    plugins[1].heard.clear()
    return built


def _user_id(name):
    from eschool.auth.models import User

    return User.get(User.username == name).id


def test_a_failing_handler_neither_fails_nor_undoes_the_save(app, client, world, plugins, caplog):
    from eschool.journal.models import Mark

    probe, listener = plugins
    student = world["students"][0]
    with caplog.at_level(logging.ERROR, logger="eschool.events"):
        answer = client.post(f"{API}/lessons/{world['lesson'].id}/marks", json={"student_id": student, "value": "5"},
                             headers=world["headers"])
    assert answer.status_code == 201, answer.get_data(as_text=True)[:300]
    with app.app_context():
        saved = Mark.get((Mark.lesson == world["lesson"].id) & (Mark.student == student))
        assert saved.value == "5"
        assert len(probe.called("mark_saved")) == 1  # the broken handler ran
        [(event, mark, actor, in_transaction, extra)] = listener.events("mark_saved")
        assert mark.id == saved.id and extra == {"created": True} and not in_transaction
        assert actor.id == _user_id("teacher")
    failures = [r for r in caplog.records if r.name == "eschool.events"]
    assert len(failures) == 1 and "'probe'" in failures[0].getMessage()
    assert "eschool_on_mark_saved" in failures[0].getMessage()
    assert issubclass(failures[0].exc_info[0], peewee.DatabaseError)


def test_delete_events_carry_the_row_and_the_acting_user(app, client, world, plugins):
    _, listener = plugins
    url, headers = f"{API}/lessons/{world['lesson'].id}", world["headers"]
    a, b = world["students"][:2]
    assert client.post(f"{url}/marks", json={"student_id": a, "value": "4"}, headers=headers).status_code == 201
    assert client.put(f"{url}/attendance", json={"student_id": b, "kind": "ill"}, headers=headers).status_code == 200
    assert client.put(f"{url}/homework", json={"text": "Стр. 42"}, headers=headers).status_code == 200
    assert client.delete(f"{url}/marks", query_string={"student_id": a, "slot": 0, "version": 1},
                         headers=headers).status_code == 204
    assert client.delete(f"{url}/attendance", query_string={"student_id": b, "version": 1},
                         headers=headers).status_code == 204
    assert client.delete(f"{url}/homework", query_string={"version": 1}, headers=headers).status_code == 204
    with app.app_context():
        teacher = _user_id("teacher")
        deleted = listener.events("mark_deleted", "absence_deleted", "homework_deleted")
        assert [(e, type(actor).__name__, actor.id) for e, _s, actor, _t, _x in deleted] == [
            ("mark_deleted", "User", teacher), ("absence_deleted", "User", teacher),
            ("homework_deleted", "User", teacher)]
        mark, attendance, homework = (subject for _e, subject, *_ in deleted)
        assert (mark.student_id, mark.value) == (a, "4") and (attendance.student_id, attendance.kind) == (b, "ill")
        assert homework.text == "Стр. 42" and homework.lesson_id == world["lesson"].id
        assert not any(in_transaction for *_, in_transaction, _x in deleted)


def test_people_events_receive_the_user_not_an_id(app, client, world, plugins):
    _, listener = plugins
    headers = bearer(client, "secretary")
    card = {"last_name": "Соколова", "first_name": "Анна", "middle_name": "", "birth_date": "2015-03-04",
            "gender": "f", "document_kind": "birth_certificate", "document_number": "", "snils": "", "address": "",
            "class_id": world["c5"], "date": world["today"].isoformat(), "order_number": "7-у"}
    answer = client.post(f"/api/v1/schools/{world['school']}/students", json=card, headers=headers)
    assert answer.status_code == 201, answer.get_json()
    with app.app_context():
        [(event, student, actor, in_transaction, extra)] = listener.events("student_moved")
        assert student.first_name == "Анна" and extra == {"kind": "enrolment"} and not in_transaction
        assert type(actor).__name__ == "User" and actor.id == _user_id("secretary")


def test_no_event_for_a_rolled_back_transaction(app, world, plugins):
    from eschool.db import db
    from eschool.journal import services
    from eschool.journal.models import Mark

    _, listener = plugins
    with app.test_request_context():
        teacher = services.User.get_by_id(world["teacher"])
        lesson = services.Lesson.get_by_id(world["lesson"].id)
        a = world["students"][0]
        with pytest.raises(RuntimeError), db.atomic():  # a service that fails after the event was fired
            services.set_mark(teacher, lesson, a, 0, "5")
            services.set_attendance(teacher, lesson, a, "ill")
            raise RuntimeError("the rest of the work failed")
        assert listener.heard == []
        assert not Mark.select().where(Mark.lesson == lesson.id).exists()
        with db.atomic() as transaction:  # rolled back by hand
            services.set_mark(teacher, lesson, a, 0, "4")
            transaction.rollback()
        assert listener.heard == [] and not Mark.select().where(Mark.lesson == lesson.id).exists()
        services.set_mark(teacher, lesson, a, 0, "3")  # the next commit does not carry the dropped ones
    assert [(e, s.value) for e, s, *_ in listener.heard] == [("mark_saved", "3")]


def test_nested_blocks_deliver_once_after_the_outermost_commit_in_order(app, world, plugins):
    from eschool.db import db
    from eschool.journal import services

    _, listener = plugins
    with app.test_request_context():
        teacher = services.User.get_by_id(world["teacher"])
        lesson = services.Lesson.get_by_id(world["lesson"].id)
        a, b, c = world["students"][:3]
        with db.atomic():
            services.set_mark(teacher, lesson, a, 0, "5")  # its own db.atomic() is a savepoint here
            with db.atomic():
                services.set_attendance(teacher, lesson, b, "late")
                with pytest.raises(RuntimeError), db.atomic():  # a savepoint rolled back: only its events go
                    services.set_mark(teacher, lesson, c, 0, "2")
                    raise RuntimeError("undone")
            services.set_mark(teacher, lesson, b, 0, "4")
            assert listener.heard == []  # nothing before the commit
        delivered = [(e, s.student_id) for e, s, *_ in listener.heard]
        assert delivered == [("mark_saved", a), ("absence_recorded", b), ("mark_saved", b)]
        assert not any(in_transaction for *_, in_transaction, _x in listener.heard)
        assert all(actor.id == teacher.id for _e, _s, actor, *_ in listener.heard)


def test_a_commit_by_hand_delivers_what_it_committed_and_a_failing_handler_spoils_nothing(app, world, plugins):
    from eschool.db import db
    from eschool.journal import services
    from eschool.journal.models import Mark

    probe, listener = plugins
    with app.test_request_context():
        teacher = services.User.get_by_id(world["teacher"])
        lesson = services.Lesson.get_by_id(world["lesson"].id)
        a, b = world["students"][:2]
        with pytest.raises(RuntimeError), db.atomic() as transaction:
            services.set_mark(teacher, lesson, a, 0, "5")
            transaction.commit()  # delivered now, the probe's handler failing inside the new transaction
            assert [(e, s.student_id) for e, s, *_ in listener.heard] == [("mark_saved", a)]
            services.set_mark(teacher, lesson, b, 0, "4")  # the transaction goes on, its statements work
            raise RuntimeError("then the rest fails")
        assert len(listener.heard) == 1 and len(probe.called("mark_saved")) == 1
        assert [m.student_id for m in Mark.select().where(Mark.lesson == lesson.id)] == [a]


def test_a_write_outside_a_transaction_is_delivered_at_once_and_system_actions_have_no_actor(app, world, plugins):
    from eschool.auth import services as auth
    from eschool.timetable import services as timetable

    _, listener = plugins
    with app.app_context():
        user = auth.create_user("newcomer", "Новый Пользователь")
        [(event, subject, actor, in_transaction, extra)] = listener.events("user_created")
        assert subject.id == user.id and actor is None and extra["scope"].level == "region"
        school = services_school(world)
        entry = timetable.add_entry(school, {"class_id": world["c6"], "weekday": 6, "number": 5,
                                             "subject_id": world["maths"], "teacher_id": world["other"],
                                             "room_id": None})
        lesson_day = world["today"] + dt.timedelta(days=(6 - world["today"].isoweekday()) % 7)
        timetable.substitute(school, {"entry_id": entry.id, "date": lesson_day, "teacher_id": world["teacher"]})
        timetable.remove_entry(school, entry.id)
    changes = [(e, x.get("change", x.get("created"))) for e, _s, _a, _t, x in listener.events(
        "timetable_changed", "substitution_made")]
    assert changes == [("timetable_changed", "added"), ("substitution_made", True), ("timetable_changed", "removed")]


def test_lessons_made_from_the_timetable_are_announced_with_who_asked(app, client, world, plugins):
    from eschool.journal.models import Lesson

    _, listener = plugins
    login(client, "other")  # 6Б's lessons are made when its teacher first opens its grid
    assert client.get(f"/school/{world['school']}/journal/class/{world['c6']}/subject/{world['maths']}").status_code \
        == 200
    with app.app_context():
        made = listener.events("lessons_created")
        assert made and all(group.id == world["c6"] and actor.id == world["other"] for _e, group, actor, _t, _x in made)
        ids = sorted(lesson.id for *_, extra in made for lesson in extra["lessons"])
        assert ids == sorted(lesson.id for lesson in Lesson.select().where(Lesson.class_group == world["c6"]))


def services_school(world):
    from eschool.structure.models import School

    return School.get_by_id(world["school"])


def test_lessons_made_school_wide_for_the_control_page_are_announced_per_class(app, client, world, plugins):
    """The deputy's control page makes every class's lessons from the timetable in one go (the oversight
    plugin through plugin_api.ensure_school_lessons): each class that got lessons is announced once,
    with exactly the lessons made for it."""
    from eschool.journal.models import Lesson

    _, listener = plugins
    with app.app_context():
        before = {lesson.id for lesson in Lesson.select(Lesson.id)}
    login(client, "deputy")
    assert client.get(f"/school/{world['school']}/control").status_code == 200
    with app.app_context():
        made = listener.events("lessons_created")
        new = {lesson.id: lesson.class_group_id for lesson in Lesson.select() if lesson.id not in before}
        assert new, "the control page made the lessons nobody opened"
        classes = [group.id for _e, group, _a, _t, _x in made]
        assert len(classes) == len(set(classes)) == len(set(new.values()))
        announced = {lesson.id: group.id for _e, group, _a, _t, extra in made for lesson in extra["lessons"]}
        assert announced == new
        assert all(actor.username == "deputy" for _e, _g, actor, _t, _x in made)
