"""The rules of enrolment applications.

* **Submitting** needs no login: the child's and the applicant's details, the address (checked against the
  school's catchment streets and houses already in the portal), a claimed priority with its documents
  described, and the 152-FZ consent. The server's clock orders the queue. One application per child, kind
  and school in a campaign (a second one is refused with 409 and changes nothing).
* **The queue**: priority group (priority rights, siblings at the school, catchment residents, others),
  then the time of submission. The school (``applications.manage``) moves an application through
  received → documents needed → accepted / refused (with a reason) → enrolled; every step is kept with
  who and when, and the applicant gets a letter with the link to follow it (queued; a letter that
  cannot be delivered is retried and the failure shown on the application).
* **Enrolment** of an accepted application makes the student (in a chosen class, through the people
  services) and the applicant's parent account in one step; the credentials go on a slip.
"""
from __future__ import annotations

import datetime as dt
import secrets

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import IntegrityError

from eschool.applications.models import PRIORITIES, STATUSES, Application, ApplicationEvent
from eschool.auth import services as auth
from eschool.auth.permissions import has_permission
from eschool.db import db, utcnow
from eschool.jobs import enqueue
from eschool.journal.services import local_today
from eschool.people import services as people
from eschool.plugins.services import scope_for_school
from eschool.school import card
from eschool.school.services import SchoolError
from eschool.structure.models import Municipality, School

MANAGE = "applications.manage"
#: Where a status may go next.
NEXT = {"received": ("documents_needed", "accepted", "refused"), "documents_needed": ("received", "accepted", "refused"),
        "accepted": ("refused", "enrolled"), "refused": ("received",), "enrolled": ()}
MAIL_RETRIES = (60, 300, 1800)  # seconds before the 2nd, 3rd and 4th try of a letter


class ApplicationsForbidden(Exception):
    """Not this user's to do here (403)."""


FOLLOW_SALT = "application-follow"
FOLLOW_SECONDS = 2 * 366 * 24 * 3600  # a campaign and the next


def follow_token(application: Application) -> str:
    """The applicant's private link token: signed with the portal's key, carrying the application's id and
    its nonce (``follow_hash``), so every letter can carry the link and nothing secret is stored."""
    return auth.dump_signed({"a": application.id, "n": application.follow_hash}, FOLLOW_SALT)


def follow_link(application: Application) -> str:
    """The follow link as the applicant opens it (built in a request: the worker has no host name)."""
    if not has_request_context():
        return ""
    return url_for("applications.follow", token=follow_token(application), _external=True)


def child_key(last: str, first: str, birth: dt.date) -> str:
    norm = lambda s: " ".join(s.lower().replace("ё", "е").split())  # noqa: E731
    return f"{norm(last)}|{norm(first)}|{birth.isoformat()}"


def in_catchment(school: School, street: str, house: str) -> bool:
    """Whether the address is one of the school's catchment houses (a house number that cannot be read
    is not in it)."""
    try:
        lines = card.schools_for_address(Municipality.get_by_id(school.municipality_id), street, house)
    except SchoolError:
        return False
    return any(line.school_id == school.id for line in lines)


def submit(school: School, data: dict) -> tuple[Application, str]:
    """A new application from the public form (``data`` loaded by ``ApplicationInSchema``). Returns it and
    the private token of its follow link (only its hash is stored)."""
    if not data.get("consent"):
        raise SchoolError("consent", _l("Without the consent to process personal data the application cannot be taken."))
    today = local_today()
    campaign = today.year if today.month < 9 else today.year + 1
    if data["kind"] == "first_grade":
        age = (dt.date(campaign, 9, 1) - data["child_birth_date"]).days / 365.25
        if not 6 <= age < 8.5:
            raise SchoolError("child_birth_date", _l("For the 1st grade a child is 6 years 6 months to 8 years old "
                                                     "on 1 September (younger or older: ask the school)."))
    catchment = in_catchment(school, data["street"], data["house"])
    group = {"priority": 1, "sibling": 2}.get(data["claimed_priority"], 3 if catchment else 4)
    key = child_key(data["child_last_name"], data["child_first_name"], data["child_birth_date"])
    try:
        with db.atomic():
            application = Application.create(
                school=school, campaign=campaign, child_key=key, in_catchment=catchment, priority_group=group,
                follow_hash=secrets.token_hex(16), status="received", submitted_at=utcnow(),
                grade=1 if data["kind"] == "first_grade" else data.get("grade") or 1,
                **{k: data.get(k, "") for k in (
                    "kind", "child_last_name", "child_first_name", "child_middle_name", "child_birth_date",
                    "child_gender", "child_document", "applicant_name", "applicant_email", "applicant_phone",
                    "relation", "street", "house", "flat", "claimed_priority", "priority_documents")}, consent=True)
            event = ApplicationEvent.create(application=application, status="received")
    except IntegrityError:
        raise SchoolError("child_last_name", _l("This child already has an application to this school in this "
                                                "campaign."), conflict=True) from None
    _queue_letter(event.id, follow_link(application))
    return application, follow_token(application)


