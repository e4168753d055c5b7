"""Applications over the API: the public submission, and the school's queue, statuses and enrolment."""
from __future__ import annotations

from flask import Blueprint, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eschool.api import API_PREFIX, ApiError, doc, load_json, load_query
from eschool.api.errors import error_response
from eschool.applications import services
from eschool.applications.schemas import (
    ApplicationEnrolInSchema,
    ApplicationInSchema,
    ApplicationSchema,
    EnrolledSchema,
    QueueQuerySchema,
    StatusInSchema,
    SubmittedSchema,
)
from eschool.auth import ratelimit
from eschool.auth.permissions import public, require
from eschool.school.api import refused, school_or_404
from eschool.school.models import ClassGroup
from eschool.school.services import SchoolError

bp = Blueprint("applications_api", __name__, url_prefix=f"{API_PREFIX}/schools/<int:school_id>/applications")
TAGS = ["applications"]


def _run(func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except services.ApplicationsForbidden:
        raise ApiError(403, "forbidden", _("You do not have permission to do this here.")) from None
    except SchoolError as exc:
        raise refused(exc) from exc


def _dump(application):
    return ApplicationSchema().dump({**application.__data__, "id": application.id, "child_name": application.child_name,
                                     "student_id": application.student_id})


@bp.post("/")
@public
@doc("Submit an application (no login)", request=ApplicationInSchema, response=SubmittedSchema, status=201, tags=TAGS,
     errors=(429,),
     description="The same rules as the public form: the consent is required; one application per child, kind and "
                 "school in a campaign (409). `follow_url` is the applicant's private link. At most "
                 "`ESCHOOL_APPLICATION_RATE_LIMIT` sendings per client address (default 20 per hour), then 429 "
                 "with Retry-After.")
def submit(school_id: int):
    school = school_or_404(school_id)
    wait = ratelimit.limiter().application_wait(ratelimit.client_address())
    if wait is not None:  # too many sendings from this address: nothing is read or kept
        response = error_response(429, "rate_limited", _(
            "Too many applications sent from your network: try again in %(minutes)s min.",
            minutes=ratelimit.minutes(wait)))
        response.headers["Retry-After"] = str(wait)
        return response
    data = load_json(ApplicationInSchema())
    application, token = _run(services.submit, school, data)
    return SubmittedSchema().dump({"id": application.id, "status": application.status,
                                   "follow_url": url_for("applications.follow", token=token, _external=True)}), 201


@bp.get("/")
@require(services.MANAGE)
@doc("The school's applications in the order of admission", query=QueueQuerySchema, response=ApplicationSchema,
     many=True, tags=TAGS)
def queue(school_id: int):
    school = school_or_404(school_id)
    args = load_query(QueueQuerySchema())
    return [_dump(a) for a in _run(services.queue, current_user, school, args.get("status"), args.get("kind"))]


@bp.put("/<int:application_id>/status")
@require(services.MANAGE)
@doc("Move an application on (a reason for refused and documents needed)", request=StatusInSchema,
     response=ApplicationSchema, tags=TAGS)
def status(school_id: int, application_id: int):
    school = school_or_404(school_id)
    application = _run(services.application_of, school, application_id)
    data = load_json(StatusInSchema())
    return _dump(_run(services.set_status, current_user, school, application, data["status"], data["reason"]))


@bp.post("/<int:application_id>/enrol")
@require(services.MANAGE)
@doc("Enrol an accepted application: the student and the parent's login in one step", request=ApplicationEnrolInSchema,
     response=EnrolledSchema, status=201, tags=TAGS)
def enrol(school_id: int, application_id: int):
    school = school_or_404(school_id)
    application = _run(services.application_of, school, application_id)
    data = load_json(ApplicationEnrolInSchema())
    if ClassGroup.get_or_none((ClassGroup.id == data["class_id"]) & (ClassGroup.school == school)) is None:
        raise ApiError(400, "invalid", _("Some fields are not valid."), fields={"class_id": [_("No such class in this school.")]})
    student, parent, password = _run(services.enrol, current_user, school, application, data["class_id"],
                                     data["order_number"], data.get("date"))
    return EnrolledSchema().dump({"student_id": student.id, "parent_username": parent.username,
                                  "parent_password": password}), 201, {"Cache-Control": "no-store"}
