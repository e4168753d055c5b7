"""The account tools over ``/api/v1/schools/<school_id>/accounts`` (permission ``accounts.manage``)."""
from __future__ import annotations

from flask import Blueprint, current_app
from flask_login import current_user

from eschool.accounts import services
from eschool.accounts.schemas import (
    AccountPageSchema,
    AccountQuerySchema,
    AccountSchema,
    OneTimePasswordSchema,
)
from eschool.api import API_PREFIX, ApiError, doc, load_query
from eschool.auth.permissions import require
from eschool.school.api import school_or_404

bp = Blueprint("accounts_api", __name__, url_prefix=f"{API_PREFIX}/schools/<int:school_id>/accounts")
TAGS = ["accounts"]


def _account(school, user_id: int, action=None):
    try:
        user = services.account_of(school, user_id)
        if action is not None:
            action(current_user, school, user)
        return user
    except services.AccountsError as exc:
        raise ApiError(exc.status, "not_found" if exc.status == 404 else "forbidden", str(exc.message)) from exc


def _dump(school, user):
    roles = services.school_accounts(school, query=user.username)[2].get(user.id, [])
    return AccountSchema().dump({**user.__data__, "id": user.id, "roles": roles})


@bp.get("/")
@require(services.MANAGE)
@doc("The school's accounts, by name", query=AccountQuerySchema, response=AccountPageSchema, tags=TAGS,
     description="Everyone holding a role in the school. `q` matches the name, login or e-mail; `state`: `never` "
                 "(never logged in) or `blocked`.")
def index(school_id: int):
    school = school_or_404(school_id)
    args = load_query(AccountQuerySchema())
    role = args["role"] if args["role"] in current_app.extensions["eschool"].roles else None
    users, total, roles = services.school_accounts(school, args["q"], role, args["state"], args["page"], args["size"])
    items = [{**u.__data__, "id": u.id, "roles": roles.get(u.id, [])} for u in users]
    return AccountPageSchema().dump({"items": items, "total": total, "page": args["page"], "size": args["size"]})


@bp.post("/<int:user_id>/password")
@require(services.MANAGE)
@doc("Set a one-time password", response=OneTimePasswordSchema, tags=TAGS,
     description="A generated password, returned once; the user must change it at the first login. Their sessions "
                 "and tokens end. Where the region says only the administrator resets passwords (Samara), only the "
                 "`school_admin` role may.")
def password(school_id: int, user_id: int):
    school = school_or_404(school_id)
    user = _account(school, user_id)
    try:
        new = services.set_one_time_password(current_user, school, user)
    except services.AccountsError as exc:
        raise ApiError(exc.status, "forbidden", str(exc.message)) from exc
    return OneTimePasswordSchema().dump({"id": user.id, "username": user.username, "full_name": user.full_name,
                                         "password": new}), 200, {"Cache-Control": "no-store"}


def _action(name, func, summary, description):
    def view(school_id: int, user_id: int):
        school = school_or_404(school_id)
        return _dump(school, _account(school, user_id, func))

    view.__name__ = name
    view = doc(summary, response=AccountSchema, tags=TAGS, description=description)(view)
    view = require(services.MANAGE)(view)
    bp.post(f"/<int:user_id>/{name.replace('_', '-')}")(view)
    return view


block = _action("block", services.block, "Block an account", "It can no longer log in or use the API; its sessions "
                "and tokens end at once. Refused for one's own account and for an account with roles outside the school.")
unblock = _action("unblock", services.unblock, "Unblock an account", "It may log in again; a lock from wrong "
                  "passwords is lifted too.")
end_sessions = _action("end_sessions", services.end_sessions, "End an account's sessions",
                       "Every page session of the account ends (a lost phone); its API tokens stay.")
remove = _action("remove", services.remove_from_school, "Take an account out of the school",
                 "Its roles in this school end; an account left with no role is blocked. Nothing it did is deleted.")
