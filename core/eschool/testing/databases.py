"""A freshly migrated database for every test, without running every migration for every test.

Running the migrations is most of what building a test app costs: about 0.2 s on SQLite and 1 s on
PostgreSQL (its DDL writes files), for each of a thousand tests. The first app built with a given set of
inputs (database kind, region profile, extra plugins, config) migrates for real; the result is kept, and
the next test built from the same inputs starts from a copy of it:

* SQLite: a clean copy of the migrated file (``VACUUM INTO``) is copied to the test's own path before the
  app opens it.
* PostgreSQL: the worker's database keeps its schema between tests; every row is deleted, the rows the
  migrations wrote are put back (``COPY``) and the sequences set where the migrations left them. A
  fingerprint of the schema (tables, columns, indexes, constraints, triggers) guards the shortcut: when a
  test changed the schema, or built its app from other inputs, the schema is dropped and migrated again.

Either way the app still runs ``upgrade()``, which finds nothing pending and completes the region's setup
as it always does. ``ESCHOOL_TEST_MIGRATE_ALWAYS=1`` turns the shortcut off (to rule it out when a test
behaves strangely).
"""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ALWAYS_ENV = "ESCHOOL_TEST_MIGRATE_ALWAYS"

_FINGERPRINT_SQL = """
SELECT md5(coalesce(string_agg(item, ',' ORDER BY item), '')) FROM (
  SELECT c.relkind::text || ':' || c.relname || '.' || a.attname || ':' || a.atttypid::text || ':' || a.attnotnull::text
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
   WHERE n.nspname = 'public'
  UNION ALL
  SELECT 'k:' || conname || ':' || pg_get_constraintdef(co.oid) FROM pg_constraint co
    JOIN pg_namespace n ON n.oid = co.connamespace WHERE n.nspname = 'public'
  UNION ALL
  SELECT 't:' || t.tgname || ':' || c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND NOT t.tgisinternal
  UNION ALL
  SELECT 'f:' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
) AS schema_items(item)
"""


def enabled() -> bool:
    return os.environ.get(ALWAYS_ENV, "") not in ("1", "true", "yes")


def inputs_key(database_kind: str, region: str, extra_plugins, config: dict) -> str:
    """What decides the migrated schema: the database kind, the region's profile as it is now (a test may
    have changed its copy), the extra plugins and the config."""
    from eschool.regions.services import regions_dir

    profile = Path(regions_dir()) / region / "region.toml"
    digest = hashlib.sha256()
    for part in (database_kind, region, profile.read_bytes() if profile.exists() else b"",
                 repr([(code, getattr(obj, "__name__", type(obj).__name__)) for code, obj in extra_plugins]),
                 repr(sorted((k, repr(v)) for k, v in config.items()))):
        digest.update(part if isinstance(part, bytes) else str(part).encode())
        digest.update(b"\0")
    return digest.hexdigest()


# --------------------------------------------------------------------------- SQLite


class SqliteTemplates:
    """Migrated SQLite files by inputs key, in a folder of this test process."""

    def __init__(self):
        self.folder: Path | None = None
        self.files: dict[str, Path] = {}

    def restore(self, key: str, path: Path) -> bool:
        template = self.files.get(key)
        if template is None or path.exists():
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, path)
        return True

    def keep(self, key: str, database) -> None:
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="eschool-migrated-"))
        target = self.folder / f"{key}.sqlite3"
        if target.exists():
            target.unlink()
        database.execute_sql("VACUUM INTO ?", (str(target),))
        self.files[key] = target

    def clear(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
        self.folder, self.files = None, {}


# --------------------------------------------------------------------------- PostgreSQL


@dataclass
class PgSnapshot:
    key: str
    fingerprint: str
    tables: list[str]
    rows: dict[str, bytes] = field(default_factory=dict)  # table -> COPY text
    sequences: dict[str, int | None] = field(default_factory=dict)  # name -> last value (None: never used)


class PgState:
    """The worker's PostgreSQL database: pending a reset for this test, and what it last was migrated to."""

    def __init__(self):
        self.snapshot: PgSnapshot | None = None
        self.pending = False  # this test has not built its first app yet

    # the connection the kit uses for its own work (autocommit)
    @staticmethod
    def _connect(url: str):
        import psycopg2

        conn = psycopg2.connect(url)
        conn.autocommit = True
        return conn

    def drop(self, url: str) -> None:
        conn = self._connect(url)
        try:
            with conn.cursor() as cur:
                cur.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
        finally:
            conn.close()
        self.snapshot = None

    def restore(self, url: str, key: str) -> bool:
        """Bring the database back to the migrated state of ``key`` if it holds that schema; True if done."""
        snap = self.snapshot
        if snap is None or snap.key != key:
            return False
        conn = self._connect(url)
        try:
            with conn.cursor() as cur:
                cur.execute(_FINGERPRINT_SQL)
                if cur.fetchone()[0] != snap.fingerprint:
                    return False
                conn.autocommit = False
                try:
                    # Without the foreign-key triggers the tables empty in any order (the suite's role is a
                    # superuser, as the kit's CREATE DATABASE needs); otherwise TRUNCATE, slower.
                    cur.execute("SET LOCAL session_replication_role = replica")
                    cur.execute("".join(f'DELETE FROM "{t}";' for t in snap.tables))
                except Exception:
                    conn.rollback()
                    cur.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in snap.tables) + " CASCADE")
                for table, data in snap.rows.items():
                    cur.copy_expert(f'COPY "{table}" FROM STDIN', io.BytesIO(data))
                if snap.sequences:
                    cur.execute("SELECT " + ", ".join(
                        f"setval('\"{name}\"', {value}, true)" if value is not None
                        else f"setval('\"{name}\"', 1, false)" for name, value in snap.sequences.items()))
                conn.commit()
        finally:
            conn.close()
        return True

    def keep(self, url: str, key: str) -> None:
        """Remember the database as migrated from ``key``: its schema's fingerprint, rows and sequences."""
        conn = self._connect(url)
        try:
            with conn.cursor() as cur:
                cur.execute(_FINGERPRINT_SQL)
                fingerprint = cur.fetchone()[0]
                cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
                tables = [r[0] for r in cur.fetchall()]
                rows = {}
                for table in tables:
                    buffer = io.BytesIO()
                    cur.copy_expert(f'COPY "{table}" TO STDOUT', buffer)
                    if buffer.getvalue():
                        rows[table] = buffer.getvalue()
                cur.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
                sequences = dict(cur.fetchall())
        finally:
            conn.close()
        self.snapshot = PgSnapshot(key, fingerprint, tables, rows, sequences)
