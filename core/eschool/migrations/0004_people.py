"""People: students, guardians, class membership, the movement book, consents, the audit log."""
import datetime

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class School(Base):  # tables of earlier migrations, referenced only
        class Meta:
            table_name = "school"

    class User(Base):
        class Meta:
            table_name = "user_account"

    class ClassGroup(Base):
        class Meta:
            table_name = "class_group"

    class Student(Base):
        school = ForeignKeyField(School, backref="students", on_delete="RESTRICT")
        last_name = CharField(max_length=100)
        first_name = CharField(max_length=100)
        middle_name = CharField(max_length=100, default="")
        birth_date = DateField()
        gender = CharField(max_length=1)  # m | f
        document_kind = CharField(max_length=32, default="birth_certificate")  # or passport
        document_number = CharField(max_length=40, default="")
        snils = CharField(max_length=14, default="")
        address = CharField(max_length=300, default="")
        user = ForeignKeyField(User, null=True, unique=True, on_delete="SET NULL")  # the student's own login
        status = CharField(max_length=16, default="studying")  # studying | left
        created_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "student"



    class Guardian(Base):
        student = ForeignKeyField(Student, backref="guardians", on_delete="CASCADE")
        user = ForeignKeyField(User, backref="children", on_delete="CASCADE")
        relation = CharField(max_length=16, default="mother")  # mother | father | guardian | other
        legal_representative = BooleanField(default=True)

        class Meta:
            table_name = "guardian"
            indexes = ((("student", "user"), True),)


    class ClassMembership(Base):
        student = ForeignKeyField(Student, backref="memberships", on_delete="CASCADE")
        class_group = ForeignKeyField(ClassGroup, backref="memberships", on_delete="CASCADE")
        starts_on = DateField()
        ends_on = DateField(null=True)

        class Meta:
            table_name = "class_membership"


    class Movement(Base):
        school = ForeignKeyField(School, on_delete="RESTRICT")
        student = ForeignKeyField(Student, backref="movements", on_delete="CASCADE")
        kind = CharField(max_length=16)  # enrolment | transfer | leaving
        date = DateField()
        order_number = CharField(max_length=40)
        from_class = ForeignKeyField(ClassGroup, null=True, on_delete="SET NULL")
        to_class = ForeignKeyField(ClassGroup, null=True, on_delete="SET NULL")
        other_school = CharField(max_length=300, default="")  # where from / where to
        reason = CharField(max_length=300, default="")
        recorded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        recorded_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "movement"


    class Consent(Base):
        student = ForeignKeyField(Student, backref="consents", on_delete="CASCADE")
        given_by = CharField(max_length=300)
        given_on = DateField()
        taken_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        withdrawn_on = DateField(null=True)

        class Meta:
            table_name = "consent"


    class AuditEntry(Base):
        school = ForeignKeyField(School, null=True, on_delete="SET NULL")
        actor = ForeignKeyField(User, null=True, on_delete="SET NULL")
        at = DateTimeField(default=datetime.datetime.utcnow, index=True)
        record = CharField(max_length=32)  # student, guardian, ...
        record_id = IntegerField()
        field = CharField(max_length=64)
        old_value = TextField(null=True)
        new_value = TextField(null=True)

        class Meta:
            table_name = "audit_entry"
            indexes = ((("record", "record_id"), False),)

    return [Student, Guardian, ClassMembership, Movement, Consent, AuditEntry]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
