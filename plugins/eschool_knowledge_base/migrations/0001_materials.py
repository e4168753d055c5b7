"""Materials of the knowledge base and their assignment to lessons."""
import datetime

import peewee
from peewee import Model


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    # Core tables (and this plugin's earlier ones), referenced only.
    class School(Base):
        class Meta:
            table_name = "school"

    class User(Base):
        class Meta:
            table_name = "user_account"

    class Lesson(Base):
        class Meta:
            table_name = "lesson"

    class ClassGroup(Base):
        class Meta:
            table_name = "class_group"

    class Material(Base):
        school = peewee.ForeignKeyField(School, on_delete="CASCADE")
        municipality_id = peewee.IntegerField(index=True)
        author = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
        subject = peewee.CharField(max_length=150)
        grade = peewee.SmallIntegerField(null=True)
        topic = peewee.CharField(max_length=300, default="")
        title = peewee.CharField(max_length=200)
        body = peewee.TextField(default="")
        status = peewee.CharField(max_length=16, default="draft", index=True)  # draft, published
        level = peewee.CharField(max_length=16, default="school")
        approved_level = peewee.CharField(max_length=16, default="school", index=True)
        review_note = peewee.CharField(max_length=500, default="")
        reviewed_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
        reviewed_at = peewee.DateTimeField(null=True)
        published_at = peewee.DateTimeField(null=True)
        created_at = peewee.DateTimeField(default=datetime.datetime.utcnow)
        updated_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "knowledge_base_material"

    class MaterialAssignment(Base):
        material = peewee.ForeignKeyField(Material, on_delete="CASCADE")
        lesson = peewee.ForeignKeyField(Lesson, on_delete="CASCADE")
        class_group = peewee.ForeignKeyField(ClassGroup, on_delete="CASCADE")
        assigned_by = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "knowledge_base_material_assignment"
            indexes = ((("material", "lesson"), True), (("class_group", "created_at"), False))

    return [Material, MaterialAssignment]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(_models(db))
