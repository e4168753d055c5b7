"""Alerts to families: wait out a short delay, look again, then alert or hold for the evening digest.

An event (a mark saved, an absence recorded, homework set) only records that an alert is due and
queues a job for ``delay_seconds`` later (the request pays one small write). When the job runs, in the
worker, it looks at the record again: deleted meanwhile, nothing is sent; changed meanwhile, the later
change's job sends the value it finds then, once. The job then works out the recipients (the
student's parents, and the student if they asked for alerts) and either notifies them (the core's
``notify``: the inbox, and e-mail or SMS by each person's choices and quiet hours) or, for those who
chose the evening digest, holds the alert for one grouped message at the region's digest hour.
"""
from __future__ import annotations

import datetime as dt
import json
import secrets

from flask import current_app
from peewee import IntegrityError

from eschool.plugin_api import (
    Attendance,
    Audience,
    FinalMark,
    Guardian,
    Homework,
    Lesson,
    Mark,
    Period,
    School,
    Student,
    db,
    enqueue,
    local_today,
    notify,
    region_tz,
    scope_for_school,
    settings_for,
    utcnow,
)
from eschool_alerts.models import Choice, Digest, DigestItem, Pending

CODE = "alerts"
KINDS = ("alerts.mark", "alerts.low_mark", "alerts.absence", "alerts.homework", "alerts.final")


def settings(school_id: int | None = None, scope=None) -> dict:
    if scope is None and school_id is not None:
        school = School.get_or_none(School.id == school_id)
        scope = scope_for_school(school) if school is not None else None
    if scope is None:
        return current_app.extensions["eschool"].plugins.settings.get(CODE) or {}
    return settings_for(CODE, scope)


# --------------------------------------------------------------------------- the events' side (the request)


def schedule(kind: str, record_id: int, scope) -> None:
    """An alert about ``kind:record_id`` is due after the delay; a later change replaces it."""
    key = f"{kind}:{record_id}"
    token = secrets.randbits(62)
    (Pending.insert(key=key, token=token, created_at=utcnow())
     .on_conflict(conflict_target=[Pending.key], update={Pending.token: token, Pending.created_at: utcnow()})
     .execute())
    enqueue(fire, kind, record_id, str(token), delay=settings(scope=scope).get("delay_seconds", 300))


def cancel(kind: str, record_id: int) -> None:
    """The record is gone (a mark deleted, an absence taken back): its alert is not sent."""
    Pending.delete().where(Pending.key == f"{kind}:{record_id}").execute()


def claim(kind: str, record_id: int, token: str) -> bool:
    """Take the due alert (one conditional DELETE): ``False`` if a later change or a delete replaced it,
    or another worker took it already."""
    return bool(Pending.delete().where((Pending.key == f"{kind}:{record_id}")
                                       & (Pending.token == int(token))).execute())


# --------------------------------------------------------------------------- what an alert says


def _student_name(student: Student) -> str:
    return " ".join(p for p in (student.last_name, student.first_name) if p)


def describe(kind: str, record_id: int):
    """``(alert kind, student, context, school_id)`` for the record as it is now, or ``None`` when there
    is nothing to say (the record is gone, homework not for tomorrow)."""
    if kind == "mark":
        mark = Mark.get_or_none(Mark.id == record_id)
        if mark is None:
            return None
        lesson = Lesson.get_by_id(mark.lesson_id)
        work = mark.work_type.name if mark.work_type_id else ""
        code = "alerts.low_mark" if mark.numeric is not None and mark.numeric <= 2 else "alerts.mark"
        return code, mark.student, {"value": mark.value, "subject": lesson.subject.name, "work": work,
                                    "date": lesson.date.strftime("%d.%m.%Y"), "comment": mark.comment}, lesson.school_id
    if kind == "absence":
        row = Attendance.get_or_none(Attendance.id == record_id)
        if row is None:
            return None
        lesson = Lesson.get_by_id(row.lesson_id)
        return "alerts.absence", row.student, {"what": row.kind, "subject": lesson.subject.name,
                                               "number": lesson.number or "", "minutes": row.minutes_late or "",
                                               "date": lesson.date.strftime("%d.%m.%Y")}, lesson.school_id
    if kind == "homework":
        homework = Homework.get_or_none(Homework.id == record_id)
        if homework is None or homework.due_on != local_today() + dt.timedelta(days=1):
            return None
        lesson = Lesson.get_by_id(homework.lesson_id)
        return "alerts.homework", None, {"subject": lesson.subject.name, "text": homework.text[:500],
                                         "date": homework.due_on.strftime("%d.%m.%Y"), "class_id": lesson.class_group_id,
                                         "homework_id": homework.id}, lesson.school_id
    return None


def recipients(students) -> dict[int, list[int]]:
    """Per student id: the users to alert (their parents, and the student if they asked)."""
    students = list(students)
    found: dict[int, list[int]] = {s.id: [] for s in students}
    if not students:
        return found
    for g in Guardian.select(Guardian.student, Guardian.user).where(Guardian.student.in_([s.id for s in students])):
        found[g.student_id].append(g.user_id)
    own = {s.user_id: s.id for s in students if s.user_id}
    if own:
        for c in Choice.select(Choice.user).where(Choice.user.in_(list(own)) & (Choice.as_student == True)):  # noqa: E712
            found[own[c.user_id]].append(c.user_id)
    return found


