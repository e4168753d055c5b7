"""Journal stamps: counters the database itself moves whenever a class's journal or a student's own records
change.

The diary and the grid are read far more often than they change (at 19:00 every parent opens the
diary; a mark changes one student). A reader may keep what it built and serve it again as long as the
stamps it was built from have not moved: they are part of the cache key, so a changed mark can never be
served from a cache (``eschool.cache``).

Two kinds of stamp (issue 20: a mark used to move its class's stamp, so the weeks of all the class's
students were built again for one mark, and concurrent mark saves of a class waited on the same row):

- ``journal_stamp``, one per class: everything the class shares. Lessons, homework with its files and
  chosen students, final marks, class and subgroup membership, absence notices, and what the diary shows
  of the timetable (its entries, substitutions, study periods and bell times).
- ``journal_student_stamp``, one per student (0041): what is the student's own, their marks and
  attendance (the row's student; on an update that changes the student, the old one's too).

A student's diary week is keyed by their classes' stamps and their own stamp; the grid shows every
student's marks, so it is keyed by the class's stamp and the sum of its members' stamps
(``grid_stamp``), a number that grows on every mark or absence of any member.

Triggers, not the services, move the stamps: every writer is covered (the services, plugins, the CLI, an
integrator's SQL), and the stamp moves in the writer's own transaction, so a reader that sees the new stamp
sees the new data too.

Bulk loaders that bypass the triggers (``eschool_demo.scale`` on PostgreSQL with
``session_replication_role = replica``) call ``bump_all`` when they are done.
"""
from __future__ import annotations

#: table -> the SELECT of the class (as ``class_group_id``) of a changed row, ``{r}`` being NEW or OLD.
CLASS_OF = {
    "lesson": "SELECT {r}.class_group_id AS class_group_id",
    "class_membership": "SELECT {r}.class_group_id AS class_group_id",
    "final_mark": "SELECT {r}.class_group_id AS class_group_id",
    "homework": "SELECT class_group_id FROM lesson WHERE id = {r}.lesson_id",
    "homework_student": ("SELECT l.class_group_id AS class_group_id FROM homework h JOIN lesson l ON l.id = h.lesson_id "
                         "WHERE h.id = {r}.homework_id"),
    "homework_file": ("SELECT l.class_group_id AS class_group_id FROM homework h JOIN lesson l ON l.id = h.lesson_id "
                      "WHERE h.id = {r}.homework_id"),
    "subgroup_membership": "SELECT class_group_id FROM subgroup WHERE id = {r}.subgroup_id",
    # 0026: a parent's notice of an absence in advance (the grid shows those days as expected absences)
    "absence_notice": "SELECT {r}.class_group_id AS class_group_id",
    # 0036: the diary shows the timetable's lessons not in the journal yet (timetable.planned): the weekly
    # timetable, its substitutions, the study periods (the days lessons are given) and the bell times
    "timetable_entry": "SELECT {r}.class_group_id AS class_group_id",
    "substitution": "SELECT class_group_id FROM timetable_entry WHERE id = {r}.entry_id",
    "period": "SELECT id AS class_group_id FROM class_group WHERE academic_year_id = {r}.academic_year_id",
    "lesson_time": "SELECT id AS class_group_id FROM class_group WHERE school_id = {r}.school_id",
}
#: Until 0041 a mark or an absence moved its class's stamp; 0041's ``down`` puts these triggers back.
CLASS_OF_BEFORE_0041 = {
    "mark": "SELECT class_group_id FROM lesson WHERE id = {r}.lesson_id",
    "attendance": "SELECT class_group_id FROM lesson WHERE id = {r}.lesson_id",
}
#: tables whose rows can move to another class on update: the old class's stamp moves too
MOVABLE = {"lesson", "class_membership", "final_mark", "timetable_entry"}
#: the student's own rows (0041): table -> its student column
STUDENT_OWN = {"mark": "student_id", "attendance": "student_id"}

TABLE_SQL = ("CREATE TABLE IF NOT EXISTS journal_stamp ("
             "class_group_id INTEGER PRIMARY KEY, version BIGINT NOT NULL DEFAULT 0)")
