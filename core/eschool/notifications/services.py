"""Notifications: ``notify()`` fans a message out to the inbox and the channels, the worker delivers.

``notify(audience, kind, context, actor=...)`` resolves the audience (intersected with what the actor
may address, ``audiences.reachable``), writes one inbox entry per person, and one ``Delivery`` row per
person and channel the person's preferences allow, then queues each delivery. The worker's
``eschool.deliver`` task sends it; a failure is retried after the delays of ``NOTIFY_RETRY_DELAYS``,
then the delivery is kept as ``failed`` for the school's administrator (or the operators) to see and
retry. Nothing is dropped: a delivery whose task was lost is picked up by the periodic sweep.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flask import current_app, g, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from eschool.auth.models import RoleAssignment, User
from eschool.db import db, utcnow
from eschool.notifications.audiences import Audience, reachable
from eschool.notifications.models import Delivery, Notification, NotificationPreference, QuietHours

log = logging.getLogger("eschool.notifications")

DELIVER, SWEEP = "eschool.deliver", "eschool.sweep"
#: A delivery claimed this long ago and never finished (a worker died mid-send) is tried again.
STUCK = dt.timedelta(minutes=10)
#: A due delivery left pending this long (its task was lost) is queued again by the sweep.
GRACE = dt.timedelta(minutes=1)


class NotificationError(ValueError):
    """An unknown kind, or a context the kind's template cannot use."""


@dataclass
class Setup:
    """The kinds and channels of one app (from the core and the plugins the region allows)."""

    kinds: dict = field(default_factory=dict)
    channels: dict = field(default_factory=dict)


def setup(app=None) -> Setup:
    app = app or current_app
    found = app.extensions.get("eschool_notifications")
    if found is None:
        from eschool.notifications.channels import EmailChannel

        found = Setup(channels={"email": EmailChannel()})
        registry = app.extensions["eschool"].plugins
        for _plugin, kinds in sorted(registry.call_each("eschool_notification_kinds").items()):
            for kind in kinds or ():
                found.kinds[kind.code] = kind
        for _plugin, channels in sorted(registry.call_each("eschool_notification_channels").items()):
            for channel in channels or ():
                found.channels[channel.code] = channel
        app.extensions["eschool_notifications"] = found
    return found


def retry_delays() -> list[int]:
    """Seconds to wait before each retry; a delivery is tried ``len(delays) + 1`` times in all."""
    return [int(x) for x in current_app.config["NOTIFY_RETRY_DELAYS"]]


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.extensions["eschool"].region.timezone)


# --------------------------------------------------------------------------- sending


def notify(audience: Audience, kind: str, context: dict, actor=None, link: str = "", school_id: int | None = None,
           now: dt.datetime | None = None) -> dict:
    """Send the notification ``kind`` to ``audience`` (see docs/plugins.md, Notifications).

    ``context`` (JSON-like values) fills the kind's title and template; ``actor`` (a User, or ``None``
    for the system) limits the audience to the people they may address; ``link`` is shown with the
    inbox entry; ``school_id`` says whose administrator sees a failed delivery (default: the
    recipient's school). Returns ``{"recipients": n, "deliveries": n}``.
    """
    return notify_each([(audience, kind, context)], actor=actor, link=link, school_id=school_id, now=now)