def _homework_students(context) -> list[Student]:
    homework = Homework.get_by_id(context["homework_id"])
    if homework.for_all:
        from eschool.plugin_api import class_students

        lesson = Lesson.get_by_id(homework.lesson_id)
        return list(class_students(lesson.class_group))
    ids = [row.student_id for row in homework.students]
    return list(Student.select().where(Student.id.in_(ids or [0])))


def fire(kind: str, record_id: int, token: str) -> int:
    """The delayed job: claim the alert, look at the record now, alert or hold for the digest.
    Returns how many people it reached (0 when there was nothing to send)."""
    if not claim(kind, record_id, token):
        return 0
    found = describe(kind, record_id)
    if found is None:
        return 0
    code, student, context, school_id = found
    students = [student] if student is not None else _homework_students(context)
    context = {k: v for k, v in context.items() if k not in ("class_id", "homework_id")}
    reached = 0
    by_student = recipients(students)
    for s in students:
        ids = sorted(set(by_student.get(s.id, ())))
        if ids:
            reached += deliver(code, dict(context, student=_student_name(s)), ids, school_id)
    return reached


def deliver(code: str, context: dict, user_ids: list[int], school_id: int | None) -> int:
    """Notify now those who want each alert, hold it for the digest of those who chose one."""
    digest = {c.user_id for c in Choice.select(Choice.user).where(Choice.user.in_(user_ids) & (Choice.digest == True))}  # noqa: E712
    now_ids = [u for u in user_ids if u not in digest]
    if now_ids:
        notify(Audience.users(*now_ids), code, context, actor=None, link="/diary", school_id=school_id)
    if digest:
        due = digest_due(school_id)
        with db.atomic():
            DigestItem.insert_many([{"user": u, "kind": code, "context": json.dumps(context, ensure_ascii=False),
                                     "created_at": utcnow()} for u in sorted(digest)]).execute()
            fresh = []
            for u in sorted(digest):
                try:
                    with db.atomic():
                        Digest.create(user=u, due_at=due)
                    fresh.append(u)
                except IntegrityError:
                    pass  # a digest is due already: the item joins it
        for u in fresh:
            enqueue(send_digest, u, due.isoformat(), eta=due)
    return len(user_ids)


# --------------------------------------------------------------------------- the evening digest


def digest_due(school_id: int | None, now: dt.datetime | None = None) -> dt.datetime:
    """The next digest hour of the region (naive UTC) after ``now``."""
    hour = settings(school_id).get("digest_hour", 20)
    zone = region_tz()
    local = (now or utcnow()).replace(tzinfo=dt.UTC).astimezone(zone)
    due = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if due <= local:
        due += dt.timedelta(days=1)
    return due.astimezone(dt.UTC).replace(tzinfo=None)


def send_digest(user_id: int, due: str | None = None) -> int:
    """Send a user's digest: every held alert in one message. Returns how many alerts it grouped."""
    where = Digest.user == user_id
    if due is not None:
        where &= Digest.due_at == dt.datetime.fromisoformat(due)
    if not Digest.delete().where(where).execute():
        return 0
    items = list(DigestItem.select().where(DigestItem.user == user_id).order_by(DigestItem.created_at, DigestItem.id))
    if not items:
        return 0
    DigestItem.delete().where(DigestItem.id.in_([i.id for i in items])).execute()
    lines = [dict(json.loads(i.context), kind=i.kind) for i in items]
    notify(Audience.users(user_id), "alerts.digest", {"count": len(lines), "items": lines}, actor=None, link="/diary")
    return len(lines)


def overdue_digests(now: dt.datetime | None = None) -> int:
    """Send the digests whose time has passed (a lost task, a worker that was down): the sweep."""
    rows = list(Digest.select().where(Digest.due_at <= (now or utcnow())).limit(5000))
    return sum(1 for row in rows if send_digest(row.user_id, row.due_at.isoformat()))


# --------------------------------------------------------------------------- final marks


def final_marks(period_id: int) -> int:
    """A period was closed: each student's parents get the final marks of it, in one alert."""
    period = Period.get_or_none(Period.id == period_id)
    if period is None:
        return 0
    rows = list(FinalMark.select().where(FinalMark.period == period_id).order_by(FinalMark.student, FinalMark.subject))
    per: dict[int, list] = {}
    for row in rows:
        per.setdefault(row.student_id, []).append(row)
    if not per:
        return 0
    students = list(Student.select().where(Student.id.in_(list(per))))
    by_student = recipients(students)
    school_id = rows[0].class_group.school_id
    reached = 0
    for s in students:
        ids = sorted(set(by_student.get(s.id, ())))
        if ids:
            marks = "; ".join(f"{r.subject.name}: {r.value}" for r in per[s.id])
            reached += deliver("alerts.final", {"student": _student_name(s), "period": str(period.number),
                                             "marks": marks}, ids, school_id)
    return reached


# --------------------------------------------------------------------------- choices


def choice(user) -> Choice:
    return Choice.get_or_none(Choice.user == user.id) or Choice(user=user.id, digest=False, as_student=False)


def save_choice(user, digest: bool, as_student: bool) -> Choice:
    (Choice.insert(user=user.id, digest=bool(digest), as_student=bool(as_student))
     .on_conflict(conflict_target=[Choice.user], update={Choice.digest: bool(digest),
                                                        Choice.as_student: bool(as_student)}).execute())
    return Choice.get(Choice.user == user.id)


def is_student(user) -> bool:
    return Student.select().where(Student.user == user.id).exists()
