"""The diary shows the timetable's lessons that are not in the journal yet (issue 18), so what it keeps in its
cache must change with the timetable: the class's journal stamp now moves on every change of its timetable
entries and their substitutions, and of the study periods and bell times of its year and school
(``journal/stamps.py``). Only triggers: no table changes."""
from eschool.journal import stamps

TABLES = {"timetable_entry", "substitution", "period", "lesson_time"}


def up(migrator, db):
    for statement in stamps.trigger_sql(not isinstance(db, __import__("peewee").SqliteDatabase), TABLES):
        db.execute_sql(statement)


def down(migrator, db):
    for statement in stamps.drop_sql(not isinstance(db, __import__("peewee").SqliteDatabase), TABLES):
        db.execute_sql(statement)
