"""The kiosk's rules: a school's six sections, who edits which, pages and pictures, what the screen shows.

No Flask request here (only the app's registries through ``current_app`` where a rule needs the region's
roles); the views and the API call these functions.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import lazy_gettext as _l

from eschool.plugin_api import (
    SCHOOL_STAFF,
    Attachment,
    School,
    SchoolError,
    attachments,
    current_year,
    db,
    has_permission,
    is_enabled,
    local_today,
    render_markdown,
    scope_for_school,
    settings_for,
    substitutions,
    timetable_of_day,
    user_assignments,
    utcnow,
)
from eschool_kiosk.models import KioskPage, KioskSection
from eschool_kiosk.schemas import KINDS

CODE = "kiosk"
MANAGE = "kiosk.manage"
EDIT = "kiosk.edit"
SECTIONS = 6
PICTURE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif"}
PICTURE_MAX_BYTES = 5 * 1024 * 1024
MAX_PICTURES = 12


#: The six sections a school starts with: (kind, positions that edit it). The fifth is the meals menu
#: where the nutrition plugin is on at the school, else useful information.
DEFAULTS = (
    ("about", ("director", "deputy_director")),
    ("timetable", ("deputy_director",)),
    ("substitutions", ("deputy_director",)),
    ("announcements", ("director", "deputy_director", "secretary")),
    ("meals", ("medical_worker", "secretary")),
    ("clubs", ("deputy_director", "class_teacher")),
)


class KioskError(SchoolError):
    """Bad input naming a field (``field``, ``message``)."""


# --------------------------------------------------------------------------- sections


def staff_positions() -> dict[str, object]:
    """The positions (role codes with their labels) a section's editors may be chosen from, in this region."""
    roles = current_app.extensions["eschool"].roles
    return {code: roles[code].label for code in SCHOOL_STAFF if code in roles}


def ensure_sections(school: School) -> list[KioskSection]:
    """The school's six sections, created with their default titles and editors the first time."""
    rows = list(KioskSection.select().where(KioskSection.school == school.id).order_by(KioskSection.position))
    if len(rows) == SECTIONS:
        return rows
    have = {r.position for r in rows}
    meals = is_enabled("nutrition", scope_for_school(school))
    positions = staff_positions()
    with db.atomic():
        for position, (kind, editors) in enumerate(DEFAULTS, start=1):
            if position in have:
                continue
            if kind == "meals" and not meals:
                kind = "info"
            KioskSection.create(school=school.id, position=position, kind=kind, title="",
                                editor_roles=",".join(r for r in editors if r in positions))
    return list(KioskSection.select().where(KioskSection.school == school.id).order_by(KioskSection.position))


def title_of(section: KioskSection) -> str:
    """The section's title: the one the school gave it, else its kind's (in the reader's language)."""
    return section.title or str(KINDS.get(section.kind, section.kind))


def section_of(school_id: int, section_id: int) -> KioskSection | None:
    return KioskSection.get_or_none((KioskSection.id == section_id) & (KioskSection.school == school_id))


def may_manage(user, school_id: int) -> bool:
    return has_permission(user, MANAGE, _scope(school_id))


def editable_sections(user, sections: list[KioskSection]) -> set[int]:
    """Ids of the sections ``user`` edits: all of them with ``kiosk.manage``, else those naming a position
    the user holds at the section's school (and ``kiosk.edit`` there)."""
    if not sections:
        return set()
    school_id = sections[0].school_id
    if getattr(user, "is_device", False) or not getattr(user, "is_authenticated", False):
        return set()
    if may_manage(user, school_id):
        return {s.id for s in sections}
    if not has_permission(user, EDIT, _scope(school_id)):
        return set()
    held = {a.role for a in user_assignments(user) if a.school_id == school_id}
    return {s.id for s in sections if held & set(s.roles)}


def may_edit(user, section: KioskSection) -> bool:
    return section.id in editable_sections(user, [section])


def _scope(school_id: int):
    school = School.get_or_none(School.id == school_id)
    return scope_for_school(school) if school else None


