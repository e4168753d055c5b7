"""Absence notices (issue 14): a parent says in advance, from the diary, that their child will be away
(the dates, the reason, a note or a file); the class teacher sees it and the journal shows those days
as an expected, excused absence. The class's journal stamp moves on every change of a notice."""
import datetime as dt

from peewee import CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField

from eschool.journal import stamps


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class School(Base):  # tables of earlier migrations, referenced only
        class Meta:
            table_name = "school"

    class ClassGroup(Base):
        class Meta:
            table_name = "class_group"

    class Student(Base):
        class Meta:
            table_name = "student"

    class User(Base):
        class Meta:
            table_name = "user_account"

    class AbsenceNotice(Base):
        school = ForeignKeyField(School, on_delete="CASCADE")
        class_group = ForeignKeyField(ClassGroup, null=True, on_delete="SET NULL")
        student = ForeignKeyField(Student, on_delete="CASCADE")
        starts_on = DateField()
        ends_on = DateField()
        reason = CharField(max_length=16)
        note = TextField(default="")
        attachment_id = IntegerField(null=True)
        reported_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
        created_at = DateTimeField(default=dt.datetime.utcnow)
        status = CharField(max_length=16, default="reported")
        reviewed_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
        reviewed_at = DateTimeField(null=True)
        review_note = CharField(max_length=300, default="")

        class Meta:
            table_name = "absence_notice"
            indexes = ((("student", "starts_on"), False), (("class_group", "starts_on"), False),
                       (("school", "starts_on"), False))

    return [AbsenceNotice]


def up(migrator, db):
    db.create_tables(_models(db))
    stamps.install(db)  # adds the notice's triggers


def down(migrator, db):
    for statement in stamps.drop_sql(not isinstance(db, __import__("peewee").SqliteDatabase), {"absence_notice"}):
        db.execute_sql(statement)
    db.drop_tables(_models(db))
