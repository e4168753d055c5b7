"""Who publishes at which level, what is public, and the Atom feed.

* a **class** item: the class teacher of that class publishes it; the class's students, parents and
  teachers and the school's staff read it (never public);
* a **school** item: the school's administration (administrator, director, deputy director);
* a **municipality** item: the municipality's operators;
* a **region** item: the region's operators.

Published school, municipality and region items are public (no login); drafts only their editors see.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from flask_babel import gettext as _
from marshmallow import ValidationError
from peewee import JOIN

from eschool.plugin_api import (
    ClassGroup,
    ClassMembership,
    Guardian,
    Municipality,
    RoleAssignment,
    School,
    Student,
    TeachingAssignment,
    User,
    as_text,
    attachments,
    db,
    render_markdown,
    user_assignments,
    utcnow,
)
from eschool_news.models import NewsItem
from eschool_news.schemas import NewsInSchema

ADMINISTRATION = ("school_admin", "director", "deputy_director")
STAFF = ("school_admin", "director", "deputy_director", "class_teacher", "subject_teacher", "secretary",
         "hr_specialist", "medical_worker", "psychologist", "technical_staff")
PICTURE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif"}
PICTURE_MAX_BYTES = 5 * 1024 * 1024
FEED_SIZE = 30


class NewsError(Exception):
    def __init__(self, fields: dict, status: int = 400):
        super().__init__(fields)
        self.fields = fields
        self.status = status


@dataclass
class Publisher:
    """Where a user may publish (and read class news) at all levels."""

    user_id: int | None
    region: bool = False
    municipalities: set = field(default_factory=set)
    schools: set = field(default_factory=set)  # administration
    classes: set = field(default_factory=set)  # class teacher of
    staff_schools: set = field(default_factory=set)  # any staff role: reads the school's class news
    family_classes: set = field(default_factory=set)  # a student's or a parent's classes
    taught: set = field(default_factory=set)

    @property
    def any(self) -> bool:
        return self.region or bool(self.municipalities or self.schools or self.classes)

    def levels(self) -> list[str]:
        out = []
        if self.classes:
            out.append("class")
        if self.schools:
            out.append("school")
        if self.municipalities:
            out.append("municipality")
        if self.region:
            out.append("region")
        return out


def publisher_for(user, all_roles: bool = False) -> Publisher:
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "is_device", False):
        return Publisher(None)
    assignments = (list(RoleAssignment.select().where(RoleAssignment.user == user.id)) if all_roles
                   else user_assignments(user))
    p = Publisher(user.id)
    roles = {a.role for a in assignments}
    for a in assignments:
        if a.role == "region_operator":
            p.region = True
        elif a.role == "municipal_operator" and a.municipality_id:
            p.municipalities.add(a.municipality_id)
        if a.school_id and a.role in ADMINISTRATION:
            p.schools.add(a.school_id)
        if a.school_id and a.role in STAFF:
            p.staff_schools.add(a.school_id)
        if a.role == "class_teacher" and a.class_group_id:
            p.classes.add(a.class_group_id)
    if roles & {"class_teacher"}:
        p.classes |= {c.id for c in ClassGroup.select(ClassGroup.id).where(ClassGroup.class_teacher == user.id)}
    if roles & {"subject_teacher", "class_teacher"}:
        p.taught = {t.class_group_id for t in TeachingAssignment.select(TeachingAssignment.class_group)
                    .where(TeachingAssignment.teacher == user.id)} | p.classes
    if roles & {"student", "parent"}:
        conditions = []
        if "student" in roles:
            conditions.append(Student.user == user.id)
        if "parent" in roles:
            conditions.append(Student.id.in_(Guardian.select(Guardian.student).where(Guardian.user == user.id)))
        where = conditions[0] if len(conditions) == 1 else conditions[0] | conditions[1]
        p.family_classes = {m.class_group_id for m in ClassMembership.select(ClassMembership.class_group).where(
            ClassMembership.student.in_(Student.select(Student.id).where(where)) & ClassMembership.ends_on.is_null())}
    return p


# --------------------------------------------------------------------------- rules


def may_edit(item: NewsItem, p: Publisher) -> bool:
    if item.level == "region":
        return p.region
    if item.level == "municipality":
        return p.region or item.municipality_id in p.municipalities
    if item.level == "school":
        return item.school_id in p.schools
    return item.class_group_id in p.classes


def may_read(item: NewsItem, p: Publisher) -> bool:
    """Published non-class items: anyone. Class items: the class's families and teachers and the school's
    staff. Drafts: their editors."""
    if item.status != "published":
        return may_edit(item, p)
    if item.level != "class":
        return True
    return (item.class_group_id in p.family_classes or item.class_group_id in p.taught
            or item.school_id in p.staff_schools or may_edit(item, p))


def _place(clean: dict, p: Publisher) -> dict:
    level = clean["level"]
    if level not in p.levels():
        raise NewsError({"level": [_("You may not publish news at this level.")]}, 403)
    if level == "region":
        return {"level": level, "municipality": None, "school": None, "class_group": None}
    if level == "municipality":
        muni = Municipality.get_or_none(Municipality.id == clean["municipality_id"])
        if muni is None:
            raise NewsError({"municipality_id": [_("No such municipality.")]})
        if muni.id not in p.municipalities:
            raise NewsError({"municipality_id": [_("You may not publish news of this municipality.")]}, 403)
        return {"level": level, "municipality": muni.id, "school": None, "class_group": None}
    if level == "school":
        school = School.get_or_none(School.id == clean["school_id"])
        if school is None:
            raise NewsError({"school_id": [_("No such school.")]})
        if school.id not in p.schools:
            raise NewsError({"school_id": [_("You may not publish news of this school.")]}, 403)
        return {"level": level, "municipality": school.municipality_id, "school": school.id, "class_group": None}
    row = (ClassGroup.select(ClassGroup, School.municipality).join(School)
           .where(ClassGroup.id == clean["class_id"]).first())
    if row is None:
        raise NewsError({"class_id": [_("No such class.")]})
    if row.id not in p.classes:
        raise NewsError({"class_id": [_("You may publish news only of the class you lead.")]}, 403)
    return {"level": level, "municipality": row.school.municipality_id, "school": row.school_id,
            "class_group": row.id}


def _load(data, base: NewsItem | None = None) -> dict:
    if not isinstance(data, dict):
        raise NewsError({"_schema": [_("Send a JSON object in the request body.")]})
    if base is not None:
        data = {"title": base.title, "body": base.body, "level": base.level, "class_id": base.class_group_id,
                "school_id": base.school_id, "municipality_id": base.municipality_id, **data}
    try:
        return NewsInSchema().load(data)
    except ValidationError as exc:
        raise NewsError(as_text(exc.messages)) from exc


def create(data: dict, p: Publisher, author, publish: bool = False, picture=None,
           published_at: dt.datetime | None = None) -> NewsItem:
    clean = _load(data)
    place = _place(clean, p)
    with db.atomic():  # a refused picture leaves nothing behind
        item = NewsItem.create(title=clean["title"], body=clean["body"], author=author.id if author else None,
                               status="published" if publish else "draft",
                               published_at=(published_at or utcnow()) if publish else None, **place)
        if picture is not None:
            set_picture(item, picture, author)
    return item


def update(item: NewsItem, data: dict, p: Publisher, picture=None, user=None) -> NewsItem:
    clean = _load(data, base=item)
    place = _place(clean, p)
    with db.atomic():
        item.title, item.body = clean["title"], clean["body"]
        for key, value in place.items():
            setattr(item, f"{key}_id" if key in ("municipality", "school", "class_group") else key, value)
        item.updated_at = utcnow()
        item.save()
        if picture is not None:
            set_picture(item, picture, user)
    return item


def set_picture(item: NewsItem, storage, user) -> None:
    """Replace the item's picture (PNG, JPEG or GIF up to 5 MB)."""
    try:
        row = attachments.save("news", storage, record_id=item.id, school_id=item.school_id, user=user,
                               types=PICTURE_TYPES, max_bytes=PICTURE_MAX_BYTES)
    except attachments.AttachmentError as exc:
        raise NewsError({"picture": [str(exc.message)]}) from exc
    old = item.picture_id
    item.picture_id = row.id
    item.save()
    if old:
        previous = attachments.get(old, owner="news")
        if previous is not None:
            attachments.delete(previous)


