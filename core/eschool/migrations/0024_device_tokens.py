"""Device tokens (issue #12): an unattended screen signed in for one school and one plugin's display."""
import datetime as dt

from peewee import CharField, DateTimeField, ForeignKeyField, Model


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

    class DeviceToken(Base):
        school = ForeignKeyField(School, on_delete="CASCADE")
        purpose = CharField(max_length=64)
        name = CharField(max_length=100)
        token_hash = CharField(max_length=64, unique=True)
        link_hash = CharField(max_length=64, null=True, unique=True)
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField(default=dt.datetime.utcnow)
        last_used_at = DateTimeField(null=True)
        revoked_at = DateTimeField(null=True)

        class Meta:
            table_name = "device_token"

    return [DeviceToken]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(_models(db))
