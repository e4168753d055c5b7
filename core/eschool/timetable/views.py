"""The timetable pages: the week (or one day) of a class, a teacher or a room, with the bell times."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext

from eschool.auth.models import User
from eschool.auth.permissions import require
from eschool.school import services as school_services
from eschool.school.models import ClassGroup, Room, TeachingAssignment
from eschool.structure.services import school_by_id
from eschool.timetable import services
from eschool.web.converters import query_number
from eschool.web.errors import PageError

bp = Blueprint("timetable", __name__, url_prefix="/school/<int:school_id>/timetable")


def _arg(name):
    return query_number(name)


@bp.get("")
@require("school.view")
def week(school_id: int):
    """A grid of weekdays by lesson numbers; ``?day=N`` shows one day (the phone's view)."""
    school = school_by_id(school_id)
    if school is None:
        abort(404)
    year = school_services.current_year(school)
    if year is None:
        raise PageError(404, _("The school has no current academic year."))
    classes = school_services.classes(school, year)
    teachers = list(User.select().join(TeachingAssignment, on=TeachingAssignment.teacher == User.id)
                    .join(ClassGroup).where(ClassGroup.academic_year == year).distinct().order_by(User.full_name))
    rooms = list(Room.select().where(Room.school == school).order_by(Room.building, Room.name))
    class_id, teacher_id, room_id = _arg("class"), _arg("teacher"), _arg("room")
    if class_id is None and teacher_id is None and room_id is None and classes:
        class_id = classes[0].id
    entries = services.week(school, year, class_id, teacher_id, room_id)
    day = _arg("day")
    saturday = any(e.weekday == 6 for e in entries)  # a five-day school shows five columns
    days = [d for d in services.WEEKDAYS if (day is None and (d < 6 or saturday)) or d == day]
    numbers = sorted({e.number for e in entries}) or [1]
    grid = {}
    for entry in entries:
        grid.setdefault((entry.weekday, entry.number), []).append(entry)
    times = services.lesson_times(school)
    title = (next((c.name for c in classes if c.id == class_id), "") or
             next((t.full_name for t in teachers if t.id == teacher_id), "") or
             next((r.name for r in rooms if r.id == room_id), ""))
    from flask_login import current_user

    from eschool.auth.permissions import has_permission

    return render_template("timetable/week.html", school=school, year=year, classes=classes, teachers=teachers,
                           can_manage=has_permission(current_user, "timetable.manage"),
                           rooms=rooms, class_id=class_id, teacher_id=teacher_id, room_id=room_id, days=days,
                           day=day, numbers=numbers, grid=grid, times=times, weekdays=services.WEEKDAYS,
                           title=title, shift=next((c.shift for c in classes if c.id == class_id), 1))


def _substitutions_page(school, day, errors=None, status=200):
    from flask_login import current_user

    from eschool.auth.permissions import has_permission

    year = school_services.current_year(school)
    lessons = [e for e in services.week(school, year) if e.weekday == day.isoweekday()] if year else []
    return render_template("timetable/substitutions.html", school=school, day=day,
                           rows=services.substitutions(school, day), lessons=lessons,
                           staff=school_services.staff(school), errors=errors or {}, values=request.form,
                           can_edit=has_permission(current_user, "timetable.manage")), status


def _school_and_day(school_id: int):
    import datetime as dt

    school = school_by_id(school_id)
    if school is None:
        abort(404)
    try:
        day = dt.date.fromisoformat(request.values.get("date", "")) if request.values.get("date") else dt.date.today()
    except ValueError:
        day = dt.date.today()
    return school, day


@bp.get("/substitutions")
@require("school.view")
def substitutions(school_id: int):
    """Substitutions of a day (``?date=``), for everyone who works at the school."""
    school, day = _school_and_day(school_id)
    return _substitutions_page(school, day)


@bp.post("/substitutions")
@require("timetable.manage")
def add_substitution(school_id: int):
    """The deputy director adds a substitution; a busy substitute is refused with the lesson in the way."""
    from flask import flash, redirect, url_for
    from marshmallow import ValidationError

    from eschool.school.services import SchoolError
    from eschool.timetable.schemas import SubstitutionInSchema
    from eschool.validation import as_text

    school, day = _school_and_day(school_id)
    raw = {k: v for k, v in request.form.items() if k != "csrf_token" and v.strip() != ""}
    try:
        services.substitute(school, SubstitutionInSchema().load(raw))
    except ValidationError as exc:
        return _substitutions_page(school, day, as_text(exc.messages), 400)
    except SchoolError as exc:
        return _substitutions_page(school, day, {exc.field or "_form": [str(exc.message)]},
                                   409 if exc.conflict else 400)
    flash(_("Saved."), "success")
    return redirect(url_for("timetable.substitutions", school_id=school.id, date=day.isoformat()))


@bp.post("/substitutions/<int:substitution_id>/delete")
@require("timetable.manage")
def delete_substitution(school_id: int, substitution_id: int):
    """Cancel a substitution from the substitutions page."""
    from flask import flash, redirect, url_for

    from eschool.school.services import SchoolError

    school, day = _school_and_day(school_id)
    try:
        row = services.remove_substitution(school, substitution_id)
    except SchoolError as exc:
        if not exc.conflict:
            abort(404)
        flash(str(exc.message), "error")
    else:
        day = row.date
        flash(_("The substitution was cancelled."), "success")
    return redirect(url_for("timetable.substitutions", school_id=school.id, date=day.isoformat()))


# --------------------------------------------------------------------------- the week editor


class _Rollback(Exception):
    """Leaves the week form's transaction: something was refused, nothing is saved."""


ROW_FIELDS = ("entry", "subgroup", "subject", "teacher", "room")


def _editor_lists(school, year):
    """What the editor's cells are typed or picked from (one query each)."""
    from eschool.school.models import Subject

    return {"subjects": list(Subject.select().where(Subject.school == school).order_by(Subject.name)),
            "teachers": school_services.staff(school),
            "rooms": list(Room.select().where(Room.school == school).order_by(Room.name)),
            "classes": school_services.classes(school, year)}


def cell_rows(school, group, lists: dict, texts: list[dict]) -> list[dict]:
    """The typed rows of a cell (``{entry, subgroup, subject, teacher, room}`` as text) as ``set_cell`` rows:
    names found in the school's lists (a unique beginning is enough: «мат»), empty rows left out. An unknown
    name is refused naming the row's field."""
    from eschool.school.services import SchoolError

    rows = []
    for index, text in enumerate(texts):
        values = {k: (text.get(k) or "").strip() for k in ROW_FIELDS}
        if not (values["subject"] or values["teacher"] or values["room"]):
            continue  # an emptied row: its lesson goes
        row = {"entry_id": int(values["entry"]) if values["entry"].isdigit() else None,
               "subgroup_id": int(values["subgroup"]) if values["subgroup"].isdigit() else None}
        for key, found, names, message in (
                ("subject_id", lists["subjects"], ("name", "short_name"), _("No subject «%(name)s» at this school.")),
                ("teacher_id", lists["teachers"], ("full_name",), _("Nobody called «%(name)s» works at this school.")),
                ("room_id", lists["rooms"], ("name",), _("No room «%(name)s» at this school."))):
            typed = values[key[:-3]]
            if not typed:
                row[key] = None
                continue
            match = services.find_by_name(found, typed, *names)
            if match is None:
                raise SchoolError(f"rows.{index}.{key}", message % {"name": typed})
            row[key] = match.id
        rows.append(row)
    return rows


def _signature(rows) -> set:
    return {(r.get("entry_id"), r.get("subgroup_id"), r.get("subject_id"), r.get("teacher_id"), r.get("room_id"))
            for r in rows}


def _editor_context(school, year, lists, group):
    entries = services.week(school, year, class_id=group.id) if group else []
    grid = {}
    for entry in entries:
        grid.setdefault((entry.weekday, entry.number), []).append(entry)
    times = services.lesson_times(school)
    shift = group.shift if group else 1
    last = max([n for (s, n) in times if s == shift] + [e.number for e in entries] + [7])
    six = any(e.weekday == 6 for e in entries) or request.values.get("days") == "6"
    return {"group": group, "grid": grid, "numbers": list(range(1, last + 1)), "times": times, "shift": shift,
            "days": [d for d in services.WEEKDAYS if d < 6 or six], "six": six}


def _cell_html(school, group, weekday, number, entries, values=None, error=None, field=None):
    from flask import get_template_attribute

    macro = get_template_attribute("timetable/_cell.html", "cell")
    return macro(school, group, weekday, number, entries, services.WEEKDAYS, values or {}, error, field)


def _editor_page(school, group, errors=None, status=200):
    year = school_services.current_year(school)
    if year is None:
        raise PageError(404, _("The school has no current academic year."))
    lists = _editor_lists(school, year)
    return render_template("timetable/edit.html", school=school, year=year, lists=lists, errors=errors or {},
                           values=request.form if errors else {}, weekdays=services.WEEKDAYS,
                           **_editor_context(school, year, lists, group)), status


def _editor_group(school):
    year = school_services.current_year(school)
    if year is None:
        raise PageError(404, _("The school has no current academic year."))
    class_id = _arg("class")
    classes = school_services.classes(school, year)
    if class_id is None:
        return classes[0] if classes else None
    group = next((c for c in classes if c.id == class_id), None)
    if group is None:
        abort(404)
    return group


@bp.get("/edit")
@require("timetable.manage")
def edit(school_id: int):
    """The week of one class as a grid to type into: each cell a lesson's subject, teacher and room (a
    subject alone brings its teacher from the teaching assignments); the script saves a cell when it changes
    and shows a clash at once; without it the whole week is one form."""
    school = school_by_id(school_id)
    if school is None:
        abort(404)
    return _editor_page(school, _editor_group(school))


def _form_cells(form) -> dict:
    """The week form's cells: (weekday, number) -> [row texts] from ``c-<day>-<number>-<row>-<field>``."""
    cells: dict = {}
    for key, value in form.items():
        parts = key.split("-")
        if len(parts) != 5 or parts[0] != "c" or not all(p.isdigit() for p in parts[1:4]) or parts[4] not in ROW_FIELDS:
            continue
        day, number, row = int(parts[1]), int(parts[2]), int(parts[3])
        cells.setdefault((day, number), {}).setdefault(row, {})[parts[4]] = value
    return {key: [rows[k] for k in sorted(rows)] for key, rows in cells.items()}


@bp.post("/edit")
@require("timetable.manage")
def save_week(school_id: int):
    """The week form without the script: every changed cell saved in one go, or (a clash, an unknown name)
    none, each refused cell named."""
    from flask import flash, redirect, url_for

    from eschool.db import db
    from eschool.school.services import SchoolError

    school = school_by_id(school_id)
    if school is None:
        abort(404)
    group = _editor_group(school)
    if group is None:
        abort(404)
    lists = _editor_lists(school, group.academic_year)
    stored = {}
    for entry in services.week(school, group.academic_year, class_id=group.id):
        stored.setdefault((entry.weekday, entry.number), []).append(
            {"entry_id": entry.id, "subgroup_id": entry.subgroup_id, "subject_id": entry.subject_id,
             "teacher_id": entry.teacher_id, "room_id": entry.room_id})
    errors, saved = {}, 0
    try:
        with db.atomic():
            for (day, number), texts in sorted(_form_cells(request.form).items()):
                if day not in services.WEEKDAYS or not 0 <= number <= 12:
                    continue
                try:
                    rows = cell_rows(school, group, lists, texts)
                    if _signature(rows) == _signature(stored.get((day, number), [])):
                        continue
                    services.set_cell(school, {"class_id": group.id, "weekday": day, "number": number, "rows": rows})
                    saved += 1
                except SchoolError as exc:
                    errors[(day, number)] = (str(exc.message), exc.field, 409 if exc.conflict else 400)
            if errors:
                raise _Rollback()
    except _Rollback:
        status = max(code for _m, _f, code in errors.values())
        return _editor_page(school, group, {key: (m, f) for key, (m, f, _c) in errors.items()}, status)
    flash(ngettext("Saved: %(num)d lesson place changed.", "Saved: %(num)d lesson places changed.", saved)
          if saved else _("Nothing changed."), "success")
    return redirect(url_for("timetable.edit", school_id=school.id, **{"class": group.id}))


@bp.post("/edit/cell")
@require("timetable.manage")
def save_cell(school_id: int):
    """The script's save of one cell: ``{class_id, weekday, number, rows: [{entry, subgroup, subject, teacher,
    room}]}`` (names as typed); answers the cell drawn again, or the refusal (409 a clash, 400 a bad name)."""
    from flask import jsonify

    from eschool.school.services import SchoolError

    school = school_by_id(school_id)
    if school is None:
        abort(404)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("rows"), list) or not all(
            isinstance(r, dict) for r in body["rows"]):
        abort(400)
    try:
        weekday, number = int(body.get("weekday")), int(body.get("number"))
        group = school_services.class_of(school, int(body.get("class_id")))
    except (TypeError, ValueError):
        abort(400)
    except SchoolError:
        abort(404)
    if weekday not in services.WEEKDAYS or not 0 <= number <= 12:
        abort(400)
    texts = [{k: str(r.get(k) or "") for k in ROW_FIELDS} for r in body["rows"]]
    try:
        rows = cell_rows(school, group, _editor_lists(school, group.academic_year), texts)
        services.set_cell(school, {"class_id": group.id, "weekday": weekday, "number": number, "rows": rows})
    except SchoolError as exc:
        response = jsonify({"error": {"code": "conflict" if exc.conflict else "invalid", "message": str(exc.message),
                                      "fields": {exc.field: [str(exc.message)]} if exc.field else {}}})
        response.status_code = 409 if exc.conflict else 400
        return response
    entries = [e for e in services.week(school, group.academic_year, class_id=group.id, weekday=weekday)
               if e.number == number]
    return jsonify({"html": str(_cell_html(school, group, weekday, number, entries)), "message": _("Saved.")})
