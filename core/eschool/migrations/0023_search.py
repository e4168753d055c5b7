"""Full-text search (issue #12): the searchable entries, and their index: an FTS5 table on SQLite, a
tsvector with a GIN index on PostgreSQL (text search configuration 'russian': Russian words match
their forms)."""
import datetime as dt

from peewee import CharField, DateTimeField, IntegerField, Model, PostgresqlDatabase, TextField


def _models(db):
    class SearchEntry(Model):
        owner = CharField(max_length=64)
        record_id = IntegerField()
        school_id = IntegerField(null=True)
        municipality_id = IntegerField(null=True)
        title = CharField(max_length=500)
        body = TextField(default="")
        updated_at = DateTimeField(default=dt.datetime.utcnow)

        class Meta:
            database = db
            table_name = "search_entry"
            indexes = ((("owner", "record_id"), True), (("owner", "school_id"), False))

    return [SearchEntry]


def up(migrator, db):
    db.create_tables(_models(db))
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("CREATE TABLE search_document (entry_id integer PRIMARY KEY REFERENCES search_entry (id) "
                       "ON DELETE CASCADE, document tsvector NOT NULL)")
        db.execute_sql("CREATE INDEX search_document_gin ON search_document USING gin (document)")
    else:
        db.execute_sql("CREATE VIRTUAL TABLE search_fts USING fts5(title, body, "
                       "tokenize = 'unicode61 remove_diacritics 2')")


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("DROP TABLE IF EXISTS search_document")
    else:
        db.execute_sql("DROP TABLE IF EXISTS search_fts")
    db.drop_tables(_models(db))
