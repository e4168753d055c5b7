"""Student stamps (issue 20): a mark or an absence is the student's own, so it moves a stamp of the student
(``journal_student_stamp``, by triggers on ``mark`` and ``attendance``) instead of the class's. A mark now
makes one diary week be built again, not the whole class's, and concurrent mark saves of a class no longer
wait on the class's stamp row. Everything the class shares keeps moving the class's stamp
(``journal/stamps.py``). Every student starts at 0; the class stamps are moved once, so nothing kept under
the old keys can be confused with the new ones."""
import peewee

from eschool.journal import stamps


def up(migrator, db):
    postgres = not isinstance(db, peewee.SqliteDatabase)
    for statement in stamps.drop_sql(postgres, None, stamps.CLASS_OF_BEFORE_0041):
        db.execute_sql(statement)
    stamps.install_student_stamps(db)
    db.execute_sql(stamps._bump("SELECT id AS class_group_id FROM class_group"))


def down(migrator, db):
    stamps.uninstall_student_stamps(db)
    for statement in stamps.trigger_sql(not isinstance(db, peewee.SqliteDatabase), None,
                                        stamps.CLASS_OF_BEFORE_0041):
        db.execute_sql(statement)
    db.execute_sql(stamps._bump("SELECT id AS class_group_id FROM class_group"))
