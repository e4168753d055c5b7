"""Alerts to families: wait out a short delay, look again, then alert or hold for the evening digest.

An event (a mark saved, an absence recorded, homework set) only makes sure that one job will look at
the lesson after ``delay_seconds``: the first change of a lesson queues it, later changes of the same
lesson within the delay write nothing at all (a teacher entering a class's marks pays for one queued
job). The job runs in the worker and reads the lesson's records as they are then: a record deleted
meanwhile is not there, so nothing is sent; one changed meanwhile is alerted once, with the value it
has then (each record's version is claimed once in ``alerts_sent``, so no alert goes twice, whatever
the number of jobs or workers); one changed less than the delay ago waits for a later run. The job
works out the recipients (the student's parents, and the student if they asked for alerts) and
either notifies them (the core's ``notify``: the inbox, and e-mail or SMS by each person's choices and
quiet hours) or, for those who chose the evening digest, holds the alert for one grouped message at
the region's digest hour.
"""
from __future__ import annotations

import datetime as dt
import json

from flask import current_app
from peewee import JOIN, IntegrityError

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
    WorkType,
    class_students,
    db,
    enqueue,
    is_enabled,
    local_today,
    notify,
    notify_each,
    region_tz,
    scope_for_school,
    settings_for,
    utcnow,
)
from eschool_alerts.models import Choice, Digest, DigestItem, Sent

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


def touch(lesson_id: int, scope) -> None:
    """A mark, an absence or homework of ``lesson_id`` changed: make sure a job looks at the lesson after
    the delay. One job per lesson and delay window: the request of the first change queues it, the
    others of the same lesson (a teacher entering a class's marks) find it queued and write nothing."""
    app = current_app._get_current_object()
    scheduled = app.extensions.setdefault("alerts_scheduled", {})
    now = utcnow()
    due = scheduled.get(lesson_id)
    if due is not None and due - GUARD > now:
        return  # the queued job runs after this change was saved (the event comes after the commit)
    delay = settings(scope=scope).get("delay_seconds", 300)
    due = now + dt.timedelta(seconds=delay)
    enqueue(fire_lesson, lesson_id, (now - SLACK).isoformat(), due.isoformat(), eta=due)
    if len(scheduled) > 50_000:
        for key in [k for k, v in scheduled.items() if v <= now]:
            scheduled.pop(key, None)
    scheduled[lesson_id] = due


#: How far before the first change the job looks (the change was saved a moment before its event).
SLACK = dt.timedelta(seconds=5)
#: A queued job covers only the changes saved at least this long before its time: the queue's scheduler
#: wakes once a second and may start a job up to a second early (seen in bench/load --alerts: a mark saved
#: half a second after its lesson's job had started, early, was never alerted).
GUARD = dt.timedelta(seconds=2)


def claim(keys: list[str]) -> set[str]:
    """Take alerts (each a record at one version) for sending: the keys not sent before (by another job,
    another worker). One ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` for all of them: of two jobs
    claiming the same key at once, exactly one gets it."""
    if not keys:
        return set()
    now = utcnow()
    cursor = (Sent.insert_many([{"key": k, "sent_at": now} for k in sorted(set(keys))])
              .on_conflict_ignore().returning(Sent.key).execute())
    return {row.key if hasattr(row, "key") else row[0] for row in cursor}


# --------------------------------------------------------------------------- the worker's side


