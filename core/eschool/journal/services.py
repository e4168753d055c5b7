"""TEMPORARY SHIM (oversight branch only, reverted before merging main): the few journal services the
oversight code calls, so its tests run before the lead's journal services exist."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app

from eschool.db import utcnow
from eschool.journal.models import Attendance, WorkType
from eschool.school.services import SchoolError


class JournalForbidden(SchoolError):
    pass


class StaleEdit(SchoolError):
    def __init__(self, field, message, current=None):
        super().__init__(field, message, conflict=True)
        self.current = current


def deadline(lesson):
    rule = current_app.extensions["eschool"].region.rules.get("journal_deadline", {"kind": "same_day"})
    zone = ZoneInfo(current_app.extensions["eschool"].region.timezone)
    if rule.get("kind") == "edit_window":
        days = lesson.school.journal_edit_days or rule.get("edit_window_days", 7)
        local = dt.datetime.combine(lesson.date + dt.timedelta(days=days), dt.time(23, 59, 59), zone)
    else:
        at = dt.time.fromisoformat(rule["time"]) if rule.get("time") else dt.time(23, 59, 59)
        local = dt.datetime.combine(lesson.date, at, zone)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def lesson_state(lesson, now=None):
    now = now or utcnow()
    limit = deadline(lesson)
    if lesson.filled_at is not None:
        return "late" if lesson.filled_at > limit else "filled"
    return "overdue" if now > limit else "open"


DEFAULTS = [("oral", "Устный ответ", 1), ("classwork", "Работа на уроке", 1), ("homework", "Домашняя работа", 1),
            ("test", "Контрольная работа", 2), ("dictation", "Диктант", 1.5)]


def work_types(school):
    rows = list(WorkType.select().where(WorkType.school == school).order_by(WorkType.order))
    if not rows:
        rows = [WorkType.create(school=school, code=c, name=n, weight=w, order=i) for i, (c, n, w) in enumerate(DEFAULTS)]
    return rows


def set_attendance(user, lesson, student, kind, *, reason="", minutes_late=None, version=None):
    from eschool.people.services import is_class_teacher

    if not (lesson.teacher_id == user.id or is_class_teacher(user, lesson.class_group_id)):
        raise JournalForbidden(None, "forbidden")
    row = Attendance.get_or_none((Attendance.lesson == lesson) & (Attendance.student == student))
    if (row.version if row else None) != version:
        raise StaleEdit("kind", "stale")
    if not kind:
        if row:
            row.delete_instance()
        return None
    if row is None:
        return Attendance.create(lesson=lesson, student=student, kind=kind, reason=reason, minutes_late=minutes_late,
                                 recorded_by=user)
    row.kind, row.reason, row.minutes_late, row.version = kind, reason, minutes_late, row.version + 1
    row.recorded_by, row.updated_at = user, utcnow()
    row.save()
    return row
