"""Journal settings of a school: its work types with their weights, and the edit window.

The school administrator or the deputy director keeps them (``school.manage``). The defaults come
from the core with the region's weights (``rules.work_type_weights``); a school may change a weight,
stop offering a type, or add its own. The edit window (days after a lesson during which its marks and
attendance may still be changed) overrides the region's rule when set.
"""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from eschool.api import API_PREFIX, ApiError, doc, load_json
from eschool.auth.permissions import require
from eschool.db import db
from eschool.fields import Number
from eschool.journal import services
from eschool.journal.schemas import WorkTypeInSchema, WorkTypeSchema
from eschool.school.api import refused
from eschool.school.services import SchoolError
from eschool.structure.models import School
from eschool.structure.services import school_by_id
from eschool.validation import as_text

MANAGE = "school.manage"
TAGS = ["journal settings"]

bp = Blueprint("journal_settings", __name__, url_prefix="/school/<int:school_id>/journal-settings")
api = Blueprint("journal_settings_api", __name__, url_prefix=f"{API_PREFIX}/schools/<int:school_id>")


class WorkTypeChangeSchema(Schema):
    name = fields.String(validate=validate.Length(max=100))
    weight = Number(validate=validate.Range(min=0.1, max=10), places=2)
    order = fields.Integer()
    active = fields.Boolean()


class EditWindowSchema(Schema):
    journal_edit_days = fields.Integer(required=True, allow_none=True, validate=validate.Range(min=0, max=366),
                                       metadata={"description": "days after a lesson; null: the region's rule"})


class JournalSettingsSchema(EditWindowSchema):
    effective_edit_days = fields.Integer()
    work_types = fields.List(fields.Nested(WorkTypeSchema))


def _school(school_id: int) -> School:
    school = school_by_id(school_id)
    if school is None:
        from flask import abort

        abort(404)
    return school


def _state(school: School) -> dict:
    from eschool.journal.models import WorkType

    rows = list(WorkType.select().where(WorkType.school == school).order_by(WorkType.order, WorkType.id))
    return {"journal_edit_days": school.journal_edit_days, "effective_edit_days": services.edit_window_days(school),
            "work_types": rows}


# --------------------------------------------------------------------------- page


@bp.get("")
@require(MANAGE)
def page(school_id: int):
    school = _school(school_id)
    return _render(school)


def _render(school, errors=None, values=None, status=200):
    return render_template("journal/settings.html", school=school, state=_state(school), errors=errors or {},
                           values=values or {}, label=services.work_type_label), status


@bp.post("")
@require(MANAGE)
def save(school_id: int):
    """Save the edit window and every work type's weight and state in one go (all or nothing)."""
    school = _school(school_id)
    form = request.form
    errors: dict[str, list[str]] = {}
    try:
        window = EditWindowSchema().load({"journal_edit_days": form.get("journal_edit_days") or None})
    except ValidationError as exc:
        errors.update(as_text(exc.messages))
    changes = {}
    for row in _state(school)["work_types"]:
        raw = {"weight": form.get(f"weight-{row.id}", ""), "active": form.get(f"active-{row.id}") == "on"}
        if row.name:  # a school's own type; the defaults keep their translated names
            raw["name"] = form.get(f"name-{row.id}", row.name)
        try:
            changes[row.id] = WorkTypeChangeSchema().load(raw)
        except ValidationError as exc:
            errors.update({f"{key}-{row.id}": value for key, value in as_text(exc.messages).items()})
    new = None
    if form.get("new_code") or form.get("new_name"):
        try:
            new = WorkTypeInSchema().load({"code": form.get("new_code", ""), "name": form.get("new_name", ""),
                                           "weight": form.get("new_weight") or "1"})
        except ValidationError as exc:
            errors.update({f"new_{key}": value for key, value in as_text(exc.messages).items()})
    if errors:
        return _render(school, errors, form, 400)
    try:
        with db.atomic():
            school.journal_edit_days = window["journal_edit_days"]
            school.save()
            for work_type_id, data in changes.items():
                services.save_work_type(school, data, work_type_id)
            if new is not None:
                services.save_work_type(school, new)
    except SchoolError as exc:
        return _render(school, {f"new_{exc.field}": [str(exc.message)]}, form, 400)
    flash(_("Saved."), "success")
    return redirect(url_for("journal_settings.page", school_id=school.id))


# --------------------------------------------------------------------------- API


@api.get("/journal-settings")
@require(MANAGE)
@doc(summary="The school's journal settings: edit window and work types", response=JournalSettingsSchema,
     tags=TAGS)
def get_settings(school_id: int):
    return jsonify(JournalSettingsSchema().dump(_state(_school(school_id))))


@api.put("/journal-settings")
@require(MANAGE)
@doc(summary="Set the edit window (days after a lesson; null: the region's rule)", request=EditWindowSchema,
     response=JournalSettingsSchema, tags=TAGS)
def put_settings(school_id: int):
    school = _school(school_id)
    school.journal_edit_days = load_json(EditWindowSchema())["journal_edit_days"]
    school.save()
    return jsonify(JournalSettingsSchema().dump(_state(school)))


@api.post("/work-types")
@require(MANAGE)
@doc(summary="Add a work type of the school's own", request=WorkTypeInSchema, response=WorkTypeSchema,
     status=201, tags=TAGS)
def add_work_type(school_id: int):
    school = _school(school_id)
    try:
        row = services.save_work_type(school, load_json(WorkTypeInSchema()))
    except SchoolError as exc:
        raise refused(exc) from exc
    return jsonify(WorkTypeSchema().dump(row)), 201


@api.patch("/work-types/<int:work_type_id>")
@require(MANAGE)
@doc(summary="Change a work type's name, weight, order or whether it is offered", request=WorkTypeChangeSchema,
     response=WorkTypeSchema, tags=TAGS)
def change_work_type(school_id: int, work_type_id: int):
    school = _school(school_id)
    data = load_json(WorkTypeChangeSchema(), partial=True)
    if not data:
        raise ApiError(400, "invalid", _("Some fields are not valid."))
    try:
        row = services.save_work_type(school, data, work_type_id)
    except SchoolError as exc:
        raise ApiError(404, "not_found", str(exc.message)) from exc
    return jsonify(WorkTypeSchema().dump(row))