def fire_lesson(lesson_id: int, since: str, due: str) -> int:
    """The delayed job: the marks, absences and homework of the lesson changed since ``since`` and left
    alone for the delay are alerted (each version once); a record deleted meanwhile is simply not
    there; one changed less than the delay before ``due`` waits for a later run of this job.
    The lesson's alerts are claimed, addressed and written together (a class's 25 marks: a few
    statements, not a few per mark). Returns how many people were reached."""
    lesson = Lesson.get_or_none(Lesson.id == lesson_id)
    if lesson is None:
        return 0
    school = School.get_by_id(lesson.school_id)
    scope = scope_for_school(school)
    if not is_enabled(CODE, scope):
        return 0
    since_at, due_at = dt.datetime.fromisoformat(since), dt.datetime.fromisoformat(due)
    delay = dt.timedelta(seconds=settings(scope=scope).get("delay_seconds", 300))
    ripe = due_at - delay  # changed after this: not left alone for the delay yet
    waiting: list[dt.datetime] = []
    ready: list[tuple] = []  # (claim key, kind, students, context)
    subject = lesson.subject.name
    date = lesson.date.strftime("%d.%m.%Y")
    marks = (Mark.select(Mark, Student, WorkType).join(Student).switch(Mark)
             .join(WorkType, JOIN.LEFT_OUTER, on=(Mark.work_type == WorkType.id))
             .where((Mark.lesson == lesson_id) & (Mark.updated_at >= since_at)).order_by(Mark.id))
    for mark in marks:
        if mark.updated_at > ripe:
            waiting.append(mark.updated_at)
            continue
        code = "alerts.low_mark" if mark.numeric is not None and mark.numeric <= 2 else "alerts.mark"
        work = mark.work_type.name if mark.work_type_id else ""
        ready.append((f"mark:{mark.id}:{mark.version}", code, [mark.student], {
            "value": mark.value, "subject": subject, "work": work, "date": date, "comment": mark.comment}))
    for row in (Attendance.select(Attendance, Student).join(Student)
                .where((Attendance.lesson == lesson_id) & (Attendance.updated_at >= since_at)).order_by(Attendance.id)):
        if row.updated_at > ripe:
            waiting.append(row.updated_at)
            continue
        ready.append((f"absence:{row.id}:{row.version}", "alerts.absence", [row.student], {
            "what": row.kind, "subject": subject, "number": lesson.number or "", "minutes": row.minutes_late or "",
            "date": date}))
    homework = Homework.get_or_none((Homework.lesson == lesson_id) & (Homework.updated_at >= since_at))
    if homework is not None and homework.due_on == local_today() + dt.timedelta(days=1):
        if homework.updated_at > ripe:
            waiting.append(homework.updated_at)
        else:
            ready.append((f"homework:{homework.id}:{homework.version}", "alerts.homework", None, {
                "subject": subject, "text": homework.text[:500], "date": homework.due_on.strftime("%d.%m.%Y")}))
    taken = claim([key for key, *_rest in ready])
    alerts = [(code, students if students is not None else _homework_students(homework), context)
              for key, code, students, context in ready if key in taken]
    reached = _for_students(alerts, school.id)
    if waiting:  # changed again within the delay: look once more when the last change has settled
        again = max(waiting) + delay
        enqueue(fire_lesson, lesson_id, since, again.isoformat(), eta=again)
    return reached


def _for_students(alerts: list[tuple], school_id: int) -> int:
    """``alerts``: ``(kind, students, context)``; each student's people get the alert with the student's name."""
    by_student = recipients({s.id: s for _code, students, _c in alerts for s in students}.values())
    return deliver([(code, dict(context, student=_student_name(s)), sorted(set(by_student.get(s.id, ()))))
                    for code, students, context in alerts for s in students], school_id)


def _student_name(student: Student) -> str:
    return " ".join(p for p in (student.last_name, student.first_name) if p)


def forget_sent(days: int = 60) -> int:
    """Drop the sent-alert keys older than ``days`` (a record changed after that alerts again anyway)."""
    return Sent.delete().where(Sent.sent_at < utcnow() - dt.timedelta(days=days)).execute()


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


def _homework_students(homework) -> list[Student]:
    if homework.for_all:
        lesson = Lesson.get_by_id(homework.lesson_id)
        return list(class_students(lesson.class_group))
    ids = [row.student_id for row in homework.students]
    return list(Student.select().where(Student.id.in_(ids or [0])))


def deliver(alerts: list[tuple], school_id: int | None) -> int:
    """``alerts``: ``(kind, context, user ids)``. Notify now those who want each alert, hold it for the
    digest of those who chose one; the choices are read and the inbox written once for all."""
    alerts = [(code, context, ids) for code, context, ids in alerts if ids]
    every = sorted({u for _code, _context, ids in alerts for u in ids})
    if not every:
        return 0
    digest = {c.user_id for c in Choice.select(Choice.user).where(Choice.user.in_(every) & (Choice.digest == True))}  # noqa: E712
    now = [(Audience.users(*[u for u in ids if u not in digest]), code, context)
           for code, context, ids in alerts if any(u not in digest for u in ids)]
    if now:
        notify_each(now, actor=None, link="/diary", school_id=school_id)
    held = [(u, code, context) for code, context, ids in alerts for u in ids if u in digest]
    if held:
        due = digest_due(school_id)
        fresh = []
        with db.atomic():
            DigestItem.insert_many([{"user": u, "kind": code, "context": json.dumps(context, ensure_ascii=False),
                                     "created_at": utcnow()} for u, code, context in held]).execute()
            for u in sorted({u for u, _code, _context in held}):
                try:
                    with db.atomic():
                        Digest.create(user=u, due_at=due)
                    fresh.append(u)
                except IntegrityError:
                    pass  # a digest is due already: the item joins it
        for u in fresh:
            enqueue(send_digest, u, due.isoformat(), eta=due)
    return sum(len(ids) for _code, _context, ids in alerts)


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
    school_id = rows[0].class_group.school_id
    return _for_students([("alerts.final", [s], {"period": str(period.number), "marks": "; ".join(
        f"{r.subject.name}: {r.value}" for r in per[s.id])}) for s in students], school_id)


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
