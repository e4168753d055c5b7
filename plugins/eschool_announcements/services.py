"""The board's rules: who may post to whom, who reads what, and the notice to those addressed.

Samara's rule (the school's regulations): the staff read, post, edit and delete announcements;
students and parents only read them. The audience a poster may choose is limited to what the core's
audience rules let them address (docs/plugins.md, "Notifications, audiences and jobs"): the
administration and the secretary any audience of their school, a class teacher their class, a subject
teacher the classes they teach, every staff member the staff.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from marshmallow import ValidationError
from peewee import JOIN, fn

from eschool.plugin_api import (
    Audience,
    ClassGroup,
    User,
    as_text,
    current_year,
    db,
    enqueue,
    has_permission,
    local_today,
    notify,
    region_tz,
    render_markdown,
    school_by_id,
    scope_for_school,
    utcnow,
)
from eschool_announcements.models import Announcement
from eschool_announcements.reader import Reader, reader_for
from eschool_announcements.schemas import AnnouncementInSchema

DEFAULT_DAYS = 7
KIND = "announcements.new"
MODERATE = "announcements.moderate"


class AnnouncementError(Exception):
    """Refused input: ``fields`` names each wrong field; ``status`` 400 (bad input) or 403 (not yours to address)."""

    def __init__(self, fields: dict, status: int = 400):
        super().__init__(fields)
        self.fields = fields
        self.status = status


# --------------------------------------------------------------------------- who may address what


def reader_at(user, school_id: int, all_roles: bool = False) -> Reader:
    """The user at the school, with whether they moderate its board (the permission
    ``announcements.moderate`` in the school's scope: by default its administrator, director and deputy)."""
    reader = reader_for(user, school_id, all_roles=all_roles)
    school = school_by_id(school_id)
    if reader.user_id is not None and school is not None:
        reader.moderator = has_permission(user, MODERATE, scope_for_school(school))
    return reader


def audiences_for(reader: Reader) -> list[str]:
    """The audiences this poster may choose."""
    if reader.administration:
        return ["school", "parallel", "class", "staff", "parents"]
    if reader.staff:
        return ["class", "staff"] if reader.taught else ["staff"]
    return []


def classes_for(reader: Reader, school) -> list:
    """The classes this poster may address (current year), by name."""
    query = ClassGroup.select(ClassGroup.id, ClassGroup.name, ClassGroup.grade).where(ClassGroup.school == school.id)
    if not reader.administration:
        if not reader.taught:
            return []
        query = query.where(ClassGroup.id.in_(sorted(reader.taught)))
    year = _current_year_id(school)
    if year is not None:
        query = query.where(ClassGroup.academic_year == year)
    return list(query.order_by(ClassGroup.grade, ClassGroup.name))


def _current_year_id(school):
    year = current_year(school)
    return year.id if year else None


def _load(data: dict, partial_from: Announcement | None = None) -> dict:
    if not isinstance(data, dict):
        raise AnnouncementError({"_schema": [_("Send a JSON object in the request body.")]})
    if partial_from is not None:
        base = {"title": partial_from.title, "body": partial_from.body, "audience": partial_from.audience,
                "grade": partial_from.grade, "class_id": partial_from.class_group_id, "pinned": partial_from.pinned,
                "starts_on": partial_from.starts_on.isoformat(), "ends_on": partial_from.ends_on.isoformat()}
        data = {**base, **data}
    try:
        return AnnouncementInSchema().load(data)
    except ValidationError as exc:
        raise AnnouncementError(as_text(exc.messages)) from exc


def _check_audience(clean: dict, reader: Reader, school) -> dict:
    """The audience within what the poster may address (403 naming the field otherwise)."""
    audience = clean["audience"]
    if audience not in audiences_for(reader):
        raise AnnouncementError({"audience": [_("You may not address this audience.")]}, 403)
    row = {"audience": audience, "grade": None, "class_group": None}
    if audience == "parallel":
        grades = {c.grade for c in classes_for(reader, school)}
        if clean["grade"] not in grades:
            raise AnnouncementError({"grade": [_("The school has no classes of this grade.")]})
        row["grade"] = clean["grade"]
    elif audience == "class":
        allowed = {c.id for c in classes_for(reader, school)}
        if clean["class_id"] not in allowed:
            exists = ClassGroup.select().where((ClassGroup.id == clean["class_id"])
                                               & (ClassGroup.school == school.id)).exists()
            if exists:
                raise AnnouncementError({"class_id": [_("You may not address this class.")]}, 403)
            raise AnnouncementError({"class_id": [_("No such class in this school.")]})
        row["class_group"] = clean["class_id"]
    return row


def _row(clean: dict, reader: Reader, school) -> dict:
    today = local_today()
    starts = clean.get("starts_on") or today
    ends = clean.get("ends_on") or starts + dt.timedelta(days=DEFAULT_DAYS)
    if ends < starts:
        raise AnnouncementError({"ends_on": [_("The last day must not be before the first.")]})
    return {"title": clean["title"], "body": clean["body"], "pinned": bool(clean.get("pinned")),
            "starts_on": starts, "ends_on": ends, **_check_audience(clean, reader, school)}


# --------------------------------------------------------------------------- writing


def create(school, data: dict, reader: Reader, author, notice: bool = True) -> Announcement:
    """Post an announcement; those addressed get a notice when it starts being shown (``notice=False``:
    none, for demo data)."""
    row = _row(_load(data), reader, school)
    with db.atomic():
        item = Announcement.create(school=school.id, author=author.id if author else None,
                                   notified_at=None if notice else utcnow(), **row)
    if notice:
        _schedule_notice(item)
    return item


def update(item: Announcement, data: dict, reader: Reader) -> Announcement:
    row = _row(_load(data, partial_from=item), reader, item.school)
    for key, value in row.items():
        setattr(item, key, value)
    item.updated_at = utcnow()
    item.save()
    if item.notified_at is None:
        _schedule_notice(item)
    return item


def delete(item: Announcement) -> None:
    item.delete_instance()


def may_edit(item: Announcement, reader: Reader) -> bool:
    """The author while they still work at the school, or a moderator of the school's board."""
    return reader.moderator or (reader.staff and item.author_id == reader.user_id)


# --------------------------------------------------------------------------- reading


def _addressed(reader: Reader):
    """The condition for the announcements addressed to ``reader`` (``None``: none)."""
    A = Announcement
    parts = []
    if reader.staff:
        parts += [A.audience.in_(("school", "staff"))]
        if reader.taught:
            parts.append((A.audience == "class") & A.class_group.in_(sorted(reader.taught)))
            parts.append((A.audience == "parallel") & A.grade.in_(sorted(reader.taught_grades)))
        if reader.user_id:
            parts.append(A.author == reader.user_id)
    if reader.student or reader.parent:
        parts.append(A.audience == "school")
        if reader.parent:
            parts.append(A.audience == "parents")
        if reader.family_classes:
            parts.append((A.audience == "class") & A.class_group.in_(sorted(reader.family_classes)))
            parts.append((A.audience == "parallel") & A.grade.in_(sorted(reader.family_grades)))
    if not parts:
        return None
    where = parts[0]
    for part in parts[1:]:
        where = where | part
    return where


def _base(school_id: int):
    return (Announcement.select(Announcement, User.full_name.alias("author_name"),
                                ClassGroup.name.alias("class_name"))
            .join(User, JOIN.LEFT_OUTER, on=(Announcement.author == User.id))
            .switch(Announcement).join(ClassGroup, JOIN.LEFT_OUTER, on=(Announcement.class_group == ClassGroup.id))
            .where(Announcement.school == school_id)
            .objects())  # the aliases land on the announcement; its foreign keys stay ids


def board(school_id: int, reader: Reader, show: str = "current", today: dt.date | None = None):
    """The board as ``reader`` sees it: pinned first, then the newest. The administration sees every
    announcement of the school (it moderates the board); others what is addressed to them.
    ``show="all"`` (staff) adds the planned and the past ones."""
    today = today or local_today()
    query = _base(school_id)
    if not reader.administration:
        where = _addressed(reader)
        if where is None:
            return query.where(Announcement.id < 0)
        query = query.where(where)
    if show != "all" or not reader.staff:
        query = query.where((Announcement.starts_on <= today) & (Announcement.ends_on >= today))
    return query.order_by(Announcement.pinned.desc(), Announcement.starts_on.desc(), Announcement.id.desc())


def addressed(school_id: int, reader: Reader, limit: int = 5, today: dt.date | None = None) -> tuple[list, int]:
    """For the start page: the current announcements addressed to ``reader`` (even an administrator sees
    only those addressed to them here) and how many there are."""
    today = today or local_today()
    where = _addressed(reader)
    if where is None:
        return [], 0
    query = (_base(school_id).where(where & (Announcement.starts_on <= today) & (Announcement.ends_on >= today))
             .order_by(Announcement.pinned.desc(), Announcement.starts_on.desc(), Announcement.id.desc()))
    return annotate(list(query.limit(limit)), reader), query.count()


def get_visible(school_id: int, item_id: int, reader: Reader) -> Announcement | None:
    """One announcement the reader may open (past and planned ones only for the staff)."""
    item = board(school_id, reader, show="all").where(Announcement.id == item_id).first()
    return item


def annotate(items: list, reader: Reader) -> list:
    today = local_today()
    for item in items:
        item.body_html = render_markdown(item.body)
        item.editable = may_edit(item, reader)
        if not hasattr(item, "author_name"):
            item.author_name = None
        if not hasattr(item, "class_name"):
            item.class_name = None
        item.state = "planned" if item.starts_on > today else ("past" if item.ends_on < today else "current")
    return items


def audience_label(item) -> str:
    from eschool_announcements.schemas import AUDIENCE_LABELS

    if item.audience == "parallel":
        return _("Grade %(grade)s parallel", grade=item.grade)
    if item.audience == "class":
        return _("Class %(name)s", name=getattr(item, "class_name", None) or "")
    return str(AUDIENCE_LABELS[item.audience])


def counts(school_id: int) -> dict:
    today = local_today()
    rows = (Announcement.select(fn.COUNT(Announcement.id))
            .where((Announcement.school == school_id) & (Announcement.starts_on <= today)
                   & (Announcement.ends_on >= today)).scalar())
    return {"current": rows or 0}


# --------------------------------------------------------------------------- the notice


def audience_of(item: Announcement) -> Audience:
    everyone = ("staff", "students", "parents")
    if item.audience == "school":
        return Audience.school(item.school_id, *everyone)
    if item.audience == "staff":
        return Audience.school(item.school_id, "staff")
    if item.audience == "parents":
        return Audience.school(item.school_id, "parents")
    if item.audience == "class":
        return Audience.of_class(item.class_group_id, "students", "parents", "teachers")
    classes = [c.id for c in ClassGroup.select(ClassGroup.id).where(
        (ClassGroup.school == item.school_id) & (ClassGroup.grade == item.grade))]
    year = _current_year_id(item.school)
    if year is not None:
        classes = [c.id for c in ClassGroup.select(ClassGroup.id).where(
            (ClassGroup.school == item.school_id) & (ClassGroup.grade == item.grade)
            & (ClassGroup.academic_year == year))]
    audience = Audience.users()
    for class_id in classes:
        audience = audience | Audience.of_class(class_id, "students", "parents", "teachers")
    return audience


def _schedule_notice(item: Announcement) -> None:
    """Queue the notice: at once for an announcement shown today, else on its first day at 07:00 local."""
    today = local_today()
    if item.ends_on < today:
        return
    if item.starts_on <= today:
        enqueue(send_notice, item.id)
        return
    local = dt.datetime.combine(item.starts_on, dt.time(7, 0), tzinfo=region_tz())
    enqueue(send_notice, item.id, eta=local.astimezone(dt.UTC).replace(tzinfo=None))


def send_notice(item_id: int) -> dict:
    """In the worker: notify those addressed, once (``notified_at``), through the core's notify()."""
    item = Announcement.get_or_none(Announcement.id == item_id)
    if item is None or item.notified_at is not None:
        return {"recipients": 0, "deliveries": 0}
    today = local_today()
    if item.starts_on > today or item.ends_on < today:
        return {"recipients": 0, "deliveries": 0}
    claimed = (Announcement.update(notified_at=utcnow())
               .where((Announcement.id == item.id) & Announcement.notified_at.is_null()).execute())
    if not claimed:  # another worker sent it
        return {"recipients": 0, "deliveries": 0}
    author = User.get_or_none(User.id == item.author_id) if item.author_id else None
    text = item.body if len(item.body) <= 1000 else item.body[:1000] + "…"
    return notify(audience_of(item), KIND, {"title": item.title, "text": text},
                  actor=author, link=f"/announcements/school/{item.school_id}#a{item.id}", school_id=item.school_id)
