"""The rules of the administrator's account tools.

Whose account: a school's administration manages the accounts whose every role is held in their school
(its staff, students and parents). An account that also holds a role elsewhere (another school, a
municipality, the region) is managed there or by the municipality: the tools refuse it, saying so,
so that one school never locks a teacher out of the other school they work in. Nobody blocks, takes out
or ends the sessions of their own account here (the account page does that).

Region rule: where the profile says ``password_reset = "admin"`` (Samara: "only the school administrator
sets a new password"), only the ``school_admin`` role sets passwords; elsewhere every role holding
``accounts.manage`` does.

Every action goes to the school's audit log (record ``account``), a password never: only that a
one-time password was set.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from peewee import fn

from eschool.auth import services as auth
from eschool.auth.models import ApiToken, RoleAssignment, User
from eschool.auth.permissions import has_permission, user_assignments
from eschool.db import db, utcnow
from eschool.people.services import write_audit
from eschool.plugins.services import scope_for_school
from eschool.structure.models import School

MANAGE = "accounts.manage"
#: Filters of the list: everyone, never logged in, blocked.
STATES = ("all", "never", "blocked")
PAGE_SIZE = 50


class AccountsError(ValueError):
    """An action the rules refuse: ``status`` 403 (not yours to do) or 404 (no such account here);
    ``message`` says why in the user's language."""

    def __init__(self, status: int, message):
        super().__init__(str(message))
        self.status, self.message = status, message


def _school_user_ids(school: School):
    return RoleAssignment.select(RoleAssignment.user).where(RoleAssignment.school == school)


def school_accounts(school: School, query: str = "", role: str | None = None, state: str = "all",
                    page: int = 1, size: int = PAGE_SIZE) -> tuple[list[User], int, dict[int, list[str]]]:
    """One page of the accounts holding a role in the school, by name: ``(users, total, roles)`` with
    ``roles`` the user's role codes in this school. ``query`` matches the name, login or e-mail; ``state``
    ``never`` keeps those who never logged in, ``blocked`` the blocked ones. Three queries whatever the
    school's size."""
    members = RoleAssignment.select(RoleAssignment.user).where(RoleAssignment.school == school)
    if role:
        members = members.where(RoleAssignment.role == role)
    users = User.select().where(User.id.in_(members))
    text = (query or "").strip().lower()
    if text:
        users = users.where(fn.LOWER(User.full_name).contains(text) | fn.LOWER(User.username).contains(text)
                            | fn.LOWER(fn.COALESCE(User.email, "")).contains(text))
    if state == "never":
        users = users.where(User.last_login_at.is_null())
    elif state == "blocked":
        users = users.where(~User.is_active)
    total = users.count()
    rows = list(users.order_by(User.full_name, User.id).paginate(max(page, 1), size))
    roles: dict[int, list[str]] = {}
    if rows:
        for user_id, code in (RoleAssignment.select(RoleAssignment.user, RoleAssignment.role)
                              .where((RoleAssignment.school == school) & RoleAssignment.user.in_([u.id for u in rows]))
                              .order_by(RoleAssignment.role).tuples()):
            roles.setdefault(user_id, [])
            if code not in roles[user_id]:
                roles[user_id].append(code)
    return rows, total, roles


def account_of(school: School, user_id: int) -> User:
    """The account if it holds a role in the school; 404 otherwise (never says whether it exists)."""
    user = User.select().where((User.id == user_id) & User.id.in_(_school_user_ids(school))).first()
    if user is None:
        raise AccountsError(404, _l("No such account in this school."))
    return user


def elsewhere(school: School, user: User) -> bool:
    """Whether the account holds a role outside this school (another school, a municipality, the region)."""
    return RoleAssignment.select().where((RoleAssignment.user == user) & (
        RoleAssignment.school.is_null() | (RoleAssignment.school != school))).exists()


def _check(actor: User, school: School, user: User, self_allowed: bool = False) -> None:
    if not has_permission(actor, MANAGE, scope_for_school(school)):
        raise AccountsError(403, _l("You do not have permission to do this here."))
    if user.id == actor.id and not self_allowed:
        raise AccountsError(403, _l("This is your own account: use your account page."))
    if elsewhere(school, user):
        raise AccountsError(403, _l("This account also has roles outside this school: the municipality manages it."))


def may_set_passwords(actor: User, school: School) -> bool:
    """Whether ``actor`` sets passwords here: ``accounts.manage``, and where the region says only the
    administrator resets passwords, the ``school_admin`` role in this school."""
    if not has_permission(actor, MANAGE, scope_for_school(school)):
        return False
    if current_app.extensions["eschool"].region.rules.get("password_reset") != "admin":
        return True
    return any(a.role == "school_admin" and a.school_id == school.id for a in user_assignments(actor))


def set_one_time_password(actor: User, school: School, user: User) -> str:
    """A new generated password, to hand over on a slip; it must be changed at the first login. The
    account's sessions and API tokens end, a lock from wrong passwords is lifted. Returns the password
    (shown once, never stored)."""
    _check(actor, school, user)
    if not may_set_passwords(actor, school):
        raise AccountsError(403, _l("In this region only the school administrator sets a new password."))
    return _one_time_password(actor, school, user)


