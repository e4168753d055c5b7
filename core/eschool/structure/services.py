"""Rules for municipalities and schools."""
from __future__ import annotations

from eschool.db import db
from eschool.structure.models import Municipality, School


class StructureError(ValueError):
    pass


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
