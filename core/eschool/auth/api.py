"""API tokens: issue (log in), list, revoke; change one's own password."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from eschool.api.docs import API_PREFIX, doc, load_json
from eschool.api.errors import ApiError, error_response
from eschool.auth import ratelimit, services
from eschool.auth.models import ApiToken
from eschool.auth.permissions import AUTHENTICATED, public, require
from eschool.auth.schemas import PasswordChangeSchema, TokenInfoSchema, TokenRequestSchema, TokenSchema
from eschool.ops.security import security_event

bp = Blueprint("auth_api", __name__, url_prefix=f"{API_PREFIX}/auth")


@bp.post("/token")
@public
@doc(summary="Log in: exchange a login and password for a bearer token (20 failed attempts per 10 minutes "
             "from one IP address, then 429 with Retry-After)", request=TokenRequestSchema,
     response=TokenSchema, status=201, tags=["auth"], errors=(401, 429))
def issue_token():
    data = load_json(TokenRequestSchema())
    limiter, address = ratelimit.limiter(), ratelimit.client_address()
    wait = limiter.retry_after(address)
    if wait is not None:  # too many failures from this address: the password is not even checked
        services.login_failed(data["login"], "rate_limited", "api")
        response = error_response(429, "rate_limited", _(
            "Too many failed logins from your network: try again in %(minutes)s min.",
            minutes=ratelimit.minutes(wait)))
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        user = services.authenticate(data["login"], data["password"], names=limiter)
    except services.AccountLocked as exc:
        limiter.failed(address)
        services.login_failed(data["login"], "locked", "api")
        raise ApiError(429, "locked", _("Too many wrong passwords: this account is locked until %(time)s.",
                                        time=format_datetime(exc.until, "short"))) from exc
    if user is None:
        limiter.failed(address)
        services.login_failed(data["login"], "wrong_password", "api")
        raise ApiError(401, "invalid_credentials", _("Wrong login or password."))
    security_event("login_succeeded", account_id=user.id, via="api")
    token, row = services.issue_token(user, days=current_app.config["API_TOKEN_DAYS"], name=data["name"])
    body = TokenSchema().dump({"id": row.id, "token": token, "expires_at": row.expires_at,
                               "must_change_password": user.must_change_password})
    return jsonify(body), 201


@bp.get("/tokens")
@require(AUTHENTICATED)
@doc(summary="The current user's tokens", response=TokenInfoSchema, many=True, tags=["auth"])
def list_tokens():
    rows = ApiToken.select().where(ApiToken.user == current_user.id).order_by(ApiToken.id.desc())
    return jsonify(TokenInfoSchema().dump(rows, many=True))


@bp.delete("/token")
@require(AUTHENTICATED)
@doc(summary="Log out: revoke the token this request was made with", status=204, tags=["auth"])
def revoke_current():
    services.revoke_token(current_user, current_user._api_token_id)
    return "", 204


@bp.delete("/tokens/<int:token_id>")
@require(AUTHENTICATED)
@doc(summary="Revoke one of the current user's tokens", status=204, tags=["auth"])
def revoke(token_id: int):
    if not services.revoke_token(current_user, token_id):
        raise ApiError(404, "not_found", _("No such active token."))
    return "", 204


@bp.post("/password")
@require(AUTHENTICATED)
@doc(summary="Change one's own password (required after a handed-out one)", request=PasswordChangeSchema,
     status=204, tags=["auth"])
def change_password():
    data = load_json(PasswordChangeSchema())
    try:
        services.change_own_password(current_user, data["current_password"], data["new_password"])
    except services.AccountError as exc:
        raise ApiError(400, "invalid", _("Some fields are not valid."), fields={exc.field: [str(exc.message)]}) from exc
    return "", 204
