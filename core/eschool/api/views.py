"""Core API endpoints: the OpenAPI document and the current user."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask_login import current_user

from eschool.api.docs import API_PREFIX, doc, openapi_document
from eschool.auth.permissions import AUTHENTICATED, public, require
from eschool.auth.schemas import MeSchema

bp = Blueprint("api", __name__, url_prefix=API_PREFIX)


@bp.get("/openapi.json")
@public
@doc(summary="This OpenAPI 3 document", tags=["meta"])
def openapi():
    """The OpenAPI 3 document, generated from the schemas of every registered endpoint."""
    app = current_app._get_current_object()
    document = app.extensions.get("eschool_openapi")
    if document is None:  # built once per process: the routes and their schemas are fixed at start-up
        document = app.extensions["eschool_openapi"] = openapi_document(app)
    return jsonify(document)


@bp.get("/me")
@require(AUTHENTICATED)
@doc(summary="The current user and their roles", response=MeSchema, tags=["auth"])
def me():
    from eschool.auth.permissions import all_assignments

    return jsonify(MeSchema().dump({"user": current_user, "roles": all_assignments(current_user)}))