def _one_time_password(actor: User | None, school: School, user: User) -> str:
    password = auth.generate_password()
    with db.atomic():
        auth.set_password(user, password, must_change=True)
        User.update(failed_logins=0, locked_until=None).where(User.id == user.id).execute()
        write_audit(school, actor.id if actor else None, "account", user.id,
                    {"password": ("", "one-time password set")})
    return password


# --------------------------------------------------------------------------- the operators: a school's administrators

#: Region and municipal operators create schools and issue their administrators' logins.
OPERATE = "schools.manage"
ADMIN_ROLE = "school_admin"


def _operator_check(actor: User | None, school: School) -> None:
    """``actor`` None: the command line (the integrator at the server)."""
    if actor is not None and not has_permission(actor, OPERATE, scope_for_school(school)):
        raise AccountsError(403, _l("You do not have permission to do this here."))


def school_administrators(schools) -> dict[int, list[User]]:
    """The administrators of each school (its ``school_admin`` role holders), by school id, by name: one
    query whatever the number of schools."""
    ids = [s.id if isinstance(s, School) else s for s in schools]
    result: dict[int, list[User]] = {i: [] for i in ids}
    if not ids:
        return result
    rows = (User.select(User, RoleAssignment.school.alias("admin_of")).join(RoleAssignment)
            .where((RoleAssignment.role == ADMIN_ROLE) & RoleAssignment.school.in_(ids))
            .order_by(User.full_name, User.id).objects())
    for user in rows:
        result[user.admin_of].append(user)
    return result


def issue_administrator(actor: User | None, school: School, full_name: str, email: str | None = None,
                        allowed_roles=None) -> tuple[User, str]:
    """A new account holding the school's ``school_admin`` role, with a one-time password (returned once:
    print it on the slip; it must be changed at the first login). Region and municipal operators, each in
    their own schools. Written to the school's audit log."""
    _operator_check(actor, school)
    full_name = " ".join((full_name or "").split())
    if len(full_name) < 3:
        raise auth.AccountError("full_name", _l("Give the administrator's full name."))
    allowed = allowed_roles or current_app.extensions["eschool"].roles
    with db.atomic():
        user, password = auth.issue_account(full_name, ADMIN_ROLE, allowed, email=email, school=school)
        write_audit(school, actor.id if actor else None, "account", user.id, {"roles": ("", ADMIN_ROLE)})
    return user, password


def administrator_of(school: School, user_id: int) -> User:
    """An administrator of the school; 404 for anyone else (never says whether the account exists)."""
    user = (User.select().join(RoleAssignment).where((User.id == user_id) & (RoleAssignment.role == ADMIN_ROLE)
                                                     & (RoleAssignment.school == school)).first())
    if user is None:
        raise AccountsError(404, _l("No such administrator in this school."))
    return user


def administrator_password(actor: User | None, school: School, user: User) -> str:
    """A new one-time password for one of the school's administrators, by an operator (a forgotten
    password, a first login lost): their sessions and tokens end. Refused for an account that also holds a
    role outside the school (the level that gave it manages it) and for one's own account."""
    _operator_check(actor, school)
    if actor is not None and user.id == actor.id:
        raise AccountsError(403, _l("This is your own account: use your account page."))
    if elsewhere(school, user):
        raise AccountsError(403, _l("This account also has roles outside this school: the municipality manages it."))
    return _one_time_password(actor, school, user)


def block(actor: User, school: School, user: User) -> None:
    """The account can no longer log in or use the API: its sessions and tokens end at once."""
    _check(actor, school, user)
    if not user.is_active:
        return
    with db.atomic():
        User.update(is_active=False).where(User.id == user.id).execute()
        auth.end_sessions(user)
        ApiToken.update(revoked_at=utcnow()).where((ApiToken.user == user) & ApiToken.revoked_at.is_null()).execute()
        write_audit(school, actor.id, "account", user.id, {"is_active": ("yes", "no")})
    user.is_active = False


def unblock(actor: User, school: School, user: User) -> None:
    """The account may log in again (a lock from wrong passwords is lifted too)."""
    _check(actor, school, user)
    with db.atomic():
        User.update(is_active=True, failed_logins=0, locked_until=None).where(User.id == user.id).execute()
        if not user.is_active:
            write_audit(school, actor.id, "account", user.id, {"is_active": ("no", "yes")})
    user.is_active = True


def end_sessions(actor: User, school: School, user: User) -> None:
    """Every page session of the account ends (a lost phone, a shared computer); API tokens stay."""
    _check(actor, school, user)
    with db.atomic():
        auth.end_sessions(user)
        write_audit(school, actor.id, "account", user.id, {"sessions": ("", "ended")})


def remove_from_school(actor: User, school: School, user: User) -> None:
    """The account's roles in this school end; an account left with no role at all is blocked. Nothing
    the person did (marks, messages, cards) is deleted."""
    _check(actor, school, user)
    with db.atomic():
        codes = [a.role for a in RoleAssignment.select().where(
            (RoleAssignment.user == user) & (RoleAssignment.school == school))]
        RoleAssignment.delete().where((RoleAssignment.user == user) & (RoleAssignment.school == school)).execute()
        if not RoleAssignment.select().where(RoleAssignment.user == user).exists():
            User.update(is_active=False).where(User.id == user.id).execute()
            auth.end_sessions(user)
        write_audit(school, actor.id, "account", user.id, {"roles": (", ".join(sorted(codes)), "")})
