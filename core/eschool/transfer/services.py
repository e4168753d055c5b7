"""A school's (or a whole municipality's) data in one archive, and back: the way a region moves servers or
hands a school its data (``eschool export school|municipality``, ``eschool import archive``).

The archive is a ZIP file (docs/data-exchange.md describes every file):

* ``manifest.json``: the format and its version, what the archive holds (the municipality, the schools),
  every table with its columns and number of rows, every file with its size and SHA-256;
* ``<capability>/<table>.csv``: one CSV file per table of the core (``journal/mark.csv``,
  ``people/student.csv``, ...), a row per record, the header the table's column names. The ``id`` of every
  table is renumbered 1, 2, 3... in the order of the records, and every reference (``student_id``) holds
  the number its record has in the archive, so the archive does not depend on the database it came from;
* ``files/uploads/<owner>/<name>``: the uploaded files the rows name (homework files, absence notes, the
  year archive's journals);
* what plugins add about each school (``eschool_export_files``): the OneRoster plugin writes the school's
  people, classes and enrolments as OneRoster 1.1 files in ``oneroster/`` for other systems, their
  sourcedIds made of the same numbers (``user-12`` is ``auth/user_account.csv``'s row 12).

A cell of a CSV file: ``\\N`` is no value (NULL), an empty cell an empty text; dates, times and instants
(UTC) in ISO 8601; booleans ``true``/``false``; decimals with their places; a text that starts with ``=``,
``+``, ``-``, ``@``, a tab, a carriage return or ``'`` has a ``'`` put before it (a spreadsheet must not run
it: ``eschool.exports.csvfile``), and a text that is exactly ``\\N`` is written ``\\\\N``.

``import_archive`` puts an archive into a database (an empty one after ``eschool init``, or one with other
schools): the municipalities are found by their code, every row gets a new id in the same order (so the
archive exported again is the same archive, byte for byte), and the files go into the instance folder;
all or nothing. Plugins' own tables are not in the archive (a backup carries everything:
``eschool backup``).
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import peewee

from eschool.applications.models import Application, ApplicationEvent
from eschool.archive.models import ArchiveEntry
from eschool.attachments import services as attachments
from eschool.attachments.models import Attachment
from eschool.auth.models import RoleAssignment, User
from eschool.db import db, rows_per_insert
from eschool.exports.csvfile import csv_cell, read_cell
from eschool.journal.models import (
    AbsenceNotice,
    Attendance,
    FinalMark,
    Homework,
    HomeworkFile,
    HomeworkStudent,
    Lesson,
    Mark,
    WorkType,
)
from eschool.notifications.models import NotificationPreference, QuietHours
from eschool.people.models import (
    AuditEntry,
    ClassMembership,
    Consent,
    Guardian,
    Movement,
    StaffFile,
    Student,
    SubgroupMembership,
)
from eschool.plugins.models import PluginSetting, PluginToggle
from eschool.school.models import (
    AcademicYear,
    Building,
    CatchmentStreet,
    ClassGroup,
    CurriculumItem,
    Period,
    Room,
    Subgroup,
    Subject,
    TeachingAssignment,
)
from eschool.structure.models import Municipality, School
from eschool.timetable.models import LessonTime, Substitution, TimetableEntry
from eschool.yearend.models import YearDecision

FORMAT = "eschool-archive"
VERSION = 1
NULL = "\\N"
#: Every entry of the ZIP file carries this time, so that the same data makes the same bytes.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
#: The uploaded files of these owners travel with the rows that name them.
HOMEWORK_OWNER, NOTICE_OWNER, YEAR_ARCHIVE_OWNER = "homework", "core", "archive"


class ArchiveError(ValueError):
    """The archive cannot be written or read, or does not fit the database: the message says why."""


@dataclass
class _Context:
    schools: list[int]
    municipality: int | None  # a municipality's archive: its own rows too (its operators, its toggles)

    def ids(self, table: str):
        """The ids of ``table``'s rows in the archive, as a subquery."""
        spec = SPECS[table]
        return spec.model.select(spec.model.id).where(spec.scope(self))


@dataclass(frozen=True)
class Spec:
    """One table of the archive: which rows belong (``scope``), and the columns that name another table's
    row without a foreign key (``refs``: column -> table, or a function of the row's texts -> table)."""

    model: type
    scope: Callable | None = None
    refs: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.model._meta.table_name

    @property
    def file(self) -> str:
        capability = self.model.__module__.split(".")[1]
        return f"{capability}/{self.name}.csv"


