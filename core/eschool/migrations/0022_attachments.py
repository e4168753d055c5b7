"""Attachments (issue #12): files a plugin stores outside the web root, served through a permission check."""
import datetime as dt

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):  # a table of an earlier migration, referenced only
        class Meta:
            table_name = "user_account"

    class Attachment(Base):
        owner = CharField(max_length=64)
        record_id = IntegerField(null=True)
        school_id = IntegerField(null=True)
        stored_name = CharField(max_length=64, unique=True)
        original_name = CharField(max_length=255)
        content_type = CharField(max_length=100)
        size = IntegerField()
        uploaded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        uploaded_at = DateTimeField(default=dt.datetime.utcnow)

        class Meta:
            table_name = "attachment"
            indexes = ((("owner", "record_id"), False),)

    return [Attachment]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(_models(db))