def by_token(token: str) -> Application | None:
    try:
        data = auth.load_signed(token or "", FOLLOW_SALT, FOLLOW_SECONDS)
    except (auth.LinkExpired, auth.LinkInvalid):
        return None
    if not isinstance(data, dict):
        return None
    application = Application.get_or_none(Application.id == data.get("a"))
    return application if application is not None and application.follow_hash == data.get("n") else None


def position(application: Application) -> int | None:
    """The application's place in its school's queue (among those still waiting), or None once decided."""
    if application.status not in ("received", "documents_needed"):
        return None
    ahead = Application.select().where(
        (Application.school == application.school_id) & (Application.kind == application.kind)
        & (Application.campaign == application.campaign) & Application.status.in_(("received", "documents_needed"))
        & ((Application.priority_group < application.priority_group)
           | ((Application.priority_group == application.priority_group)
              & ((Application.submitted_at < application.submitted_at)
                 | ((Application.submitted_at == application.submitted_at) & (Application.id < application.id))))))
    return ahead.count() + 1


def _check(user, school: School) -> None:
    if not has_permission(user, MANAGE, scope_for_school(school)):
        raise ApplicationsForbidden()


def queue(user, school: School, status: str | None = None, kind: str | None = None) -> list[Application]:
    """The school's applications in the order of admission (one query)."""
    _check(user, school)
    query = Application.select().where(Application.school == school)
    if status in STATUSES:
        query = query.where(Application.status == status)
    if kind:
        query = query.where(Application.kind == kind)
    return list(query.order_by(Application.campaign.desc(), Application.kind, Application.priority_group,
                               Application.submitted_at, Application.id))


def application_of(school: School, application_id: int) -> Application:
    application = Application.get_or_none((Application.id == application_id) & (Application.school == school))
    if application is None:
        raise SchoolError("application_id", _l("No such application in this school."))
    return application


def set_status(user, school: School, application: Application, status: str, reason: str = "") -> Application:
    """Move the application on; refusing needs a reason; the applicant is told by letter."""
    _check(user, school)
    if status == "enrolled":
        raise SchoolError("status", _l("Enrol the child with the enrolment form: it makes the student's card."))
    if status not in NEXT.get(application.status, ()):
        raise SchoolError("status", _l("From “%(old)s” an application cannot go to “%(new)s”.",
                                       old=status_label(application.status), new=status_label(status)), conflict=True)
    if status in ("refused", "documents_needed") and not reason.strip():
        raise SchoolError("reason", _l("Say why (the applicant reads it)."))
    with db.atomic():
        changed = Application.update(status=status, reason=reason.strip()[:2000]).where(
            (Application.id == application.id) & (Application.status == application.status)).execute()
        if not changed:
            raise SchoolError("status", _l("Changed in the meantime: open it again."), conflict=True)
        event = ApplicationEvent.create(application=application, status=status, note=reason.strip()[:2000],
                                        actor=user.id)
    application.status, application.reason = status, reason.strip()
    _queue_letter(event.id, follow_link(application))
    return application


def enrol(user, school: School, application: Application, class_id: int, order_number: str,
          date: dt.date | None = None) -> tuple:
    """The accepted child becomes a student of the class and the applicant a parent with a login, in one
    transaction. Returns ``(student, parent user, password)``."""
    _check(user, school)
    with db.atomic():
        student, parent, password, event_id = _enrol_one(user, school, application, class_id, order_number,
                                                         date or local_today())
    tell([event_id], [application])
    return student, parent, password


def first_grade_admissions(school: School, campaign: int) -> list[Application]:
    """The accepted applications to the 1st grade of a campaign (the calendar year the children start in),
    in the queue's order: the ones the year closing enrols into the new 1st grades (one query)."""
    return list(Application.select().where(
        (Application.school == school) & (Application.kind == "first_grade") & (Application.campaign == campaign)
        & (Application.status == "accepted")).order_by(Application.priority_group, Application.submitted_at,
                                                      Application.id))