def _of_school(column):
    return lambda ctx: column.in_(ctx.schools)


def _under(column, table: str):
    return lambda ctx: column.in_(ctx.ids(table))


def _roles(ctx):
    where = RoleAssignment.school.in_(ctx.schools)
    if ctx.municipality is not None:
        where |= (RoleAssignment.municipality == ctx.municipality) & RoleAssignment.school.is_null()
    return where


def _scoped(model):
    def where(ctx):
        clause = (model.scope_type == "school") & model.scope_id.in_(ctx.schools)
        if ctx.municipality is not None:
            clause |= (model.scope_type == "municipality") & (model.scope_id == ctx.municipality)
        return clause
    return where


#: What an audit entry's ``record`` names (its ``record_id`` is that table's row).
AUDIT_RECORDS = {"student": "student", "guardian": "guardian", "consent": "consent", "staff_file": "staff_file",
                 "subgroup": "subgroup", "mark": "mark", "attendance": "attendance", "final_mark": "final_mark",
                 "period": "period", "academic_year": "academic_year", "account": "user_account",
                 "parent": "user_account"}

#: The tables of the archive, in the order they are written back (a row's references come before it).
SPECS_LIST = [
    Spec(Municipality),  # found by its code in the target database, never written
    Spec(School, lambda ctx: School.id.in_(ctx.schools)),
    Spec(User),  # whoever holds a role in the archive or is named by one of its rows
    Spec(RoleAssignment, _roles, refs={"class_group_id": "class_group"}),
    Spec(NotificationPreference),  # the archive's users'
    Spec(QuietHours),
    Spec(AcademicYear, _of_school(AcademicYear.school)),
    Spec(Period, _under(Period.academic_year, "academic_year")),
    Spec(Subject, _of_school(Subject.school)),
    Spec(Building, _of_school(Building.school)),
    Spec(CatchmentStreet, _of_school(CatchmentStreet.school)),
    Spec(Room, _of_school(Room.school)),
    Spec(ClassGroup, _of_school(ClassGroup.school)),
    Spec(Subgroup, _under(Subgroup.class_group, "class_group")),
    Spec(CurriculumItem, _under(CurriculumItem.class_group, "class_group")),
    Spec(TeachingAssignment, _under(TeachingAssignment.class_group, "class_group")),
    Spec(WorkType, _of_school(WorkType.school)),
    Spec(LessonTime, _of_school(LessonTime.school)),
    Spec(TimetableEntry, _under(TimetableEntry.class_group, "class_group")),
    Spec(Substitution, _under(Substitution.entry, "timetable_entry")),
    Spec(Student, _of_school(Student.school)),
    Spec(Guardian, _under(Guardian.student, "student")),
    Spec(ClassMembership, _under(ClassMembership.student, "student")),
    Spec(SubgroupMembership, _under(SubgroupMembership.student, "student")),
    Spec(Movement, _of_school(Movement.school)),
    Spec(Consent, _under(Consent.student, "student")),
    Spec(StaffFile, _of_school(StaffFile.school)),
    Spec(Lesson, _of_school(Lesson.school)),
    Spec(Mark, _under(Mark.lesson, "lesson")),
    Spec(Attendance, _under(Attendance.lesson, "lesson")),
    Spec(Homework, _under(Homework.lesson, "lesson")),
    Spec(HomeworkStudent, _under(HomeworkStudent.homework, "homework")),
    Spec(HomeworkFile, _under(HomeworkFile.homework, "homework")),
    Spec(FinalMark, _under(FinalMark.class_group, "class_group")),
    Spec(Attachment, lambda ctx: (Attachment.owner == NOTICE_OWNER) & Attachment.school_id.in_(ctx.schools),
         refs={"school_id": "school", "record_id": lambda row: "absence_notice"}),
    Spec(AbsenceNotice, _of_school(AbsenceNotice.school), refs={"attachment_id": "attachment"}),
    Spec(YearDecision, _under(YearDecision.academic_year, "academic_year")),
    Spec(ArchiveEntry, _of_school(ArchiveEntry.school)),  # the year archive's journals, with their files
    Spec(Application, _of_school(Application.school)),
    Spec(ApplicationEvent, _under(ApplicationEvent.application, "application")),
    Spec(AuditEntry, _of_school(AuditEntry.school),
         refs={"record_id": lambda row: AUDIT_RECORDS.get(read_cell(row.get("record", "")))}),
    Spec(PluginToggle, _scoped(PluginToggle), refs={"scope_id": lambda row: row.get("scope_type")}),
    Spec(PluginSetting, _scoped(PluginSetting), refs={"scope_id": lambda row: row.get("scope_type")}),
]
SPECS = {spec.name: spec for spec in SPECS_LIST}
#: The core's tables that stay out of an archive, and why (tests/test_school_archive.py keeps this list whole).
LEFT_OUT = {
    "api_token": "API tokens are secrets of one server: clients ask the new server for new ones",
    "device_token": "unattended screens are registered again on the new server",
    "notification": "the inbox holds what was sent, not the school's records",
    "notification_delivery": "deliveries in flight belong to the server's queue",
    "search_entry": "the search index is built from the plugins' records where they are",
}
#: The users a row names, as well as its roles: whoever is named stays a person of the archive.
MEMBER_COLUMNS = {("role_assignment", "user_id"), ("student", "user_id"), ("guardian", "user_id"),
                  ("staff_file", "user_id"), ("class_group", "class_teacher_id"),
                  ("teaching_assignment", "teacher_id")}


