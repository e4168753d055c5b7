"""Cards to complete (issue 19): a student imported from a file without demographics (a OneRoster set
from another system) has no birth date yet. The column may now be empty; the card shows the field as
"to complete" and the school gets the list of such cards. The sex, also missing in such files, is kept
as an empty text (the column already allowed it).

On SQLite the table is rebuilt (peewee's migrator turns foreign keys off for it, so nothing cascades).
"""


def up(migrator, db):
    migrator.migrate(migrator.drop_not_null("student", "birth_date"))


def down(migrator, db):
    """Only where every card has its birth date again (the school finished its list)."""
    migrator.migrate(migrator.add_not_null("student", "birth_date"))
