"""Setup pages: the school administrator and the deputy director enter the school's year.

Each section lists what the school has and offers a form to add one more. The forms are plain HTML;
the same marshmallow schemas as the API check them and the same services apply them, so a page and
the API can never disagree. A refused form comes back with what was typed and a message under each
wrong field.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import Schema, ValidationError, fields
from peewee import JOIN

from eschool.auth.permissions import has_permission, require
from eschool.school import card, services
from eschool.school.models import Building, Room
from eschool.school.schemas import (
    CLASS_KINDS,
    PERIOD_KINDS,
    AssignmentInSchema,
    BuildingInSchema,
    CatchmentInSchema,
    ClassInSchema,
    CurriculumLineSchema,
    PeriodInSchema,
    RoomInSchema,
    SubjectInSchema,
    YearInSchema,
)
from eschool.structure.models import School
from eschool.structure.services import school_by_id
from eschool.timetable import services as timetable
from eschool.timetable.schemas import EntryInSchema, LessonTimeSchema
from eschool.validation import as_text
from eschool.web.converters import stored_int

bp = Blueprint("school_setup", __name__, url_prefix="/school/<int:school_id>/setup")

KIND_LABELS = {"regular": _l("regular class"), "extended_day": _l("extended-day group"),
               "summer_camp": _l("summer camp squad"), "home_schooling": _l("home schooling")}
PERIOD_LABELS = {"quarter": _l("quarter"), "semester": _l("semester"), "trimester": _l("trimester")}


class PeriodFormSchema(PeriodInSchema):
    academic_year_id = fields.Integer(required=True)


class CurriculumFormSchema(CurriculumLineSchema):
    class_id = fields.Integer(required=True)


class LessonTimeFormSchema(LessonTimeSchema):
    shift = fields.Integer(load_default=1)


@dataclass
class Field:
    name: str
    label: object
    kind: str = "text"  # text | number | date | time | checkbox | select
    choices: str = ""  # the name of a choice list (see _choices)
    required: bool = False


@dataclass
class Section:
    key: str
    title: object
    permission: str
    schema: type[Schema]
    form: list[Field]
    columns: list[tuple[object, str]] = field(default_factory=list)
    deletable: bool = False  # each row ends with its id and gets a "Remove" button


SECTIONS = {s.key: s for s in (
    Section("years", _l("Academic years"), "school.manage", YearInSchema,
            [Field("name", _l("Year, e.g. 2026/2027"), required=True),
             Field("starts_on", _l("Starts on"), "date", required=True),
             Field("ends_on", _l("Ends on"), "date", required=True),
             Field("is_current", _l("The current year"), "checkbox")]),
    Section("periods", _l("Periods"), "school.manage", PeriodFormSchema,
            [Field("academic_year_id", _l("Academic year"), "select", "years", True),
             Field("kind", _l("Kind"), "select", "period_kinds", True),
             Field("number", _l("Number"), "number", required=True),
             Field("starts_on", _l("Starts on"), "date", required=True),
             Field("ends_on", _l("Ends on"), "date", required=True),
             Field("grade_from", _l("From grade"), "number"), Field("grade_to", _l("To grade"), "number")]),
    Section("subjects", _l("Subjects"), "school.manage", SubjectInSchema,
            [Field("name", _l("Name"), required=True), Field("short_name", _l("Short name"))]),
    Section("buildings", _l("Buildings"), "school.manage", BuildingInSchema,
            [Field("name", _l("Building"), required=True), Field("address", _l("Address"))], deletable=True),
    Section("rooms", _l("Rooms"), "school.manage", RoomInSchema,
            [Field("name", _l("Room"), required=True), Field("building_id", _l("Building"), "select", "buildings"),
             Field("capacity", _l("Seats"), "number")]),
    Section("classes", _l("Classes"), "school.manage", ClassInSchema,
            [Field("academic_year_id", _l("Academic year"), "select", "years", True),
             Field("kind", _l("Kind"), "select", "class_kinds"),
             Field("grade", _l("Grade"), "number", required=True), Field("letter", _l("Letter")),
             Field("name", _l("Name (if not grade and letter)")), Field("shift", _l("Shift"), "number"),
             Field("class_teacher_id", _l("Class teacher"), "select", "staff"),
             Field("subgroups", _l("Subgroups, separated by commas"))]),
    Section("curriculum", _l("Curriculum"), "school.manage", CurriculumFormSchema,
            [Field("class_id", _l("Class"), "select", "classes", True),
             Field("subject_id", _l("Subject"), "select", "subjects", True),
             Field("hours_per_week", _l("Hours per week"), "text", required=True)]),
    Section("assignments", _l("Teaching assignments"), "school.manage", AssignmentInSchema,
            [Field("teacher_id", _l("Teacher"), "select", "staff", True),
             Field("class_id", _l("Class"), "select", "classes", True),
             Field("subgroup_id", _l("Subgroup"), "select", "subgroups"),
             Field("subject_id", _l("Subject"), "select", "subjects", True)]),
    Section("catchment", _l("Catchment area"), "school.manage", CatchmentInSchema,
            [Field("street", _l("Street, e.g. ul. Lenina"), required=True),
             Field("houses", _l("Houses, e.g. 1-15, 17, 19k2; 2-20 even; all"), required=True)], deletable=True),
    Section("bells", _l("Bell schedule"), "timetable.manage", LessonTimeFormSchema,
            [Field("shift", _l("Shift"), "number"), Field("number", _l("Lesson"), "number", required=True),
             Field("starts_at", _l("Starts at"), "time", required=True),
             Field("ends_at", _l("Ends at"), "time", required=True)]),
    Section("lessons", _l("Weekly lessons"), "timetable.manage", EntryInSchema,
            [Field("class_id", _l("Class"), "select", "classes", True),
             Field("subgroup_id", _l("Subgroup"), "select", "subgroups"),
             Field("weekday", _l("Day"), "select", "weekdays", True),
             Field("number", _l("Lesson"), "number", required=True),
             Field("subject_id", _l("Subject"), "select", "subjects", True),
             Field("teacher_id", _l("Teacher"), "select", "staff", True),
             Field("room_id", _l("Room"), "select", "rooms")]),
)}
SCHOOL_SECTIONS = {k for k, s in SECTIONS.items() if s.permission == "school.manage"}
TIMETABLE_SECTIONS = {k for k, s in SECTIONS.items() if s.permission == "timetable.manage"}


def _school(school_id: int) -> School:
    school = school_by_id(school_id)
    if school is None:
        abort(404)
    return school


def _choices(school: School) -> dict[str, list[tuple[object, object]]]:
    year = services.current_year(school)
    classes = services.classes(school, year)
    return {
        "years": [(y.id, y.name) for y in services.years(school)],
        "period_kinds": [(k, PERIOD_LABELS[k]) for k in PERIOD_KINDS],
        "class_kinds": [(k, KIND_LABELS[k]) for k in CLASS_KINDS],
        "staff": [(u.id, u.full_name) for u in services.staff(school)],
        "classes": [(c.id, c.name) for c in classes],
        "subgroups": [(s.id, f"{c.name}: {s.name}") for c in classes for s in c.subgroups],
        "subjects": [(s.id, s.name) for s in school.subjects.order_by(services.Subject.name)],
        "rooms": [(r.id, r.name) for r in school.rooms.order_by(services.Room.name)],
        "buildings": [(b.id, b.name) for b in school.buildings.order_by(Building.name)],
        "weekdays": list(timetable.WEEKDAYS.items()),
    }


def _dates(start, end) -> str:
    """A range of dates in the user's language (01.09.2026 – 31.05.2027; 9/1/26 – 5/31/27)."""
    from flask_babel import format_date

    return f"{format_date(start, 'short')} – {format_date(end, 'short')}"


