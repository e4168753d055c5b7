"""The database: one peewee proxy bound at start-up, a base model, and versioned migrations.

SQLite is the embedded default (a file under the instance folder, WAL and foreign keys on);
``DATABASE_URL=postgresql://...`` selects PostgreSQL. Each owner (the core, each plugin) keeps its
own migration history table ``_migrations_<owner>``, run by peewee's ``playhouse.migrations``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import peewee
from playhouse.db_url import connect as connect_url
from playhouse.migrations import Runner

db = peewee.DatabaseProxy()

CORE_MIGRATIONS = Path(__file__).parent / "migrations"


def utcnow() -> dt.datetime:
    """Instants are stored in UTC without tzinfo (see DESIGN.md, Time)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class BaseModel(peewee.Model):
    """Base for every core and plugin model."""

    class Meta:
        database = db
        legacy_table_names = False


def open_database(url: str, pool: int = 0) -> peewee.Database:
    """Open a database from a URL (``sqlite:///path`` or ``postgresql://...``).

    ``pool`` > 0: connections are pooled (at most ``pool`` per process, closed after five idle minutes),
    so that a request does not pay for a new server process (PostgreSQL: with a connection per request
    the diary API spent a quarter of its time connecting, bench/load) or for opening the file and setting
    its pragmas (SQLite).
    """
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1] if ":///" in url else ":memory:"
        if path not in (":memory:", "") and not path.startswith("file:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        pragmas = {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000}
        if pool > 0 and path not in (":memory:", ""):
            from playhouse.pool import PooledSqliteDatabase

            # opening a file and setting its pragmas was a fifth of a cached diary request (bench/run)
            return PooledSqliteDatabase(path, max_connections=pool, stale_timeout=300, pragmas=pragmas)
        return peewee.SqliteDatabase(path or ":memory:", pragmas=pragmas)
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if pool > 0 and url.startswith("postgresql://"):
        from playhouse.db_url import parse
        from playhouse.pool import PooledPostgresqlDatabase

        return PooledPostgresqlDatabase(**{"max_connections": pool, "stale_timeout": 300, **parse(url)})
    return connect_url(url)


def bind(database: peewee.Database) -> None:
    db.initialize(database)


@dataclass
class MigrationOwner:
    """A migration history: the core's or one plugin's."""

    name: str
    directory: Path

    @property
    def table(self) -> str:
        return f"_migrations_{self.name}"

    def runner(self, database: peewee.Database) -> Runner:
        return Runner(database, str(self.directory), table_name=self.table)


def migration_owners(plugin_infos) -> list[MigrationOwner]:
    """The core first, then each plugin with a migrations folder, by plugin code."""
    owners = [MigrationOwner("core", CORE_MIGRATIONS)]
    for info in sorted(plugin_infos, key=lambda i: i.code):
        folder = info.folder("migrations")
        if folder is not None:
            owners.append(MigrationOwner(info.code, folder))
    return owners


def upgrade(database: peewee.Database, owners: list[MigrationOwner]) -> dict[str, list[str]]:
    """Apply every pending migration, core first. Returns what was applied per owner."""
    applied = {}
    for owner in owners:
        applied[owner.name] = owner.runner(database).up()
    return applied


def status(database: peewee.Database, owners: list[MigrationOwner]) -> dict:
    """Applied and pending migrations per owner, and histories no installed owner claims."""
    report = {"owners": {}, "orphans": []}
    for owner in owners:
        report["owners"][owner.name] = [
            {"name": m.name, "applied": m.applied, "missing_file": m.path is None}
            for m in owner.runner(database).status()
        ]
    known = {o.table for o in owners}
    report["orphans"] = sorted(
        t for t in database.get_tables() if t.startswith("_migrations_") and t not in known
    )
    return report


class Compiled:
    """A peewee query run on every request, its SQL generated once per database kind.

    Generating a query's SQL is most of what peewee costs for a small indexed query (about 0.35 of 0.7 ms:
    bench/run); the queries of every request (the token's user, the roles, the diary's children) are the
    same text each time with other values. ``build(*args)`` returns the query; ``kinds`` gives each
    argument's kind (``"int"`` or ``"str"``) so that a marker value can stand for it while the SQL is
    generated once; later calls substitute the arguments for the markers and let the query's own cursor
    wrapper build the rows (model instances, joins, ``.objects()``) as an ordinary execution would.
    """

    def __init__(self, build, *kinds: str):
        self.build, self.kinds = build, kinds
        self._plans: dict = {}  # database class -> (query, sql, where each parameter comes from)

    def _markers(self) -> list:
        return [-(10**12) - i if kind == "int" else f"\x00eschool-arg-{i}\x00" for i, kind in enumerate(self.kinds)]

    def _plan(self, database):
        plan = self._plans.get(type(database))
        if plan is None:
            markers = self._markers()
            query = self.build(*markers)
            sql, params = query.sql()
            sources = []
            for value in params:
                sources.append(("arg", markers.index(value)) if value in markers else ("const", value))
            plan = self._plans[type(database)] = (query, sql, sources)
        return plan

    def run(self, *args) -> list:
        database = db.obj
        query, sql, sources = self._plan(database)
        params = [args[ref] if source == "arg" else ref for source, ref in sources]
        cursor = database.execute_sql(sql, params)
        return list(query._get_cursor_wrapper(cursor))
