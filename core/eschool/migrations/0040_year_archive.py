"""The year archive (issue 17): each class's journal of a year as PDF and XLSX, built in the background."""
import datetime as dt

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model, SmallIntegerField


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class School(Base):  # tables of earlier migrations, referenced only
        class Meta:
            table_name = "school"

    class AcademicYear(Base):
        class Meta:
            table_name = "academic_year"

    class ClassGroup(Base):
        class Meta:
            table_name = "class_group"

    class User(Base):
        class Meta:
            table_name = "user_account"

    class ArchiveEntry(Base):
        school = ForeignKeyField(School, on_delete="CASCADE")
        academic_year = ForeignKeyField(AcademicYear, on_delete="CASCADE")
        class_group = ForeignKeyField(ClassGroup, on_delete="CASCADE")
        status = CharField(max_length=16, default="queued")
        job = CharField(max_length=32)
        attempts = SmallIntegerField(default=0)
        error = CharField(max_length=500, default="")
        pdf_name = CharField(max_length=64, null=True)
        pdf_size = IntegerField(default=0)
        xlsx_name = CharField(max_length=64, null=True)
        xlsx_size = IntegerField(default=0)
        requested_at = DateTimeField(default=dt.datetime.utcnow)
        requested_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        started_at = DateTimeField(null=True)
        built_at = DateTimeField(null=True)

        class Meta:
            table_name = "archive_entry"
            indexes = ((("class_group",), True), (("academic_year", "status"), False))

    return [ArchiveEntry]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(_models(db))