def notify_each(messages, actor=None, link: str = "", school_id: int | None = None,
                now: dt.datetime | None = None) -> dict:
    """Several notifications at once, each ``(audience, kind, context)`` as for :func:`notify`, with the
    same ``actor``, ``link`` and ``school_id``. The accounts, preferences, quiet hours and schools of all
    the recipients are read once, the inbox entries written together: a job that alerts a lesson's 25
    marks costs a few statements, not a few per mark. An audience of ``Audience.users(...)`` sent by the
    system (``actor=None``) needs no statement of its own. Returns the totals."""
    now = now or utcnow()
    wanted: list[tuple] = []  # (spec, context, user ids)
    for audience, kind, context in messages:
        spec = _kind(kind)
        if actor is None and audience.kind == "users":
            ids = set(audience.ids)  # checked against the active accounts below
        else:
            ids = reachable(actor, audience)
        if ids:
            wanted.append((spec, context, ids))
    every = sorted(set().union(*(ids for _s, _c, ids in wanted))) if wanted else []
    if not every:
        return {"recipients": 0, "deliveries": 0}
    users = {u.id: u for u in User.select().where(User.id.in_(every) & User.is_active)}
    chosen = _preferences(list(users), sorted({spec.code for spec, _c, _i in wanted}))
    quiet = {q.user_id: q for q in QuietHours.select().where(QuietHours.user.in_(list(users)))}
    schools = _schools_of(list(users)) if school_id is None else {}
    channels = setup().channels
    inbox, deliveries, reached = [], [], set()
    for spec, context, ids in wanted:
        for user in (users[i] for i in sorted(ids) if i in users):
            reached.add(user.id)
            title, body = _render(spec, context, user.locale, user)  # the user's language and name
            inbox.append({"user": user.id, "kind": spec.code, "title": title[:300], "body": body,
                          "link": link[:500], "created_at": now})
            for code, channel in sorted(channels.items()):
                on = (code in spec.channels if spec.mandatory
                      else chosen.get((user.id, spec.code, code), code in spec.channels))
                address = channel.address(user) if on else None
                if not address:
                    continue
                held = getattr(channel, "quiet", True) and not spec.urgent and user.id in quiet
                when = quiet_end(quiet[user.id], now) if held else now
                deliveries.append(_delivery(user.id, address, code, spec.code, title, body, when,
                                            school_id if school_id is not None else schools.get(user.id)))
    if not inbox:
        return {"recipients": 0, "deliveries": 0}
    with db.atomic():
        for start in range(0, len(inbox), 500):
            Notification.insert_many(inbox[start:start + 500]).execute()
        queued = _insert_deliveries(deliveries)
    _queue(queued)
    return {"recipients": len(reached), "deliveries": len(queued)}


def send_to_address(address: str, kind: str, context: dict, school_id: int | None = None) -> Delivery:
    """An e-mail to an address that has no account yet (an invitation): a delivery like any other."""
    spec = _kind(kind)
    title, body = _render(spec, context, None, None)
    with db.atomic():
        [(delivery_id, _when)] = _insert_deliveries([_delivery(None, address, "email", kind, title, body, utcnow(),
                                                               school_id)])
    _queue([(delivery_id, _when)])
    return Delivery.get_by_id(delivery_id)


def _kind(code: str):
    spec = setup().kinds.get(code)
    if spec is None:
        raise NotificationError(f"unknown notification kind {code!r}: plugins register them with "
                                "eschool_notification_kinds")
    return spec


def _render(spec, context: dict, locale: str | None, user) -> tuple[str, str]:
    g.setdefault("_eschool_notify", True)  # force_locale needs a non-empty g
    locale = locale or current_app.extensions["eschool"].region.locale
    with force_locale(locale):
        try:
            title = str(spec.title) % context if context else str(spec.title)
        except (KeyError, TypeError, ValueError) as exc:
            raise NotificationError(f"{spec.code}: the context does not fill the title: {exc}") from exc
        body = render_template(spec.template, user=user, **context)
    return title, body


def _delivery(user_id, address, channel, kind, subject, body, when, school_id) -> dict:
    return {"user": user_id, "address": address[:254], "channel": channel, "kind": kind, "subject": subject[:300],
            "body": body, "school_id": school_id, "municipality_id": _municipality(school_id),
            "status": "pending", "next_attempt_at": when, "created_at": utcnow()}


def _municipality(school_id):
    if school_id is None:
        return None
    from eschool.structure.services import school_by_id

    school = school_by_id(school_id)
    return school.municipality_id if school else None


def _insert_deliveries(rows: list[dict]) -> list[tuple[int, dt.datetime]]:
    """Insert the deliveries, 500 a statement; their ids and times come back with ``RETURNING`` (PostgreSQL,
    SQLite 3.35+; in no promised order, and none is needed: each is queued by its own id and time)."""
    import peewee

    if not rows:
        return []
    if isinstance(db.obj, peewee.SqliteDatabase) and peewee.__sqlite_version__ < (3, 35):
        return [(d.id, d.next_attempt_at) for d in (Delivery.create(**row) for row in rows)]
    out = []
    for start in range(0, len(rows), 500):
        cursor = (Delivery.insert_many(rows[start:start + 500])
                  .returning(Delivery.id, Delivery.next_attempt_at).execute())
        out.extend((row.id, row.next_attempt_at) for row in cursor)
    return out


