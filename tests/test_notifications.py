"""Notifications and jobs on a real queue (issue #12, items 4 and 5).

Each queue test runs twice: on the embedded default (SqliteHuey, a file in the test's instance folder)
and on a real Redis (127.0.0.1:6379, a queue name of its own, flushed afterwards). The worker is
either huey's real consumer started in this process, or ``jobs.run_pending`` (the same storage,
executed in this thread). Mail goes to a real local SMTP server (aiosmtpd).
"""
from __future__ import annotations

import datetime as dt
import socket
import time
import uuid

import pytest
from aiosmtpd.controller import Controller

from eschool import hookimpl, jobs
from eschool.auth.models import User
from eschool.notifications import services
from eschool.notifications.audiences import Audience, AudienceError, addressable, reachable, resolve
from eschool.notifications.models import Delivery, Notification
from eschool.types import NotificationKind, PluginInfo
from tests.conftest import bearer, login

REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"

    def recipients(self) -> set[str]:
        return {to for tos, _body in self.messages for to in tos}


@pytest.fixture
def smtp():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


class Gateway:
    """A test plugin: an SMS channel that fails while ``down`` is set, a kind, a periodic task."""

    def __init__(self):
        self.down = False
        self.sent: list[tuple[str, str]] = []
        self.ticks: list[dt.datetime] = []
        gateway = self

        class Sms:
            code = "sms"
            label = "SMS"
            quiet = True

            def address(self, user):
                return user.phone

            def send(self, address, subject, body):
                if gateway.down:
                    raise ConnectionError("gateway unreachable")
                gateway.sent.append((address, subject))

        self.channel = Sms()

    @hookimpl
    def eschool_plugin_info(self):
        return PluginInfo(code="gateway", name="Gateway", version="1")

    @hookimpl
    def eschool_notification_channels(self):
        return [self.channel]

    @hookimpl
    def eschool_notification_kinds(self):
        return [NotificationKind("gateway.alert", "Alerts", "Alert: %(title)s", "notifications/message.txt",
                                 channels=("sms", "email"))]

    @hookimpl
    def eschool_periodic_tasks(self):
        from huey import crontab

        def tick():
            from flask import current_app

            self.ticks.append(current_app.extensions["eschool"].region.code)

        tick.__qualname__ = "tick"
        return [(crontab(hour="7", minute="30"), tick)]


@pytest.fixture(params=["sqlite", "redis"])
def backend(request):
    """Queue settings for one backend; the Redis one gets a queue name of its own, flushed after."""
    if request.param == "sqlite":
        yield {}
        return
    if not redis_reachable():
        pytest.skip("REDIS NOT REACHABLE at 127.0.0.1:6379: the Redis leg of the queue tests did not run")
    yield {"QUEUE_URL": REDIS_URL, "QUEUE_NAME": f"eschool-test-{uuid.uuid4().hex[:12]}"}


@pytest.fixture
def world_app(make_app, regions_copy, smtp, backend):
    """An app with the gateway plugin, a real SMTP server, the backend's queue and a small world."""
    regions_copy.append("kemerovo", "[plugins.gateway]")
    gateway = Gateway()
    app = make_app(extra_plugins=[("gateway", gateway)], SMTP_HOST="127.0.0.1", SMTP_PORT=smtp[1],
                   NOTIFY_RETRY_DELAYS=[0, 0], **backend)
    app.gateway = gateway
    with app.app_context():
        app.world = build_world(app)
    yield app
    jobs.queue_of(app).huey.storage.flush_all()


