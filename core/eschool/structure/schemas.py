"""The region's schools and their administrators over the API (and the checks the pages and the import share)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from eschool.fields import UtcDateTime
from eschool.school.schemas import SchoolCardSchema


class AdministratorInSchema(Schema):
    full_name = fields.String(required=True, validate=validate.Length(min=3, max=300),
                              metadata={"description": "Фамилия Имя Отчество; the login is made from it"})
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))


class SchoolInSchema(SchoolCardSchema):
    """A new school: the card's fields (the short name defaults to the name), its municipality's code, and
    maybe its first administrator."""

    short_name = fields.String(load_default="", validate=validate.Length(max=200),
                               metadata={"description": "unique in the municipality; default: the name"})
    municipality = fields.String(load_default=None, metadata={"description": "the municipality's code (a municipal "
                                                                             "operator may leave it out)"})
    administrator = fields.Nested(AdministratorInSchema, load_default=None, allow_none=True,
                                  metadata={"description": "an account to create with the school_admin role; "
                                                           "its one-time password is answered once"})


class SchoolPatchSchema(SchoolCardSchema):
    """Fields to change (any subset); ``municipality`` moves the school (only for those who manage both)."""

    short_name = fields.String(validate=validate.Length(min=2, max=200))
    municipality = fields.String()


class AdministratorSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    email = fields.String(allow_none=True)
    is_active = fields.Boolean()
    must_change_password = fields.Boolean(metadata={"description": "true until the handed-out password is changed"})
    last_login_at = UtcDateTime(allow_none=True)


class SchoolOutSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    short_name = fields.String()
    municipality = fields.Function(lambda s: s.municipality.code, metadata={"description": "the municipality's code"})
    municipality_id = fields.Integer()
    address = fields.String()
    phone = fields.String()
    email = fields.String()
    inn = fields.String()
    kpp = fields.String()
    ogrn = fields.String()
    okpo = fields.String()
    director_name = fields.String()
    website = fields.String()
    created_at = UtcDateTime()
    administrators = fields.List(fields.Nested(AdministratorSchema), dump_default=[])


class AdministratorLoginSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    password = fields.String(metadata={"description": "shown once; must be changed at the first login"})


class SchoolCreatedSchema(SchoolOutSchema):
    login = fields.Nested(AdministratorLoginSchema, allow_none=True,
                          metadata={"description": "the new administrator's login, when one was asked for"})


class SchoolQuerySchema(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=100),
                      metadata={"description": "words of the name or short name, or the id"})
    municipality = fields.String(load_default=None, metadata={"description": "a municipality's code"})


class SchoolImportQuerySchema(Schema):
    municipality = fields.String(load_default=None, metadata={
        "description": "the municipality's code for rows without a municipality column"})
    dry_run = fields.Boolean(load_default=False, metadata={"description": "check only, write nothing"})


class SchoolImportLineSchema(Schema):
    line = fields.Integer()
    name = fields.String()
    municipality = fields.String()
    administrator = fields.String(allow_none=True)


class SchoolImportResultSchema(Schema):
    dry_run = fields.Boolean()
    schools = fields.List(fields.Nested(SchoolImportLineSchema), metadata={"description": "the rows to create (dry "
                                                                                     "run) or created"})
    skipped = fields.List(fields.Nested(SchoolImportLineSchema), metadata={"description": "schools already there"})
    created = fields.List(fields.Nested(SchoolOutSchema), dump_default=[])
    logins = fields.List(fields.Nested(AdministratorLoginSchema), dump_default=[],
                         metadata={"description": "the new administrators' logins, shown once"})
