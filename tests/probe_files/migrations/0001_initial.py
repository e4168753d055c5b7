"""The probe plugin's one table (tests only)."""
from peewee import CharField, IntegerField, Model


def _models(db):
    class Note(Model):
        school_id = IntegerField(index=True)
        text = CharField(max_length=100)

        class Meta:
            database = db
            table_name = "probe_note"

    return [Note]


def up(migrator, db):
    db.create_tables(_models(db))


def down(migrator, db):
    db.drop_tables(_models(db))
