"""Lesson plans leave the core for the built-in plugin ``lesson_plans`` (issue 12): the core never keeps
a foreign key into a plugin's table.

A one-time handover, written here because only the core's history can take its own tables and column
away: the plans and their items are renamed to the plugin's prefix (``lesson_plan`` ->
``lesson_plans_plan``, ``lesson_plan_item`` -> ``lesson_plans_item``), the link of each lesson to its
item moves from ``lesson.plan_item_id`` into the plugin's ``lesson_plans_lesson`` (one row per linked
lesson), and the column goes. Every row is kept. The plugin's own history then finds its tables made
(its ``0001_initial`` creates only what is missing).
"""
import re

import peewee


def _columns(db, table: str) -> set[str]:
    return {c.name for c in db.get_columns(table)}


def up(migrator, db):
    tables = set(db.get_tables())
    if "lesson_plan" in tables and "lesson_plans_plan" not in tables:
        db.execute_sql('ALTER TABLE "lesson_plan" RENAME TO "lesson_plans_plan"')
    if "lesson_plan_item" in tables and "lesson_plans_item" not in tables:
        db.execute_sql('ALTER TABLE "lesson_plan_item" RENAME TO "lesson_plans_item"')
    if "lesson_plans_lesson" not in set(db.get_tables()):
        auto = "SERIAL" if not isinstance(db, peewee.SqliteDatabase) else "INTEGER"
        db.execute_sql(
            f'CREATE TABLE "lesson_plans_lesson" ("id" {auto} NOT NULL PRIMARY KEY, '
            '"lesson_id" INTEGER NOT NULL REFERENCES "lesson" ("id") ON DELETE CASCADE, '
            '"item_id" INTEGER NOT NULL REFERENCES "lesson_plans_item" ("id") ON DELETE CASCADE)')
        db.execute_sql('CREATE UNIQUE INDEX "lesson_plans_lesson_lesson_id" ON "lesson_plans_lesson" ("lesson_id")')
        db.execute_sql('CREATE INDEX "lesson_plans_lesson_item_id" ON "lesson_plans_lesson" ("item_id")')
    if "plan_item_id" in _columns(db, "lesson"):
        db.execute_sql('INSERT INTO "lesson_plans_lesson" ("lesson_id", "item_id") '
                       'SELECT "id", "plan_item_id" FROM "lesson" WHERE "plan_item_id" IS NOT NULL')
        db.execute_sql('DROP INDEX IF EXISTS "lesson_plan_item_id"')
        if isinstance(db, peewee.SqliteDatabase):
            _drop_sqlite_foreign_key(db)
        # dropped in place (SQLite 3.35+ too, once nothing names the column): the table keeps its rows,
        # indexes and triggers; no rebuild of the largest table
        db.execute_sql('ALTER TABLE "lesson" DROP COLUMN "plan_item_id"')


def _drop_sqlite_foreign_key(db):
    """SQLite refuses to drop a column a table-level FOREIGN KEY names, and has no statement to drop the
    constraint. Removing a foreign key changes nothing stored, so SQLite's documented way applies: edit
    the table's definition in the schema table (writable_schema) and move the schema version on, so every
    connection reads the new definition."""
    (sql,) = db.execute_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'lesson'").fetchone()
    new = re.sub(r',\s*FOREIGN KEY \("plan_item_id"\) REFERENCES "[a-z_]+" \("id"\)(\s+ON DELETE SET NULL)?', "",
                 sql)
    if new == sql:
        return
    (version,) = db.execute_sql("PRAGMA schema_version").fetchone()
    db.execute_sql("PRAGMA writable_schema = ON")
    db.execute_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'lesson'", (new,))
    db.execute_sql(f"PRAGMA schema_version = {int(version) + 1}")
    db.execute_sql("PRAGMA writable_schema = OFF")


def down(migrator, db):
    """The column comes back with the links; the tables take their old names."""
    db.execute_sql('ALTER TABLE "lesson" ADD COLUMN "plan_item_id" INTEGER REFERENCES "lesson_plans_item" ("id") '
                   'ON DELETE SET NULL')
    db.execute_sql('UPDATE "lesson" SET "plan_item_id" = (SELECT "item_id" FROM "lesson_plans_lesson" '
                   'WHERE "lesson_plans_lesson"."lesson_id" = "lesson"."id")')
    db.execute_sql('CREATE INDEX "lesson_plan_item_id" ON "lesson" ("plan_item_id")')
    db.execute_sql('DROP TABLE "lesson_plans_lesson"')
    db.execute_sql('ALTER TABLE "lesson_plans_item" RENAME TO "lesson_plan_item"')
    db.execute_sql('ALTER TABLE "lesson_plans_plan" RENAME TO "lesson_plan"')
