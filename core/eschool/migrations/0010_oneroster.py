"""OneRoster import and export: the sourcedId each imported or exported object is known by."""
from peewee import CharField, ForeignKeyField, IntegerField, Model


def _models(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

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
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(_models(db))
