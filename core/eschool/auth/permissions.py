"""Named permissions, their default roles, and the check every endpoint declares.

Every view is wrapped by :func:`require` (or :func:`public`); the decorator records the permission
on the view function so a test can walk ``app.url_map`` and find endpoints that declare none.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import cache, wraps

from flask import current_app, g, has_request_context, redirect, request, session, url_for
from flask_login import current_user

from eschool.core_parts import is_core
from eschool.types import Permission, Scope

PUBLIC = "public"
AUTHENTICATED = "authenticated"
ATTR = "_eschool_permission"


class PermissionRegistry:
    """All permissions of the core and the region-allowed plugins."""

    def __init__(self, contributed: dict[str, list[Permission]], role_codes: Iterable[str]):
        self.permissions: dict[str, Permission] = {}
        self.owner: dict[str, str] = {}
        from eschool.auth.roles import ROLES

        roles = set(role_codes)
        for plugin, perms in contributed.items():
            for perm in perms:
                if not is_core(plugin) and not perm.name.startswith(f"{plugin}."):
                    raise ValueError(f"plugin '{plugin}': permission '{perm.name}' must start with '{plugin}.'")
                if perm.name in self.permissions:
                    raise ValueError(f"permission '{perm.name}' is declared twice ({self.owner[perm.name]}, {plugin})")
                unknown = set(perm.default_roles) - set(ROLES)
                if unknown:
                    raise ValueError(f"permission '{perm.name}': unknown role(s) {sorted(unknown)}")
                # An extra role this region does not have (Samara's psychologist elsewhere) is dropped.
                perm = Permission(perm.name, perm.label, tuple(r for r in perm.default_roles if r in roles))
                self.permissions[perm.name] = perm
                self.owner[perm.name] = plugin

    def roles_with(self, name: str) -> tuple[str, ...]:
        perm = self.permissions.get(name)
        if perm is None:
            raise KeyError(f"unknown permission '{name}'")
        return perm.default_roles


def assignment_covers(assignment, scope: Scope) -> bool:
    """Does a role held at this assignment's level apply in ``scope``?"""
    level = assignment.level
    if level == "region":
        return True
    if level == "municipality":
        return scope.municipality_id is not None and scope.municipality_id == assignment.municipality_id
    return scope.school_id is not None and scope.school_id == assignment.school_id


def all_assignments(user) -> list:
    """Every role assignment of the user, loaded once per request."""

    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "is_device", False):
        return []  # a device (eschool.devices) holds no role
    cache = g.setdefault("_role_cache", {})
    if user.id not in cache:
        cache[user.id] = _roles_query().run(user.id)
    return cache[user.id]


@cache
def _roles_query():
    """A user's role assignments with their school's municipality (``school_municipality_id``: the request's
    scope needs it), by id; every request runs it, so its SQL is generated once (``db.Compiled``)."""
    from peewee import JOIN

    from eschool.auth.models import RoleAssignment
    from eschool.db import Compiled
    from eschool.structure.models import School

    return Compiled(lambda user_id: RoleAssignment.select(
        RoleAssignment, School.municipality.alias("school_municipality_id"))
        .join(School, JOIN.LEFT_OUTER, on=(RoleAssignment.school == School.id))
        .where(RoleAssignment.user == user_id).order_by(RoleAssignment.id).objects(), "int")


LEVEL_ORDER = {"school": 0, "class": 1, "municipality": 2, "region": 3}
#: Which face of a person starts first when they have several: the broadest (the region's operator before a
#: municipality's, before a school's staff, before a family).
PERSONA_ORDER = {"region": 0, "municipality": 1, "staff": 2, "family": 3}


def persona_of(assignment) -> tuple:
    """The face of a person an assignment belongs to. A person acts in one face at a time, with every role of it:
    all their staff roles at one school together (a teacher who is the class teacher of 5А is both at once),
    all their family roles together (a parent of children at two schools, a student), a municipality's
    operator, the region's operator. Faces never mix: a teacher who is also a parent reads their child's diary
    only as the parent, and opens no card as the teacher that they could only open as the parent."""
    from eschool.auth.roles import ROLES

    level = assignment.level
    if level == "region":
        return ("region",)
    if level == "municipality":
        return ("municipality", assignment.municipality_id)
    role = ROLES.get(assignment.role)
    if role is not None and not role.staff:
        return ("family",)
    return ("staff", assignment.school_id)


def personas(user) -> list[tuple[tuple, list]]:
    """The user's faces with their assignments, the broadest first (see ``persona_of``)."""
    grouped: dict[tuple, list] = {}
    for a in all_assignments(user):
        grouped.setdefault(persona_of(a), []).append(a)
    for assignments in grouped.values():  # the face's main assignment first: school roles before class ones
        assignments.sort(key=lambda a: (LEVEL_ORDER[a.level], a.id))
    return sorted(grouped.items(), key=lambda item: (PERSONA_ORDER[item[0][0]], item[1][0].id))


