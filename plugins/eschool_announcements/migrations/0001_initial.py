"""The announcements table."""
import datetime

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    Model,
    SmallIntegerField,
    TextField,
)


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class School(Base):
        class Meta:
            table_name = "school"

    class ClassGroup(Base):
        class Meta:
            table_name = "class_group"

    class User(Base):
        class Meta:
            table_name = "user_account"

    class Announcement(Base):
        school = ForeignKeyField(School, on_delete="CASCADE")
        audience = CharField(max_length=16, default="school")
        grade = SmallIntegerField(null=True)
        class_group = ForeignKeyField(ClassGroup, null=True, on_delete="CASCADE")
        title = CharField(max_length=200)
        body = TextField()
        pinned = BooleanField(default=False)
        starts_on = DateField()
        ends_on = DateField()
        author = ForeignKeyField(User, null=True, on_delete="SET NULL")
        notified_at = DateTimeField(null=True)
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        updated_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "announcements_announcement"
            indexes = ((("school", "ends_on", "starts_on"), False),)

    return [Announcement]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(_models(db))