def publish(item: NewsItem) -> None:
    item.status, item.published_at, item.updated_at = "published", utcnow(), utcnow()
    item.save()


def unpublish(item: NewsItem) -> None:
    item.status, item.updated_at = "draft", utcnow()
    item.save()


def delete(item: NewsItem) -> None:
    attachments.delete_for("news", item.id)
    item.delete_instance()


# --------------------------------------------------------------------------- reading


def _base():
    return (NewsItem.select(NewsItem, User.full_name.alias("author_name"))
            .join(User, JOIN.LEFT_OUTER, on=(NewsItem.author == User.id)).objects())


def _published():
    return _base().where(NewsItem.status == "published")


def _newest(query):
    return query.order_by(NewsItem.published_at.desc(), NewsItem.id.desc())


def school_public(school):
    """A school's public page: its own news, its municipality's and the region's."""
    N = NewsItem
    return _newest(_published().where(((N.level == "school") & (N.school == school.id))
                                      | ((N.level == "municipality") & (N.municipality == school.municipality_id))
                                      | (N.level == "region")))


def municipality_public(muni):
    """A municipality's public page: its own news, its schools' and the region's."""
    N = NewsItem
    return _newest(_published().where(((N.level.in_(("school", "municipality"))) & (N.municipality == muni.id))
                                      | (N.level == "region")))


def region_public():
    return _newest(_published().where(NewsItem.level == "region"))


