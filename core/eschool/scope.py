"""Which municipality and school a request is about.

From the URL first (``school_id`` / ``municipality_code`` view arguments, for public pages), then from
the logged-in user's active role (a person with several roles picks one; the first is the
default), else the whole region.
"""
from __future__ import annotations

from flask import current_app, request
from flask_login import current_user

from eschool.structure.models import Municipality
from eschool.structure.services import school_by_id
from eschool.types import Scope


def _region_code() -> str:
    return current_app.extensions["eschool"].region.code


def scope_of_assignment(assignment) -> Scope:
    region = _region_code()
    if assignment.school_id is not None:
        # the school's municipality comes with the assignments (auth.permissions.all_assignments)
        return Scope(region, assignment.school_municipality_id, assignment.school_id)
    if assignment.municipality_id is not None:
        return Scope(region, assignment.municipality_id, None)
    return Scope(region)


def active_assignment(user):
    """The role the user acts in now (see ``eschool.auth.permissions.acting_assignment``)."""
    from eschool.auth.permissions import acting_assignment

    return acting_assignment(user)


def resolve_scope() -> Scope:
    region = _region_code()
    args = request.view_args or {}
    if "school_id" in args:
        school = school_by_id(args["school_id"])
        return Scope(region, school.municipality_id, school.id) if school else Scope(region, -1, -1)
    if "municipality_code" in args:
        muni = Municipality.get_or_none(Municipality.code == args["municipality_code"])
        return Scope(region, muni.id if muni else -1, None)
    if getattr(current_user, "is_authenticated", False):
        assignment = active_assignment(current_user)
        if assignment is not None:
            return scope_of_assignment(assignment)
    return Scope(region)
