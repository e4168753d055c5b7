"""The news table."""
import datetime

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Municipality(Base):
        class Meta:
            table_name = "municipality"

    class School(Base):
        class Meta:
            table_name = "school"

    class ClassGroup(Base):
        class Meta:
            table_name = "class_group"

    class User(Base):
        class Meta:
            table_name = "user_account"

    class NewsItem(Base):
        level = CharField(max_length=16)
        municipality = ForeignKeyField(Municipality, null=True, on_delete="CASCADE")
        school = ForeignKeyField(School, null=True, on_delete="CASCADE")
        class_group = ForeignKeyField(ClassGroup, null=True, on_delete="CASCADE")
        title = CharField(max_length=200)
        body = TextField()
        picture_id = IntegerField(null=True)
        status = CharField(max_length=16, default="draft")
        published_at = DateTimeField(null=True)
        author = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        updated_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "news_item"
            indexes = ((("status", "level", "published_at"), False),)

    return [NewsItem]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(_models(db))
