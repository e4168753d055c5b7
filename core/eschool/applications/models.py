"""Applications and their history."""
from __future__ import annotations

import peewee

from eschool.auth.models import User
from eschool.db import BaseModel, utcnow
from eschool.people.models import Student
from eschool.structure.models import School

KINDS = ("first_grade", "transfer")
#: The federal order of admission: priority rights, then siblings at the school (preferential), then
#: residents of the catchment area, then everyone else; within a group, by the time of submission.
PRIORITIES = ("priority", "sibling", "catchment", "general")
STATUSES = ("received", "documents_needed", "accepted", "refused", "enrolled")


class Application(BaseModel):
    school = peewee.ForeignKeyField(School, on_delete="CASCADE")
    kind = peewee.CharField(max_length=16)
    grade = peewee.SmallIntegerField(default=1)
    campaign = peewee.SmallIntegerField()  # the calendar year the child would start in
    child_last_name = peewee.CharField(max_length=100)
    child_first_name = peewee.CharField(max_length=100)
    child_middle_name = peewee.CharField(max_length=100, default="")
    child_birth_date = peewee.DateField()
    child_gender = peewee.CharField(max_length=1)
    child_document = peewee.CharField(max_length=40, default="")
    child_key = peewee.CharField(max_length=250)  # normalised name and birth date: one application per child
    applicant_name = peewee.CharField(max_length=300)
    applicant_email = peewee.CharField(max_length=254)
    applicant_phone = peewee.CharField(max_length=32, default="")
    relation = peewee.CharField(max_length=16, default="mother")
    street = peewee.CharField(max_length=200)
    house = peewee.CharField(max_length=40)
    flat = peewee.CharField(max_length=20, default="")
    in_catchment = peewee.BooleanField(default=False)
    claimed_priority = peewee.CharField(max_length=16, default="general")  # priority | sibling | general
    priority_documents = peewee.TextField(default="")
    priority_group = peewee.SmallIntegerField(default=4)  # 1..4, PRIORITIES' order
    consent = peewee.BooleanField(default=False)  # 152-FZ consent to process personal data
    status = peewee.CharField(max_length=20, default="received")
    reason = peewee.TextField(default="")
    submitted_at = peewee.DateTimeField(default=utcnow)  # the server's time: the queue's order
    follow_hash = peewee.CharField(max_length=64, unique=True)
    student = peewee.ForeignKeyField(Student, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "application"
        indexes = ((("school", "kind", "campaign", "child_key"), True), (("school", "status"), False))

    @property
    def child_name(self) -> str:
        return " ".join(p for p in (self.child_last_name, self.child_first_name, self.child_middle_name) if p)


class ApplicationEvent(BaseModel):
    """A step of an application (submitted, a status change) with the letter that told the applicant."""

    application = peewee.ForeignKeyField(Application, backref="events", on_delete="CASCADE")
    status = peewee.CharField(max_length=20)
    note = peewee.TextField(default="")
    actor = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    at = peewee.DateTimeField(default=utcnow)
    mailed_at = peewee.DateTimeField(null=True)
    mail_error = peewee.CharField(max_length=300, default="")

    class Meta:
        table_name = "application_event"