def for_reader(p: Publisher, school_ids: list[int]):
    """The logged-in reader's news: the public news of their schools (and municipalities) and the news of
    their classes."""
    N = NewsItem
    muni_ids = sorted({s.municipality_id for s in School.select(School.municipality).where(School.id.in_(school_ids))}
                      | p.municipalities) if school_ids or p.municipalities else []
    where = N.level == "region"
    if school_ids:
        where = where | ((N.level == "school") & N.school.in_(school_ids))
    if muni_ids:
        where = where | ((N.level == "municipality") & N.municipality.in_(muni_ids))
    classes = sorted(p.family_classes | p.taught)
    if classes:
        where = where | ((N.level == "class") & N.class_group.in_(classes))
    staff_schools = sorted(p.staff_schools)
    if staff_schools:
        where = where | ((N.level == "class") & N.school.in_(staff_schools))
    return _newest(_published().where(where))


def editable(p: Publisher):
    """Every item the publisher may edit, drafts first."""
    N = NewsItem
    parts = []
    if p.region:
        parts.append(N.level.in_(("region", "municipality")))
    if p.municipalities:
        parts.append((N.level == "municipality") & N.municipality.in_(sorted(p.municipalities)))
    if p.schools:
        parts.append((N.level == "school") & N.school.in_(sorted(p.schools)))
    if p.classes:
        parts.append((N.level == "class") & N.class_group.in_(sorted(p.classes)))
    if not parts:
        return _base().where(N.id < 0)
    where = parts[0]
    for part in parts[1:]:
        where = where | part
    return _base().where(where).order_by(N.status, N.updated_at.desc(), N.id.desc())


def get(item_id: int) -> NewsItem | None:
    return _base().where(NewsItem.id == item_id).first()


def annotate(items: list) -> list:
    """Rendered body and picture address; the places' names in two queries for the whole list."""
    school_ids = {i.school_id for i in items if i.school_id}
    muni_ids = {i.municipality_id for i in items if i.municipality_id}
    class_ids = {i.class_group_id for i in items if i.class_group_id}
    schools = {s.id: s for s in School.select(School.id, School.short_name).where(School.id.in_(sorted(school_ids)))} \
        if school_ids else {}
    munis = {m.id: m for m in Municipality.select().where(Municipality.id.in_(sorted(muni_ids)))} if muni_ids else {}
    classes = {c.id: c.name for c in ClassGroup.select(ClassGroup.id, ClassGroup.name)
               .where(ClassGroup.id.in_(sorted(class_ids)))} if class_ids else {}
    for item in items:
        item.body_html = render_markdown(item.body)
        item.picture_url = f"/files/{item.picture_id}" if item.picture_id else None
        item.school_name = schools[item.school_id].short_name if item.school_id in schools else ""
        item.municipality_name = munis[item.municipality_id].name_ru if item.municipality_id in munis else ""
        item.class_name = classes.get(item.class_group_id, "")
        if not hasattr(item, "author_name"):
            item.author_name = None
    return items


def municipality_by_code(code: str):
    return Municipality.get_or_none(Municipality.code == code)


# --------------------------------------------------------------------------- the Atom feed

ATOM = "http://www.w3.org/2005/Atom"


def _rfc3339(value: dt.datetime) -> str:
    return value.replace(microsecond=0).isoformat() + "Z"


def atom_feed(title: str, feed_url: str, page_url: str, items: list, base_url: str) -> bytes:
    """An Atom 1.0 document (RFC 4287). Every text goes through the XML serialiser (escaped); the
    body is the safe HTML of the rich text, sent as ``type="html"`` (escaped again as text)."""
    ET.register_namespace("", ATOM)

    def el(parent, tag, text=None, **attrs):
        node = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: str(v) for k, v in attrs.items()})
        if text is not None:
            node.text = _clean_xml(text)
        return node

    feed = ET.Element(f"{{{ATOM}}}feed")
    el(feed, "title", title)
    el(feed, "id", feed_url)
    updated = max((i.updated_at for i in items), default=None) or utcnow()
    el(feed, "updated", _rfc3339(updated))
    el(feed, "link", rel="self", href=feed_url, type="application/atom+xml")
    el(feed, "link", rel="alternate", href=page_url, type="text/html")
    el(feed, "generator", "Electronic School")
    for item in items:
        entry = el(feed, "entry")
        url = f"{base_url}/news/item/{item.id}"
        el(entry, "title", item.title)
        el(entry, "id", url)
        el(entry, "link", rel="alternate", href=url, type="text/html")
        el(entry, "published", _rfc3339(item.published_at or item.created_at))
        el(entry, "updated", _rfc3339(max(item.updated_at, item.published_at or item.updated_at)))
        author = el(entry, "author")
        el(author, "name", item.author_name or item.school_name or item.municipality_name or title)
        html = str(item.body_html)
        if item.picture_url:
            html = f'<p><img src="{base_url}{item.picture_url}" alt=""></p>' + html
            el(entry, "link", rel="enclosure", href=f"{base_url}{item.picture_url}")
        el(entry, "content", html, type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _clean_xml(text: str) -> str:
    """Drop the characters XML 1.0 cannot carry at all (control characters but tab and newlines)."""
    return "".join(ch for ch in str(text) if ch in "\t\n\r" or ord(ch) >= 0x20 and ord(ch) not in (0xFFFE, 0xFFFF))
