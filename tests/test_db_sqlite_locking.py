"""SQLite under concurrent writers (issue #11): WAL with a busy timeout on every connection, pooled or not, and
transactions that take the write lock when they begin, so that a transaction that reads and then writes
waits for another writer instead of failing with "database is locked"."""
import sqlite3
import threading

import pytest

from eschool.db import SQLITE_PRAGMAS, open_database


@pytest.mark.parametrize("pool", [0, 4])
def test_every_sqlite_connection_runs_in_wal_with_a_busy_timeout(tmp_path, pool):
    database = open_database(f"sqlite:///{tmp_path / 'wal.sqlite3'}", pool=pool)
    database.connect()
    try:
        assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert database.execute_sql("PRAGMA busy_timeout").fetchone()[0] == SQLITE_PRAGMAS["busy_timeout"] >= 5000
        assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        database.close()


@pytest.mark.parametrize("pool", [0, 4])
def test_a_transaction_holds_the_write_lock_from_its_beginning(tmp_path, pool):
    """Even before its first write, an open ``atomic()`` holds the write lock: another writer cannot slip in
    between its reads and its writes (with BEGIN DEFERRED it could, and the first one's write then fails)."""
    path = tmp_path / "lock.sqlite3"
    database = open_database(f"sqlite:///{path}", pool=pool)
    database.execute_sql("CREATE TABLE t (n INTEGER)")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with database.atomic():
            database.execute_sql("SELECT count(*) FROM t").fetchone()  # only a read so far
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again after the commit
        other.execute("ROLLBACK")
        # readers are never blocked (WAL), even by a writer
        with database.atomic():
            database.execute_sql("INSERT INTO t VALUES (1)")
            assert other.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    finally:
        other.close()
        database.close()


def test_two_threads_that_read_then_write_through_the_app_both_succeed(app):
    """Two units of work of the app, each reading then writing in one ``db.atomic()``, at the same time on a file
    SQLite database (on PostgreSQL, the same code must hold too). The first one waits (at most a second)
    for the second one to finish while its transaction is open: with deferred transactions the second one
    commits in between and the first one's write fails at once ("database is locked": its snapshot is
    stale, the busy timeout cannot help); with transactions that take the lock at BEGIN the second one
    waits for the first one's commit, and both succeed whatever the timing."""
    from eschool.db import db
    from eschool.structure.models import Municipality

    with app.app_context():
        Municipality.create(code="m0", name_ru="Округ 0", name_en="")
    first_read, second_done, errors = threading.Event(), threading.Event(), []

    def first():
        try:
            with app.app_context():
                with db.atomic():
                    count = Municipality.select().count()
                    first_read.set()
                    second_done.wait(timeout=1)  # bounded: with the lock held, the second one cannot finish
                    Municipality.create(code=f"a{count}", name_ru="Первый", name_en="")
                db.close()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(("first", repr(exc)))
        finally:
            first_read.set()

    def second():
        try:
            first_read.wait()
            with app.app_context():
                with db.atomic():
                    count = Municipality.select().count()
                    Municipality.create(code=f"b{count}", name_ru="Второй", name_en="")
                db.close()
        except Exception as exc:  # noqa: BLE001
            errors.append(("second", repr(exc)))
        finally:
            second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        assert Municipality.select().count() == 3
