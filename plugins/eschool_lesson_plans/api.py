"""Lesson plans (КТП) over ``/api/v1/schools/<school_id>/lesson-plans``: import (multipart), list, read,
delete, attach to a class's lessons and detach. ``journal.keep``; the object rule (who teaches the
subject) refuses everyone else with 403."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate

from eschool.plugin_api import (
    API_PREFIX,
    ApiError,
    SchoolError,
    UtcDateTime,
    as_text,
    class_of,
    doc,
    load_json,
    refused,
    require,
    school_or_404,
    subgroup_of,
)
from eschool_lesson_plans import services

bp = Blueprint("lesson_plans_api", __name__, url_prefix=f"{API_PREFIX}/schools/<int:school_id>/lesson-plans")
KEEP = "journal.keep"
TAGS = ["lesson plans"]


class PlanImportInSchema(Schema):
    """multipart/form-data: these fields and ``file`` (.csv or .xlsx)."""

    subject_id = fields.Integer(required=True)
    grade = fields.Integer(required=True, validate=validate.Range(min=1, max=11))
    name = fields.String(load_default="", validate=validate.Length(max=200))


class PlanItemSchema(Schema):
    id = fields.Integer()
    number = fields.Integer()
    topic = fields.String()
    hours = fields.Integer()
    homework = fields.String()


class PlanSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    subject_id = fields.Integer()
    subject = fields.Function(lambda p: p.subject.name)
    grade = fields.Integer()
    created_at = UtcDateTime()
    item_count = fields.Integer()
    hours = fields.Integer()
    attached = fields.Integer(metadata={"description": "lessons linked to the plan's items"})
    items = fields.List(fields.Nested(PlanItemSchema))


class AttachInSchema(Schema):
    class_id = fields.Integer(required=True)
    subgroup_id = fields.Integer(load_default=None, allow_none=True)


class OutcomeSchema(Schema):
    lessons = fields.Integer()
    topics = fields.Integer()
    skipped = fields.Integer()
    items_left = fields.Integer()


def _run(func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except services.PlanImportError as exc:
        rows = {}
        for line, column, reason in exc.rows:
            rows.setdefault(f"rows.{line}.{column}", []).append(reason)
        raise ApiError(400, "invalid", str(exc.message), fields=rows or {"file": [str(exc.message)]}) from exc
    except SchoolError as exc:  # 403 for the forbidden (JournalForbidden), 409, 400
        raise refused(exc) from exc


def _plan(school, plan_id):
    try:
        return services.plan_of(school, plan_id)
    except SchoolError as exc:
        raise ApiError(404, "not_found", _("Not found.")) from exc


def _full(school, plan):
    listed = next(p for p in services.plans(school) if p.id == plan.id)
    listed.items = services.items_of(plan)
    return listed


@bp.get("")
@require(KEEP)
@doc(summary="The school's lesson plans", response=PlanSchema, many=True, tags=TAGS)
def list_plans(school_id):
    return jsonify(PlanSchema(exclude=["items"]).dump(services.plans(school_or_404(school_id)), many=True))


@bp.post("")
@require(KEEP)
@doc(summary="Import a plan from a CSV or XLSX file (multipart: subject_id, grade, name, file); all rows or none, "
             "bad rows named in fields as rows.<line>.<column>", request=PlanImportInSchema, response=PlanSchema,
     status=201, tags=TAGS)
def import_plan(school_id):
    school = school_or_404(school_id)
    try:
        data = PlanImportInSchema().load({k: v for k, v in request.form.items()})
    except ValidationError as exc:
        raise ApiError(400, "invalid", _("Some fields are not valid."), fields=as_text(exc.messages)) from exc
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(400, "invalid", _("Some fields are not valid."), fields={"file": [_("Choose a .csv or .xlsx file.")]})
    plan = _run(services.import_plan, current_user, school, data, upload.read(), upload.filename)
    return jsonify(PlanSchema().dump(_full(school, plan))), 201


@bp.get("/<int:plan_id>")
@require(KEEP)
@doc(summary="A lesson plan with its items", response=PlanSchema, tags=TAGS)
def get_plan(school_id, plan_id):
    school = school_or_404(school_id)
    return jsonify(PlanSchema().dump(_full(school, _plan(school, plan_id))))


@bp.delete("/<int:plan_id>")
@require(KEEP)
@doc(summary="Delete a plan (409 while lessons are attached to it)", status=204, tags=TAGS)
def delete_plan(school_id, plan_id):
    school = school_or_404(school_id)
    _plan(school, plan_id)
    _run(services.delete_plan, current_user, school, plan_id)
    return "", 204


def _attach_args(school, plan_id):
    plan = _plan(school, plan_id)
    data = load_json(AttachInSchema())
    group = _run(class_of, school, data["class_id"])
    subgroup = _run(subgroup_of, group, data["subgroup_id"])
    return plan, group, subgroup


@bp.post("/<int:plan_id>/attach")
@require(KEEP)
@doc(summary="Attach the plan to a class's lessons of its subject in date order (only its teacher)",
     request=AttachInSchema, response=OutcomeSchema, tags=TAGS)
def attach(school_id, plan_id):
    school = school_or_404(school_id)
    plan, group, subgroup = _attach_args(school, plan_id)
    return jsonify(OutcomeSchema().dump(_run(services.attach, current_user, plan, group, subgroup)))


@bp.post("/<int:plan_id>/detach")
@require(KEEP)
@doc(summary="Detach the plan from a class's lessons, clearing the topics that came from it",
     request=AttachInSchema, response=OutcomeSchema, tags=TAGS)
def detach(school_id, plan_id):
    school = school_or_404(school_id)
    plan, group, subgroup = _attach_args(school, plan_id)
    return jsonify(OutcomeSchema().dump(_run(services.detach, current_user, plan, group, subgroup)))