def update_section(section: KioskSection, data: dict) -> KioskSection:
    """Rename a section and choose its editors (positions); ``data`` is loaded by ``SectionInSchema``."""
    if "title" in data:
        section.title = data["title"]
    if "editor_roles" in data:
        positions = staff_positions()
        unknown = [r for r in data["editor_roles"] if r not in positions]
        if unknown:
            raise KioskError("editor_roles", _l("Unknown position: %(codes)s.", codes=", ".join(unknown)))
        section.editor_roles = ",".join(dict.fromkeys(data["editor_roles"]))
    section.updated_at = utcnow()
    section.save()
    return section


# --------------------------------------------------------------------------- pages


def pages_of(section: KioskSection) -> list[KioskPage]:
    return list(KioskPage.select().where(KioskPage.section == section.id).order_by(KioskPage.position, KioskPage.id))


def page_of(section: KioskSection, page_id: int) -> KioskPage | None:
    return KioskPage.get_or_none((KioskPage.id == page_id) & (KioskPage.section == section.id))


def save_page(section: KioskSection, data: dict, user=None, page: KioskPage | None = None) -> KioskPage:
    """Create a page (``page`` None) or change it; ``data`` is loaded by ``PageInSchema``."""
    with db.atomic():
        if page is None:
            last = (KioskPage.select(KioskPage.position).where(KioskPage.section == section.id)
                    .order_by(KioskPage.position.desc()).first())
            page = KioskPage(section=section.id, position=(last.position + 1) if last else 1,
                             slideshow=section.kind == "announcements")
        for name in ("title", "body", "published", "slideshow", "position"):
            if name in data:
                setattr(page, name, data[name])
        page.updated_by = getattr(user, "id", None) if isinstance(getattr(user, "id", None), int) else None
        page.updated_at = utcnow()
        page.save()
        KioskSection.update(updated_at=utcnow()).where(KioskSection.id == section.id).execute()
    return page


def delete_page(page: KioskPage) -> None:
    with db.atomic():
        attachments.delete_for(CODE, page.id)
        page.delete_instance()


def pictures_of(page_ids: list[int]) -> dict[int, list[Attachment]]:
    """Each page's pictures, oldest first (one query for all the pages)."""
    result: dict[int, list[Attachment]] = {pid: [] for pid in page_ids}
    if page_ids:
        for row in (Attachment.select().where((Attachment.owner == CODE) & Attachment.record_id.in_(page_ids))
                    .order_by(Attachment.id)):
            result[row.record_id].append(row)
    return result


def add_picture(page: KioskPage, storage, user=None) -> Attachment:
    """Attach a picture (PNG, JPEG, GIF; at most 5 MB, 12 per page); raises ``AttachmentError``/``KioskError``."""
    if len(pictures_of([page.id])[page.id]) >= MAX_PICTURES:
        raise KioskError("file", _l("A page holds at most %(count)d pictures.", count=MAX_PICTURES))
    return attachments.save(CODE, storage, record_id=page.id, school_id=page.section.school_id,
                            user=user if isinstance(getattr(user, "id", None), int) else None,
                            types=PICTURE_TYPES, max_bytes=PICTURE_MAX_BYTES)


def picture_of(school_id: int, attachment_id: int) -> Attachment | None:
    """A kiosk picture of a published page of this school (else ``None``: a draft's pictures stay unseen)."""
    row = attachments.get(attachment_id, owner=CODE)
    if row is None or row.school_id != school_id or row.record_id is None:
        return None
    shown = (KioskPage.select().join(KioskSection)
             .where((KioskPage.id == row.record_id) & (KioskPage.published == True)  # noqa: E712
                    & (KioskSection.school == school_id)).exists())
    return row if shown else None


def remove_picture(page: KioskPage, attachment_id: int) -> bool:
    row = attachments.get(attachment_id, owner=CODE)
    if row is None or row.record_id != page.id:
        return False
    attachments.delete(row)
    return True


def attachment_readable(attachment: Attachment, user) -> bool:
    """``/files/<id>``: a kiosk picture for the school's staff who edit or manage the kiosk (the screen reads
    its pictures through its own API with its token)."""
    if getattr(user, "is_device", False) or not getattr(user, "is_authenticated", False):
        return False
    scope = _scope(attachment.school_id) if attachment.school_id else None
    return scope is not None and (has_permission(user, EDIT, scope) or has_permission(user, MANAGE, scope))


