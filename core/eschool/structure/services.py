"""Rules for municipalities and schools."""
from __future__ import annotations

from flask import has_app_context

from eschool.db import db
from eschool.structure.models import Municipality, School


class StructureError(ValueError):
    """Bad input for the region's structure; ``field`` names what is wrong when one field is (the message
    then starts with it, as the command line shows it)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(f"{field}: {message}" if field else str(message))
        self.field, self.message = field, message


def sync_municipalities(region) -> list[Municipality]:
    """Create or rename the municipalities listed in the region profile (never deletes)."""
    result = []
    with db.atomic():
        for item in region.municipalities:
            muni = Municipality.get_or_none(Municipality.code == item["code"])
            if muni is None:
                muni = Municipality.create(code=item["code"], name_ru=item["name"]["ru"],
                                           name_en=item["name"].get("en", ""))
            elif (muni.name_ru, muni.name_en) != (item["name"]["ru"], item["name"].get("en", "")):
                muni.name_ru, muni.name_en = item["name"]["ru"], item["name"].get("en", "")
                muni.save()
            result.append(muni)
    return result


def municipality_by_code(code: str) -> Municipality:
    muni = Municipality.get_or_none(Municipality.code == code)
    if muni is None:
        raise StructureError(f"Unknown municipality '{code}'")
    return muni


def create_school(municipality: Municipality, name: str, short_name: str | None = None, **fields) -> School:
    """A new school, set up: with the journal's default work types (the region's weights), so that
    reading them on the journal's hot path never has to write (every place that makes a school calls
    this: the setup pages, the demo, the OneRoster import, the scale generator builds the same rows)."""
    name = (name or "").strip()
    if not name:
        raise StructureError("name: a school needs a name")
    # The journal's defaults are part of a school's setup; imported here, as the journal builds on structure.
    from eschool.journal.services import set_up_work_types

    with db.atomic():
        school = School.create(municipality=municipality, name=name, short_name=(short_name or name)[:200], **fields)
        set_up_work_types(school)
    return school


def find_school(ref: str) -> School:
    """A school by id or by exact short name (for the CLI)."""
    school = None
    if str(ref).isdigit():
        school = School.get_or_none(School.id == int(ref))
    if school is None:
        school = School.get_or_none(School.short_name == ref)
    if school is None:
        raise StructureError(f"Unknown school '{ref}' (give its id or short name)")
    return school


def school_by_id(school_id) -> School | None:
    """The school of the request's URL, read once per request (the scope, the idle check and the view
    all ask for it) and then kept in ``flask.g``; outside a request, read each time."""
    from flask import g, has_app_context

    if not has_app_context():
        return School.get_or_none(School.id == school_id)
    cache = g.setdefault("_schools", {})
    if school_id not in cache:
        cache[school_id] = School.get_or_none(School.id == school_id)
    return cache[school_id]


# --------------------------------------------------------------------------- the operators' list of schools

#: The school's own fields an operator sets (the school card's, ``eschool.school.card.CARD_FIELDS``).
SCHOOL_FIELDS = ("name", "short_name", "address", "phone", "email", "inn", "kpp", "ogrn", "okpo",
                 "director_name", "website")


def schools_query(municipalities: set[int] | None = None):
    """Schools with their municipality (one query), by municipality and short name; ``municipalities``
    (ids) limits them, None for every school of the region."""
    query = (School.select(School, Municipality).join(Municipality)
             .order_by(Municipality.name_ru, School.short_name, School.id))
    if municipalities is not None:
        query = query.where(School.municipality.in_(sorted(municipalities)) if municipalities else School.id < 0)
    return query


def matches(school: School, words: list[str]) -> bool:
    """Every word (case folded) is in the school's id, name or short name: compared in Python, as SQLite's
    ``lower()`` knows no Cyrillic."""
    text = f"{school.id} {school.name} {school.short_name}".casefold()
    return all(word in text for word in words)


def search_schools(q: str = "", municipalities: set[int] | None = None, municipality_id: int | None = None,
                   limit: int | None = None) -> list[School]:
    """The schools whose id, name or short name hold every word of ``q`` (all of them for an empty ``q``),
    within ``municipalities`` (None: the region) and ``municipality_id``: one query whatever the region's
    size; the first ``limit``."""
    query = schools_query(municipalities)
    if municipality_id:
        query = query.where(School.municipality == municipality_id)
    words = (q or "").casefold().split()[:8]
    found = [s for s in query if not words or matches(s, words)]
    return found[:limit] if limit is not None else found


def _duplicate(municipality: Municipality, short_name: str, inn: str, exclude: int | None = None) -> School | None:
    """A school of the municipality with this short name, or of the region with this INN."""
    where = (School.municipality == municipality.id) & (School.short_name == short_name)
    if inn:
        where |= School.inn == inn
    query = School.select().where(where)
    if exclude is not None:
        query = query.where(School.id != exclude)
    return query.first()


def duplicate_error(found: School, short_name: str) -> StructureError:
    from flask_babel import lazy_gettext as _l

    if found.short_name == short_name:
        return StructureError(_l("The municipality already has a school named %(name)s (id %(id)s).",
                                 name=short_name, id=found.id), "short_name")
    return StructureError(_l("School %(name)s (id %(id)s) has this INN already.", name=found.short_name,
                             id=found.id), "inn")


def new_school(municipality: Municipality, data: dict) -> School:
    """A school created by an operator or the command line from checked fields (``SchoolInSchema``): its
    short name is unique in the municipality, its INN in the region; set up like every school."""
    fields = {k: (data.get(k) or "").strip() for k in SCHOOL_FIELDS}
    fields["short_name"] = (fields["short_name"] or fields["name"])[:200]
    found = _duplicate(municipality, fields["short_name"], fields["inn"])
    if found is not None:
        raise duplicate_error(found, fields["short_name"])
    name, short_name = fields.pop("name"), fields.pop("short_name")
    return create_school(municipality, name, short_name, **fields)


def update_school(school: School, data: dict, municipality: Municipality | None = None) -> School:
    """Change the fields given (checked by the schema) and, with ``municipality``, move the school there."""
    changes = {k: (data[k] or "").strip() for k in SCHOOL_FIELDS if k in data and data[k] is not None}
    if "name" in changes and not changes["name"]:
        raise StructureError("a school needs a name", "name")
    if "short_name" in changes and not changes["short_name"]:
        changes["short_name"] = (changes.get("name") or school.name)[:200]
    target = municipality or school.municipality
    short_name, inn = changes.get("short_name", school.short_name), changes.get("inn", school.inn)
    found = _duplicate(target, short_name, inn, exclude=school.id)
    if found is not None:
        raise duplicate_error(found, short_name)
    for key, value in changes.items():
        setattr(school, key, value)
    fields = [getattr(School, k) for k in changes]
    if municipality is not None and municipality.id != school.municipality_id:
        school.municipality = municipality
        fields.append(School.municipality)
    if fields:
        school.save(only=fields)
    if has_app_context():
        from flask import g

        g.pop("_schools", None)
    return school
