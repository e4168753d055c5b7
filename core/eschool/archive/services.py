"""The year archive: every class's journal of a year, printed (PDF) and as data (XLSX), built in the
background and kept in the instance folder.

* **When**: a year's closing queues its archive (the ``year_closed`` event, after the commit); the school
  administrator or the director may build it for any year on demand (the current year up to today), or
  build it again.
* **What**: for each class of the year (regular, extended-day and home-schooling classes) the registry's
  ``class_journal`` report of the class's whole year, period by period, rendered as the report's PDF and
  XLSX from the same definition. Each class is one :class:`ArchiveEntry` and one job on the queue.
* **Nothing silently missing**: an entry exists for every class as soon as the build is asked for, so the
  list shows what is waiting, building, done or failed with its error. A build that fails is retried
  (``RETRY_DELAYS``), then kept as failed; one lost on the way (a worker killed, a queue emptied) is
  found by the sweep after ``STALE_MINUTES`` and queued again, within the same tries. A newer request
  gives the entry a new job token: an older build still running throws its files away.
* **Who reads it**: ``archive.view`` (school administrator, director, deputy director) every class; a
  class teacher the classes they led that year. Files are served only through the archive's views.
"""
from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from flask import current_app, g, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import JOIN, fn

from eschool.archive.models import ArchiveEntry
from eschool.attachments.services import remove_stored, store_bytes, stored_path
from eschool.auth.permissions import has_permission
from eschool.db import db, utcnow
from eschool.exports import PdfUnavailable, pdf_bytes, xlsx_bytes
from eschool.jobs import enqueue
from eschool.people.services import classes_led
from eschool.plugins.services import scope_for_school
from eschool.reports import services as reports
from eschool.reports.render import cell_text, sheets_of
from eschool.school.models import AcademicYear, ClassGroup
from eschool.school.services import SchoolError
from eschool.structure.models import School

log = logging.getLogger("eschool.archive")