def build_world(app) -> dict:
    """The demo accounts, plus: 5А (taught by ``teacher``, led by ``classteacher``) with a student whose
    parent is ``parent``; 6Б with another student and parent; a second school in another municipality."""
    from eschool.auth import services as auth
    from eschool.people import services as people
    from eschool.school import services as school_services
    from eschool.school.models import ClassGroup, Subject, TeachingAssignment
    from eschool.structure import services as structure
    from eschool_demo.demo import build_demo

    demo = build_demo(log=lambda *_: None, school_year=False)
    school, munis = demo["school"], demo["municipalities"]
    roles = app.extensions["eschool"].roles
    year = school_services.create_year(school, {"name": "2026/2027", "starts_on": dt.date(2026, 9, 1),
                                                "ends_on": dt.date(2027, 5, 31), "is_current": True, "periods": []})

    def make_class(grade, letter):
        return school_services.create_class(school, {"academic_year_id": year.id, "kind": "regular", "grade": grade,
                                                     "letter": letter, "name": "", "shift": 1,
                                                     "class_teacher_id": None, "subgroups": []})

    def kid(group, last):
        return people.enrol(school, {"last_name": last, "first_name": "Ян", "middle_name": "", "gender": "m",
                                     "birth_date": dt.date(2015, 3, 4), "document_kind": "birth_certificate",
                                     "document_number": "", "snils": "", "address": "", "class_id": group.id,
                                     "date": dt.date(2026, 9, 1), "order_number": "1"})

    def person(username, role, email, **scope):
        user = auth.create_user(username, username.title(), password="x-pass-123", email=email)
        auth.grant_role(user, role, allowed_roles=roles, **scope)
        return user

    a5, b6 = make_class(5, "А"), make_class(6, "Б")
    users = {u.username: u for u in User.select()}
    ClassGroup.update(class_teacher=users["classteacher"]).where(ClassGroup.id == a5.id).execute()
    maths = Subject.create(school=school, name="Математика")
    TeachingAssignment.create(teacher=users["teacher"], class_group=a5, subject=maths)
    kid5, kid6 = kid(a5, "Петров"), kid(b6, "Сидоров")
    people.link_guardian(kid5, {"user_id": users["parent"].id, "relation": "mother", "legal_representative": True})
    parent6 = person("parent6", "parent", "parent6@example.org", school=school)
    people.link_guardian(kid6, {"user_id": parent6.id, "relation": "father", "legal_representative": True})
    from eschool.people.models import Student

    Student.update(user=users["student"]).where(Student.id == kid5.id).execute()
    other = structure.create_school(munis[1], "Другая школа", "Школа №2")
    admin2 = person("admin2", "school_admin", "admin2@example.org", school=other)
    staff2 = person("teacher2", "subject_teacher", "teacher2@example.org", school=other)
    muni2 = person("municipal2", "municipal_operator", None, municipality=munis[1])
    for username in ("parent", "teacher", "classteacher", "admin", "director", "student"):
        User.update(email=f"{username}@example.org").where(User.username == username).execute()
    User.update(phone="+79000000001").where(User.username == "parent").execute()
    ids = {u.username: u.id for u in User.select()}
    return {"school": school.id, "other": other.id, "a5": a5.id, "b6": b6.id, "ids": ids,
            "admin2": admin2.id, "teacher2": staff2.id, "municipal2": muni2.id, "muni": munis[0].id,
            "muni2": munis[1].id}