# =========================================================================== cells


def _is_text(f) -> bool:
    return isinstance(f, (peewee.CharField, peewee.TextField)) and not isinstance(f, peewee.ForeignKeyField)


def _cell(f, value) -> str:
    """One value as the archive writes it (``value`` already a key where the column names a row)."""
    if value is None:
        return NULL
    if isinstance(f, peewee.BooleanField):
        return "true" if value else "false"
    if isinstance(f, peewee.DecimalField) and isinstance(value, (Decimal, int, float)):
        places = f.decimal_places or 0
        return format(Decimal(str(value)).quantize(Decimal(1).scaleb(-places)), "f")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if _is_text(f):
        return "\\\\N" if value == NULL else csv_cell(value)
    return str(value)


def _value(f, text: str):
    """A cell back to the value the field stores."""
    if text == NULL:
        return None
    if _is_text(f):
        return NULL if text == "\\\\N" else read_cell(text)
    if isinstance(f, peewee.BooleanField):
        return text == "true"
    if isinstance(f, peewee.DecimalField):
        return Decimal(text)
    if isinstance(f, peewee.DateTimeField):
        return dt.datetime.fromisoformat(text)
    if isinstance(f, peewee.DateField):
        return dt.date.fromisoformat(text)
    if isinstance(f, peewee.TimeField):
        return dt.time.fromisoformat(text)
    if isinstance(f, peewee.FloatField):
        return float(text)
    if isinstance(f, (peewee.IntegerField, peewee.AutoField, peewee.ForeignKeyField)):
        return int(text)
    return text


# =========================================================================== export


def _target(spec: Spec, f, row: dict) -> str | None:
    """The table a column names a row of (a foreign key, or one of ``refs``), else None."""
    if isinstance(f, peewee.ForeignKeyField):
        return f.rel_model._meta.table_name
    ref = spec.refs.get(f.column_name)
    if ref is None:
        return None
    return ref(row) if callable(ref) else ref


def _fetch(spec: Spec, where) -> list[dict]:
    columns = spec.model._meta.sorted_fields
    rows = spec.model.select(*columns).where(where).order_by(spec.model.id).tuples()
    return [dict(zip([c.column_name for c in columns], r, strict=True)) for r in rows]