VIEW, BUILD = "archive.view", "archive.build"
OWNER = "archive"  # the folder under <instance>/uploads
#: The classes whose journals are archived (a summer camp's squads keep their records in the camp module).
ARCHIVED_KINDS = ("regular", "extended_day", "home_schooling")
#: Seconds before the 2nd and the 3rd try of a build that failed; then it is kept as failed.
RETRY_DELAYS = (60, 600)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
#: A build queued or started this long ago without an end is taken as lost and queued again.
STALE_MINUTES = 30
REPORT = "class_journal"
MIMETYPES = {"pdf": "application/pdf",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class ArchiveForbidden(Exception):
    """Not this user's to read or build here (403)."""


# --------------------------------------------------------------------------- what a user sees


def _classes(year: AcademicYear) -> list[ClassGroup]:
    return list(ClassGroup.select().where((ClassGroup.academic_year == year) & ClassGroup.kind.in_(ARCHIVED_KINDS))
                .order_by(ClassGroup.grade, ClassGroup.letter, ClassGroup.name))


def may_build(user, school: School) -> bool:
    return has_permission(user, BUILD, scope_for_school(school))


def may_open(user, school: School) -> bool:
    """Whether the archive is the user's to open at the school at all: ``archive.view``, or a class teacher
    there (who then sees the classes they led)."""
    from eschool.auth.permissions import user_assignments

    return has_permission(user, VIEW, scope_for_school(school)) or any(
        a.role == "class_teacher" and a.school_id == school.id for a in user_assignments(user))


def years(school: School) -> list[AcademicYear]:
    """The school's years, the newest first."""
    return list(AcademicYear.select().where(AcademicYear.school == school).order_by(AcademicYear.starts_on.desc()))


def year_of(school: School, year_id: int) -> AcademicYear:
    year = AcademicYear.get_or_none((AcademicYear.id == year_id) & (AcademicYear.school == school))
    if year is None:
        raise SchoolError("year_id", _l("No such year at this school."))
    return year


def visible_classes(user, school: School, year: AcademicYear) -> list[ClassGroup]:
    """The year's classes whose archive the user may read: all with ``archive.view``, else those they led
    as class teacher (none: :class:`ArchiveForbidden`)."""
    classes = _classes(year)
    if has_permission(user, VIEW, scope_for_school(school)):
        return classes
    led = classes_led(user, [c.id for c in classes])
    if not led:
        raise ArchiveForbidden()
    return [c for c in classes if c.id in led]


@dataclass
class Line:
    """A class of the year and where its archive stands: ``missing`` (never asked for), or the entry's
    status."""

    class_group: ClassGroup
    entry: ArchiveEntry | None

    @property
    def state(self) -> str:
        return self.entry.status if self.entry is not None else "missing"


def listing(user, school: School, year: AcademicYear) -> list[Line]:
    """Every class of the year the user may read, with its entry (three queries whatever the classes)."""
    classes = visible_classes(user, school, year)
    entries = {e.class_group_id: e for e in ArchiveEntry.select().where(
        ArchiveEntry.class_group.in_([c.id for c in classes] or [0]))}
    return [Line(c, entries.get(c.id)) for c in classes]


@dataclass
class YearSummary:
    year: AcademicYear
    classes: int
    states: dict  # status -> classes; "missing" for those never asked for


def summary(user, school: School) -> list[YearSummary]:
    """Per year of the school, how many classes' archives are done, waiting, failed or never asked for
    (three queries). A class teacher sees the years with classes they led, counted over those."""
    all_years = years(school)
    if has_permission(user, VIEW, scope_for_school(school)):
        allowed = None
    else:
        if not may_open(user, school):
            raise ArchiveForbidden()
        ids = [c.id for c in ClassGroup.select(ClassGroup.id).where(ClassGroup.school == school)]
        allowed = classes_led(user, ids)
    counts: dict = {}
    totals: dict = {}
    query = (ClassGroup.select(ClassGroup.id, ClassGroup.academic_year, ArchiveEntry.status)
             .join(ArchiveEntry, JOIN.LEFT_OUTER, on=(ArchiveEntry.class_group == ClassGroup.id))
             .where((ClassGroup.school == school) & ClassGroup.kind.in_(ARCHIVED_KINDS)).tuples())
    for class_id, year_id, status in query:
        if allowed is not None and class_id not in allowed:
            continue
        totals[year_id] = totals.get(year_id, 0) + 1
        per_year = counts.setdefault(year_id, {})
        per_year[status or "missing"] = per_year.get(status or "missing", 0) + 1
    return [YearSummary(y, totals.get(y.id, 0), counts.get(y.id, {})) for y in all_years
            if allowed is None or totals.get(y.id)]


# --------------------------------------------------------------------------- asking for builds


def request_build(user, school: School, year: AcademicYear, rebuild: bool = False, check: bool = True,
                  requested_by=None) -> int:
    """Queue the archive of the year's classes that are not done yet (``rebuild``: all of them again;
    a build on its way is left to finish unless it is stale). ``check=False`` is the system asking (the
    year's closing). Returns how many classes were queued."""
    if check and not may_build(user, school):
        raise ArchiveForbidden()
    who = getattr(requested_by or user, "id", None)
    existing = {e.class_group_id: e for e in ArchiveEntry.select().where(ArchiveEntry.academic_year == year)}
    now = utcnow()
    queued: list[tuple[int, str]] = []
    with db.atomic():
        for group in _classes(year):
            entry = existing.get(group.id)
            if entry is not None and not rebuild and (entry.status == "done" or (
                    entry.status in ("queued", "building") and not _stale(entry, now))):
                continue
            job = secrets.token_hex(16)
            if entry is None:
                entry = ArchiveEntry.create(school=school, academic_year=year, class_group=group, job=job,
                                            requested_at=now, requested_by=who)
            else:
                ArchiveEntry.update(job=job, status="queued", attempts=0, error="", requested_at=now,
                                    requested_by=who, started_at=None).where(ArchiveEntry.id == entry.id).execute()
            queued.append((entry.id, job))
    for entry_id, job in queued:
        _enqueue(entry_id, job)
    return len(queued)


def _stale(entry: ArchiveEntry, now: dt.datetime) -> bool:
    since = entry.started_at or entry.requested_at
    return since is None or now - since > dt.timedelta(minutes=STALE_MINUTES)


def _enqueue(entry_id: int, job: str, delay: float | None = None) -> None:
    try:
        enqueue(build, entry_id, job, delay=delay)
    except Exception as exc:  # noqa: BLE001 - the queue is down: the entry says so, the sweep queues it later
        log.exception("could not queue the archive of entry %s; the sweep will", entry_id)
        ArchiveEntry.update(error=str(_("Could not be queued: %(error)s", error=exc))[:500]).where(
            (ArchiveEntry.id == entry_id) & (ArchiveEntry.job == job)).execute()


def sweep(now: dt.datetime | None = None) -> int:
    """Queue again the builds that were lost on the way (waiting or building past ``STALE_MINUTES``); one
    whose tries are used up is kept as failed. Returns how many were queued. Runs every ten minutes."""
    now = now or utcnow()
    limit = now - dt.timedelta(minutes=STALE_MINUTES)
    lost = list(ArchiveEntry.select().where(
        ArchiveEntry.status.in_(("queued", "building"))
        & (fn.COALESCE(ArchiveEntry.started_at, ArchiveEntry.requested_at) < limit)))
    again = []
    for entry in lost:
        if entry.attempts >= MAX_ATTEMPTS:
            ArchiveEntry.update(status="failed", error=entry.error or str(_("The build never finished.")))\
                .where((ArchiveEntry.id == entry.id) & (ArchiveEntry.job == entry.job)).execute()
            continue
        job = secrets.token_hex(16)
        if ArchiveEntry.update(job=job, status="queued", requested_at=now, started_at=None).where(
                (ArchiveEntry.id == entry.id) & (ArchiveEntry.job == entry.job)).execute():
            again.append((entry.id, job))
    for entry_id, job in again:
        _enqueue(entry_id, job)
    return len(again)


# --------------------------------------------------------------------------- the build (in the worker)


def build(entry_id: int, job: str) -> None:
    """Build one class's archived journal (the queue's job). Only the build holding the entry's current
    ``job`` token may write it; a failure is kept on the entry and retried, then kept as failed."""
    entry = ArchiveEntry.get_or_none(ArchiveEntry.id == entry_id)
    if entry is None or entry.job != job or entry.status == "done":
        return
    attempt = entry.attempts + 1
    if not ArchiveEntry.update(status="building", attempts=attempt, started_at=utcnow()).where(
            (ArchiveEntry.id == entry_id) & (ArchiveEntry.job == job)).execute():
        return
    stored: list[str] = []
    try:
        pdf, xlsx = render(entry.school, entry.class_group)
        stored = [store_bytes(OWNER, xlsx)] + ([store_bytes(OWNER, pdf)] if pdf is not None else [])
    except Exception as exc:  # noqa: BLE001 - kept on the entry, retried, shown in the list
        remove_stored(OWNER, stored)
        log.exception("the archive of class %s failed (try %s)", entry.class_group_id, attempt)
        _failed(entry_id, job, attempt, f"{type(exc).__name__}: {exc}", retry=True)
        return
    with db.atomic():
        changed = ArchiveEntry.update(
            status="done" if pdf is not None else "failed", built_at=utcnow(),
            error="" if pdf is not None else str(_("PDF output is not installed on this server (WeasyPrint and the "
                                                   "Pango library); the XLSX is kept.")),
            xlsx_name=stored[0], xlsx_size=len(xlsx), pdf_name=stored[1] if pdf is not None else None,
            pdf_size=len(pdf) if pdf is not None else 0).where(
            (ArchiveEntry.id == entry_id) & (ArchiveEntry.job == job)).execute()
    if not changed:  # a newer request took the entry over meanwhile: its build writes it
        remove_stored(OWNER, stored)
        return
    remove_stored(OWNER, [n for n in (entry.pdf_name, entry.xlsx_name) if n])  # the previous build's files


def _failed(entry_id: int, job: str, attempt: int, message: str, retry: bool) -> None:
    again = retry and attempt < MAX_ATTEMPTS
    ArchiveEntry.update(status="queued" if again else "failed", error=message[:500]).where(
        (ArchiveEntry.id == entry_id) & (ArchiveEntry.job == job)).execute()
    if again:
        _enqueue(entry_id, job, delay=RETRY_DELAYS[attempt - 1])


def render(school: School, group: ClassGroup) -> tuple[bytes | None, bytes]:
    """The class's journal of its whole year as ``(PDF, XLSX)``: the registry's ``class_journal`` report,
    in the region's language (the PDF ``None`` where PDF output is not installed)."""
    scope = scope_for_school(school)
    report_type = next((r for r in reports.report_types(scope) if r.key == REPORT), None)
    if report_type is None:
        raise RuntimeError(f"the report {REPORT!r} is not offered at this school")
    params = {"user": None, "school": school, "municipality": None, "scope": scope, "period": None,
              "class_group": group, "grade": None, "subject": None, "date_from": None, "date_to": None}
    g.setdefault("_eschool_archive", True)  # force_locale needs a non-empty g outside a request
    with force_locale(current_app.extensions["eschool"].region.locale):
        report = report_type.build(params, scope)
        spreadsheet = xlsx_bytes(sheets_of(report))
        html = render_template("reports/print.html", report=report, cell_text=cell_text, landscape=report.landscape)
        try:
            printed = pdf_bytes(html)
        except PdfUnavailable:
            printed = None
    return printed, spreadsheet


# --------------------------------------------------------------------------- downloads


def file_of(user, school: School, entry_id: int, fmt: str):
    """``(path, download name, content type)`` of an archived file the user may read; ``None`` when there
    is no such file here (404); :class:`ArchiveForbidden` when it is not theirs."""
    if fmt not in MIMETYPES:
        return None
    entry = (ArchiveEntry.select(ArchiveEntry, ClassGroup, AcademicYear).join(ClassGroup)
             .switch(ArchiveEntry).join(AcademicYear)
             .where((ArchiveEntry.id == entry_id) & (ArchiveEntry.school == school)).first())
    if entry is None:
        return None
    if not has_permission(user, VIEW, scope_for_school(school)) and entry.class_group_id not in classes_led(
            user, [entry.class_group_id]):
        raise ArchiveForbidden()
    name = entry.pdf_name if fmt == "pdf" else entry.xlsx_name
    if not name:
        return None
    path = stored_path(OWNER, name)
    if not path.exists():
        return None
    title = _("Class journal %(name)s %(year)s", name=entry.class_group.name, year=entry.academic_year.name)
    return path, f"{title.replace('/', '-')}.{fmt}", MIMETYPES[fmt]
