"""The database: one peewee proxy bound at start-up, a base model, and versioned migrations.

SQLite is the embedded default (a file under the instance folder, WAL and foreign keys on, writers wait
for each other: see :class:`SqliteDatabase`); ``DATABASE_URL=postgresql://...`` selects PostgreSQL. Each owner (the core, each plugin) keeps its
own migration history table ``_migrations_<owner>``, run by peewee's ``playhouse.migrations``.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

import peewee
from playhouse.db_url import connect as connect_url
from playhouse.migrations import Migration, Runner

from eschool.events import EventfulProxy, eventful

# its transactions keep the plugin events' queue: delivered after the outermost commit (eschool.events)
db = EventfulProxy()

CORE_MIGRATIONS = Path(__file__).parent / "migrations"


#: The integers a column can hold: SQLite's INTEGER is 64-bit; on PostgreSQL every integer column and id
#: here is peewee's IntegerField / AutoField / ForeignKeyField, a 32-bit INTEGER.
SQLITE_INTEGERS = (-(2**63), 2**63 - 1)
POSTGRES_INTEGERS = (-(2**31), 2**31 - 1)


def integer_range(database: peewee.Database | None = None) -> tuple[int, int]:
    """The smallest and largest integer the database stores (an id, a number sent by a client): a value
    outside it is refused as bad input (400, or 404 for an id in a URL) before it reaches the driver,
    which would fail on it (SQLite: OverflowError; PostgreSQL: integer out of range). Without a bound
    database (a schema used outside the app): SQLite's range."""
    database = database if database is not None else db.obj
    if database is None or isinstance(database, peewee.SqliteDatabase):
        return SQLITE_INTEGERS
    return POSTGRES_INTEGERS


def utcnow() -> dt.datetime:
    """Instants are stored in UTC without tzinfo (see DESIGN.md, Time)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class BaseModel(peewee.Model):
    """Base for every core and plugin model."""

    class Meta:
        database = db
        legacy_table_names = False


#: Every SQLite connection, pooled or not: WAL (readers never wait for a writer nor block one), foreign
#: keys enforced, and a writer that finds the database locked waits up to this long instead of failing.
SQLITE_PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 10_000}


def row_date(value) -> dt.date | None:
    """A date column of a raw row: PostgreSQL gives a ``date``, SQLite its ISO text."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def row_hhmm(value) -> str | None:
    """A time column of a raw row as ``HH:MM``: PostgreSQL gives a ``time``, SQLite its text."""
    if value is None:
        return None
    return value.strftime("%H:%M") if isinstance(value, dt.time) else str(value)[:5]


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


def unicode_functions(database: peewee.SqliteDatabase) -> peewee.SqliteDatabase:
    """SQLite's own ``lower()`` folds only ASCII (``lower('ПЕТРОВ')`` stays ``'ПЕТРОВ'``); replace it on
    every connection with Python's, which folds Cyrillic as PostgreSQL's ``lower()`` does under a UTF-8
    locale, so that ``fn.LOWER(field).contains(text.lower())`` finds «Петров» by «петров» on both."""
    database.register_function(_unicode_lower, "lower", 1, deterministic=True)
    return database


class ImmediateTransactions:
    """SQLite transactions that take the write lock when they begin (``BEGIN IMMEDIATE``).

    Every ``db.atomic()`` / ``db.transaction()`` in the code is a unit of work that may write. With
    SQLite's default (``BEGIN DEFERRED``) such a transaction starts as a reader and upgrades to a writer at
    its first write; in WAL mode that upgrade fails at once with "database is locked" (SQLITE_BUSY,
    without calling the busy handler) when another connection committed since the transaction's first
    read: its snapshot is stale, and waiting cannot help. Taking the lock at ``BEGIN`` lets the busy
    timeout do its job: a second writer waits for the first one's commit, then reads fresh data. Reads
    outside a transaction (most of a page) are not affected, and WAL lets them run beside the writer.
    A caller that really wants a deferred transaction says so: ``db.atomic("DEFERRED")``.
    """

    def begin(self, lock_type=None):
        return super().begin(lock_type or "IMMEDIATE")


class SqliteDatabase(ImmediateTransactions, peewee.SqliteDatabase):
    """The SQLite database of the app (see :class:`ImmediateTransactions`)."""


@functools.cache
def _pooled_sqlite_class():
    from playhouse.pool import PooledSqliteDatabase

    class PooledImmediateSqliteDatabase(ImmediateTransactions, PooledSqliteDatabase):
        """Pooled SQLite connections (see :class:`ImmediateTransactions`)."""

    return PooledImmediateSqliteDatabase


