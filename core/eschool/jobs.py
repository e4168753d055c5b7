"""Background and scheduled jobs on a real task queue (huey).

One queue per application (``app.extensions["eschool_queue"]``, never a module-global one):

* ``ESCHOOL_QUEUE_URL`` unset: ``SqliteHuey``, a file ``queue.sqlite3`` in the instance folder (the
  embedded default: one machine, no extra server);
* ``ESCHOOL_QUEUE_URL=redis://host:6379/0``: ``RedisHuey`` (production, several app servers);
* ``ESCHOOL_QUEUE_URL=sqlite:///path/queue.sqlite3``: that file;
* ``ESCHOOL_QUEUE_IMMEDIATE=1``: tasks run at once in the process that queues them (no worker).

The worker (``eschool worker``) builds the app with ``create_app`` and runs huey's consumer over
the app's queue; every task runs inside that app's context with a database connection, so a task
finds the region, the plugins and the configuration through ``current_app`` like a request does.

Tasks are registered per queue at start-up, by name, so the web processes (which queue) and the
worker (which runs) agree on them: the core's own (``eschool.deliver``, ``eschool.sweep``,
``eschool.call``) and one periodic task per pair a plugin returns from ``eschool_periodic_tasks``.
"""
from __future__ import annotations

import datetime as dt
import functools
import importlib
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app

log = logging.getLogger("eschool.jobs")


class Queue:
    """The app's huey instance and the tasks registered on it (by name)."""

    def __init__(self, app, huey):
        self.app = app
        self.huey = huey
        self.tasks: dict[str, object] = {}

    def task(self, name: str, func):
        """Register ``func`` as the task ``name``; it runs in the app's context."""
        wrapper = self.huey.task(name=name)(in_app(self.app, func))
        self.tasks[name] = wrapper
        return wrapper

    def periodic(self, name: str, schedule, func):
        """Register a periodic task: ``schedule(local_datetime) -> bool`` in the region's time zone."""
        zone = ZoneInfo(self.app.extensions["eschool"].region.timezone)

        def validate(timestamp: dt.datetime) -> bool:  # huey passes naive UTC (utc=True)
            return bool(schedule(to_local(timestamp, zone)))

        wrapper = self.huey.periodic_task(validate, name=name)(in_app(self.app, func))
        self.tasks[name] = wrapper
        return wrapper

    def enqueue(self, name: str, *args, eta: dt.datetime | None = None) -> None:
        """Queue the task ``name``; ``eta`` (naive UTC): not before then."""
        task = self.tasks[name]
        if eta is not None and eta > utcnow():
            task.schedule(args, eta=eta)
        else:
            task(*args)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def to_local(instant: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """A naive UTC instant as a naive local time of ``zone``."""
    return instant.replace(tzinfo=dt.UTC).astimezone(zone).replace(tzinfo=None)


def in_app(app, func):
    """Run ``func`` inside ``app``'s context with an open database connection (closed afterwards
    unless it was open before: a test or an in-process worker may share the thread's connection)."""

    @functools.wraps(func)
    def run(*args, **kwargs):
        with app.app_context():
            database = app.extensions["eschool"].database
            opened = database.is_closed()
            database.connect(reuse_if_open=True)
            try:
                return func(*args, **kwargs)
            finally:
                if opened and not database.is_closed() and not app.config.get("KEEP_DB_OPEN"):
                    database.close()

    return run


def build_huey(config: dict):
    """The huey instance the configuration asks for (see the module's docstring)."""
    from huey import RedisHuey, SqliteHuey

    url = config.get("QUEUE_URL") or ""
    name = config.get("QUEUE_NAME") or "eschool"
    immediate = bool(config.get("QUEUE_IMMEDIATE"))
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url, results=False, immediate=immediate)
    if url and not url.startswith("sqlite:///"):
        from eschool.config import ConfigError

        raise ConfigError(f"ESCHOOL_QUEUE_URL: expected redis://... or sqlite:///path, got {url!r}")
    path = Path(url[len("sqlite:///"):] if url else Path(config["INSTANCE_PATH"]) / "queue.sqlite3")
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), results=False, immediate=immediate)


def init_app(app) -> Queue:
    """Build the app's queue and register the core's tasks and the plugins' periodic tasks."""
    queue = Queue(app, build_huey(app.config))
    app.extensions["eschool_queue"] = queue
    queue.task("eschool.call", _call)
    from eschool.notifications import services as notifications

    notifications.register_tasks(queue)
    registry = app.extensions["eschool"].plugins
    for plugin, pairs in sorted(registry.call_each("eschool_periodic_tasks").items()):
        for schedule, func in pairs or ():
            queue.periodic(f"periodic.{plugin}.{func.__module__}.{func.__qualname__}", schedule, func)
    return queue


def queue_of(app=None) -> Queue:
    return (app or current_app).extensions["eschool_queue"]


def enqueue(func, *args, eta: dt.datetime | None = None, delay: float | None = None) -> None:
    """Run ``func(*args)`` in the worker, inside the app's context (plugins' background jobs).

    ``func`` must be a module-level function (it is queued by its import path); ``args`` must be
    JSON-like values (ids, strings, numbers), never model instances. ``eta`` (naive UTC) or ``delay``
    (seconds): not before then.
    """
    if delay is not None:
        eta = utcnow() + dt.timedelta(seconds=delay)
    queue_of().enqueue("eschool.call", f"{func.__module__}:{func.__qualname__}", list(args), eta=eta)


def _call(target: str, args: list):
    module, _, name = target.partition(":")
    func = importlib.import_module(module)
    for part in name.split("."):
        func = getattr(func, part)
    return func(*args)


def run_pending(app=None, now: dt.datetime | None = None, limit: int = 10_000) -> int:
    """Run every task that is due now in this thread, over the real storage, then return how many ran
    (a task queued for later is moved to the schedule and not counted).

    Moves scheduled tasks whose time has come into the queue first. For tests and ``eschool worker
    --burst`` (cron-style installs); the worker proper is :func:`consumer`.
    """
    huey = queue_of(app).huey
    ran = 0
    while ran < limit:
        for task in huey.read_schedule(now or utcnow()):
            huey.enqueue(task)
        task = huey.dequeue()
        if task is None:
            return ran
        if not huey.ready_to_run(task, now or utcnow()):
            huey.add_schedule(task)  # queued with a later time (``schedule``): it waits in the schedule
            continue
        huey.execute(task, now)
        ran += 1
    return ran


def consumer(app=None, workers: int = 1, periodic: bool = True, in_process: bool = False):
    """huey's consumer over the app's queue (threads). ``in_process``: started beside a server or a
    test (no signal handlers taken over); call ``.start()`` / ``.stop(graceful=True)``; otherwise
    ``.run()`` blocks and stops on SIGINT / SIGTERM like ``huey_consumer``."""
    huey = queue_of(app).huey
    worker = huey.create_consumer(workers=workers, periodic=periodic, worker_type="thread",
                                  check_worker_health=not in_process)
    if in_process:
        worker._set_signal_handlers = lambda: None  # the host process keeps its own
    return worker
