"""The rules of vacancies: who sees what, and how a vacancy moves from draft to the archive.

Views and the API call only these functions; they never query the model themselves.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from eschool.plugin_api import (
    Municipality,
    School,
    as_text,
    db,
    is_enabled,
    school_by_id,
    schools_with_plugin,
    scope_for_municipality,
    scope_for_school,
    utcnow,
)
from eschool_vacancies.models import Vacancy
from eschool_vacancies.schemas import INPUT_FIELDS, VacancyInSchema

CODE = "vacancies"


class VacancyError(ValueError):
    """A change the rules refuse; ``field`` names what to fix (``None`` for the whole vacancy)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message, self.field = message, field


def archive_after_days() -> int:
    return current_app.extensions["eschool"].plugins.settings.get(CODE, {}).get("archive_after_days", 60)


def _cutoff(now: dt.datetime | None = None) -> dt.datetime:
    return (now or utcnow()) - dt.timedelta(days=archive_after_days())


def annotate(vacancies):
    """Set ``state`` (open / expired / closed / draft) on each vacancy, for the schemas and pages."""
    days, now = archive_after_days(), utcnow()
    for vacancy in vacancies:
        vacancy.state = vacancy.public_state(days, now)
        vacancy.expires = vacancy.expires_at(days)
    return vacancies


def validate(data: dict) -> dict:
    """Load input through the schema; raises ``marshmallow.ValidationError`` naming each field."""
    return VacancyInSchema().load({k: v for k, v in data.items() if k in INPUT_FIELDS})


def _search_text(data: dict, school: School) -> str:
    return " ".join([data.get("title", ""), data.get("subject", ""), school.short_name]).lower()


def create_vacancy(school: School, data: dict, actor=None, publish: bool = False) -> Vacancy:
    """A new vacancy at ``school``: a draft, or published at once."""
    clean = validate(data)
    now = utcnow()
    with db.atomic():
        vacancy = Vacancy.create(school=school, created_by=actor, search_text=_search_text(clean, school),
                                 status="open" if publish else "draft", published_at=now if publish else None,
                                 created_at=now, updated_at=now, **clean)
    return vacancy


def update_vacancy(vacancy: Vacancy, data: dict) -> Vacancy:
    """Change the fields given; the others keep their values. The whole result is validated."""
    current = {name: getattr(vacancy, name) for name in INPUT_FIELDS}
    merged = {**current, **{k: v for k, v in data.items() if k in INPUT_FIELDS}}
    clean = validate(merged)
    for name, value in clean.items():
        setattr(vacancy, name, value)
    vacancy.search_text = _search_text(clean, vacancy.school)
    vacancy.updated_at = utcnow()
    vacancy.save()
    return vacancy


def publish(vacancy: Vacancy) -> Vacancy:
    """Open a draft, or reopen a closed or expired vacancy: public again from now."""
    if vacancy.status == "open" and vacancy.public_state(archive_after_days()) == "open":
        raise VacancyError(_l("This vacancy is already published."))
    vacancy.status, vacancy.published_at = "open", utcnow()
    vacancy.closed_at, vacancy.close_reason = None, ""
    vacancy.updated_at = utcnow()
    vacancy.save()
    return vacancy


def close(vacancy: Vacancy, reason: str = "filled") -> Vacancy:
    """Move an open vacancy to the archive: filled or cancelled."""
    if reason not in ("filled", "cancelled", "expired"):
        raise VacancyError(_l("Choose why the vacancy is closed."), "reason")
    if vacancy.status != "open":
        raise VacancyError(_l("Only a published vacancy can be closed."))
    now = utcnow()
    vacancy.status, vacancy.closed_at, vacancy.close_reason, vacancy.updated_at = "closed", now, reason, now
    vacancy.save()
    return vacancy


def delete_draft(vacancy: Vacancy) -> None:
    """Drafts may be thrown away; a vacancy that was ever public stays for the archive."""
    if vacancy.status != "draft":
        raise VacancyError(_l("Only a draft can be deleted; close a published vacancy instead."))
    vacancy.delete_instance()


def close_expired(now: dt.datetime | None = None) -> int:
    """Close open vacancies past ``archive_after_days`` (reason ``expired``); returns how many."""
    now = now or utcnow()
    return (Vacancy.update(status="closed", closed_at=now, close_reason="expired", updated_at=now)
            .where((Vacancy.status == "open") & (Vacancy.published_at <= _cutoff(now))).execute())


