"""Database connections (PostgreSQL, and SQLite files) are pooled per process (ESCHOOL_DB_POOL): requests reuse them; 0 turns it off."""
import pytest

from tests.conftest import PG_ADMIN_URL


def test_sqlite_file_connections_are_pooled_too(make_app, monkeypatch):
    if PG_ADMIN_URL:
        pytest.skip("the SQLite leg checks this")
    from playhouse.pool import PooledSqliteDatabase

    app = make_app(DB_POOL=2)
    database = app.extensions["eschool"].database
    assert isinstance(database, PooledSqliteDatabase)
    client = app.test_client()
    connections = set()
    for _ in range(3):
        assert client.get("/login").status_code == 200
        with app.app_context():
            database.connect(reuse_if_open=True)
            connections.add(id(database.connection()))
            assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1  # the pragmas hold
            database.close()
    assert len(connections) == 1
    # the threads of a threaded server (gunicorn's gthread, the demo's server) take turns with it
    import sqlite3
    import threading

    codes, opened = [], []
    connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: opened.append(1) or connect(*a, **k))
    def request_with_sql():
        codes.append(app.test_client().get("/login").status_code)
        with app.app_context():
            database.connect(reuse_if_open=True)
            codes.append(database.execute_sql("SELECT 1").fetchone()[0])
            database.close()

    for _ in range(3):
        worker = threading.Thread(target=request_with_sql)
        worker.start()
        worker.join()
    monkeypatch.undo()
    assert codes == [200, 1] * 3 and opened == []  # the pooled connection served every thread
    app_off = make_app(DB_POOL=0)
    assert not hasattr(app_off.extensions["eschool"].database, "close_all")


def test_postgres_requests_reuse_a_pooled_connection(make_app):
    if not PG_ADMIN_URL:
        pytest.skip("PostgreSQL leg only")
    from playhouse.pool import PooledPostgresqlDatabase

    app = make_app(DB_POOL=3)
    database = app.extensions["eschool"].database
    assert isinstance(database, PooledPostgresqlDatabase) and database._max_connections == 3
    client = app.test_client()
    backends = set()
    for _ in range(4):
        assert client.get("/login").status_code == 200
        with app.app_context():
            database.connect(reuse_if_open=True)
            backends.add(database.execute_sql("SELECT pg_backend_pid()").fetchone()[0])
            database.close()
    assert len(backends) == 1  # one server process served every request


def test_pool_zero_connects_per_request(make_app):
    if not PG_ADMIN_URL:
        pytest.skip("PostgreSQL leg only")
    app = make_app(DB_POOL=0)
    assert not hasattr(app.extensions["eschool"].database, "close_all")
