"""The sourcedId each imported or exported object is known by.

The table was created by the core's migration 0010 while OneRoster was part of the core; this history
takes it over: it creates the table only where it is missing (a database whose core history never
made it), and leaves the rows of an existing one as they are.
"""
from peewee import CharField, ForeignKeyField, IntegerField, Model


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    # A core table, referenced only (the core's migrations own it).
    class School(Base):
        class Meta:
            table_name = "school"

    class OneRosterLink(Base):
        school = ForeignKeyField(School, on_delete="CASCADE")
        kind = CharField(max_length=16)
        sourced_id = CharField(max_length=255)
        object_id = IntegerField()

        class Meta:
            table_name = "oneroster_link"
            indexes = ((("school", "kind", "sourced_id"), True), (("school", "kind", "object_id"), False))

    return [OneRosterLink]


def up(migrator, db):
    db.create_tables(_models(db), safe=True)


def down(migrator, db):
    """Nothing: the table may predate this history (the core's 0010 made it); its rows are kept."""