# --------------------------------------------------------------------------- reading


def _visible_school_ids(municipality: Municipality | None = None, school_id: int | None = None) -> list[int]:
    """Schools whose vacancies the public may see: the plugin is on there (and the filters match)."""
    query = School.select(School.id, School.municipality)
    if municipality is not None:
        query = query.where(School.municipality == municipality)
    if school_id is not None:
        query = query.where(School.id == school_id)
    return [s.id for s in schools_with_plugin(CODE, query)]


def _with_school(query):
    return (query.select(Vacancy, School, Municipality).join(School).join(Municipality)
            .switch(Vacancy))


def _search(query, text: str):
    text = (text or "").strip().lower()
    for word in text.split()[:5]:
        query = query.where(Vacancy.search_text.contains(word))
    return query


def public_vacancies(municipality: Municipality | None = None, school_id: int | None = None, q: str = ""):
    """Open vacancies, newest first, at schools where the plugin is on."""
    ids = _visible_school_ids(municipality, school_id)
    query = _with_school(Vacancy.select()).where(
        Vacancy.school.in_(ids) & (Vacancy.status == "open") & (Vacancy.published_at > _cutoff()))
    return _search(query, q).order_by(Vacancy.published_at.desc(), Vacancy.id.desc())


def archived_vacancies(municipality: Municipality | None = None, school_id: int | None = None, q: str = ""):
    """Closed vacancies and open ones past their time, most recent first."""
    ids = _visible_school_ids(municipality, school_id)
    archived = (Vacancy.status == "closed") | ((Vacancy.status == "open") & (Vacancy.published_at <= _cutoff()))
    query = _with_school(Vacancy.select()).where(Vacancy.school.in_(ids) & archived)
    return _search(query, q).order_by(Vacancy.updated_at.desc(), Vacancy.id.desc())


def school_vacancies(school: School, status: str | None = None):
    """Everything a school has, drafts included (for its own management page)."""
    query = _with_school(Vacancy.select()).where(Vacancy.school == school)
    if status:
        query = query.where(Vacancy.status == status)
    return query.order_by(Vacancy.status.desc(), Vacancy.updated_at.desc(), Vacancy.id.desc())


def get_school_vacancy(school_id: int, vacancy_id: int) -> Vacancy | None:
    """One vacancy of one school, or ``None`` (a vacancy id under another school's URL is not found)."""
    return _with_school(Vacancy.select()).where((Vacancy.id == vacancy_id) & (Vacancy.school == school_id)).first()


def publicly_visible(vacancy: Vacancy) -> bool:
    return vacancy.status != "draft"


def counts_for_school(school_id: int) -> dict[str, int]:
    """Drafts, open and archived vacancies of a school (for its dashboard widget)."""
    cutoff = _cutoff()
    rows = Vacancy.select(Vacancy.status, Vacancy.published_at).where(Vacancy.school == school_id)
    counts = {"draft": 0, "open": 0, "archived": 0}
    for row in rows:
        if row.status == "open" and row.published_at > cutoff:
            counts["open"] += 1
        elif row.status == "draft":
            counts["draft"] += 1
        else:
            counts["archived"] += 1
    return counts


def municipality_by_code(code: str) -> Municipality | None:
    return Municipality.get_or_none(Municipality.code == code)


class NotHere(LookupError):
    """A list limited to a school or a municipality that does not exist, or where the plugin is off."""


def listing_place(municipality_code: str | None = None, school_id: int | None = None):
    """The municipality and the school a public list is limited to: one rule for the pages and the API.

    A school that does not exist or has the plugin off, a municipality that does not exist or has it on in
    none of its schools (a school may switch it on under a plain municipal "off"): :class:`NotHere`, which
    both answer with 404 (as the pages of such a school or municipality do)."""
    muni = None
    if municipality_code:
        muni = municipality_by_code(municipality_code)
        if muni is None or not is_enabled(CODE, scope_for_municipality(muni)):
            raise NotHere(municipality_code)
    if school_id is not None:
        school = school_by_id(school_id)
        if school is None or not is_enabled(CODE, scope_for_school(school)):
            raise NotHere(school_id)
    return muni, school_id


def error_messages(exc: ValidationError) -> dict[str, list[str]]:

    return as_text(exc.messages)
