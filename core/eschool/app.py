"""The application factory: region profile -> plugins -> database -> Flask app.

Each call builds its own plugin manager (never a module-global one), so tests can build several
apps with different regions and plugins side by side.
"""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, abort, g, request, session
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from eschool import cache as cachemod
from eschool import db as dbmod
from eschool.api.jsonparse import JSONProvider
from eschool.auth.idle import MAX_IDLE_MINUTES
from eschool.auth.permissions import PermissionRegistry, register_redirects
from eschool.auth.roles import roles_for_region
from eschool.config import from_env
from eschool.core_parts import is_core
from eschool.i18n import init_babel, translation_dirs
from eschool.plugins.manager import PluginRegistry
from eschool.regions.services import ProfileError, load_region
from eschool.state import EschoolState
from eschool.themes import CORE_ROOT, build_loader, static_dirs, theme_chain
from eschool.web.converters import database_int_converter

log = logging.getLogger("eschool")


def create_app(overrides: dict | None = None) -> Flask:
    config = from_env(overrides)
    region = load_region(config["REGION"])
    chain = theme_chain(region.theme)
    registry = PluginRegistry(region, extra_plugins=tuple(config["EXTRA_PLUGINS"]))

    database = dbmod.open_database(config["DATABASE_URL"], pool=config.get("DB_POOL", 0))
    dbmod.bind(database)

    models = _collect_models(registry)
    roles = roles_for_region(region)
    permissions = PermissionRegistry(registry.call_each("eschool_permissions"), roles)

    app = Flask("eschool", root_path=str(CORE_ROOT), static_folder=None,
                instance_path=str(Path(config["INSTANCE_PATH"]).resolve()))
    app.json = JSONProvider(app)  # deeply nested JSON is a 400, not a RecursionError (api/jsonparse.py)
    app.url_map.converters["int"] = database_int_converter(database)  # before any route: ids the database holds
    app.config.update(config)
    app.config["PERMANENT_SESSION_LIFETIME"] = MAX_IDLE_MINUTES * 60  # auth/idle.py ends idle sessions
    app.extensions["eschool"] = EschoolState(region=region, plugins=registry, permissions=permissions,
                                             roles=roles, database=database, theme_chain=chain, models=models,
                                             cache=cachemod.from_config(config))

    plugin_templates = {name: info.folder("templates") for name, info in registry.infos.items()
                        if not is_core(name) and info.folder("templates")}
    from eschool.ops import observe

    observe.init_app(app)  # first: every later hook is timed, and a refusal by any of them counted
    app.jinja_loader = build_loader(region.folder, chain, plugin_templates)
    app.config["ESCHOOL_STATIC_DIRS"] = [str(p) for p in static_dirs(region.folder, chain)]
    plugin_catalogs = [info.folder("translations") for name, info in registry.infos.items()
                       if not is_core(name) and info.folder("translations")]
    init_babel(app, translation_dirs(CORE_ROOT, plugin_catalogs, chain, region.folder))

    _init_login(app)
    _init_rate_limit(app)
    CSRFProtect(app)
    register_redirects(app)
    _register_blueprints(app, registry)
    from eschool import jobs

    jobs.init_app(app)  # the app's task queue (huey) and its tasks
    for _name, result in registry.call_each("eschool_init_app", app=app).items():
        del result
    _check_api_docs(app)
    _request_lifecycle(app, database)
    _check_schema(app)
    return app


def _check_schema(app: Flask) -> None:
    """Refuse to start on a database that a newer release migrated (``db.UnknownMigrations``, naming the
    migrations): an older release must not write into a schema it does not know. A database that does not
    answer now is no reason to stay down: the app starts, and ``/healthz`` answers 503 until it answers."""
    from eschool.ops.logs import describe

    state = app.extensions["eschool"]
    database = state.database
    was_closed = database.is_closed()
    try:
        database.connect(reuse_if_open=True)
        dbmod.check_no_unknown_migrations(database, state.migration_owners())
    except dbmod.UnknownMigrations:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever the driver raises: the database is not there yet
        log.warning("the database does not answer at start-up (%s); the portal starts and /healthz answers "
                    "503 until it does", describe(exc))
    finally:
        if was_closed and not database.is_closed():
            database.close()


