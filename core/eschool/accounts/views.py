"""The school's accounts page: find, set a one-time password (a printable slip), block, unblock, end
sessions, take out of the school."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eschool.accounts import services
from eschool.auth.permissions import require
from eschool.school.services import classes, current_year
from eschool.structure.services import school_by_id
from eschool.web.errors import PageError

bp = Blueprint("accounts", __name__, url_prefix="/school/<int:school_id>/accounts")
ACTIONS = {"block": services.block, "unblock": services.unblock, "end-sessions": services.end_sessions,
           "remove": services.remove_from_school}


def _school(school_id: int):
    school = school_by_id(school_id)
    if school is None:
        abort(404)
    return school


def _filters() -> dict:
    state = request.args.get("state", "all")
    role = request.args.get("role") or None
    page = request.args.get("page", "1")
    return {"query": request.args.get("q", "").strip()[:100],
            "role": role if role in current_app.extensions["eschool"].roles else None,
            "state": state if state in services.STATES else "all",
            "page": int(page) if page.isdigit() and 0 < int(page) < 100000 else 1}


@bp.get("/")
@require(services.MANAGE)
def index(school_id: int):
    school = _school(school_id)
    filters = _filters()
    users, total, roles = services.school_accounts(school, **filters)
    pages = max(1, -(-total // services.PAGE_SIZE))
    year = current_year(school)
    return render_template("accounts/list.html", school=school, users=users, total=total, roles=roles,
                           filters=filters, pages=pages, role_labels=current_app.extensions["eschool"].roles,
                           can_set_passwords=services.may_set_passwords(current_user, school),
                           classes=classes(school, year) if year else [],
                           staff_without=len(services.staff_without_passwords(school)))


@bp.post("/logins")
@require(services.MANAGE)
def logins(school_id: int):
    """One-time passwords in bulk, on printable slips grouped by class: the staff without a password, a
    class's students and parents without a login (``for=<class id>``), or all of them (``for=all``)."""
    school = _school(school_id)
    target = request.form.get("for", "")
    year = current_year(school)
    groups = classes(school, year) if year else []
    if target == "all":
        chosen, staff = groups, True
    elif target == "staff":
        chosen, staff = [], True
    else:
        chosen, staff = [g for g in groups if str(g.id) == target], False
        if not chosen:
            abort(404)
    try:
        issued = services.issue_logins(current_user, school, chosen, staff)
    except services.AccountsError as exc:
        raise PageError(exc.status, str(exc.message)) from exc
    back = url_for("accounts.index", school_id=school.id)
    if not issued:
        flash(_("Everyone here already has a login."), "success")
        return redirect(back)
    slips = services.slip_entries(issued, current_app.extensions["eschool"].roles)
    response = render_template("people/slip.html", school=school, groups=slips, entries=[], back_url=back,
                               login_url=url_for("auth.login", _external=True))
    return response, 200, {"Cache-Control": "no-store"}


def _back(school) -> str:
    target = request.form.get("back", "")
    base = url_for("accounts.index", school_id=school.id)
    return target if target.startswith(base) else base  # only back to this list, never elsewhere


@bp.post("/<int:user_id>/password")
@require(services.MANAGE)
def password(school_id: int, user_id: int):
    school = _school(school_id)
    try:
        user = services.account_of(school, user_id)
        new = services.set_one_time_password(current_user, school, user)
    except services.AccountsError as exc:
        if exc.status == 404:
            abort(404)
        raise PageError(exc.status, str(exc.message)) from exc
    roles = services.school_accounts(school, query=user.username)[2].get(user.id, [])
    labels = current_app.extensions["eschool"].roles
    entries = [(user.full_name, ", ".join(str(labels[r].label) for r in roles if r in labels), user.username, new)]
    response = render_template("people/slip.html", school=school, entries=entries, back_url=_back(school),
                               login_url=url_for("auth.login", _external=True))
    return response, 200, {"Cache-Control": "no-store"}


@bp.post("/<int:user_id>/<any(block, unblock, 'end-sessions', remove):action>")
@require(services.MANAGE)
def act(school_id: int, user_id: int, action: str):
    school = _school(school_id)
    try:
        user = services.account_of(school, user_id)
        ACTIONS[action](current_user, school, user)
    except services.AccountsError as exc:
        if exc.status == 404:
            abort(404)
        flash(str(exc.message), "error")
        return redirect(_back(school))
    done = {"block": _("%(name)s is blocked: their sessions ended.", name=user.full_name),
            "unblock": _("%(name)s may log in again.", name=user.full_name),
            "end-sessions": _("Every session of %(name)s ended.", name=user.full_name),
            "remove": _("%(name)s no longer has a role in this school.", name=user.full_name)}[action]
    flash(done, "success")
    return redirect(_back(school))