#: Seconds to wait for PostgreSQL to accept a connection.
POSTGRES_CONNECT_TIMEOUT = 5


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
        pragmas = dict(SQLITE_PRAGMAS)
        if pool > 0 and path not in (":memory:", ""):
            # opening a file and setting its pragmas was a fifth of a cached diary request (bench/run)
            # a connection returns to the pool and may serve another thread next (one at a time)
            return unicode_functions(eventful(_pooled_sqlite_class())(
                path, max_connections=pool, stale_timeout=300, pragmas=pragmas, check_same_thread=False))
        return unicode_functions(eventful(SqliteDatabase)(path or ":memory:", pragmas=pragmas))
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    from playhouse.db_url import parse, schemes

    options = parse(url)
    if url.startswith("postgresql"):
        # a server that does not answer (a wrong host, a firewall) fails a request, or /healthz, in seconds
        # instead of hanging it for minutes; the URL may say otherwise (?connect_timeout=30)
        options.setdefault("connect_timeout", POSTGRES_CONNECT_TIMEOUT)
    if pool > 0 and url.startswith("postgresql://"):
        from playhouse.pool import PooledPostgresqlDatabase

        return eventful(PooledPostgresqlDatabase)(**{"max_connections": pool, "stale_timeout": 300, **options})
    database_class = schemes.get(url.split(":", 1)[0])
    if database_class is None:
        return connect_url(url)  # peewee names the unknown scheme
    return eventful(database_class)(**options)


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


class UnknownMigrations(Exception):
    """The database holds applied migrations this installation does not have (an older release started
    on a schema a newer one migrated); the message names them and says what to do."""

    def __init__(self, unknown: dict[str, list[str]]):
        self.unknown = unknown
        listed = "; ".join(f"{owner}: {', '.join(names)}" for owner, names in unknown.items())
        super().__init__(
            "the database was migrated by a newer release: it has applied migrations this installation does not "
            f"have ({listed}). Start the release that applied them, or roll back by restoring the backup taken "
            "before the upgrade (docs/deployment.md, \"Rolling back\").")


def migration_state(database: peewee.Database, owners: list[MigrationOwner]) -> tuple[dict, dict]:
    """``(pending, unknown)``: per owner, the migrations whose files are installed but not applied, and
    those applied in the database whose files this installation does not have. Two queries (the tables,
    then every history at once), so that ``/healthz`` can ask on every probe."""
    tables = set(database.get_tables())
    present = [o for o in owners if o.table in tables]
    applied: dict[str, set[str]] = {o.name: set() for o in owners}
    if present:
        sql = " UNION ALL ".join(f'SELECT {database.param}, "name" FROM "{o.table}"' for o in present)
        for owner, name in database.execute_sql(sql, [o.name for o in present]).fetchall():
            applied[owner].add(name)
    pending, unknown = {}, {}
    for owner in owners:
        files = {m.name for m in Migration.load_directory(str(owner.directory))}
        waiting = sorted(files - applied[owner.name])
        extra = sorted(applied[owner.name] - files)
        if waiting:
            pending[owner.name] = waiting
        if extra:
            unknown[owner.name] = extra
    return pending, unknown


def check_no_unknown_migrations(database: peewee.Database, owners: list[MigrationOwner]) -> None:
    """Raise :class:`UnknownMigrations` if the database holds migrations this installation lacks."""
    _pending, unknown = migration_state(database, owners)
    if unknown:
        raise UnknownMigrations(unknown)


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


# --------------------------------------------------------------------------- many rows at once

#: Rows one PostgreSQL ``insert_rows`` statement carries (its columns travel as one array each).
PG_ROWS_PER_INSERT = 5000


def parameter_limit(database: peewee.Database) -> int:
    """How many ``?`` one SQLite statement may hold: 999 before 3.32, 32766 since, unless built otherwise."""
    import sqlite3

    try:
        return database.connection().getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except AttributeError:  # Python before 3.11
        return 32766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999