def acting_persona(user) -> tuple[tuple, list] | None:
    """The face the user acts in on pages: the one chosen (session ``active_role``: an assignment of it), else
    the broadest."""
    faces = personas(user)
    if not faces:
        return None
    chosen = session.get("active_role") if has_request_context() else None
    for face in faces:
        if any(a.id == chosen for a in face[1]):
            return face
    return faces[0]


def acting_assignment(user):
    """The main assignment of the face the user acts in (``acting_persona``): the request's scope comes from
    it (a school role before a class one)."""
    face = acting_persona(user)
    return face[1][0] if face else None


def user_assignments(user) -> list:
    """The assignments the user acts with now: on pages every role of the acting face (``persona_of``); through
    the API (a bearer token, no session) all of them."""
    assignments = all_assignments(user)
    if len(assignments) > 1 and has_request_context() and not is_api_request():
        return list(acting_persona(user)[1])
    return assignments


def has_permission(user, permission: str, scope: Scope | None = None, obj=None) -> bool:
    """The server-side check: a role holding ``permission`` whose scope covers ``scope``.

    Plugins may veto or grant through ``eschool_check_permission``: any False denies, else any
    True allows, else the roles decide.
    """
    if permission == PUBLIC:
        return True
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if getattr(user, "is_device", False):  # an unattended screen: its plugin's display, in its school, only
        return user.may(permission, scope or getattr(g, "scope", None))
    if permission == AUTHENTICATED:
        return True
    app = current_app._get_current_object()
    registry = app.extensions["eschool"].permissions
    scope = scope or getattr(g, "scope", None) or Scope(app.extensions["eschool"].region.code)
    allowed_roles = set(registry.roles_with(permission))
    by_role = any(a.role in allowed_roles and assignment_covers(a, scope) for a in user_assignments(user))
    if not app.extensions["eschool"].plugins.implementers("eschool_check_permission"):
        return by_role  # no plugin has a say: no need to find which plugins are on here
    from eschool.plugins.services import hooks_here

    answers = [a for a in hooks_here(scope).eschool_check_permission(
        user=user, permission=permission, obj=obj, scope=scope) if a is not None]
    if False in answers:
        return False
    return True if True in answers else by_role


def municipalities_reached(user, permission: str) -> set[int] | None:
    """Where ``user`` (in the role they act in) holds ``permission`` above a school: None for everywhere (a
    region-level role), else the ids of the municipalities of their municipality-level roles (an empty set:
    nowhere above a school). Operators' lists of schools are cut to it."""
    roles = set(current_app.extensions["eschool"].permissions.roles_with(permission))
    ids: set[int] = set()
    for a in user_assignments(user):
        if a.role not in roles or a.level in ("school", "class"):
            continue
        if a.level == "region":
            return None
        ids.add(a.municipality_id)
    return ids


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def _refuse(status: int, code: str, message: str):
    from eschool.api.errors import ApiError
    from eschool.web.errors import PageError

    if is_api_request():
        raise ApiError(status, code, message)
    raise PageError(status, message)


def enforce(permission: str, obj=None) -> None:
    """Refuse the request unless the current user holds ``permission`` here."""
    from flask_babel import gettext as _

    if permission == PUBLIC:
        return
    if not current_user.is_authenticated:
        if is_api_request():
            _refuse(401, "unauthorized", _("Log in first: send a bearer token."))
        raise _LoginRedirect()
    if current_user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        if is_api_request():
            _refuse(403, "password_change_required", _("Change the password you were given first."))
        raise _PasswordRedirect()
    if not has_permission(current_user, permission, obj=obj):
        _refuse(403, "forbidden", _("You do not have permission to do this here."))


#: Endpoints a user with a handed-out password may still reach.
PASSWORD_CHANGE_ENDPOINTS = {"auth.change_password", "auth.logout", "web.set_language", "auth.switch_role",
                             "auth_api.change_password", "auth_api.revoke_current", "api.me"}


class _LoginRedirect(Exception):
    pass


class _PasswordRedirect(Exception):
    pass


def register_redirects(app) -> None:
    """Turn the two redirect signals into responses."""

    @app.errorhandler(_LoginRedirect)
    def _to_login(_exc):
        return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))

    @app.errorhandler(_PasswordRedirect)
    def _to_password(_exc):
        return redirect(url_for("auth.change_password"))


def require(permission: str):
    """Declare and enforce the permission of a view."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            enforce(permission)
            return view(*args, **kwargs)

        setattr(wrapper, ATTR, permission)
        return wrapper

    return decorator


def public(view):
    """Declare a view open to everyone, logged in or not."""
    setattr(view, ATTR, PUBLIC)
    return view


def declared_permission(view) -> str | None:
    return getattr(view, ATTR, None)
