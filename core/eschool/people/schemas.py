"""Input and output of student cards, the movement book, guardians, consents and the audit log."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from eschool.fields import UtcDateTime

CARD_FIELDS = ("last_name", "first_name", "middle_name", "birth_date", "gender", "document_kind",
               "document_number", "snils", "address")


class CardInSchema(Schema):
    """The personal data on a student's card."""

    last_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    first_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    middle_name = fields.String(load_default="", validate=validate.Length(max=100))
    birth_date = fields.Date(required=True)
    gender = fields.String(required=True, validate=validate.OneOf(["m", "f"]))
    document_kind = fields.String(load_default="birth_certificate",
                                  validate=validate.OneOf(["birth_certificate", "passport"]))
    document_number = fields.String(load_default="", validate=validate.Length(max=40))
    snils = fields.String(load_default="", validate=validate.Regexp(
        r"^(\d{3}-\d{3}-\d{3} \d{2})?$", error=_l("Write the SNILS as 123-456-789 01.")))
    address = fields.String(load_default="", validate=validate.Length(max=300))


class EnrolInSchema(CardInSchema):
    class_id = fields.Integer(required=True)
    date = fields.Date(required=True)
    order_number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    other_school = fields.String(load_default="", validate=validate.Length(max=300),
                                 metadata={"description": "where the student comes from, if from another school"})


class TransferInSchema(Schema):
    class_id = fields.Integer(required=True)
    date = fields.Date(required=True)
    order_number = fields.String(required=True, validate=validate.Length(min=1, max=40))


class LeaveInSchema(Schema):
    date = fields.Date(required=True)
    order_number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    reason = fields.String(required=True, validate=validate.Length(min=2, max=300))
    other_school = fields.String(load_default="", validate=validate.Length(max=300))


class GuardianInSchema(Schema):
    user_id = fields.Integer(required=True)
    relation = fields.String(load_default="mother", validate=validate.OneOf(["mother", "father", "guardian", "other"]))
    legal_representative = fields.Boolean(load_default=True)


class ConsentInSchema(Schema):
    given_by = fields.String(required=True, validate=validate.Length(min=3, max=300))
    given_on = fields.Date(required=True)


class GuardianSchema(Schema):
    user_id = fields.Integer()
    name = fields.Function(lambda g: g.user.full_name)
    relation = fields.String()
    legal_representative = fields.Boolean()


class ConsentSchema(Schema):
    given_by = fields.String()
    given_on = fields.Date()
    taken_by = fields.Function(lambda c: c.taken_by.full_name if c.taken_by_id else None)
    withdrawn_on = fields.Date(allow_none=True)


class StudentBriefSchema(Schema):
    id = fields.Integer()
    full_name = fields.String()
    status = fields.String()


class CardSchema(CardInSchema):
    id = fields.Integer()
    full_name = fields.String()
    birth_date = fields.Date(allow_none=True, metadata={"description": "null: to complete (see `to_complete`)"})
    gender = fields.String(metadata={"description": "`m`, `f`, or empty: to complete"})
    to_complete = fields.List(fields.String(), metadata={
        "description": "the card's fields still to fill (`birth_date`, `gender`): a student imported from a file "
                       "without them"})
    status = fields.String()
    class_name = fields.String(allow_none=True)
    guardians = fields.List(fields.Nested(GuardianSchema))
    consents = fields.List(fields.Nested(ConsentSchema))


class MovementSchema(Schema):
    id = fields.Integer()
    student_id = fields.Integer()
    student = fields.Function(lambda m: m.student.full_name)
    kind = fields.String()
    date = fields.Date()
    order_number = fields.String()
    from_class = fields.Function(lambda m: m.from_class.name if m.from_class_id else None)
    to_class = fields.Function(lambda m: m.to_class.name if m.to_class_id else None)
    other_school = fields.String()
    reason = fields.String()


class AuditSchema(Schema):
    at = UtcDateTime()
    actor = fields.Function(lambda a: a.actor.full_name if a.actor_id else None)
    record = fields.String()
    record_id = fields.Integer()
    field = fields.String()
    old_value = fields.String(allow_none=True)
    new_value = fields.String(allow_none=True)


class ParentLoginInSchema(Schema):
    full_name = fields.String(required=True, validate=validate.Length(min=3, max=300))
    relation = fields.String(load_default="mother", validate=validate.OneOf(["mother", "father", "guardian", "other"]))
    email = fields.Email(load_default=None, allow_none=True)


class StaffInSchema(Schema):
    full_name = fields.String(required=True, validate=validate.Length(min=3, max=300))
    role = fields.String(required=True)
    email = fields.Email(load_default=None, allow_none=True)


STAFF_FILE_FIELDS = ("position", "birth_date", "phone", "address", "education", "hired_on", "order_number")


class StaffFileInSchema(Schema):
    position = fields.String(required=True, validate=validate.Length(min=2, max=150))
    birth_date = fields.Date(load_default=None, allow_none=True)
    phone = fields.String(load_default="", validate=validate.Length(max=32))
    address = fields.String(load_default="", validate=validate.Length(max=300))
    education = fields.String(load_default="", validate=validate.Length(max=300))
    hired_on = fields.Date(load_default=None, allow_none=True)
    order_number = fields.String(load_default="", validate=validate.Length(max=40))


class StaffMemberSchema(Schema):
    """One person of the school's staff: their roles there and their position (from the personal file)."""

    user_id = fields.Integer()
    full_name = fields.String()
    username = fields.String()
    email = fields.String(allow_none=True)
    is_active = fields.Boolean()
    roles = fields.List(fields.String(), metadata={"description": "role codes at this school"})
    position = fields.String(metadata={"description": "from the personal file; '' if none"})


class StaffFileSchema(StaffFileInSchema):
    user_id = fields.Integer()


class IssuedLoginSchema(Schema):
    """A staff login just issued: the password is shown this once and never stored."""

    user_id = fields.Integer()
    full_name = fields.String()
    username = fields.String()
    role = fields.String()
    password = fields.String(metadata={"description": "handed out; changed at the first login"})


class ClassLoginsInSchema(Schema):
    who = fields.String(load_default="all", validate=validate.OneOf(["all", "students", "parents"]), metadata={
        "description": "`students`, `parents` or `all` (both)"})


class ClassLoginSchema(Schema):
    """A login of a class issued in bulk: the password is shown this once and never stored."""

    kind = fields.String(metadata={"description": "`student` or `parent`"})
    user_id = fields.Function(lambda i: i["user"].id)
    full_name = fields.Function(lambda i: i["user"].full_name)
    username = fields.Function(lambda i: i["user"].username)
    password = fields.String(metadata={"description": "handed out; changed at the first login"})
    children = fields.List(fields.String(), metadata={"description": "a parent's children in the class"})


class ClassLoginsSchema(Schema):
    items = fields.List(fields.Nested(ClassLoginSchema))
