"""The WSGI entry for production: ``gunicorn -c python:eschool.ops.gunicorn_conf 'eschool.wsgi:app'``,
configured from the environment (docs/deployment.md).

Logs go to stderr as JSON lines (``eschool.ops.logs``). A configuration that cannot run (a region
profile or theme with a mistake, a short ``SECRET_KEY`` in production, a database migrated by a newer
release) stops the process with one log line naming the file, the key and what was expected, and no
traceback; the exit status 4 makes gunicorn's master stop too ("App failed to load") instead of
starting new workers that fail the same way.
"""
import logging
import sys

from eschool.config import ConfigError
from eschool.db import UnknownMigrations
from eschool.ops.logs import configure_logging
from eschool.regions.services import ProfileError

#: gunicorn's ``Arbiter.APP_LOAD_ERROR``: the master stops instead of spawning workers again.
APP_LOAD_ERROR = 4

try:
    configure_logging()
    from eschool import create_app

    app = create_app()
except (ConfigError, ProfileError, UnknownMigrations) as exc:
    logging.getLogger("eschool").critical("the portal cannot start: %s", exc)
    sys.exit(APP_LOAD_ERROR)
