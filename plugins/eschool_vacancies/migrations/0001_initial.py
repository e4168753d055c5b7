"""The vacancies table."""
import datetime

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    # Core tables, referenced only (the core's migrations own them).
    class School(Base):
        class Meta:
            table_name = "school"

    class User(Base):
        class Meta:
            table_name = "user_account"

    class Vacancy(Base):
        school = ForeignKeyField(School, on_delete="CASCADE")
        title = CharField(max_length=200)
        subject = CharField(max_length=100, default="")
        employment = CharField(max_length=16, default="full_time")
        weekly_hours = IntegerField(null=True)
        salary_from = IntegerField(null=True)
        salary_to = IntegerField(null=True)
        description = TextField()
        requirements = TextField(default="")
        contact_name = CharField(max_length=200, default="")
        contact_phone = CharField(max_length=32, default="")
        contact_email = CharField(max_length=254, default="")
        #: Lower-cased title, subject and school name: case-blind search on SQLite too (its LOWER() is ASCII-only).
        search_text = TextField(default="")
        status = CharField(max_length=16, default="draft", index=True)
        published_at = DateTimeField(null=True, index=True)
        closed_at = DateTimeField(null=True)
        close_reason = CharField(max_length=16, default="")
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        updated_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "vacancies_vacancy"

    return [Vacancy]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(_models(db))
