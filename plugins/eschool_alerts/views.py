"""The alerts' page and API: a user's own choices (the evening digest, alerts for a student)."""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import Schema, fields, validate

from eschool.plugin_api import API_PREFIX, doc, load_json, require
from eschool_alerts import services

CHOOSE = "alerts.choose"
bp = Blueprint("alerts", __name__, url_prefix="/alerts", template_folder=None)
api = Blueprint("alerts_api", __name__, url_prefix=f"{API_PREFIX}/alerts")


class AlertsSettingsSchema(Schema):
    delay_seconds = fields.Integer(load_default=300, validate=validate.Range(min=0, max=3600), metadata={
        "label": _l("Delay before an alert, seconds"),
        "description": _l("A mark changed or deleted within this time sends no false alert.")})
    digest_hour = fields.Integer(load_default=20, validate=validate.Range(min=0, max=23), metadata={
        "label": _l("Hour of the evening digest")})


class ChoiceSchema(Schema):
    digest = fields.Boolean(required=True)
    as_student = fields.Boolean(load_default=False)


@bp.route("/", methods=["GET", "POST"])
@require(CHOOSE)
def choices():
    if request.method == "POST":
        services.save_choice(current_user, request.form.get("digest") == "1", request.form.get("as_student") == "1")
        flash(_("Your choices have been saved."), "success")
        return redirect(url_for("alerts.choices"))
    return render_template("alerts/choices.html", choice=services.choice(current_user),
                           student=services.is_student(current_user),
                           hour=services.settings().get("digest_hour", 20))


@api.get("/choices")
@require(CHOOSE)
@doc(summary="My alert choices", response=ChoiceSchema, tags=["alerts"])
def get_choices():
    return jsonify(ChoiceSchema().dump(services.choice(current_user)))


@api.put("/choices")
@require(CHOOSE)
@doc(summary="Choose the evening digest (and, as a student, alerts for myself)", request=ChoiceSchema,
     response=ChoiceSchema, tags=["alerts"])
def put_choices():
    data = load_json(ChoiceSchema())
    return jsonify(ChoiceSchema().dump(services.save_choice(current_user, data["digest"], data["as_student"])))
