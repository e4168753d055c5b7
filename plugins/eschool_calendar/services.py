"""The calendar's rules: who adds which events, who sees them, school holidays from the periods, and the
iCalendar feed (RFC 5545).

* The school's administration (administrator, director, deputy director) adds school-wide, staff-only
  and any class's events; a class teacher adds their class's events.
* The staff see the school's and the staff's events and those of the classes they teach (the
  administration sees every event); students and parents see the school's events and their class's.
* School holidays are read from the school's study periods (the gaps between consecutive quarters,
  semesters or trimesters of the current year): shown read-only, never stored.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from marshmallow import ValidationError
from peewee import JOIN

from eschool.plugin_api import (
    ClassGroup,
    Period,
    School,
    User,
    as_text,
    current_year,
    local_today,
    region_tz,
    utcnow,
)
from eschool_calendar.models import Event, FeedToken
from eschool_calendar.reader import Reader, reader_for, user_school_ids
from eschool_calendar.schemas import KIND_LABELS, EventInSchema

FEED_PAST_DAYS = 60
FEED_FUTURE_DAYS = 400


class CalendarError(Exception):
    def __init__(self, fields: dict, status: int = 400):
        super().__init__(fields)
        self.fields = fields
        self.status = status


# --------------------------------------------------------------------------- writing


def audiences_for(reader: Reader) -> list[str]:
    if reader.administration and reader.roles & {"school_admin", "director", "deputy_director"}:
        return ["school", "class", "staff"]
    if reader.led:
        return ["class"]
    return []


def classes_for(reader: Reader, school) -> list:
    query = ClassGroup.select(ClassGroup.id, ClassGroup.name, ClassGroup.grade).where(ClassGroup.school == school.id)
    if "school" not in audiences_for(reader):
        if not reader.led:
            return []
        query = query.where(ClassGroup.id.in_(sorted(reader.led)))
    year = current_year(school)
    if year is not None:
        query = query.where(ClassGroup.academic_year == year.id)
    return list(query.order_by(ClassGroup.grade, ClassGroup.name))


def _load(data, base: Event | None = None) -> dict:
    if not isinstance(data, dict):
        raise CalendarError({"_schema": [_("Send a JSON object in the request body.")]})
    if base is not None:
        data = {"title": base.title, "kind": base.kind, "audience": base.audience, "class_id": base.class_group_id,
                "starts_on": base.starts_on.isoformat(), "ends_on": base.ends_on.isoformat(),
                "start_time": base.start_time.strftime("%H:%M") if base.start_time else None,
                "end_time": base.end_time.strftime("%H:%M") if base.end_time else None,
                "location": base.location, "description": base.description, **data}
    try:
        return EventInSchema().load(data)
    except ValidationError as exc:
        raise CalendarError(as_text(exc.messages)) from exc


def _row(clean: dict, reader: Reader, school) -> dict:
    audience = clean["audience"]
    if audience not in audiences_for(reader):
        raise CalendarError({"audience": [_("You may not add events for this audience.")]}, 403)
    class_id = None
    if audience == "class":
        if clean["class_id"] not in {c.id for c in classes_for(reader, school)}:
            exists = ClassGroup.select().where((ClassGroup.id == clean["class_id"])
                                               & (ClassGroup.school == school.id)).exists()
            if exists:
                raise CalendarError({"class_id": [_("You may add events only for the class you lead.")]}, 403)
            raise CalendarError({"class_id": [_("No such class in this school.")]})
        class_id = clean["class_id"]
    return {"title": clean["title"], "kind": clean["kind"], "audience": audience, "class_group": class_id,
            "starts_on": clean["starts_on"], "ends_on": clean.get("ends_on") or clean["starts_on"],
            "start_time": clean.get("start_time"), "end_time": clean.get("end_time") if clean.get("start_time") else None,
            "location": clean.get("location", ""), "description": clean.get("description", "")}


def create(school, data: dict, reader: Reader, author) -> Event:
    row = _row(_load(data), reader, school)
    return Event.create(school=school.id, author=author.id if author else None, **row)


def update(event: Event, data: dict, reader: Reader) -> Event:
    row = _row(_load(data, base=event), reader, event.school)
    for key, value in row.items():
        setattr(event, "class_group_id" if key == "class_group" else key, value)
    event.updated_at = utcnow()
    event.save()
    return event


def delete(event: Event) -> None:
    event.delete_instance()


def may_edit(event: Event, reader: Reader) -> bool:
    if "school" in audiences_for(reader):
        return True
    return event.audience == "class" and event.class_group_id in reader.led


# --------------------------------------------------------------------------- reading


def _visible(reader: Reader):
    E = Event
    if "school" in audiences_for(reader):
        return E.id.is_null(False)
    parts = []
    if reader.staff:
        parts.append(E.audience.in_(("school", "staff")))
        if reader.taught:
            parts.append((E.audience == "class") & E.class_group.in_(sorted(reader.taught)))
    if reader.student or reader.parent:
        parts.append(E.audience == "school")
        if reader.family_classes:
            parts.append((E.audience == "class") & E.class_group.in_(sorted(reader.family_classes)))
    if not parts:
        return None
    where = parts[0]
    for part in parts[1:]:
        where = where | part
    return where


def events(school_id: int, reader: Reader, start: dt.date, end: dt.date) -> list:
    """The events ``reader`` sees that overlap ``start``..``end`` (one query), by start."""
    where = _visible(reader)
    if where is None:
        return []
    query = (Event.select(Event, ClassGroup.name.alias("class_name"))
             .join(ClassGroup, JOIN.LEFT_OUTER, on=(Event.class_group == ClassGroup.id))
             .where((Event.school == school_id) & where & (Event.starts_on <= end) & (Event.ends_on >= start))
             .order_by(Event.starts_on, Event.start_time, Event.id).objects())
    rows = list(query)
    for row in rows:
        row.editable = may_edit(row, reader)
        if not hasattr(row, "class_name"):
            row.class_name = None
    return rows


def get_visible(school_id: int, event_id: int, reader: Reader) -> Event | None:
    where = _visible(reader)
    if where is None:
        return None
    return Event.get_or_none((Event.id == event_id) & (Event.school == school_id) & where)


@dataclass
class Vacation:
    """School holidays read from the periods (not stored, not editable)."""

    starts_on: dt.date
    ends_on: dt.date
    title: str
    grades: str
    school_id: int
    id: None = None
    kind: str = "vacation"
    audience: str = "school"
    class_group_id: None = None
    class_name: None = None
    description: str = ""
    location: str = ""
    start_time: None = None
    end_time: None = None
    editable: bool = False
    updated_at: None = None


def vacations(school, start: dt.date, end: dt.date, year=None) -> list[Vacation]:
    """The gaps of two days or more between consecutive study periods of the same kind and grades."""
    year = year if year is not None else current_year(school)
    if year is None:
        return []
    periods = list(Period.select().where(Period.academic_year == year.id)
                   .order_by(Period.kind, Period.grade_from, Period.grade_to, Period.starts_on))
    seen, out = set(), []
    for before, after in zip(periods, periods[1:], strict=False):
        if (before.kind, before.grade_from, before.grade_to) != (after.kind, after.grade_from, after.grade_to):
            continue
        first, last = before.ends_on + dt.timedelta(days=1), after.starts_on - dt.timedelta(days=1)
        if (last - first).days < 1 or last < start or first > end or (first, last) in seen:
            continue
        seen.add((first, last))
        grades = f"{before.grade_from}–{before.grade_to}"
        out.append(Vacation(first, last, _("School holidays"), grades, school.id))
    return out


def month_grid(day: dt.date) -> tuple[dt.date, dt.date, list[list[dt.date]]]:
    """The weeks (Monday first) covering the month of ``day``."""
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    start = first - dt.timedelta(days=first.weekday())
    end = following - dt.timedelta(days=1)
    end = end + dt.timedelta(days=6 - end.weekday())
    weeks, cursor = [], start
    while cursor <= end:
        weeks.append([cursor + dt.timedelta(days=i) for i in range(7)])
        cursor += dt.timedelta(days=7)
    return start, end, weeks


def by_day(items: list, start: dt.date, end: dt.date) -> dict:
    out: dict = {}
    for item in items:
        cursor = max(item.starts_on, start)
        while cursor <= min(item.ends_on, end):
            out.setdefault(cursor, []).append(item)
            cursor += dt.timedelta(days=1)
    return out


# --------------------------------------------------------------------------- the private feed


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(user) -> str:
    """A new private feed token for ``user`` (the old address stops working at once)."""
    token = secrets.token_urlsafe(32)
    FeedToken.delete().where(FeedToken.user == user.id).execute()
    FeedToken.create(user=user.id, token_hash=_hash(token))
    return token


def revoke_token(user) -> bool:
    return FeedToken.delete().where(FeedToken.user == user.id).execute() > 0


def has_token(user) -> FeedToken | None:
    return FeedToken.get_or_none(FeedToken.user == user.id)


def user_for_token(token: str) -> User | None:
    if not token or len(token) > 100:
        return None
    row = FeedToken.get_or_none(FeedToken.token_hash == _hash(token))
    if row is None:
        return None
    user = User.get_or_none((User.id == row.user_id) & User.is_active)
    if user is not None:
        FeedToken.update(last_used_at=utcnow()).where(FeedToken.id == row.id).execute()
    return user


def feed_items(user, today: dt.date | None = None) -> list:
    """Every event the user sees in any of their schools (all their roles), from two months back to a year
    ahead, and the school holidays."""
    today = today or local_today()
    start, end = today - dt.timedelta(days=FEED_PAST_DAYS), today + dt.timedelta(days=FEED_FUTURE_DAYS)
    out = []
    for school_id in user_school_ids(user, all_roles=True):
        reader = reader_for(user, school_id, all_roles=True)
        out += events(school_id, reader, start, end)
        school = School.get_or_none(School.id == school_id)
        if school is not None:
            out += vacations(school, start, end)
    return out


def _escape(text: str) -> str:
    return (str(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 character."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts, current, size, limit = [], [], 0, 75
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74  # a continuation line starts with one space
        current.append(ch)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _timezone_lines(tz_name: str, tz) -> list[str]:
    """A VTIMEZONE for the region's zone: its current offset (Russia keeps no summer time since 2014)."""
    offset = dt.datetime.now(tz).utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    text = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    name = dt.datetime.now(tz).tzname() or text
    return ["BEGIN:VTIMEZONE", f"TZID:{tz_name}", "BEGIN:STANDARD", "DTSTART:19700101T000000",
            f"TZOFFSETFROM:{text}", f"TZOFFSETTO:{text}", f"TZNAME:{_escape(name)}", "END:STANDARD", "END:VTIMEZONE"]