def _rows(school: School, key: str) -> tuple[list[str], list[list]]:
    """The section's existing records as a header and rows of text."""
    year = services.current_year(school)
    if key == "years":
        return [_("Year"), _("Dates"), _("Current")], [
            [y.name, _dates(y.starts_on, y.ends_on), "✓" if y.is_current else ""] for y in services.years(school)]
    if key == "periods":
        return [_("Year"), _("Period"), _("Dates"), _("Grades")], [
            [y.name, f"{PERIOD_LABELS.get(p.kind, p.kind)} {p.number}", _dates(p.starts_on, p.ends_on),
             f"{p.grade_from}–{p.grade_to}"] for y in services.years(school) for p in y.periods]
    if key == "subjects":
        return [_("Name"), _("Short name")], [[s.name, s.short_name] for s in
                                               school.subjects.order_by(services.Subject.name)]
    if key == "buildings":
        return [_("Building"), _("Address"), _("Rooms")], [[b.name, b.address, b.room_count, b.id]
                                                          for b in card.buildings(school)]
    if key == "catchment":
        return [_("Street"), _("Houses")], [[line.street, line.houses, line.id] for line in card.catchment(school)]
    if key == "rooms":
        rooms = (Room.select(Room, Building)
                 .join(Building, JOIN.LEFT_OUTER).where(Room.school == school)
                 .order_by(Building.name, Room.name))
        return [_("Room"), _("Building"), _("Seats")], [
            [r.name, r.building.name if r.building_id else "", r.capacity or ""] for r in rooms]
    if key == "classes":
        return [_("Class"), _("Kind"), _("Shift"), _("Class teacher"), _("Subgroups")], [
            [c.name, KIND_LABELS.get(c.kind, c.kind), c.shift, c.class_teacher.full_name if c.class_teacher_id else "",
             ", ".join(s.name for s in c.subgroups)] for c in services.classes(school, year)]
    if key == "curriculum":
        return [_("Class"), _("Subject"), _("Hours per week")], [
            [i.class_group.name, i.subject.name, i.hours_per_week] for i in services.curriculum(school, year)]
    if key == "assignments":
        return [_("Teacher"), _("Class"), _("Subject")], [
            [a.teacher.full_name, a.class_group.name + (f" ({a.subgroup.name})" if a.subgroup_id else ""),
             a.subject.name] for a in services.assignments(school, year)]
    if key == "bells":
        times = timetable.lesson_times(school)
        return [_("Shift"), _("Lesson"), _("Time")], [
            [s, n, f"{times[(s, n)].starts_at:%H:%M}–{times[(s, n)].ends_at:%H:%M}"] for s, n in sorted(times)]
    # One class at a time (?class=ID): a whole school's week is hundreds of rows.
    class_ids = [c.id for c in services.classes(school, year)] if year else []
    chosen = request.args.get("class", type=stored_int)
    chosen = chosen if chosen in class_ids else (class_ids[0] if class_ids else None)
    entries = timetable.week(school, year, class_id=chosen) if year and chosen else []
    return [_("Day"), _("Lesson"), _("Class"), _("Subject"), _("Teacher"), _("Room")], [
        [timetable.WEEKDAYS[e.weekday], e.number, e.class_group.name, e.subject.name, e.teacher.full_name,
         e.room.name if e.room_id else "", e.id] for e in entries]


