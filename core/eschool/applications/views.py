"""The public application form, the applicant's follow page, and the school's queue."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from eschool.applications import services
from eschool.applications.models import STATUSES
from eschool.applications.schemas import ApplicationEnrolInSchema, ApplicationInSchema
from eschool.auth import ratelimit
from eschool.auth.permissions import public, require
from eschool.school.models import ClassGroup
from eschool.school.services import SchoolError, current_year
from eschool.structure.services import school_by_id
from eschool.validation import as_text
from eschool.web.errors import PageError

bp = Blueprint("applications", __name__)
FIELDS = tuple(ApplicationInSchema().fields)


def _school(school_id: int):
    school = school_by_id(school_id)
    if school is None:
        abort(404)
    return school


@bp.route("/school/<int:school_id>/apply", methods=["GET", "POST"])
@public
def apply(school_id: int):
    """The public form: no login; every field named when wrong, nothing kept then."""
    school = _school(school_id)
    values, errors, status = {}, {}, 200
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in FIELDS if request.form.get(k, "").strip() != ""}
        values["consent"] = request.form.get("consent") == "yes"
        wait = ratelimit.limiter().application_wait(ratelimit.client_address())
        if wait is not None:  # too many sendings from this address: nothing is read or kept
            errors = {"": [_("Too many applications sent from your network: try again in %(minutes)s min.",
                                 minutes=ratelimit.minutes(wait))]}
            return render_template("applications/form.html", school=school, values=values, errors=errors), 429, \
                {"Retry-After": str(wait)}
        try:
            data = ApplicationInSchema().load(values)
            application, token = services.submit(school, data)
        except ValidationError as exc:
            errors, status = as_text(exc.messages), 400
        except SchoolError as exc:
            errors, status = {exc.field or "": [str(exc.message)]}, 409 if exc.conflict else 400
        else:
            return redirect(url_for("applications.follow", token=token, new=1))
    return render_template("applications/form.html", school=school, values=values, errors=errors), status


@bp.get("/applications/<token>")
@public
def follow(token: str):
    """The applicant's page (the private link from the letter): status, place in the queue, history."""
    application = services.by_token(token)
    if application is None:
        abort(404)
    events = list(application.events.order_by(services.ApplicationEvent.at, services.ApplicationEvent.id))
    return render_template("applications/follow.html", application=application, events=events,
                           position=services.position(application), label=services.status_label,
                           new=request.args.get("new") == "1"), 200, {"Cache-Control": "no-store",
                                                                      "Referrer-Policy": "no-referrer"}


@bp.get("/school/<int:school_id>/applications")
@require(services.MANAGE)
def queue(school_id: int):
    school = _school(school_id)
    status = request.args.get("status")
    kind = request.args.get("kind")
    rows = services.queue(current_user, school, status if status in STATUSES else None,
                          kind if kind in ("first_grade", "transfer") else None)
    return render_template("applications/queue.html", school=school, rows=rows, label=services.status_label,
                           status=status, kind=kind, statuses=STATUSES)


@bp.route("/school/<int:school_id>/applications/<int:application_id>", methods=["GET", "POST"])
@require(services.MANAGE)
def detail(school_id: int, application_id: int):
    school = _school(school_id)
    try:
        application = services.application_of(school, application_id)
    except SchoolError:
        abort(404)
    if request.method == "POST":
        try:
            if request.form.get("action") == "enrol":
                data = ApplicationEnrolInSchema().load({k: request.form[k] for k in ("class_id", "order_number", "date")
                                             if request.form.get(k)})
                _group = ClassGroup.get_or_none((ClassGroup.id == data["class_id"]) & (ClassGroup.school == school))
                if _group is None:
                    raise SchoolError("class_id", _("No such class in this school."))
                student, parent, password = services.enrol(current_user, school, application, data["class_id"],
                                                           data["order_number"], data.get("date"))
                entries = [(parent.full_name, _("Parent of %(children)s", children=student.full_name),
                            parent.username, password)]
                response = render_template("people/slip.html", school=school, entries=entries,
                                           back_url=url_for("applications.detail", school_id=school.id,
                                                            application_id=application.id),
                                           login_url=url_for("auth.login", _external=True))
                return response, 200, {"Cache-Control": "no-store"}
            services.set_status(current_user, school, application, request.form.get("status", ""),
                                request.form.get("reason", ""))
            flash(_("Saved; the applicant is told by letter."), "success")
        except ValidationError as exc:
            flash("; ".join(f"{k}: {' '.join(v)}" for k, v in as_text(exc.messages).items()), "error")
        except services.ApplicationsForbidden:
            raise PageError(403, _("You do not have permission to do this here.")) from None
        except SchoolError as exc:
            flash(str(exc.message), "error")
        return redirect(url_for("applications.detail", school_id=school.id, application_id=application.id))
    events = list(application.events.order_by(services.ApplicationEvent.at, services.ApplicationEvent.id))
    year = current_year(school)
    classes = list(ClassGroup.select().where((ClassGroup.school == school) & (ClassGroup.grade == application.grade))
                   .order_by(ClassGroup.academic_year.desc(), ClassGroup.name)) if year else []
    return render_template("applications/detail.html", school=school, application=application, events=events,
                           label=services.status_label, next_statuses=services.NEXT.get(application.status, ()),
                           classes=classes, position=services.position(application),
                           roles=current_app.extensions["eschool"].roles)