def ical(items: list, calendar_name: str, host: str) -> bytes:
    """The iCalendar text: CRLF line endings, lines folded at 75 octets, text escaped, a UID and a DTSTAMP
    on every event; all-day events as DATE values (DTEND the day after the last), timed events in the
    region's zone (TZID with its VTIMEZONE)."""
    tz = region_tz()
    tz_name = getattr(tz, "key", str(tz))
    stamp_now = utcnow().strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Electronic School//Calendar 1.0//RU", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{_escape(calendar_name)}", f"X-WR-TIMEZONE:{tz_name}",
             *_timezone_lines(tz_name, tz)]
    for item in items:
        if item.id is None:
            uid = f"vacation-{item.school_id}-{item.starts_on:%Y%m%d}-{item.ends_on:%Y%m%d}@{host}"
        else:
            uid = f"calendar-event-{item.id}@{host}"
        stamp = item.updated_at.strftime("%Y%m%dT%H%M%SZ") if item.updated_at else stamp_now
        lines += ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{stamp}"]
        if item.start_time is None:
            lines += [f"DTSTART;VALUE=DATE:{item.starts_on:%Y%m%d}",
                      f"DTEND;VALUE=DATE:{item.ends_on + dt.timedelta(days=1):%Y%m%d}"]
        else:
            begin = dt.datetime.combine(item.starts_on, item.start_time)
            if item.end_time is not None:
                finish = dt.datetime.combine(item.ends_on, item.end_time)
            else:
                finish = dt.datetime.combine(item.ends_on, item.start_time) + dt.timedelta(hours=1)
            if finish <= begin:
                finish = begin + dt.timedelta(hours=1)
            lines += [f"DTSTART;TZID={tz_name}:{begin:%Y%m%dT%H%M%S}", f"DTEND;TZID={tz_name}:{finish:%Y%m%dT%H%M%S}"]
        lines.append(f"SUMMARY:{_escape(item.title)}")
        description = item.description or ""
        if item.class_name:
            description = f"{item.class_name}. {description}".strip()
        if description:
            lines.append(f"DESCRIPTION:{_escape(description)}")
        if item.location:
            lines.append(f"LOCATION:{_escape(item.location)}")
        lines.append(f"CATEGORIES:{_escape(str(KIND_LABELS.get(item.kind, item.kind)))}")
        if item.kind in ("holiday", "vacation"):
            lines.append("TRANSP:TRANSPARENT")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")
