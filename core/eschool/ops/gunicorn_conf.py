"""The sample gunicorn configuration: ``gunicorn -c python:eschool.ops.gunicorn_conf 'eschool.wsgi:app'``.

Options given on gunicorn's command line win over these (``--bind``, ``--workers``). To change more,
copy this file (``python3 -c 'import eschool.ops.gunicorn_conf as c; print(c.__file__)'``) and start
gunicorn with ``-c /etc/eschool/gunicorn.conf.py``. docs/deployment.md explains each choice.
"""
import os

# One worker per core of the app's share of the machine, four threads each to hide the waits on
# PostgreSQL (docs/deployment.md, "Workers and threads"). ESCHOOL_WORKERS sets the count without a copy.
bind = os.environ.get("ESCHOOL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("ESCHOOL_WORKERS", "2"))
worker_class = "gthread"
threads = 4
timeout = 60
graceful_timeout = 30
# Recycle a worker now and then. A recycled worker imports the code installed *now*: never install a
# new version into the running virtualenv before `eschool db upgrade` (docs/deployment.md, "Upgrades").
max_requests = 5000
max_requests_jitter = 500
# gunicorn 25.1+ opens a control socket at $XDG_RUNTIME_DIR/gunicorn.ctl (or ~/.gunicorn/gunicorn.ctl):
# two instances on one host (two regions, or old and new during an upgrade) would share it. Off here;
# to use gunicornc, give each instance its own: --control-socket /run/eschool-<region>/gunicorn.ctl.
# (Older gunicorn ignores the setting.)
control_socket_disable = True
# The portal logs one JSON line per request itself (logger eschool.access, with request id and user id).
accesslog = None
# gunicorn's own lines (workers started, timeouts) as JSON too, beside the app's.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "eschool.ops.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "root": {"level": "INFO", "handlers": []},  # the app's own handler (eschool.wsgi), not a second one
    "loggers": {"gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
}


def on_starting(server):
    """Before any worker: check that the portal can start, then empty the Prometheus folder."""
    the_portal_can_start()
    # Prometheus multiprocess mode (PROMETHEUS_MULTIPROC_DIR): start with an empty folder, or the counters
    # of an earlier run would be added to this one's.
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):
            if name.endswith(".db"):
                os.remove(os.path.join(folder, name))


def the_portal_can_start():
    """Build the app once in the master and drop it: a configuration that cannot run (a short SECRET_KEY,
    a profile's mistake, a database migrated by a newer release) stops gunicorn here with one line and
    status 4. Left to the workers, several failing at once made gunicorn 27 halt twice: a traceback and
    status 1. The workers build their own app (no connection of this one is kept)."""
    import logging
    import sys

    from eschool.config import ConfigError
    from eschool.db import UnknownMigrations
    from eschool.ops.logs import configure_logging
    from eschool.regions.services import ProfileError

    try:
        configure_logging()
        from eschool import create_app

        app = create_app()
    except (ConfigError, ProfileError, UnknownMigrations) as exc:
        logging.getLogger("eschool").critical("the portal cannot start: %s", exc)
        sys.exit(4)  # gunicorn's APP_LOAD_ERROR, as eschool.wsgi
    database = app.extensions["eschool"].database
    if not database.is_closed():
        database.close()
    if hasattr(database, "close_all"):
        database.close_all()


def child_exit(server, worker):
    """A worker that ended (recycled, killed) leaves its counters to the sum but not its live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