def _check_api_docs(app: Flask) -> None:
    from eschool.api.docs import ApiDocError, check_plugin_endpoints

    with app.app_context():
        try:
            check_plugin_endpoints(app)
        except ApiDocError as exc:
            raise ProfileError(str(exc)) from exc


def _collect_models(registry) -> dict[str, list]:
    """Each owner's models: the core's parts together under ``core``, each plugin under its code."""
    found: dict[str, list] = {"core": []}
    for name, models in registry.call_each("eschool_models").items():
        if is_core(name):
            found["core"].extend(models)
            continue
        for model in models:
            table = model._meta.table_name
            if not table.startswith(f"{name}_"):
                raise ProfileError(f"plugin '{name}': model {model.__name__} table '{table}' must start with '{name}_'")
        found[name] = list(models)
    return found


def _init_login(app: Flask) -> None:
    from eschool.auth import services as auth_services

    manager = LoginManager(app)
    manager.login_view = "auth.login"
    manager.session_protection = "basic"

    from eschool.ops.observe import NO_DATABASE

    @manager.user_loader
    def _load_user(user_id):
        if request.endpoint in NO_DATABASE:  # no query: /healthz must answer while the database is down
            return None
        if request.path.startswith("/api/"):
            return None  # the API authenticates by bearer token only (no CSRF there)
        return auth_services.active_user(user_id, session.get("epoch"))  # auth/views.py: start_session

    @manager.request_loader
    def _load_from_token(req):
        if not req.path.startswith("/api/"):
            return None
        header = req.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            return auth_services.user_for_token(header[7:].strip())
        return None


def _init_rate_limit(app: Flask) -> None:
    from eschool.auth import ratelimit

    ratelimit.init_app(app)


def _register_blueprints(app: Flask, registry) -> None:
    """Register the core parts' and the plugins' blueprints, all through ``eschool_blueprints``, and
    remember which plugin owns which (for the 404 guard; the core's parts are always on).

    Blueprints are module-level objects shared by every app built in the process, so the guard is
    an app-level hook, never a hook added to the blueprint itself.
    """
    csrf = app.extensions["csrf"]
    owners = app.extensions["eschool"].blueprint_owners
    for name, blueprints in registry.call_each("eschool_blueprints", app=app).items():
        for bp in blueprints:
            if is_core(name):
                if (bp.url_prefix or "").startswith("/api/"):
                    csrf.exempt(bp)
                app.register_blueprint(bp)
                continue
            if bp.name != name and not bp.name.startswith(f"{name}_"):
                raise ProfileError(f"plugin '{name}': blueprint '{bp.name}' must be named '{name}' or '{name}_...'")
            owners[bp.name] = name
            if (bp.url_prefix or "").startswith("/api/"):
                csrf.exempt(bp)
            app.register_blueprint(bp)


def _request_lifecycle(app: Flask, database) -> None:
    from eschool.scope import resolve_scope
    from eschool.web import textguard

    textguard.register(app)  # first: no NUL reaches a query, not even the scope's lookup (web/textguard.py)

    from eschool.ops.observe import NO_DATABASE

    @app.before_request
    def _open():
        if request.endpoint in NO_DATABASE:  # /healthz asks the database itself and answers 503 in JSON
            g.scope = None
            return
        database.connect(reuse_if_open=True)
        g.scope = resolve_scope()

    from eschool.auth import idle

    idle.register(app)

    @app.before_request
    def _plugin_guard():
        """A plugin that is off where the request is: every one of its routes answers 404."""
        from eschool.plugins.services import is_enabled

        blueprint = (request.blueprint or "").split(".")[0]
        owner = app.extensions["eschool"].blueprint_owners.get(blueprint)
        if owner is not None and not is_enabled(owner, g.scope):
            abort(404)

    @app.teardown_request
    def _close(_exc):
        if not database.is_closed() and not app.config.get("KEEP_DB_OPEN"):
            database.close()

    @app.after_request
    def _headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return response
