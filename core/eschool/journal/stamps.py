"""Journal stamps: a counter per class that the database itself moves whenever the class's journal changes.

The diary and the grid are read far more often than they change (at 19:00 every parent opens the
diary; a mark changes one class). A reader may keep what it built for a class and serve it again as
long as the class's stamp has not moved: the stamp is part of the cache key, so a changed mark can
never be served from a cache (``eschool.cache``).

Triggers, not the services, move the stamp: every writer is covered (the services, plugins, the
CLI, an integrator's SQL), and the stamp moves in the writer's own transaction, so a reader that
sees the new stamp sees the new data too. Changes counted: lessons, marks, attendance, homework with
its files and chosen students, final marks, class and subgroup membership, absence notices, and what the
diary shows of the timetable (its entries, substitutions, study periods and bell times).

Bulk loaders that bypass the triggers (``eschool_demo.scale`` on PostgreSQL with
``session_replication_role = replica``) call ``bump_all`` when they are done.
"""
from __future__ import annotations

#: table -> the SELECT of the class (as ``class_group_id``) of a changed row, ``{r}`` being NEW or OLD.
CLASS_OF = {
    "lesson": "SELECT {r}.class_group_id AS class_group_id",
    "class_membership": "SELECT {r}.class_group_id AS class_group_id",
    "final_mark": "SELECT {r}.class_group_id AS class_group_id",
    "mark": "SELECT class_group_id FROM lesson WHERE id = {r}.lesson_id",
    "attendance": "SELECT class_group_id FROM lesson WHERE id = {r}.lesson_id",
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
#: tables whose rows can move to another class on update: the old class's stamp moves too
MOVABLE = {"lesson", "class_membership", "final_mark", "timetable_entry"}

TABLE_SQL = ("CREATE TABLE IF NOT EXISTS journal_stamp ("
             "class_group_id INTEGER PRIMARY KEY, version BIGINT NOT NULL DEFAULT 0)")


def _bump(select: str) -> str:
    return ("INSERT INTO journal_stamp (class_group_id, version) "
            f"SELECT class_group_id, 1 FROM ({select}) AS changed WHERE class_group_id IS NOT NULL "
            "ON CONFLICT (class_group_id) DO UPDATE SET version = journal_stamp.version + 1")


def _is_postgres(database) -> bool:
    import peewee

    return not isinstance(database, peewee.SqliteDatabase)


def trigger_sql(postgres: bool, tables=None) -> list[str]:
    """The statements that (re)create every stamp trigger (of the tables named, default all)."""
    statements = []
    for table, select in CLASS_OF.items():
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


def drop_sql(postgres: bool, tables=None) -> list[str]:
    names = [t for t in CLASS_OF if tables is None or t in tables]
    if postgres:
        return [f'DROP TRIGGER IF EXISTS journal_stamp_{t} ON "{t}"' for t in names] + \
               [f"DROP FUNCTION IF EXISTS journal_stamp_{t}()" for t in names]
    return [f"DROP TRIGGER IF EXISTS journal_stamp_{t}_{op}" for t in names for op in ("insert", "update", "delete")]


def install(database) -> None:
    """Create the stamp table and (re)create its triggers (idempotent): of the tables that exist, so an
    earlier migration installs what it knows and a later one (0026's absence_notice) adds its own."""
    database.execute_sql(TABLE_SQL)
    for statement in trigger_sql(_is_postgres(database), set(database.get_tables())):
        database.execute_sql(statement)


def uninstall(database) -> None:
    for statement in drop_sql(_is_postgres(database), set(database.get_tables())):
        database.execute_sql(statement)
    database.execute_sql("DROP TABLE IF EXISTS journal_stamp")


def bump_all(database) -> None:
    """Move every class's stamp: after a bulk load that bypassed the triggers."""
    database.execute_sql(_bump("SELECT id AS class_group_id FROM class_group"))


def class_stamps(database, class_ids) -> dict[int, int]:
    """The stamp of each class (0 for a class never changed)."""
    ids = sorted(set(class_ids))
    if not ids:
        return {}
    marks = ", ".join([database.param] * len(ids))
    found = dict(database.execute_sql(
        f"SELECT class_group_id, version FROM journal_stamp WHERE class_group_id IN ({marks})", ids).fetchall())
    return {i: found.get(i, 0) for i in ids}
