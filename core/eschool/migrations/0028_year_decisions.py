"""Year closing (issue 17): each student's decision at the end of a year (promoted, promoted with an
academic debt, repeat, graduated, left), kept with the closed year."""
import datetime as dt

from peewee import CharField, DateTimeField, ForeignKeyField, Model, TextField


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class AcademicYear(Base):  # tables of earlier migrations, referenced only
        class Meta:
            table_name = "academic_year"

    class Student(Base):
        class Meta:
            table_name = "student"

    class ClassGroup(Base):
        class Meta:
            table_name = "class_group"

    class User(Base):
        class Meta:
            table_name = "user_account"

    class YearDecision(Base):
        academic_year = ForeignKeyField(AcademicYear, on_delete="CASCADE")
        student = ForeignKeyField(Student, on_delete="CASCADE")
        class_group = ForeignKeyField(ClassGroup, on_delete="CASCADE")
        decision = CharField(max_length=16)
        debts = TextField(default="")
        decided_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        decided_at = DateTimeField(default=dt.datetime.utcnow)

        class Meta:
            table_name = "year_decision"
            indexes = ((("academic_year", "student"), True),)

    return [YearDecision]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(_models(db))