# --------------------------------------------------------------------------- the screen


def screen_locale(asked: str | None) -> str:
    """The kiosk's language: the one asked for (``?lang=``) if the portal has it, else the page's own (the
    browser's languages, else the region's)."""
    from flask_babel import get_locale

    return asked if asked in ("ru", "en") else str(get_locale() or current_app.extensions["eschool"].region.locale)


def screen_settings(school: School) -> dict:
    return settings_for(CODE, scope_for_school(school))


def today_timetable(school: School, today: dt.date) -> list[dict]:
    """Today's lessons of every class, substitutions in place: ``[{class, lessons: [...]}]`` (three queries)."""
    year = current_year(school)
    if year is None:
        return []
    by_class: dict[int, dict] = {}
    for e in timetable_of_day(school, year, today):
        group = by_class.setdefault(e.class_group_id, {"class_name": e.class_group.name, "grade": e.class_group.grade,
                                                       "lessons": []})
        group["lessons"].append({"number": e.number, "subject": e.subject.short_name or e.subject.name,
                                 "subject_name": e.subject.name, "teacher": _short(e.teacher.full_name),
                                 "room": e.room.name if e.room_id else "", "substituted": bool(e.substituted),
                                 "subgroup": e.subgroup.name if e.subgroup_id else ""})
    return sorted(by_class.values(), key=lambda c: (c["grade"], c["class_name"]))


def today_substitutions(school: School, today: dt.date) -> list[dict]:
    return [{"number": s.entry.number, "class_name": s.entry.class_group.name, "teacher": _short(s.teacher.full_name),
             "note": s.note} for s in substitutions(school, today)]


def _short(full_name: str) -> str:
    """«Иванова Мария Петровна» -> «Иванова М. П.» (a hall screen shows no more than a timetable does)."""
    parts = (full_name or "").split()
    return " ".join(parts[:1] + [p[0] + "." for p in parts[1:3]]) if parts else ""


def screen(school: School, picture_url) -> dict:
    """Everything the kiosk shows, in one answer: the six sections with their published pages (text as safe
    HTML, pictures), the slideshow, today's timetable and substitutions. A fixed number of queries."""
    today = local_today()
    sections = ensure_sections(school)
    pages = list(KioskPage.select().where(KioskPage.section.in_([s.id for s in sections])
                                          & (KioskPage.published == True))  # noqa: E712
                 .order_by(KioskPage.position, KioskPage.id))
    pictures = pictures_of([p.id for p in pages])
    by_section: dict[int, list] = {s.id: [] for s in sections}
    slides = []
    for p in pages:
        item = {"id": p.id, "title": p.title, "html": str(render_markdown(p.body)),
                "pictures": [{"id": a.id, "url": picture_url(a.id), "name": a.original_name} for a in pictures[p.id]]}
        by_section[p.section_id].append(item)
        if p.slideshow:
            slides.append({"section_id": p.section_id, "page_id": p.id})
    kinds = {s.kind for s in sections}
    settings = screen_settings(school)
    return {
        "school": {"id": school.id, "name": school.short_name or school.name},
        "date": today.isoformat(),
        "generated_at": utcnow(),
        "settings": {k: settings[k] for k in ("idle_seconds", "slide_seconds", "refresh_seconds")},
        "sections": [{"id": s.id, "position": s.position, "kind": s.kind, "title": title_of(s), "pages": by_section[s.id]}
                     for s in sections],
        "slides": slides,
        "timetable": today_timetable(school, today) if "timetable" in kinds else [],
        "substitutions": today_substitutions(school, today) if kinds & {"substitutions", "timetable"} else [],
    }


def page_counts(section_ids: list[int]) -> dict[int, int]:
    """Pages per section (one query)."""
    from peewee import fn

    counts = {sid: 0 for sid in section_ids}
    if section_ids:
        for row in (KioskPage.select(KioskPage.section, fn.COUNT(KioskPage.id).alias("n"))
                    .where(KioskPage.section.in_(section_ids)).group_by(KioskPage.section)):
            counts[row.section_id] = row.n
    return counts