def _queue(items) -> None:
    from eschool.jobs import queue_of

    queue = queue_of()
    for delivery_id, when in items:
        try:
            queue.enqueue(DELIVER, delivery_id, eta=when)
        except Exception:  # noqa: BLE001 - the queue is down: the row stays pending, the sweep sends it later
            log.exception("could not queue delivery %s; the sweep will", delivery_id)


def _schools_of(user_ids) -> dict[int, int]:
    found: dict[int, int] = {}
    for a in (RoleAssignment.select(RoleAssignment.user, RoleAssignment.school)
              .where(RoleAssignment.user.in_(list(user_ids)) & RoleAssignment.school.is_null(False))
              .order_by(RoleAssignment.id)):
        found.setdefault(a.user_id, a.school_id)
    return found


# --------------------------------------------------------------------------- preferences and quiet hours


def _preferences(user_ids, kinds: list[str]) -> dict:
    """``(user id, kind, channel) -> enabled`` of the choices the users made (unset: the kind's default)."""
    return {(p.user_id, p.kind, p.channel): p.enabled for p in NotificationPreference.select().where(
        NotificationPreference.user.in_(list(user_ids)) & NotificationPreference.kind.in_(kinds))}


def quiet_end(hours: QuietHours, now: dt.datetime) -> dt.datetime:
    """``now`` (naive UTC) if it is outside the user's quiet hours, else the end of the quiet period
    (naive UTC). The hours are local times of the region; a period may run past midnight."""
    zone = _zone()
    local = now.replace(tzinfo=dt.UTC).astimezone(zone)
    starts, ends, t = hours.starts, hours.ends, local.time()
    if starts == ends:
        return now
    inside = (starts <= t < ends) if starts < ends else (t >= starts or t < ends)
    if not inside:
        return now
    day = local.date() if (starts < ends or t < ends) else local.date() + dt.timedelta(days=1)
    end = dt.datetime.combine(day, ends, tzinfo=zone)
    return end.astimezone(dt.UTC).replace(tzinfo=None)


def preferences(user) -> dict:
    """``{"kinds": [kind...], "channels": [channel...], "chosen": {(kind, channel): bool}, "quiet": QuietHours|None}``
    for the preferences page (kinds the user may choose about, in order)."""
    found = setup()
    kinds = sorted((k for k in found.kinds.values() if not k.mandatory), key=lambda k: (k.order, k.code))
    stored = {(p.kind, p.channel): p.enabled
              for p in NotificationPreference.select().where(NotificationPreference.user == user.id)}
    channels = sorted(found.channels.values(), key=lambda c: c.code)
    chosen = {(k.code, c.code): stored.get((k.code, c.code), c.code in k.channels) for k in kinds for c in channels}
    return {"kinds": kinds, "channels": channels, "chosen": chosen,
            "quiet": QuietHours.get_or_none(QuietHours.user == user.id)}


def save_preferences(user, chosen: dict, quiet: tuple[dt.time, dt.time] | None) -> None:
    """``chosen``: ``{(kind, channel): bool}`` for the kinds and channels known; ``quiet``: (starts, ends)
    local times, or ``None`` for no quiet hours."""
    found = setup()
    with db.atomic():
        for (kind, channel), enabled in chosen.items():
            if kind not in found.kinds or channel not in found.channels:
                raise NotificationError(f"unknown kind or channel: {kind}/{channel}")
            (NotificationPreference.insert(user=user.id, kind=kind, channel=channel, enabled=bool(enabled))
             .on_conflict(conflict_target=[NotificationPreference.user, NotificationPreference.kind,
                                           NotificationPreference.channel],
                          update={NotificationPreference.enabled: bool(enabled)}).execute())
        QuietHours.delete().where(QuietHours.user == user.id).execute()
        if quiet is not None:
            QuietHours.create(user=user.id, starts=quiet[0], ends=quiet[1])


# --------------------------------------------------------------------------- the inbox


def inbox(user, limit: int = 50, offset: int = 0, unread_only: bool = False) -> tuple[list[Notification], int]:
    query = Notification.select().where(Notification.user == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_null())
    return (list(query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit).offset(offset)),
            query.count())


def unread_count(user) -> int:
    return Notification.select().where((Notification.user == user.id) & Notification.read_at.is_null()).count()


def mark_read(user, ids=None) -> int:
    """Mark the user's own entries read (``ids``: these; ``None``: all). Returns how many changed."""
    query = Notification.update(read_at=utcnow()).where((Notification.user == user.id) & Notification.read_at.is_null())
    if ids is not None:
        query = query.where(Notification.id.in_([int(i) for i in ids] or [0]))
    return query.execute()