def _lookup(school: School):
    """The catchment tab's "which school serves this address" check (``?street=&house=``)."""
    street, house = request.args.get("street", "").strip(), request.args.get("house", "").strip()
    if not street or not house:
        return None
    try:
        return {"lines": card.schools_for_address(school.municipality, street, house), "error": None}
    except services.SchoolError as exc:
        return {"lines": [], "error": str(exc.message)}


def _render(school, key, values=None, errors=None, status=200):
    section = SECTIONS[key]
    header, rows = _rows(school, key)
    return render_template("school/setup.html", school=school, section=section, sections=SECTIONS,
                           lookup=_lookup(school) if key == "catchment" else None,
                           chosen_class=request.args.get("class", type=stored_int),
                           header=header, rows=rows, choices=_choices(school), values=values or {},
                           errors=errors or {}, can_edit=has_permission(current_user, section.permission)), status


@bp.route("/settings", methods=["GET", "POST"])
@require("school.manage")
def settings(school_id: int):
    """The school's settings: the highest class letter, the average for a medal, the idle-session time."""
    from eschool.school.schemas import LETTERS, SchoolSettingsSchema

    school = _school(school_id)
    errors, status = {}, 200
    if request.method == "POST":
        raw = {k: v.strip() for k, v in request.form.items() if k != "csrf_token" and v.strip() != ""}
        try:
            services.update_settings(school, SchoolSettingsSchema().load(raw))
        except ValidationError as exc:
            errors, status = as_text(exc.messages), 400
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("school_setup.settings", school_id=school.id))
    region_idle = current_app.extensions["eschool"].region.rules["session_idle_minutes"]
    return render_template("school/settings.html", school=school, sections=SECTIONS, letters=LETTERS,
                           values=request.form if request.method == "POST" else {}, errors=errors,
                           region_idle=region_idle), status


@bp.get("")
@require("school.view")
def index(school_id: int):
    return redirect(url_for("school_setup.section", school_id=school_id, key="years"))


@bp.get("/<key>")
@require("school.view")
def section(school_id: int, key: str):
    if key not in SECTIONS:
        abort(404)
    return _render(_school(school_id), key)


def _form_data(section: Section) -> dict:
    """The form as the schema expects it: empty boxes left out, checkboxes as booleans, lists split."""
    data = {}
    for f in section.form:
        raw = request.form.get(f.name, "").strip()
        if f.kind == "checkbox":
            data[f.name] = f.name in request.form
        elif f.name == "subgroups":
            data[f.name] = [part.strip() for part in raw.split(",") if part.strip()]
        elif raw != "":
            data[f.name] = raw
    return data


