"""Subgroup members: which students of a class are in which of its subgroups (none: the whole class)."""
from peewee import ForeignKeyField, Model


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Student(Base):  # tables of earlier migrations, referenced only
        class Meta:
            table_name = "student"

    class Subgroup(Base):
        class Meta:
            table_name = "subgroup"

    class SubgroupMembership(Base):
        student = ForeignKeyField(Student, backref="subgroups", on_delete="CASCADE")
        subgroup = ForeignKeyField(Subgroup, backref="members", on_delete="CASCADE")

        class Meta:
            table_name = "subgroup_membership"
            indexes = ((("subgroup", "student"), True), (("student",), False))

    return [SubgroupMembership]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(_models(db))