# --------------------------------------------------------------------------- the worker's side


def deliver(delivery_id: int, now: dt.datetime | None = None) -> str | None:
    """Try one delivery (the ``eschool.deliver`` task). Returns its new status, or ``None`` when it was
    not due or already taken (another worker, a duplicate task): claiming is one conditional UPDATE."""
    now = now or utcnow()
    claimed = (Delivery.update(status="sending", claimed_at=now, attempts=Delivery.attempts + 1)
               .where((Delivery.id == delivery_id) & (Delivery.status == "pending")
                      & (Delivery.next_attempt_at <= now)).execute())
    if not claimed:
        return None
    delivery = Delivery.get_by_id(delivery_id)
    channel = setup().channels.get(delivery.channel)
    try:
        if channel is None:
            raise RuntimeError(f"channel {delivery.channel!r} is not available (its plugin is off or gone)")
        channel.send(delivery.address, delivery.subject, delivery.body)
    except Exception as exc:  # noqa: BLE001 - any failure of a channel is recorded and retried
        return _failed(delivery, exc, now)
    Delivery.update(status="sent", sent_at=utcnow(), last_error="").where(Delivery.id == delivery_id).execute()
    return "sent"


def _failed(delivery: Delivery, exc: Exception, now: dt.datetime) -> str:
    delays = retry_delays()
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if delivery.attempts > len(delays):
        Delivery.update(status="failed", last_error=error).where(Delivery.id == delivery.id).execute()
        log.warning("delivery %s (%s to %s) failed for good: %s", delivery.id, delivery.channel, delivery.address, error)
        return "failed"
    when = now + dt.timedelta(seconds=delays[delivery.attempts - 1])
    Delivery.update(status="pending", last_error=error, next_attempt_at=when).where(Delivery.id == delivery.id).execute()
    _queue([(delivery.id, when)])
    return "pending"


def sweep(now: dt.datetime | None = None) -> int:
    """Queue again what fell through (the ``eschool.sweep`` task, every minute): deliveries due for a
    while and still pending (their task was lost: a queue flushed, a Redis restarted), and deliveries a
    dead worker left half-sent. Returns how many were queued."""
    now = now or utcnow()
    Delivery.update(status="pending").where((Delivery.status == "sending") & (Delivery.claimed_at < now - STUCK)).execute()
    due = [(d.id, None) for d in Delivery.select(Delivery.id).where(
        (Delivery.status == "pending") & (Delivery.next_attempt_at <= now - GRACE)).order_by(Delivery.id).limit(5000)]
    _queue(due)
    return len(due)


def register_tasks(queue) -> None:
    """The core's tasks on the app's queue: one delivery, and the sweep every minute."""
    from huey import crontab

    queue.task(DELIVER, deliver)
    queue.periodic(SWEEP, crontab(minute="*"), sweep)


# --------------------------------------------------------------------------- failed deliveries


def visible_deliveries(user, status: str = "failed"):
    """Deliveries in ``status`` the user may see: a region operator all, a municipal operator their
    municipality's, a school's administrator their school's."""
    query = Delivery.select().where(Delivery.status == status)
    places = None
    for a in RoleAssignment.select().where(RoleAssignment.user == user.id):
        if a.role == "region_operator":
            return query.order_by(Delivery.id.desc())
        if a.role == "municipal_operator" and a.municipality_id:
            clause = Delivery.municipality_id == a.municipality_id
        elif a.role == "school_admin" and a.school_id:
            clause = Delivery.school_id == a.school_id
        else:
            continue
        places = clause if places is None else (places | clause)
    if places is None:
        return query.where(Delivery.id == 0)
    return query.where(places).order_by(Delivery.id.desc())


def retry(user, ids) -> int:
    """Queue the failed deliveries ``ids`` the user may see for another round of attempts."""
    ids = [int(i) for i in ids]
    allowed = [d.id for d in visible_deliveries(user).where(Delivery.id.in_(ids or [0]))]
    if not allowed:
        return 0
    now = utcnow()
    Delivery.update(status="pending", attempts=0, next_attempt_at=now).where(Delivery.id.in_(allowed)).execute()
    _queue([(i, now) for i in allowed])
    return len(allowed)


def status_label(status: str) -> str:
    return {"pending": _("waiting"), "sending": _("sending"), "sent": _("sent"), "failed": _("failed")}.get(status, status)