def _chunks(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def collect(schools: list[School], municipality: Municipality | None = None) -> tuple[dict, dict]:
    """The archive's rows (``{table: [row dict]}``, by id) and its keys (``{table: {db id: key}}``)."""
    ctx = _Context(schools=[s.id for s in schools], municipality=municipality.id if municipality else None)
    rows: dict[str, list[dict]] = {}
    for spec in SPECS_LIST:
        if spec.scope is not None:
            rows[spec.name] = _fetch(spec, spec.scope(ctx))
    # the people: those holding a role in the archive and those its rows name
    user_ids = set()
    for spec in SPECS_LIST:
        for f in spec.model._meta.sorted_fields:
            if isinstance(f, peewee.ForeignKeyField) and f.rel_model is User:
                user_ids.update(r[f.column_name] for r in rows.get(spec.name, ()) if r[f.column_name] is not None)
    ordered = sorted(user_ids)
    rows["user_account"] = [r for chunk in _chunks(ordered) for r in _fetch(SPECS["user_account"], User.id.in_(chunk))]
    for model in (NotificationPreference, QuietHours):
        spec = SPECS[model._meta.table_name]
        rows[spec.name] = sorted((r for chunk in _chunks(ordered) for r in _fetch(spec, model.user.in_(chunk))),
                                 key=lambda r: r["id"])
    muni_ids = sorted({s.municipality_id for s in schools} | ({municipality.id} if municipality else set()))
    rows["municipality"] = _fetch(SPECS["municipality"], Municipality.id.in_(muni_ids))
    keys = {name: {row["id"]: n for n, row in enumerate(table, start=1)} for name, table in rows.items()}
    return rows, keys


def _csv_bytes(spec: Spec, table: list[dict], keys: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    fields = spec.model._meta.sorted_fields
    writer.writerow([f.column_name for f in fields])
    for row in table:
        line = []
        for f in fields:
            value = row[f.column_name]
            if f.primary_key:
                value = keys[spec.name][value]
            else:
                target = _target(spec, f, row)
                if target is not None and value is not None:
                    key = keys.get(target, {}).get(value)
                    if key is None and isinstance(f, peewee.ForeignKeyField):
                        raise ArchiveError(f"{spec.name} {row['id']}: {f.column_name} names {target} {value}, "
                                           "which is not part of the archive")
                    # a row named without a foreign key that is gone (an audit entry of a deleted mark): 0;
                    # a class a role named that is gone: no class
                    value = key if key is not None else (0 if not f.null else None)
            line.append(_cell(f, value))
        writer.writerow(line)
    return out.getvalue().encode("utf-8")


def _upload_files(rows: dict) -> list[tuple[str, str]]:
    """``(owner, stored name)`` of every uploaded file the archive's rows name."""
    return ([(HOMEWORK_OWNER, r["stored_name"]) for r in rows.get("homework_file", [])]
            + [(r["owner"], r["stored_name"]) for r in rows.get("attachment", [])]
            + [(YEAR_ARCHIVE_OWNER, r[name]) for r in rows.get("archive_entry", [])
               for name in ("pdf_name", "xlsx_name") if r[name]])


def export_archive(path: Path, schools: list[School], municipality: Municipality | None = None,
                   plugin_files: Callable | None = None) -> dict:
    """Write the archive of ``schools`` (all of ``municipality``'s for a municipality's archive) to ``path``
    (a new file, readable by its owner only). ``plugin_files(school, folder, keys)`` lets plugins add files
    about a school (``eschool_export_files``). Returns the manifest."""
    from flask import current_app

    schools = sorted(schools, key=lambda s: s.id)
    if not schools:
        raise ArchiveError("no school to export")
    rows, keys = collect(schools, municipality)
    files: dict[str, bytes] = {}
    tables = []
    for spec in SPECS_LIST:
        files[spec.file] = _csv_bytes(spec, rows[spec.name], keys)
        tables.append({"name": spec.name, "file": spec.file, "rows": len(rows[spec.name]),
                       "columns": [f.column_name for f in spec.model._meta.sorted_fields]})
    missing = []
    for owner, name in _upload_files(rows):
        source = attachments.stored_path(owner, name)
        if source.is_file():
            files[f"files/uploads/{owner}/{name}"] = source.read_bytes()
        else:
            missing.append(f"uploads/{owner}/{name}")
    if plugin_files is not None:
        def key_of(table: str, object_id: int) -> int:
            return keys[table][object_id]

        for school in schools:
            with tempfile.TemporaryDirectory() as tmp:
                plugin_files(school, Path(tmp), key_of)
                prefix = "" if municipality is None else f"schools/{keys['school'][school.id]}/"
                for item in sorted(Path(tmp).rglob("*")):
                    if item.is_file():
                        files[prefix + item.relative_to(tmp).as_posix()] = item.read_bytes()
    manifest = {
        "format": FORMAT, "version": VERSION,
        "region": current_app.extensions["eschool"].region.code,
        "scope": {"kind": "municipality" if municipality is not None else "school",
                  "municipality": (municipality or schools[0].municipality).code,
                  "schools": [{"key": keys["school"][s.id], "name": s.name, "short_name": s.short_name}
                              for s in schools]},
        "tables": tables,
        "left_out": LEFT_OUT,
        "missing_files": missing,
        "files": {name: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                  for name, data in sorted(files.items())},
    }
    files["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"
    _write_zip(Path(path), files)
    return manifest


def _write_zip(path: Path, files: dict[str, bytes]) -> None:
    import os

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # personal data and password hashes
    with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ["manifest.json", *sorted(n for n in files if n != "manifest.json")]:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, files[name])


# =========================================================================== import


@dataclass
class ImportPlan:
    """What an import would do: the rows per table, the ids they get, and anything that stops it."""

    manifest: dict
    rows: dict[str, list[dict]] = field(default_factory=dict)  # table -> rows as texts (by column)
    ids: dict[str, dict[int, int]] = field(default_factory=dict)  # table -> {key: id in this database}
    written: dict[str, list[int]] = field(default_factory=dict)  # table -> the keys of the rows to insert
    errors: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # "uploads/<owner>/<name>" -> data

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        return {name: len(keys) for name, keys in self.written.items() if keys}


def read_archive(path: Path) -> ImportPlan:
    """Read and check an archive against this database (nothing is written)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveError(f"{path}: not a readable archive ({exc})") from exc
    with archive:
        try:
            manifest = json.loads(archive.read("manifest.json"))
        except (KeyError, ValueError) as exc:
            raise ArchiveError(f"{path}: no readable manifest.json: not an archive of this portal") from exc
        if manifest.get("format") != FORMAT:
            raise ArchiveError(f"{path}: manifest.json: format is not {FORMAT}")
        if manifest.get("version") != VERSION:
            raise ArchiveError(f"{path}: manifest.json: version {manifest.get('version')} is not {VERSION}, the one "
                               "this version of the portal reads")
        plan = ImportPlan(manifest=manifest)
        listed = manifest.get("files", {})
        for name, facts in listed.items():
            try:
                data = archive.read(name)
            except KeyError:
                plan.errors.append(f"{name}: listed in manifest.json but missing from the archive")
                continue
            if hashlib.sha256(data).hexdigest() != facts.get("sha256"):
                plan.errors.append(f"{name}: its SHA-256 is not the one manifest.json gives: the file was changed "
                                   "or damaged")
                continue
            if name.startswith("files/uploads/"):
                plan.files[name.removeprefix("files/")] = data
        tables = {t["name"]: t for t in manifest.get("tables", [])}
        for spec in SPECS_LIST:
            table = tables.get(spec.name)
            if table is None:
                plan.errors.append(f"manifest.json: the table {spec.name} is missing")
                continue
            known = {f.column_name for f in spec.model._meta.sorted_fields}
            unknown = [c for c in table["columns"] if c not in known]
            if unknown:
                plan.errors.append(f"{table['file']}: columns this version does not know: {', '.join(unknown)} "
                                   "(an archive of a newer version: upgrade this portal first)")
                continue
            if table["file"] not in listed:
                plan.errors.append(f"{table['file']}: not in manifest.json's files")
                continue
            text = archive.read(table["file"]).decode("utf-8")
            reader = csv.reader(io.StringIO(text, newline=""))
            header = next(reader, [])
            plan.rows[spec.name] = [dict(zip(header, values, strict=True)) for values in reader]
    if plan.ok:
        _match(plan)
    return plan


def _text(row: dict, column: str) -> str:
    value = row.get(column, NULL)
    return "" if value == NULL else read_cell(value)


def _match(plan: ImportPlan) -> None:
    """Find what the archive names in this database (municipalities, people named but not of the
    archive), refuse what would be twice, and give every row its id."""
    rows = plan.rows
    munis = {m.code: m.id for m in Municipality.select()}
    plan.ids["municipality"] = {}
    for row in rows["municipality"]:
        code = _text(row, "code")
        if code not in munis:
            plan.errors.append(f"structure/municipality.csv: the municipality {code} is not in this database "
                               "(is it the same region? run 'eschool init' first)")
        else:
            plan.ids["municipality"][int(row["id"])] = munis[code]
    muni_of = plan.ids["municipality"]
    for row in rows["school"]:
        muni = muni_of.get(int(row["municipality_id"]))
        if muni is not None and School.select().where((School.municipality == muni)
                                                      & (School.name == _text(row, "name"))).exists():
            plan.errors.append(f"structure/school.csv: the school «{_text(row, 'name')}» is in this database "
                               "already (an archive is imported once)")
    members = {int(r[column]) for (table, column) in MEMBER_COLUMNS for r in rows.get(table, [])
               if r.get(column, NULL) != NULL}
    usernames = {_text(r, "username"): int(r["id"]) for r in rows["user_account"]}
    existing = {u.username: u.id for chunk in _chunks(sorted(usernames))
                for u in User.select(User.id, User.username).where(User.username.in_(chunk))}
    matched = {}
    for username, key in usernames.items():
        if username in existing:
            if key in members:
                plan.errors.append(f"auth/user_account.csv: the username {username} is taken in this database by "
                                   "another account")
            else:
                matched[key] = existing[username]  # named by a row only (an operator who wrote a mark): the same
    for column in ("email", "phone"):
        values = {_text(r, column).lower() if column == "email" else _text(r, column): int(r["id"])
                  for r in rows["user_account"] if _text(r, column) and int(r["id"]) not in matched}
        for chunk in _chunks(sorted(values)):
            for user in User.select().where(getattr(User, column).in_(chunk)):
                plan.errors.append(f"auth/user_account.csv: the {column} {getattr(user, column)} is taken in this "
                                   "database by another account")
    for name, taken in (("homework_file", HomeworkFile), ("attachment", Attachment)):
        names = [_text(r, "stored_name") for r in rows[name]]
        for chunk in _chunks(names):
            if taken.select().where(taken.stored_name.in_(chunk)).exists():
                plan.errors.append(f"{SPECS[name].file}: its files are in this database already")
                break
    if plan.errors:
        return
    for spec in SPECS_LIST[1:]:
        base = spec.model.select(peewee.fn.MAX(spec.model.id)).scalar() or 0
        keys = [int(r["id"]) for r in rows[spec.name]]
        fixed = matched if spec.model is User else {}
        plan.ids[spec.name] = {key: fixed.get(key, base + key) for key in keys}
        plan.written[spec.name] = [key for key in keys if key not in fixed]


def run_import(plan: ImportPlan, progress=None) -> dict[str, int]:
    """Write a checked plan: every table in one transaction, then the files (removed again if the
    transaction fails). Returns the rows written per table."""
    from flask import current_app

    if not plan.ok:
        raise ArchiveError("the archive does not fit this database; nothing was imported")
    tick = progress or (lambda _n: None)
    placed: list[Path] = []
    root = Path(current_app.instance_path) / "uploads"
    try:
        with db.atomic():
            for spec in SPECS_LIST[1:]:
                _insert(plan, spec)
                tick(1)
            _reset_sequences()
            for name, data in sorted(plan.files.items()):
                target = root / name.removeprefix("uploads/")
                target.parent.mkdir(parents=True, exist_ok=True)
                if target.exists():
                    raise ArchiveError(f"files/{name}: a file of that name is in the instance folder already")
                target.write_bytes(data)
                placed.append(target)
    except BaseException:
        for target in placed:
            target.unlink(missing_ok=True)
        raise
    return plan.counts()


def _insert(plan: ImportPlan, spec: Spec) -> None:
    fields = list(spec.model._meta.sorted_fields)
    wanted = set(plan.written.get(spec.name, []))
    values = []
    for row in plan.rows[spec.name]:
        key = int(row["id"])
        if key not in wanted:
            continue
        line = []
        for f in fields:
            text = row.get(f.column_name)
            if text is None:  # a column the archive does not have (an older version's): the default
                default = f.default() if callable(f.default) else f.default
                line.append(default)
                continue
            if f.primary_key:
                line.append(plan.ids[spec.name][key])
                continue
            target = _target(spec, f, row)
            value = _value(f, text)
            if target is not None and value is not None:
                value = plan.ids.get(target, {}).get(value, 0 if not f.null else None)
            line.append(value)
        values.append(line)
    size = max(1, rows_per_insert(spec.model) // 2)
    for start in range(0, len(values), size):
        spec.model.insert_many(values[start:start + size], fields=fields).execute()


def _reset_sequences() -> None:
    """On PostgreSQL each table's id sequence moves past the ids just written."""
    if isinstance(db.obj, peewee.SqliteDatabase):
        return
    for spec in SPECS_LIST[1:]:
        table = spec.model._meta.table_name
        db.execute_sql(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                       f"COALESCE((SELECT MAX(id) FROM \"{table}\"), 1), "
                       f"(SELECT MAX(id) FROM \"{table}\") IS NOT NULL)")
