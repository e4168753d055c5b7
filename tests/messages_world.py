"""Helpers shared by the mail and alerts tests: a second school with a family, e-mail addresses, SMTP."""
from __future__ import annotations

import datetime as dt
import socket

from eschool.testing.world import PASSWORD


class Mailbox:
    """What a local SMTP server (aiosmtpd) received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"

    def to(self, address: str) -> list[str]:
        return [body for tos, body in self.messages if address in tos]


def smtp_server():
    """A started (controller, mailbox, port) on a free local port."""
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, box, port


def add_other_school(app, world) -> dict:
    """A second school (another municipality where the region has one) with a class, a student, their
    parent ``parent2`` and a teacher ``teacher2``; e-mail addresses for the world's people."""
    from eschool.plugin_api import (
        AcademicYear,
        ClassGroup,
        Municipality,
        User,
        create_class,
        create_school,
        create_user,
        enrol,
        grant_role,
        link_guardian,
    )

    with app.app_context():
        roles = app.extensions["eschool"].roles
        munis = list(Municipality.select().order_by(Municipality.id))
        muni = munis[1] if len(munis) > 1 else munis[0]
        other = create_school(muni, "Другая школа № 2", "Школа № 2")
        year = AcademicYear.get_by_id(world.year)
        from eschool.plugin_api import create_year

        year2 = create_year(other, {"name": year.name, "starts_on": year.starts_on, "ends_on": year.ends_on,
                                    "is_current": True, "periods": []})
        group = create_class(other, {"academic_year_id": year2.id, "grade": 5, "letter": "В", "kind": "regular",
                                     "name": "", "shift": 1, "class_teacher_id": None, "subgroups": []})
        kid = enrol(other, {"last_name": "Чужой", "first_name": "Ученик", "middle_name": "", "gender": "m",
                            "birth_date": dt.date(2015, 2, 2), "document_kind": "birth_certificate",
                            "document_number": "", "snils": "", "address": "", "class_id": group.id,
                            "date": year.starts_on, "order_number": "9-у"}, notify=False)
        parent2 = create_user("parent2", "Родитель Чужой", password=PASSWORD, must_change_password=False,
                              email="parent2@example.org")
        grant_role(parent2, "parent", allowed_roles=roles, school=other)
        link_guardian(kid, {"user_id": parent2.id, "relation": "father", "legal_representative": True})
        teacher2 = create_user("teacher2", "Учитель Чужой", password=PASSWORD, must_change_password=False,
                               email="teacher2@example.org")
        grant_role(teacher2, "subject_teacher", allowed_roles=roles, school=other)
        for username in world.users:
            User.update(email=f"{username}@example.org").where(User.username == username).execute()
        assert ClassGroup.get_by_id(group.id)
        return {"school": other.id, "class": group.id, "parent2": parent2.id, "teacher2": teacher2.id,
                "student2": kid.id}


def mail_text(raw: str) -> str:
    """A received mail's subject and body, decoded."""
    import email
    from email.policy import default

    message = email.message_from_string(raw, policy=default)
    part = message.get_body(preferencelist=("plain",)) or message
    return f"{message['Subject']}\n{part.get_content()}"


def recent_lesson_id(app, world) -> int:
    """The latest 5А maths lesson on or before today (made from the timetable) that the teacher keeps."""
    from eschool.plugin_api import ClassGroup, Lesson, ensure_lessons

    with app.app_context():
        group = ClassGroup.get_by_id(world.c5)
        ensure_lessons(group, world.today - dt.timedelta(days=10), world.today)
        lesson = (Lesson.select().where((Lesson.class_group == world.c5) & (Lesson.date <= world.today))
                  .order_by(Lesson.date.desc()).first())
        return lesson.id


def later(minutes: int):
    """A naive UTC instant ``minutes`` from now (for ``jobs.run_pending(app, now=...)``)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=minutes)


def alerts_of(app, user_id: int) -> list:
    from eschool.notifications.models import Notification

    with app.app_context():
        return list(Notification.select().where((Notification.user == user_id)
                                                & Notification.kind.startswith("alerts."))
                    .order_by(Notification.id))
