"""The health checks behind ``/healthz`` (no Flask here: the view turns the report into JSON).

A report is ``{"status": "ok" | "unavailable", "version": ..., "checks": {...}}``; each check is
``{"ok": bool, ...}``:

* ``database``: a connection and ``SELECT 1``;
* ``migrations``: nothing pending (``eschool db upgrade`` has run for the installed version) and nothing
  unknown (no migration applied by a newer release); names them otherwise;
* ``rate_limit_storage``: where ``RATELIMIT_STORAGE_URI`` is not ``memory://`` (Redis), it answers;
* ``queue``: the task queue (Redis or its SQLite file) answers; ``depth`` is the jobs waiting.

Any check that fails makes the status ``unavailable`` (the view answers 503). The reason is the
exception's type only: the JSON is public, the details go to the log, one warning per minute per check.
"""
from __future__ import annotations

import logging

from eschool import __version__
from eschool.db import migration_state
from eschool.ops.logs import Throttled, describe

log = logging.getLogger("eschool.health")
_warn = Throttled(log, 60.0)


def _failed(name: str, exc: BaseException) -> dict:
    _warn.warning(name, "health check %s failed: %s", name, describe(exc), check=name)
    return {"ok": False, "error": type(exc).__name__}


def check_database(state) -> tuple[dict, dict]:
    """``(database, migrations)`` checks; the migrations are not asked about when the database is down."""
    database = state.database
    try:
        database.connect(reuse_if_open=True)
        database.execute_sql("SELECT 1").fetchall()
    except Exception as exc:  # noqa: BLE001 - whatever the driver raises, the answer is "unavailable"
        return _failed("database", exc), {"ok": False, "error": "database unavailable"}
    try:
        pending, unknown = migration_state(database, state.migration_owners())
    except Exception as exc:  # noqa: BLE001
        return {"ok": True}, _failed("migrations", exc)
    migrations: dict = {"ok": not pending and not unknown}
    if pending:
        migrations["pending"] = pending
        _warn.warning("migrations.pending", "migrations pending (run eschool db upgrade): %s", pending)
    if unknown:
        migrations["unknown"] = unknown
        _warn.warning("migrations.unknown", "migrations applied by a newer release: %s", unknown)
    return {"ok": True}, migrations


def check_rate_limit_storage(limiter) -> dict | None:
    """None where the counts live in the process (``memory://``): nothing to check."""
    if limiter is None or type(limiter.storage).__name__ == "MemoryStorage":
        return None
    try:
        answered = limiter.storage.check()
    except Exception as exc:  # noqa: BLE001
        return _failed("rate_limit_storage", exc)
    if not answered:
        return _failed("rate_limit_storage", ConnectionError("the storage did not answer"))
    return {"ok": True}


def check_queue(queue) -> dict | None:
    if queue is None:
        return None
    try:
        depth = queue.huey.pending_count()
    except Exception as exc:  # noqa: BLE001
        return _failed("queue", exc)
    return {"ok": True, "depth": depth}


def health(state, limiter=None, queue=None) -> dict:
    """The report (see the module's docstring) for an app's ``EschoolState``, login limiter and queue."""
    database, migrations = check_database(state)
    checks = {"database": database, "migrations": migrations}
    for name, result in (("rate_limit_storage", check_rate_limit_storage(limiter)), ("queue", check_queue(queue))):
        if result is not None:
            checks[name] = result
    ok = all(check["ok"] for check in checks.values())
    return {"status": "ok" if ok else "unavailable", "version": __version__, "checks": checks}