def rows_per_insert(model, database: peewee.Database | None = None) -> int:
    """The rows one ``insert_rows`` statement carries for ``model``: on SQLite its parameter limit over the
    model's columns, on PostgreSQL ``PG_ROWS_PER_INSERT``."""
    database = database or db.obj
    if not isinstance(database, peewee.SqliteDatabase):
        return PG_ROWS_PER_INSERT
    columns = sum(1 for f in model._meta.sorted_fields if not f.primary_key)
    return max(1, parameter_limit(database) // columns)


def _kind(field) -> type | None:
    """The Python type whose values ``field.db_value`` returns as they are (so converting them can be
    skipped): ``str`` for text, ``int`` for integers and integer foreign keys; None for the others."""
    target = field.rel_field if isinstance(field, peewee.ForeignKeyField) else field
    if isinstance(target, (peewee.CharField, peewee.TextField)):
        return str
    if isinstance(target, peewee.IntegerField) and not isinstance(target, peewee.BooleanField):
        return int
    return None


def _column(field, kind, values: list) -> list:
    convert = field.db_value
    return [v if v is None or v.__class__ is kind else convert(v) for v in values]


def _pg_element(value) -> str:
    if value is None:
        return "NULL"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def pg_array(values: list, kind) -> str:
    """A PostgreSQL array literal (``{"a","b",NULL}``) of values already converted by their field."""
    if len(values) > 1 and values.count(values[0]) == len(values):  # one value throughout (the school, the instant)
        return "{" + ",".join([_pg_element(values[0])] * len(values)) + "}"
    if kind is int:
        return "{" + ",".join("NULL" if v is None else str(v) for v in values) + "}"
    if kind is str and None not in values:
        every = "".join(values)
        if '"' not in every and "\\" not in every:  # nothing to escape: the common case, at C speed
            return '{"' + '","'.join(values) + '"}'
    return "{" + ",".join([_pg_element(v) for v in values]) + "}"


#: Values one ``any_of`` test carries (a query per so many: logins looked up, accounts' roles).
VALUES_PER_QUERY = 5000


def values_per_query(database: peewee.Database | None = None) -> int:
    database = database or db.obj
    if isinstance(database, peewee.SqliteDatabase):
        return min(VALUES_PER_QUERY, parameter_limit(database) - 20)  # room for the query's other parameters
    return VALUES_PER_QUERY


def any_of(field, values: list):
    """``field IN (values)`` for up to ``values_per_query`` values; PostgreSQL gets them as one array
    parameter (``= ANY(%s::INTEGER[])``), not one parameter each for the driver to quote."""
    database = db.obj
    if isinstance(database, peewee.SqliteDatabase):
        return field.in_(values)
    column_type = database._field_types.get(field.field_type, field.field_type)
    return peewee.Expression(field, "=", peewee.fn.ANY(
        peewee.SQL(f"{database.param}::{column_type}[]", [pg_array([field.db_value(v) for v in values],
                                                                  _kind(field))])))


def insert_rows(model, rows: list[dict], key: tuple[str, ...] = ()) -> list[int] | None:
    """Insert ``rows`` (dicts by field name; a missing field takes its default, the same instant for the
    whole batch), ``rows_per_insert`` rows a statement, run through ``execute_sql`` (so they are logged
    and counted like any query); values are converted by their fields, as ``insert_many`` does.

    Why not ``insert_many``: it builds the SQL of every value, which cost more than the database's own
    work for an import's ten thousands of rows. SQLite gets a multi-row ``VALUES``; PostgreSQL gets each
    column as one array literal, ``INSERT ... SELECT * FROM unnest(...)``, which it parses several times
    faster than as many ``VALUES`` (and psycopg2 need not quote each value).

    With ``key`` (fields that tell the rows apart, e.g. a unique username) the new ids are returned in
    the order of ``rows``: ``RETURNING`` gives them (PostgreSQL, SQLite 3.35+), matched to the rows by
    the key, as neither database promises the rows' order; an older SQLite gives the rows of one
    statement the ids after the last one, in order.
    """
    database = db.obj
    postgres = not isinstance(database, peewee.SqliteDatabase)
    fields = [f for f in model._meta.sorted_fields if not f.primary_key]
    defaults = {}
    for f in fields:
        value = f.default() if callable(f.default) else f.default
        defaults[f.name] = None if value is None else f.db_value(value)
    kinds = [_kind(f) for f in fields]
    head = 'INSERT INTO "{}" ({}) '.format(model._meta.table_name, ", ".join(f'"{f.column_name}"' for f in fields))
    if postgres:
        types = database._field_types
        head += "SELECT * FROM unnest({})".format(
            ", ".join(f"{database.param}::{types.get(f.field_type, f.field_type)}[]" for f in fields))
    one = "({})".format(", ".join([database.param] * len(fields)))
    key_fields = [model._meta.fields[name] for name in key]
    returning = bool(key) and (postgres or peewee.__sqlite_version__ >= (3, 35))
    tail = " RETURNING {}".format(", ".join(f'"{f.column_name}"' for f in [model._meta.primary_key, *key_fields]))
    size = rows_per_insert(model, database)
    ids: list[int] = []
    for start in range(0, len(rows), size):
        chunk = rows[start:start + size]
        columns = [_column(f, kind, [row.get(f.name, defaults[f.name]) for row in chunk])
                   for f, kind in zip(fields, kinds, strict=True)]
        if postgres:
            sql = head
            params = [pg_array(column, kind) for column, kind in zip(columns, kinds, strict=True)]
        else:
            sql = "{}VALUES {}".format(head, ", ".join([one] * len(chunk)))
            params = [v for values in zip(*columns, strict=True) for v in values]
        cursor = database.execute_sql(sql + (tail if returning else ""), params)
        if not key:
            continue
        if not returning:
            last = database.last_insert_id(cursor)
            ids.extend(range(last - len(chunk) + 1, last + 1))
            continue
        wanted = [tuple(f.db_value(row[f.name]) for f in key_fields) for row in chunk]
        back = [(lambda v: v) if _kind(f) else (lambda v, f=f: f.db_value(f.python_value(v))) for f in key_fields]
        found = {tuple(convert(v) for convert, v in zip(back, got[1:], strict=True)): got[0]
                 for got in cursor.fetchall()}
        if len(found) != len(chunk):
            raise ValueError(f"insert_rows: the key {key} does not tell the rows of {model.__name__} apart")
        ids.extend(found[k] for k in wanted)
    return ids if key else None