def admit(user, school: School, placements: list[tuple[Application, int]], order_number: str,
          date: dt.date) -> list[tuple]:
    """Enrol each accepted application into its class (the year closing's new 1st grades) inside the
    caller's transaction: a failure of one undoes them all. Returns ``(application, student, parent,
    password, event id)`` each; the caller tells the applicants with :func:`tell` after its commit."""
    _check(user, school)
    done = []
    with db.atomic():
        for application, class_id in placements:
            student, parent, password, event_id = _enrol_one(user, school, application, class_id, order_number, date)
            done.append((application, student, parent, password, event_id))
    return done


def _enrol_one(user, school: School, application: Application, class_id: int, order_number: str,
               date: dt.date) -> tuple:
    if application.status != "accepted":
        raise SchoolError("status", _l("Only an accepted application is enrolled."), conflict=True)
    roles = current_app.extensions["eschool"].roles
    with db.atomic():
        student = people.enrol(school, {
            "last_name": application.child_last_name, "first_name": application.child_first_name,
            "middle_name": application.child_middle_name, "birth_date": application.child_birth_date,
            "gender": application.child_gender, "document_kind": "birth_certificate",
            "document_number": application.child_document, "snils": "",
            "address": ", ".join(p for p in (application.street, application.house, application.flat) if p),
            "class_id": class_id, "date": date, "order_number": order_number}, actor=user.id)
        parent, password = people.issue_parent_login(student, {
            "full_name": application.applicant_name, "relation": application.relation if application.relation in (
                "mother", "father", "guardian", "other") else "other", "email": None}, roles, actor=user.id)
        changed = Application.update(status="enrolled", student=student.id).where(
            (Application.id == application.id) & (Application.status == "accepted")).execute()
        if not changed:
            raise SchoolError("status", _l("Changed in the meantime: open it again."), conflict=True)
        event = ApplicationEvent.create(application=application, status="enrolled", actor=user.id,
                                        note=order_number[:2000])
    application.status, application.student = "enrolled", student
    return student, parent, password, event.id


def tell(event_ids: list[int], applications: list[Application]) -> None:
    """Queue the applicants' letters of these steps (after the commit that made them)."""
    for event_id, application in zip(event_ids, applications, strict=True):
        _queue_letter(event_id, follow_link(application))


# --------------------------------------------------------------------------- letters


STATUS_LABELS = {"received": _l("received"), "documents_needed": _l("documents needed"), "accepted": _l("accepted"),
                 "refused": _l("refused"), "enrolled": _l("enrolled")}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def _queue_letter(event_id: int, link: str) -> None:
    """The letter goes from the worker, with the follow link."""
    enqueue(send_letter, event_id, link or "", 0)


def send_letter(event_id: int, link: str, attempt: int) -> None:
    """Tell the applicant (in the region's language) what happened; retried, and the failure kept on the
    event for the school to see."""
    from eschool.mail import MailError, send_text

    event = ApplicationEvent.get_or_none(ApplicationEvent.id == event_id)
    if event is None or event.mailed_at is not None:
        return
    application = event.application
    locale = current_app.extensions["eschool"].region.locale
    with force_locale(locale):
        subject = _("Application %(number)s: %(status)s", number=application.id, status=status_label(event.status))
        lines = [_("Hello, %(name)s.", name=application.applicant_name), "",
                 _("The application of %(child)s to %(school)s is now: %(status)s.", child=application.child_name,
                   school=application.school.short_name, status=status_label(event.status))]
        if event.note:
            lines += ["", event.note]
        if link:
            lines += ["", _("Follow it here (keep this link private): %(link)s", link=link)]
    try:
        send_text(application.applicant_email, subject, "\n".join(lines))
    except MailError as exc:
        ApplicationEvent.update(mail_error=str(exc)[:300]).where(ApplicationEvent.id == event_id).execute()
        if attempt < len(MAIL_RETRIES):
            enqueue(send_letter, event_id, link, attempt + 1, delay=MAIL_RETRIES[attempt])
        return
    ApplicationEvent.update(mailed_at=utcnow(), mail_error="").where(ApplicationEvent.id == event_id).execute()


__all__ = ["PRIORITIES", "STATUSES", "submit", "queue", "set_status", "enrol", "position", "by_token",
           "first_grade_admissions", "admit", "tell"]