STUDENT_TABLE_SQL = ("CREATE TABLE IF NOT EXISTS journal_student_stamp ("
                     "student_id INTEGER PRIMARY KEY, version BIGINT NOT NULL DEFAULT 0)")


def _bump(select: str) -> str:
    return ("INSERT INTO journal_stamp (class_group_id, version) "
            f"SELECT class_group_id, 1 FROM ({select}) AS changed WHERE class_group_id IS NOT NULL "
            "ON CONFLICT (class_group_id) DO UPDATE SET version = journal_stamp.version + 1")


def _bump_student(select: str) -> str:
    return ("INSERT INTO journal_student_stamp (student_id, version) "
            f"SELECT student_id, 1 FROM ({select}) AS changed WHERE student_id IS NOT NULL "
            "ON CONFLICT (student_id) DO UPDATE SET version = journal_student_stamp.version + 1")


def _is_postgres(database) -> bool:
    import peewee

    return not isinstance(database, peewee.SqliteDatabase)


def trigger_sql(postgres: bool, tables=None, class_of=None) -> list[str]:
    """The statements that (re)create every class stamp trigger (of the tables named, default all;
    ``class_of`` another mapping than ``CLASS_OF``)."""
    statements = []
    for table, select in (CLASS_OF if class_of is None else class_of).items():
        if tables is not None and table not in tables:
            continue
        old, new = _bump(select.format(r="OLD")), _bump(select.format(r="NEW"))
        if postgres:
            on_update = f"{new}; IF TG_OP = 'UPDATE' THEN {old}; END IF;" if table in MOVABLE else f"{new};"
            statements.append(
                f"CREATE OR REPLACE FUNCTION journal_stamp_{table}() RETURNS trigger AS $$ BEGIN "
                f"IF TG_OP = 'DELETE' THEN {old}; ELSE {on_update} END IF; RETURN NULL; END $$ LANGUAGE plpgsql")
            statements.append(f'DROP TRIGGER IF EXISTS journal_stamp_{table} ON "{table}"')
            statements.append(f'CREATE TRIGGER journal_stamp_{table} AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
                              f"FOR EACH ROW EXECUTE FUNCTION journal_stamp_{table}()")
            continue
        for op, body in (("insert", new), ("update", f"{new}; {old}" if table in MOVABLE else new), ("delete", old)):
            statements.append(f"DROP TRIGGER IF EXISTS journal_stamp_{table}_{op}")
            statements.append(f'CREATE TRIGGER journal_stamp_{table}_{op} AFTER {op.upper()} ON "{table}" '
                              f"BEGIN {body}; END")
    return statements


def drop_sql(postgres: bool, tables=None, class_of=None) -> list[str]:
    names = [t for t in (CLASS_OF if class_of is None else class_of) if tables is None or t in tables]
    if postgres:
        return [f'DROP TRIGGER IF EXISTS journal_stamp_{t} ON "{t}"' for t in names] + \
               [f"DROP FUNCTION IF EXISTS journal_stamp_{t}()" for t in names]
    return [f"DROP TRIGGER IF EXISTS journal_stamp_{t}_{op}" for t in names for op in ("insert", "update", "delete")]


def student_trigger_sql(postgres: bool) -> list[str]:
    """The statements that (re)create the student stamp triggers (on ``mark`` and ``attendance``): the row's
    student's stamp moves; on an update that changes the student, the old student's too."""
    statements = []
    for table, column in STUDENT_OWN.items():
        new = _bump_student(f"SELECT NEW.{column} AS student_id")
        old = _bump_student(f"SELECT OLD.{column} AS student_id")
        moved = _bump_student(f"SELECT OLD.{column} AS student_id WHERE OLD.{column} <> NEW.{column}")
        name = f"journal_student_stamp_{table}"
        if postgres:
            statements.append(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ BEGIN "
                f"IF TG_OP = 'DELETE' THEN {old}; ELSE {new}; IF TG_OP = 'UPDATE' THEN {moved}; END IF; "
                "END IF; RETURN NULL; END $$ LANGUAGE plpgsql")
            statements.append(f'DROP TRIGGER IF EXISTS {name} ON "{table}"')
            statements.append(f'CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
                              f"FOR EACH ROW EXECUTE FUNCTION {name}()")
            continue
        for op, body in (("insert", new), ("update", f"{new}; {moved}"), ("delete", old)):
            statements.append(f"DROP TRIGGER IF EXISTS {name}_{op}")
            statements.append(f'CREATE TRIGGER {name}_{op} AFTER {op.upper()} ON "{table}" BEGIN {body}; END')
    return statements


