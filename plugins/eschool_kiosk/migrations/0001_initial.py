"""The kiosk's sections and pages."""
import datetime

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    SmallIntegerField,
    TextField,
)


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

    class KioskSection(Base):
        school = ForeignKeyField(School, on_delete="CASCADE")
        position = SmallIntegerField()
        kind = CharField(max_length=16)
        title = CharField(max_length=60, default="")
        editor_roles = CharField(max_length=400, default="")
        updated_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "kiosk_section"
            indexes = ((("school", "position"), True),)

    class KioskPage(Base):
        section = ForeignKeyField(KioskSection, on_delete="CASCADE")
        title = CharField(max_length=120)
        body = TextField(default="")
        position = IntegerField(default=0)
        published = BooleanField(default=True)
        slideshow = BooleanField(default=False)
        updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        updated_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "kiosk_page"
            indexes = ((("section", "position"), False),)

    return [KioskSection, KioskPage]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(list(reversed(_models(db))))