def _apply(school: School, key: str, data: dict):
    if key == "years":
        return services.create_year(school, data)
    if key == "periods":
        year = services.year_of(school, data.pop("academic_year_id"))
        return services.add_period(year, data)
    if key == "subjects":
        return services.add_subject(school, data)
    if key == "rooms":
        return services.add_room(school, data)
    if key == "buildings":
        return card.add_building(school, data)
    if key == "catchment":
        return card.set_street(school, data)
    if key == "classes":
        return services.create_class(school, data)
    if key == "curriculum":
        group = services.class_of(school, data["class_id"])
        return services.set_curriculum_line(school, group, data["subject_id"], data["hours_per_week"])
    if key == "assignments":
        return services.add_assignment(school, data)
    if key == "bells":
        try:
            return timetable.set_lesson_time(school, data["shift"], data["number"], data["starts_at"], data["ends_at"])
        except services.SchoolError as exc:
            raise services.SchoolError((exc.field or "").rsplit(".", 1)[-1] or None, exc.message) from exc
    return timetable.add_entry(school, data)


def _add(school_id: int, key: str):
    school = _school(school_id)
    section = SECTIONS[key]
    raw = _form_data(section)
    try:
        _apply(school, key, section.schema().load(raw))
    except ValidationError as exc:
        return _render(school, key, request.form, as_text(exc.messages), 400)
    except services.SchoolError as exc:
        errors = {exc.field: [str(exc.message)]} if exc.field else {"_form": [str(exc.message)]}
        return _render(school, key, request.form, errors, 409 if exc.conflict else 400)
    flash(_("Saved."), "success")
    return redirect(url_for("school_setup.section", school_id=school.id, key=key))


@bp.post("/<key>")
@require("school.manage")
def add_school_record(school_id: int, key: str):
    """Add a year, period, subject, room, class, curriculum line or teaching assignment."""
    if key not in SCHOOL_SECTIONS:
        abort(404)
    return _add(school_id, key)


@bp.post("/timetable/<key>")
@require("timetable.manage")
def add_timetable_record(school_id: int, key: str):
    """Set a bell time or add a weekly lesson (a clash is refused, naming the lesson in the way)."""
    if key not in TIMETABLE_SECTIONS:
        abort(404)
    return _add(school_id, key)


@bp.post("/timetable/lessons/<int:entry_id>/delete")
@require("timetable.manage")
def delete_lesson(school_id: int, entry_id: int):
    try:
        timetable.remove_entry(_school(school_id), entry_id)
    except services.SchoolError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("The lesson was removed from the timetable."), "success")
    return redirect(url_for("school_setup.section", school_id=school_id, key="lessons"))


@bp.post("/<key>/<int:record_id>/delete")
@require("school.manage")
def delete_record(school_id: int, key: str, record_id: int):
    """Remove a building (one without rooms) or a street of the catchment area."""
    if key not in ("buildings", "catchment"):
        abort(404)
    school = _school(school_id)
    try:
        (card.remove_building if key == "buildings" else card.remove_street)(school, record_id)
    except services.SchoolError as exc:
        if not exc.conflict:
            abort(404)
        flash(str(exc.message), "error")
    else:
        flash(_("Removed."), "success")
    return redirect(url_for("school_setup.section", school_id=school.id, key=key))


@bp.route("/card", methods=["GET", "POST"])
@require("school.manage")
def school_card(school_id: int):
    """The school card: full and short name, contacts, requisites (INN, KPP, OGRN, OKPO), director, website."""
    from eschool.school.schemas import SchoolCardSchema

    school = _school(school_id)
    errors, status = {}, 200
    if request.method == "POST":
        raw = {k: request.form.get(k, "").strip() for k in card.CARD_FIELDS}
        try:
            card.update_card(school, SchoolCardSchema().load(raw))
        except ValidationError as exc:
            errors, status = as_text(exc.messages), 400
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("school_setup.school_card", school_id=school.id))
    return render_template("school/card.html", school=school, sections=SECTIONS, fields=CARD_FORM,
                           values=request.form if request.method == "POST" else {}, errors=errors), status


CARD_FORM = [("name", _l("Full name of the school")), ("short_name", _l("Short name")),
             ("address", _l("Legal address")), ("phone", _l("Phone")), ("email", _l("E-mail")), ("website", _l("Website")),
             ("director_name", _l("Director")), ("inn", _l("INN")), ("kpp", _l("KPP")), ("ogrn", _l("OGRN")),
             ("okpo", _l("OKPO"))]