def student_drop_sql(postgres: bool) -> list[str]:
    if postgres:
        return [f'DROP TRIGGER IF EXISTS journal_student_stamp_{t} ON "{t}"' for t in STUDENT_OWN] + \
               [f"DROP FUNCTION IF EXISTS journal_student_stamp_{t}()" for t in STUDENT_OWN]
    return [f"DROP TRIGGER IF EXISTS journal_student_stamp_{t}_{op}" for t in STUDENT_OWN
            for op in ("insert", "update", "delete")]


def install_student_stamps(database) -> None:
    """Create the student stamp table and (re)create its triggers (0041)."""
    database.execute_sql(STUDENT_TABLE_SQL)
    for statement in student_trigger_sql(_is_postgres(database)):
        database.execute_sql(statement)


def uninstall_student_stamps(database) -> None:
    for statement in student_drop_sql(_is_postgres(database)):
        database.execute_sql(statement)
    database.execute_sql("DROP TABLE IF EXISTS journal_student_stamp")


def install(database) -> None:
    """Create the class stamp table and (re)create its triggers (idempotent): of the tables that exist, so an
    earlier migration installs what it knows and a later one (0026's absence_notice) adds its own. Before
    0041 (no student stamps yet) marks and attendance move the class's stamp, as they did then."""
    database.execute_sql(TABLE_SQL)
    tables = set(database.get_tables())
    class_of = CLASS_OF if "journal_student_stamp" in tables else {**CLASS_OF, **CLASS_OF_BEFORE_0041}
    for statement in trigger_sql(_is_postgres(database), tables, class_of):
        database.execute_sql(statement)


def uninstall(database) -> None:
    for statement in drop_sql(_is_postgres(database), set(database.get_tables()),
                              {**CLASS_OF, **CLASS_OF_BEFORE_0041}):
        database.execute_sql(statement)
    database.execute_sql("DROP TABLE IF EXISTS journal_stamp")


def bump_all(database) -> None:
    """Move every class's and every student's stamp: after a bulk load that bypassed the triggers. (Every
    key holds a class stamp, so the classes' alone would do today; the students' keep a key made of a
    student's stamp only correct too. One statement each.)"""
    database.execute_sql(_bump("SELECT id AS class_group_id FROM class_group"))
    if "journal_student_stamp" in database.get_tables():
        database.execute_sql(_bump_student("SELECT id AS student_id FROM student"))


def class_stamps(database, class_ids) -> dict[int, int]:
    """The stamp of each class (0 for a class never changed)."""
    ids = sorted(set(class_ids))
    if not ids:
        return {}
    marks = ", ".join([database.param] * len(ids))
    found = dict(database.execute_sql(
        f"SELECT class_group_id, version FROM journal_stamp WHERE class_group_id IN ({marks})", ids).fetchall())
    return {i: found.get(i, 0) for i in ids}


def student_stamp(database, student_id: int) -> int:
    """The stamp of a student's own records (0 for a student never changed)."""
    row = database.execute_sql(f"SELECT version FROM journal_student_stamp WHERE student_id = {database.param}",
                               (student_id,)).fetchone()
    return int(row[0]) if row else 0


def grid_stamp(database, class_id: int) -> tuple[int, int]:
    """What a grid of the class is built from, in one query: the class's stamp, and the sum of the stamps of
    every student ever in the class. Stamps only grow, so the sum grows on every mark or absence of any of
    them (and a member coming or going moves the class's stamp): the pair differs after any such change."""
    p = database.param
    row = database.execute_sql(
        f"SELECT (SELECT version FROM journal_stamp WHERE class_group_id = {p}), "
        "(SELECT SUM(s.version) FROM journal_student_stamp s WHERE s.student_id IN "
        f"(SELECT cm.student_id FROM class_membership cm WHERE cm.class_group_id = {p}))",
        (class_id, class_id)).fetchone()
    return int(row[0] or 0), int(row[1] or 0)