def wait_for(condition, seconds: float = 30.0):
    """Wait on a condition (never a fixed sleep): poll until it holds or the deadline passes."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


# --------------------------------------------------------------------------- the queue


def test_with_the_worker_stopped_notifications_queue_up_then_the_worker_delivers_them_all(world_app, smtp):
    box, _port = smtp
    w = world_app.world
    with world_app.app_context():
        result = services.notify(Audience.of_class(w["a5"], "parents", "teachers"), "core.message",
                                 {"title": "Собрание", "text": "Родительское собрание в пятницу"})
        expected = {"parent@example.org", "teacher@example.org", "classteacher@example.org"}
        assert result == {"recipients": 3, "deliveries": 3}
        assert {d.address for d in Delivery.select()} == expected
        assert {d.status for d in Delivery.select()} == {"pending"}
        assert Notification.select().count() == 3  # the inbox is written at once
        huey = jobs.queue_of(world_app).huey
        assert huey.pending_count() == 3  # waiting in the real storage, nothing sent
    assert box.messages == []

    consumer = jobs.consumer(world_app, workers=2, periodic=False, in_process=True)
    consumer.start()
    try:
        def all_sent():
            with world_app.app_context():
                return {d.status for d in Delivery.select()} == {"sent"}

        assert wait_for(all_sent)
    finally:
        consumer.stop(graceful=True)
    assert box.recipients() == expected
    assert any("Родительское собрание" in body for _to, body in box.messages)


def test_a_failing_channel_is_retried_then_shown_as_failed_and_can_be_sent_again(world_app):
    w, gateway = world_app.world, world_app.gateway
    gateway.down = True
    with world_app.app_context():
        services.notify(Audience.users(w["ids"]["parent"]), "gateway.alert", {"title": "Пожар", "text": "Учебная тревога"})
        assert jobs.run_pending(world_app) == 4  # e-mail once; SMS: the attempt and two retries
        sms = Delivery.get(Delivery.channel == "sms")
        assert (sms.status, sms.attempts) == ("failed", 3)
        assert "gateway unreachable" in sms.last_error
        assert Delivery.get(Delivery.channel == "email").status == "sent"
    assert gateway.sent == []

    admin = world_app.test_client()
    login(admin, "admin")
    page = admin.get("/notifications/failed", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "+79000000001" in page and "gateway unreachable" in page
    listed = admin.get("/api/v1/notifications/deliveries", headers=bearer(world_app.test_client(), "admin")).get_json()
    assert [d["id"] for d in listed["items"]] == [sms.id] and listed["total"] == 1

    other = world_app.test_client()  # another school's administrator sees none of it and cannot retry it
    login(other, "admin2", "x-pass-123")
    assert "+79000000001" not in other.get("/notifications/failed").get_data(as_text=True)
    other.post("/notifications/failed/retry", data={"id": sms.id})
    with world_app.app_context():
        assert Delivery.get_by_id(sms.id).status == "failed"

    gateway.down = False
    assert admin.post("/notifications/failed/retry", data={"id": sms.id}).status_code == 302
    with world_app.app_context():
        assert Delivery.get_by_id(sms.id).status == "pending"
        jobs.run_pending(world_app)
        assert Delivery.get_by_id(sms.id).status == "sent"
    assert gateway.sent == [("+79000000001", "Alert: Пожар")]


def test_a_lost_task_is_queued_again_by_the_sweep(world_app, smtp):
    w = world_app.world
    with world_app.app_context():
        services.notify(Audience.users(w["ids"]["teacher"]), "core.message", {"title": "T", "text": "B"})
        jobs.queue_of(world_app).huey.storage.flush_queue()  # the queue lost it (a flushed Redis)
        assert jobs.run_pending(world_app) == 0
        assert Delivery.get().status == "pending"
        assert services.sweep(now=services.utcnow() + dt.timedelta(minutes=2)) == 1
        jobs.run_pending(world_app)
        assert Delivery.get().status == "sent"
    assert smtp[0].recipients() == {"teacher@example.org"}


def test_periodic_tasks_run_on_the_regions_clock(world_app):
    queue = jobs.queue_of(world_app)
    task = queue.tasks["periodic.gateway.tests.test_notifications.tick"]
    huey = queue.huey
    # 07:30 in Novokuznetsk (UTC+7) is 00:30 UTC
    due = [t.name for t in huey.read_periodic(dt.datetime(2026, 12, 2, 0, 30))]
    assert task.name in due
    assert task.name not in [t.name for t in huey.read_periodic(dt.datetime(2026, 12, 2, 7, 30))]
    for t in huey.read_periodic(dt.datetime(2026, 12, 2, 0, 30)):
        if t.name == task.name:
            huey.execute(t)
    assert world_app.gateway.ticks == ["kemerovo"]
    assert "eschool.sweep" in [t.name for t in huey.read_periodic(dt.datetime(2026, 12, 2, 0, 31))]


def test_a_plugin_job_runs_in_the_worker_inside_the_app(world_app):
    with world_app.app_context():
        jobs.enqueue(rename, world_app.world["ids"]["teacher"], "Переименован")
        assert User.get(User.username == "teacher").full_name != "Переименован"
        assert jobs.run_pending(world_app) == 1
        assert User.get(User.username == "teacher").full_name == "Переименован"


def rename(user_id, name):
    User.update(full_name=name).where(User.id == user_id).execute()


# --------------------------------------------------------------------------- preferences and quiet hours


def test_preferences_and_quiet_hours_are_honoured(world_app, smtp):
    w = world_app.world
    teacher = world_app.test_client()
    login(teacher, "teacher")
    page = teacher.get("/notifications/preferences", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Alerts" in page and "Messages from the school" in page and "Resetting" not in page  # mandatory: not listed
    assert teacher.post("/notifications/preferences", data={"gateway.alert:sms": "on"}).status_code == 302  # no e-mail
    bad = teacher.post("/notifications/preferences", data={"quiet_starts": "25:99", "quiet_ends": "07:00"})
    assert bad.status_code == 400 and "quiet_starts" in bad.get_data(as_text=True)

    with world_app.app_context():
        region_zone = services._zone()
        local_now = dt.datetime.now(region_zone)
        starts = (local_now - dt.timedelta(hours=1)).time().replace(second=0, microsecond=0)
        ends = (local_now + dt.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    director = world_app.test_client()
    login(director, "director")
    assert director.post("/notifications/preferences", data={
        "core.message:email": "on", "quiet_starts": starts.strftime("%H:%M"),
        "quiet_ends": ends.strftime("%H:%M")}).status_code == 302

    with world_app.app_context():
        ids = w["ids"]
        services.notify(Audience.users(ids["teacher"], ids["director"]), "core.message", {"title": "T", "text": "B"})
        assert not Delivery.select().where(Delivery.user == ids["teacher"]).exists()  # e-mail switched off
        held = Delivery.get(Delivery.user == ids["director"])
        assert held.next_attempt_at > services.utcnow()
        end_local = jobs.to_local(held.next_attempt_at, region_zone)
        assert (end_local.hour, end_local.minute) == (ends.hour, ends.minute)
        assert jobs.run_pending(world_app) == 0  # waiting in huey's schedule until the quiet hours end
        assert jobs.queue_of(world_app).huey.scheduled_count() == 1
        # an urgent kind (the password reset) does not wait
        services.notify(Audience.users(ids["director"]), "account.password_reset", {"link": "http://x/reset"})
        assert jobs.run_pending(world_app) == 1
        assert Delivery.get(Delivery.kind == "account.password_reset").status == "sent"
        assert Notification.select().where(Notification.user == ids["teacher"]).count() == 1  # the inbox always


def test_quiet_hours_across_midnight(world_app):
    from eschool.notifications.models import QuietHours

    with world_app.app_context():  # Novokuznetsk is UTC+7
        hours = QuietHours(starts=dt.time(22, 0), ends=dt.time(7, 0))
        assert services.quiet_end(hours, dt.datetime(2026, 12, 2, 16, 30)) == dt.datetime(2026, 12, 3, 0, 0)  # 23:30
        assert services.quiet_end(hours, dt.datetime(2026, 12, 2, 19, 0)) == dt.datetime(2026, 12, 3, 0, 0)  # 02:00
        assert services.quiet_end(hours, dt.datetime(2026, 12, 2, 5, 0)) == dt.datetime(2026, 12, 2, 5, 0)  # 12:00


# --------------------------------------------------------------------------- the inbox and the permissions


def test_the_inbox_counts_unread_and_marks_read(world_app):
    w = world_app.world
    with world_app.app_context():
        services.notify(Audience.users(w["ids"]["parent"]), "core.message", {"title": "Первое", "text": "a"})
        services.notify(Audience.users(w["ids"]["parent"]), "core.message", {"title": "Второе", "text": "b"})
        services.notify(Audience.users(w["ids"]["teacher"]), "core.message", {"title": "Чужое", "text": "c"})
    parent = world_app.test_client()
    login(parent, "parent")
    page = parent.get("/notifications").get_data(as_text=True)
    assert "Первое" in page and "Второе" in page and "Чужое" not in page
    assert '<span class="badge"' in parent.get("/dashboard").get_data(as_text=True)
    token = bearer(world_app.test_client(), "parent")
    body = parent.get("/api/v1/notifications", headers=token).get_json()
    assert body["unread"] == 2 and body["total"] == 2
    first = body["items"][-1]["id"]
    assert parent.post("/api/v1/notifications/read", json={"ids": [first]}, headers=token).get_json() == \
        {"changed": 1, "unread": 1}
    other = bearer(world_app.test_client(), "teacher")  # someone else's entry is never changed
    assert parent.post("/api/v1/notifications/read", json={"ids": [body["items"][0]["id"]]}, headers=other
                       ).get_json()["changed"] == 0
    assert parent.post("/notifications/read").status_code == 302
    assert parent.get("/api/v1/notifications?unread=1", headers=token).get_json()["total"] == 0
    bad = parent.post("/api/v1/notifications/read", json={"ids": ["x"]}, headers=token)
    assert bad.status_code == 400 and "ids" in bad.get_json()["error"]["fields"]


def test_pages_and_apis_refuse_forbidden_users(world_app):
    assert world_app.test_client().get("/api/v1/notifications").status_code == 401
    assert world_app.test_client().get("/notifications").status_code == 302  # to the login page
    for username in ("teacher", "parent", "director"):
        client = world_app.test_client()
        login(client, username)
        assert client.get("/notifications/failed").status_code == 403
        assert client.post("/notifications/failed/retry", data={"id": 1}).status_code == 403
        token = bearer(world_app.test_client(), username)
        assert client.get("/api/v1/notifications/deliveries", headers=token).status_code == 403
        assert client.post("/api/v1/notifications/deliveries/retry", json={"ids": [1]}, headers=token).status_code == 403
    region = world_app.test_client()
    login(region, "region")
    assert region.get("/notifications/failed").status_code == 200


# --------------------------------------------------------------------------- audiences


@pytest.fixture
def world(make_app):
    app = make_app()
    with app.app_context():
        app.world = build_world(app)
    return app


def test_an_audience_is_a_small_serialisable_value(world):
    a = Audience.of_class(5, "parents") | Audience.with_role("director", school_id=2) | Audience.region("operators")
    assert Audience.from_dict(a.to_dict()) == a
    with pytest.raises(AudienceError):
        Audience.school(1, "cousins")
    with pytest.raises(AudienceError):
        Audience.from_dict({"who": ["staff"]})


def test_audiences_resolve_to_the_right_people(world):
    w, ids = world.world, world.world["ids"]
    with world.app_context():
        assert resolve(Audience.of_class(w["a5"], "parents")) == {ids["parent"]}
        assert resolve(Audience.of_class(w["a5"], "students")) == {ids["student"]}
        assert resolve(Audience.of_class(w["a5"], "teachers")) == {ids["teacher"], ids["classteacher"]}
        assert resolve(Audience.school(w["school"], "parents")) == {ids["parent"], ids["parent6"]}
        staff = resolve(Audience.school(w["school"]))
        assert {ids["admin"], ids["teacher"], ids["director"]} <= staff and ids["parent"] not in staff
        assert resolve(Audience.municipality(w["muni2"])) == {w["admin2"], w["teacher2"], w["municipal2"]}
        assert resolve(Audience.with_role("director", school_id=w["school"])) == {ids["director"]}
        assert resolve(Audience.region("operators")) == {ids["region"], ids["municipal"], w["municipal2"]}
        # one statement however many people and parts: the parts are subqueries of one UNION
        from eschool.testing import counting_queries

        big = Audience.region("staff", "students", "parents", "operators") | Audience.of_class(w["a5"], "teachers")
        with counting_queries() as counted:
            everyone = resolve(big)
        assert counted.count == 1 and {ids["parent"], ids["student"], ids["region"], w["admin2"]} <= everyone


@pytest.mark.parametrize("sender, reaches, never", [
    ("teacher", ["parent", "student", "classteacher", "director"], ["parent6", "admin2", "teacher2"]),
    ("classteacher", ["parent", "student"], ["parent6", "teacher2"]),
    ("parent", ["teacher", "classteacher", "admin", "director"], ["parent6", "student", "teacher2", "admin2"]),
    ("student", ["teacher", "classteacher", "director"], ["parent", "parent6", "admin2"]),
    ("admin", ["parent", "parent6", "student", "teacher", "municipal"], ["admin2", "teacher2", "municipal2"]),
    ("municipal", ["admin", "parent6", "region"], ["admin2", "teacher2", "municipal2"]),
    ("region", ["admin", "admin2", "parent6", "municipal2"], []),
])
def test_a_sender_reaches_only_their_scope(world, sender, reaches, never):
    w = world.world
    ids = {**w["ids"], "admin2": w["admin2"], "teacher2": w["teacher2"], "municipal2": w["municipal2"]}
    everyone = Audience.region("staff", "students", "parents", "operators")
    with world.app_context():
        user = User.get_by_id(ids[sender])
        got = reachable(user, everyone)
        assert {ids[n] for n in reaches} <= got, sender
        assert not ({ids[n] for n in never} & got), sender
        if sender == "region":
            assert addressable(user) is None


def test_notify_sends_only_to_whom_the_actor_may_address(world):
    w = world.world
    with world.app_context():
        teacher = User.get_by_id(w["ids"]["teacher"])
        result = services.notify(Audience.school(w["school"], "parents"), "core.message", {"title": "T", "text": "B"},
                                 actor=teacher)
        assert result["recipients"] == 1
        assert {n.user_id for n in Notification.select()} == {w["ids"]["parent"]}  # not 6Б's parent
        with pytest.raises(services.NotificationError):
            services.notify(Audience.users(w["ids"]["parent"]), "no.such_kind", {})


def test_the_worker_command_runs_the_queued_jobs(tmp_path, monkeypatch, database_url):
    from click.testing import CliRunner

    from eschool import cli

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ESCHOOL_INSTANCE", str(tmp_path))
    monkeypatch.setenv("ESCHOOL_REGION", "kemerovo")
    monkeypatch.setattr(cli, "_APPS", {})
    runner = CliRunner()
    assert runner.invoke(cli.main, ["db", "upgrade"]).exit_code == 0
    app = cli.make_app()
    try:
        from eschool.auth import services as auth

        user = auth.create_user("someone", "Кто-то", password="x-pass-123")
        jobs.enqueue(rename, user.id, "Из очереди")  # queued by one process ...
        assert (tmp_path / "queue.sqlite3").exists()
        result = runner.invoke(cli.main, ["worker", "--burst"])  # ... run by the worker
        assert result.exit_code == 0 and "ran 1 job(s)" in result.output, result.output
        assert User.get_by_id(user.id).full_name == "Из очереди"
        assert "--workers" in runner.invoke(cli.main, ["worker", "--help"]).output
    finally:
        database = app.extensions["eschool"].database
        database.close()
        if hasattr(database, "close_all"):
            database.close_all()
