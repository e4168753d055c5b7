"""The ``eschool`` command.

Core commands are always there; plugins add theirs through ``eschool_cli_commands`` once the
application for the region (``--region`` or ``ESCHOOL_REGION``) has been built, so a plugin the
region does not allow adds nothing.
"""
from __future__ import annotations

import json
import os
import sys
import weakref
from pathlib import Path

import click

from eschool.regions.services import ProfileError, available_regions, load_profile_file, regions_dir

_APPS: dict = {}


def make_app(region: str | None = None, database: str | None = None):
    """Build (once per region and database) the app and push its context."""
    if region:
        os.environ["ESCHOOL_REGION"] = region
    if database:
        os.environ["DATABASE_URL"] = database
    key = (os.environ.get("ESCHOOL_REGION"), os.environ.get("DATABASE_URL"))
    if key not in _APPS:
        from eschool.app import create_app
        from eschool.config import ConfigError
        from eschool.db import UnknownMigrations

        try:
            app = create_app()
        except (ProfileError, ConfigError, UnknownMigrations) as exc:
            raise click.ClickException(str(exc)) from exc
        app.app_context().push()
        _APPS[key] = app
    return _APPS[key]


region_option = click.option("--region", "region", default=None, help="Region profile code (default: ESCHOOL_REGION).")
database_option = click.option("--database", "database", default=None, help="Database URL (default: DATABASE_URL).")


class EschoolGroup(click.Group):
    """Adds the plugins' commands (for the region in the environment) to the core ones."""

    _plugin_clis = weakref.WeakKeyDictionary()  # app -> the group of its plugins' commands

    def _plugins(self) -> click.Group:
        """The commands of the plugins the region (and the profiles' folder) in the environment allows:
        kept per app, so a process that builds apps for other regions or profiles (the tests) sees each
        app's own commands."""
        try:
            app = make_app()
        except (click.ClickException, Exception) as exc:  # noqa: BLE001 - core commands must still work
            click.echo(f"warning: plugin commands unavailable: {exc}", err=True)
            return click.Group()
        group = self._plugin_clis.get(app)
        if group is None:
            group = self._plugin_clis[app] = click.Group()
            try:
                app.extensions["eschool"].plugins.call_each("eschool_cli_commands", cli=group)
            except Exception as exc:  # noqa: BLE001 - core commands must still work
                click.echo(f"warning: plugin commands unavailable: {exc}", err=True)
        return group

    def list_commands(self, ctx):
        names = set(super().list_commands(ctx))
        if not ctx.resilient_parsing and os.environ.get("ESCHOOL_NO_PLUGIN_COMMANDS") != "1":
            names |= set(self._plugins().list_commands(ctx))
        return sorted(names)

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is None:
            command = self._plugins().get_command(ctx, name)
        return command


@click.group(cls=EschoolGroup)
@click.option("--region", default=None, help="Region profile code (sets ESCHOOL_REGION).")
@click.version_option(package_name="eschool")
def main(region):
    """Electronic School: set up, run and administer a regional portal."""
    if region:
        os.environ["ESCHOOL_REGION"] = region


# ------------------------------------------------------------------ init / demo / serve

def demo_package():
    """The demo and benchmark data package, found like a plugin through its entry point (group
    ``eschool.demo``): it is not part of the runtime package, and a portal without it still runs."""
    from importlib.metadata import entry_points

    for entry in entry_points(group="eschool.demo"):
        return entry.load()
    raise click.ClickException("The demo data package is not installed (it ships with the eschool "
                               "distribution as eschool_demo; reinstall the package).")


@main.command()
@region_option
@database_option
def init(region, database):
    """Create or upgrade the database and load the region's municipalities."""
    from eschool.structure.services import sync_municipalities

    app = make_app(region, database)
    applied = _upgrade(app)
    munis = sync_municipalities(app.extensions["eschool"].region)
    click.echo(f"Applied {sum(len(v) for v in applied.values())} migration(s); {len(munis)} municipalities.")


@main.command()
@region_option
@database_option
@click.option("--serve", is_flag=True, help="Start the development server afterwards.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--scale", type=click.Choice(["school", "municipality", "region"]), default=None,
              help="Also build a benchmark data set: 1 school / 50 schools and 25,000 students / 650 schools "
                   "and 360,000 students, with a year of journal (at region scale: through the current week).")
@click.option("--schools", type=int, default=None, help="With --scale: this many schools instead.")
@click.option("--weeks", type=int, default=None, help="With --scale: this many weeks of journal instead.")
def demo(region, database, serve, host, port, scale, schools, weeks):
    """Build a demo: the region's municipalities, a demo school, an account for every role."""
    data = demo_package()
    app = make_app(region, database)
    _upgrade(app)
    result = data.build_demo(log=lambda m: click.echo(f"  {m}"))
    if scale:
        import time

        SCALES, build_scale = data.SCALES, data.build_scale  # noqa: N806 - the package's names

        total = schools or SCALES[scale][0]
        started = time.perf_counter()
        with click.progressbar(length=total, label=f"Building the {scale} data set") as bar:
            counts = build_scale(scale, log=lambda _m: None, progress=bar.update, schools=schools, weeks=weeks)
        click.echo(f"  {counts.schools} schools, {counts.students} students, {counts.users} accounts, "
                   f"{counts.lessons} lessons, {counts.marks} marks, {counts.attendance} absences, "
                   f"{counts.homework} homework in {time.perf_counter() - started:.0f} s")
    ext = app.extensions["eschool"]
    click.echo(f"\n{ext.region.name('portal', 'ru')} ({ext.region.code}): {len(result['municipalities'])} "
               f"municipalities, demo school #{result['school'].id} «{result['school'].short_name}».")
    click.echo(f"\nAccounts (password for all: {result['password']}):")
    notes = result.get("notes", {})  # what the account is in the demo school: its class, its children ...
    for username, role in result["accounts"]:
        click.echo(f"  {username:<14} {role:<20} {notes.get(username, '')}".rstrip())
    if serve:
        click.echo(f"\nPortal: http://{host}:{port}/")
        app.run(host=host, port=port, debug=False, use_reloader=False)


@main.command()
@region_option
@database_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True)
@click.option("--worker/--no-worker", default=False, help="Also run the job worker in this process (the demo).")
def serve(region, database, host, port, debug, worker):
    """Run the development server. In production use gunicorn: see docs/deployment.md."""
    _configure_logging()
    app = make_app(region, database)
    if worker:
        from eschool import jobs

        jobs.consumer(app, workers=2, in_process=True).start()
    app.run(host=host, port=port, debug=debug, use_reloader=False)


@main.command()
@region_option
@database_option
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Worker threads.")
@click.option("--burst", is_flag=True, help="Run the jobs that are due now, then exit (a cron-style install).")
def worker(region, database, workers, burst):
    """Run the job worker: notifications' deliveries and the plugins' periodic tasks (docs/deployment.md)."""
    from eschool import jobs

    if not burst:
        _configure_logging()
    app = make_app(region, database)
    if burst:
        click.echo(f"ran {jobs.run_pending(app)} job(s)")
        return
    jobs.consumer(app, workers=workers).run()


def _configure_logging():
    """The long-running commands log like gunicorn's workers (JSON in production: eschool.ops.logs)."""
    from eschool.config import ConfigError
    from eschool.ops.logs import configure_logging

    try:
        configure_logging()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


# ------------------------------------------------------------------ db

@main.group()
def db():
    """Schema migrations: one history for the core and one per plugin."""


def _owners(app):
    return app.extensions["eschool"].migration_owners()


def _upgrade(app):
    return app.extensions["eschool"].upgrade()


@db.command("upgrade")
@region_option
@database_option
def db_upgrade(region, database):
    """Apply pending migrations: the core first, then each allowed plugin."""
    app = make_app(region, database)
    applied = _upgrade(app)
    for owner, names in applied.items():
        click.echo(f"{owner}: {', '.join(names) if names else 'up to date'}")


@db.command("status")
@region_option
@database_option
@click.option("--json", "as_json", is_flag=True)
def db_status(region, database, as_json):
    """Applied and pending migrations per owner, and orphaned histories."""
    from eschool import db as dbmod

    app = make_app(region, database)
    report = dbmod.status(app.extensions["eschool"].database, _owners(app))
    if as_json:
        click.echo(json.dumps(report, default=str, indent=2))
        return
    for owner, rows in report["owners"].items():
        click.echo(f"{owner}:")
        for row in rows:
            state = "applied " + str(row["applied"])[:19] if row["applied"] else "PENDING"
            if row["missing_file"]:
                state += " (file missing)"
            click.echo(f"  {row['name']:<40} {state}")
    if report["orphans"]:
        click.echo("orphaned histories (no installed plugin): " + ", ".join(report["orphans"]))


# ------------------------------------------------------------------ backups

@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@region_option
@database_option
def backup(path, region, database):
    """The whole portal in one .tar.gz file: the database (SQLite's online backup, or pg_dump for
    PostgreSQL) and the uploaded files of the instance folder (docs/integrators.md, "Backups")."""
    from eschool import __version__
    from eschool import db as dbmod
    from eschool.transfer import backup as backups

    app = make_app(region, database)
    report = dbmod.status(app.extensions["eschool"].database, _owners(app))
    migrations = {owner: [r["name"] for r in rows if r["applied"]] for owner, rows in report["owners"].items()}
    try:
        manifest = backups.make_backup(path, app.config["DATABASE_URL"], Path(app.instance_path), migrations,
                                       __version__)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    uploads = sum(1 for name in manifest["files"] if name.startswith("uploads/"))
    click.echo(f"Backed up the {manifest['database']} database and {uploads} uploaded files to {path} "
               f"({path.stat().st_size // 1024} KB). Keep it where the server's disk failing cannot reach it.")


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask: the database and the uploads are replaced.")
@region_option
@database_option
def restore(path, yes, region, database):
    """Put a backup ('eschool backup') back: the database is replaced by the backup's, the uploads folder
    too (the one replaced is kept beside it); then the schema is brought up to date. Stop the portal's
    servers and workers first."""
    from eschool.transfer import backup as backups

    app = make_app(region, database)
    try:
        manifest = backups.read_manifest(path)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if not yes:
        click.confirm(f"Replace the database and the uploaded files with the backup of {manifest.get('created_at')}?",
                      abort=True)
    ext = app.extensions["eschool"]

    def close_connections():
        ext.database.close()
        if hasattr(ext.database, "close_all"):
            ext.database.close_all()

    try:
        backups.restore_backup(path, app.config["DATABASE_URL"], Path(app.instance_path), close_connections)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    applied = _upgrade(app)
    newer = sum(len(names) for names in applied.values())
    click.echo(f"Restored the backup of {manifest.get('created_at')} (portal {manifest.get('eschool')})"
               + (f"; applied {newer} newer migration(s)." if newer else "."))


# ------------------------------------------------------------------ regions

@main.group()
def regions():
    """Region profiles."""


@regions.command("list")
def regions_list():
    """The bundled region profiles."""
    for code in available_regions():
        try:
            region = load_profile_file(regions_dir() / code / "region.toml")
        except ProfileError as exc:
            click.echo(f"{code:<12} INVALID: {exc}")
            continue
        click.echo(f"{code:<12} {region.name('portal', 'ru')} | {region.timezone} | theme {region.theme} | "
                   f"plugins: {', '.join(sorted(region.plugins)) or '-'}")


@regions.command("check")
@click.argument("path", type=click.Path(dir_okay=True, path_type=Path))
def regions_check(path: Path):
    """Validate a region profile file (or a folder holding region.toml): its keys, its plugins and their
    settings, its theme with every theme it extends, its logo file, and both languages of every name."""
    from eschool.regions.services import profile_problems

    if path.is_dir():
        path = path / "region.toml"
    try:
        region = load_profile_file(path)
        from eschool.plugins.manager import PluginRegistry

        PluginRegistry(region)
    except ProfileError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    problems = profile_problems(region)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)
    click.echo(f"{path}: OK ({region.code}, {len(region.municipalities)} municipalities, "
               f"{len(region.plugins)} plugins)")


# ------------------------------------------------------------------ plugins

@main.group()
def plugins():
    """Installed plugins and where each is on."""


def _scope_args(municipality, school):
    from eschool.structure.services import StructureError, find_school, municipality_by_code

    try:
        if school:
            return "school", find_school(school)
        if municipality:
            return "municipality", municipality_by_code(municipality)
    except StructureError as exc:
        raise click.BadParameter(str(exc)) from exc
    return None, None


@plugins.command("list")
@region_option
@database_option
@click.option("--municipality", default=None, help="Show states in this municipality (code).")
@click.option("--school", default=None, help="Show states in this school (id or short name).")
@click.option("--json", "as_json", is_flag=True)
@click.option("--all", "show_all", is_flag=True, help="Show the core's parts too (each registered as a plugin).")
def plugins_list(region, database, municipality, school, as_json, show_all):
    """Installed plugins: allowed in the region or not, and where each is on."""
    from eschool.core_parts import CORE_PARTS
    from eschool.plugins.manager import installed_entry_points
    from eschool.plugins.models import PluginToggle
    from eschool.plugins.services import plugin_states
    from eschool.structure.models import Municipality, School
    from eschool.types import Scope

    app = make_app(region, database)
    ext = app.extensions["eschool"]
    registry, reg = ext.plugins, ext.region
    kind, target = _scope_args(municipality, school)
    scope = None
    if kind == "school":
        scope = Scope(reg.code, target.municipality_id, target.id)
    elif kind == "municipality":
        scope = Scope(reg.code, target.id, None)
    states = plugin_states(registry, scope) if scope else {}
    try:
        toggles = list(PluginToggle.select().order_by(PluginToggle.scope_type, PluginToggle.scope_id))
        schools = {s.id: s for s in School.select(School.id, School.short_name, School.municipality)}
        munis = {m.id: m.code for m in Municipality.select()}
    except Exception:  # noqa: BLE001 - database not initialised yet
        toggles, schools, munis = [], {}, {}
    rows = []
    if show_all:
        for code, _module in CORE_PARTS:
            rows.append({"code": code, "version": registry.infos[code].version, "allowed": True,
                         "default": "core: always on", "overrides": [],
                         "hooks": registry.hooks_implemented(code), "core": True})
    for code, ep in sorted(installed_entry_points().items()):
        entry = reg.plugins.get(code)
        info = registry.infos.get(code)
        where = "not allowed in this region"
        if entry is not None:
            limit = entry["municipalities"]
            where = ("on" if entry["default"] else "off") + " by default"
            where += f" in {', '.join(limit)} only" if limit else " everywhere"
        overrides = [_override(t, munis, schools, as_json) for t in toggles if t.plugin == code]
        row = {"code": code, "version": info.version if info else ep.dist.version if ep.dist else "",
               "allowed": entry is not None, "default": where, "overrides": overrides,
               "hooks": registry.hooks_implemented(code) if info else []}
        if scope is not None and code in states:
            row["here"] = "on" if states[code].enabled else "off"
            row["source"] = states[code].source
        rows.append(row)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    plugin_count = sum(1 for row in rows if not row.get("core"))
    click.echo(f"Region {reg.code}: {plugin_count} installed plugin(s)"
               + (f" and {len(rows) - plugin_count} core parts" if show_all else ""))
    for row in rows:
        line = f"  {row['code']:<18} {row['version']:<8} {row['default']}"
        if "here" in row:
            line += f" | here: {row['here']} ({row['source']})"
        click.echo(line)
        for override in row["overrides"]:
            click.echo(f"  {'':<16} override: {override}")


def _override(toggle, munis: dict, schools: dict, as_json: bool):
    """A stored toggle: with ids for ``--json`` (the school's id and its municipality's code, or the
    municipality's code), as a line of text otherwise."""
    state = "on" if toggle.enabled else "off"
    if as_json:
        item = {"scope": toggle.scope_type, "state": state, "enforced": toggle.enforced}
        if toggle.scope_type == "school":
            school = schools.get(toggle.scope_id)
            item.update(school_id=toggle.scope_id, municipality=munis.get(school.municipality_id) if school else None)
        elif toggle.scope_type == "municipality":
            item.update(municipality=munis.get(toggle.scope_id), municipality_id=toggle.scope_id)
        return item
    extra = " (enforced)" if toggle.enforced else ""
    if toggle.scope_type == "school":
        school = schools.get(toggle.scope_id)
        return f"school {school.short_name if school else toggle.scope_id}: {state} (id {toggle.scope_id})"
    if toggle.scope_type == "municipality":
        return f"municipality {munis.get(toggle.scope_id, toggle.scope_id)}: {state}{extra}"
    return f"the whole region: {state}{extra}"


def _toggle(plugin, municipality, school, enabled, enforce=False, region_wide=False):
    from flask import current_app

    from eschool.plugins.services import ToggleError, set_toggle

    if region_wide:
        if municipality or school:
            raise click.UsageError("--region-wide goes alone, without --municipality or --school.")
        kind, target = "region", None
    else:
        kind, target = _scope_args(municipality, school)
    if kind is None:
        raise click.UsageError("Give --municipality CODE, --school ID or --region-wide.")
    if enforce and kind == "school":
        raise click.UsageError("--enforce is for a municipality (its schools cannot change it); a school's toggle "
                               "binds only the school.")
    try:
        set_toggle(current_app.extensions["eschool"].plugins, plugin, kind, target.id if target else 0, enabled,
                   actor="cli", enforced=enforce)
    except ToggleError as exc:
        raise click.ClickException(str(exc)) from exc
    label = "the whole region" if kind == "region" else f"{kind} " + (
        target.short_name if kind == "school" else target.code)
    held = " (enforced: the levels below cannot change it)" if enforce or kind == "region" else ""
    click.echo(f"{plugin}: {'on' if enabled else 'off'} for {label}{held} (its data is kept).")


enforce_option = click.option("--enforce", is_flag=True,
                              help="With --municipality: the municipality's schools cannot change it.")
region_wide_option = click.option("--region-wide", is_flag=True,
                                  help="For every municipality and school, enforced (none of them can change it).")


@plugins.command("enable")
@click.argument("plugin")
@click.option("--municipality", default=None)
@click.option("--school", default=None)
@enforce_option
@region_wide_option
@region_option
@database_option
def plugins_enable(plugin, municipality, school, enforce, region_wide, region, database):
    """Switch a plugin on for a municipality, a school, or (enforced) the whole region."""
    make_app(region, database)
    _toggle(plugin, municipality, school, True, enforce, region_wide)


@plugins.command("disable")
@click.argument("plugin")
@click.option("--municipality", default=None)
@click.option("--school", default=None)
@enforce_option
@region_wide_option
@region_option
@database_option
def plugins_disable(plugin, municipality, school, enforce, region_wide, region, database):
    """Switch a plugin off for a municipality, a school, or (enforced) the whole region (nothing is deleted)."""
    make_app(region, database)
    _toggle(plugin, municipality, school, False, enforce, region_wide)


@plugins.command("reset")
@click.argument("plugin")
@click.option("--municipality", default=None)
@click.option("--school", default=None)
@region_wide_option
@region_option
@database_option
def plugins_reset(plugin, municipality, school, region_wide, region, database):
    """Remove a stored toggle so the level above decides again (--region-wide: the profile's default)."""
    from eschool.plugins.services import clear_toggle

    make_app(region, database)
    if region_wide:
        clear_toggle(plugin, "region", 0)
        click.echo(f"{plugin}: back to the region profile's default everywhere.")
        return
    kind, target = _scope_args(municipality, school)
    if kind is None:
        raise click.UsageError("Give --municipality CODE, --school ID or --region-wide.")
    clear_toggle(plugin, kind, target.id)
    click.echo(f"{plugin}: back to the default for {kind} {target.id}.")


# ------------------------------------------------------------------ schools

@main.group()
def schools():
    """The region's schools: list, create (one, or a municipality's list from a CSV/XLSX file), change."""


def _field_errors(exc) -> str:
    from eschool.validation import as_text

    lines = []
    for name, messages in as_text(exc.messages).items():
        if isinstance(messages, dict):
            lines += [f"{name}.{k}: {' '.join(v)}" for k, v in messages.items()]
        else:
            lines.append(f"{name}: {' '.join(messages)}")
    return "\n".join(lines)


def _school_line(school, admins) -> str:
    logins = ", ".join(u.username for u in admins) or "-"
    return f"{school.id:>6}  {school.municipality.code:<16} {school.short_name}  [admins: {logins}]"


@schools.command("list")
@click.option("--municipality", default=None, help="Only this municipality's schools (code).")
@click.option("--search", "query", default="", help="Words of the name or short name, or the id.")
@click.option("--json", "as_json", is_flag=True, help="Ids, names, municipality codes and administrators' logins.")
@region_option
@database_option
def schools_list(municipality, query, as_json, region, database):
    """The schools of the region (or of a municipality), by municipality and short name."""
    from eschool.accounts.services import school_administrators
    from eschool.structure.services import StructureError, municipality_by_code, search_schools

    make_app(region, database)
    try:
        muni = municipality_by_code(municipality) if municipality else None
    except StructureError as exc:
        raise click.BadParameter(str(exc), param_hint="--municipality") from exc
    found = search_schools(query, None, muni.id if muni else None)
    admins = school_administrators(found)
    if as_json:
        click.echo(json.dumps([{"id": s.id, "short_name": s.short_name, "name": s.name,
                                "municipality": s.municipality.code, "inn": s.inn,
                                "administrators": [u.username for u in admins[s.id]]} for s in found],
                              indent=2, ensure_ascii=False))
        return
    for school in found:
        click.echo(_school_line(school, admins[school.id]))
    click.echo(f"{len(found)} school(s)")


school_field_options = [
    click.option("--name", default=None, help="The full name (required for a new school)."),
    click.option("--short-name", default=None, help="The short name, unique in the municipality (default: the name)."),
    click.option("--address", default=None), click.option("--phone", default=None),
    click.option("--email", default=None), click.option("--website", default=None),
    click.option("--director", "director_name", default=None, help="The director's full name."),
    click.option("--inn", default=None), click.option("--kpp", default=None),
    click.option("--ogrn", default=None), click.option("--okpo", default=None),
]


def _with_school_fields(command):
    for option in reversed(school_field_options):
        command = option(command)
    return command


def _given(**values) -> dict:
    return {k: v for k, v in values.items() if v is not None}


def _print_login(user, password, school) -> None:
    click.echo(f"Administrator of {school.short_name}: login {user.username}, one-time password {password} "
               "(shown once; to be changed at the first login)")


@schools.command("create")
@_with_school_fields
@click.option("--municipality", default=None, help="The municipality's code (for --csv: of the rows without one).")
@click.option("--admin-name", default=None, help="Also create the school's administrator (full name).")
@click.option("--admin-email", default=None, help="The administrator's e-mail.")
@click.option("--csv", "csv_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Create every school of a CSV or XLSX file instead (columns: see docs/integrators.md).")
@click.option("--dry-run", is_flag=True, help="Only check and say what would be created.")
@region_option
@database_option
def schools_create(municipality, admin_name, admin_email, csv_path, dry_run, region, database, **fields):
    """Create a school (with its administrator), or every school of a file: all or nothing."""
    from marshmallow import ValidationError

    from eschool.accounts.services import issue_administrator
    from eschool.auth.services import AccountError
    from eschool.db import db as database_proxy
    from eschool.structure.schemas import SchoolInSchema
    from eschool.structure.services import StructureError, municipality_by_code, new_school

    make_app(region, database)
    try:
        muni = municipality_by_code(municipality) if municipality else None
    except StructureError as exc:
        raise click.BadParameter(str(exc), param_hint="--municipality") from exc
    if csv_path is not None:
        if _given(**fields) or admin_name or admin_email:
            raise click.UsageError("--csv takes the schools from the file: leave out the school's own options.")
        _schools_from_file(csv_path, muni, dry_run)
        return
    if muni is None:
        raise click.UsageError("Give --municipality CODE (or --csv FILE).")
    admin = {"full_name": admin_name or "", "email": admin_email} if (admin_name or admin_email) else None
    try:
        data = SchoolInSchema().load({**_given(**fields), "administrator": admin})
    except ValidationError as exc:
        raise click.ClickException("nothing was created:\n" + _field_errors(exc)) from exc
    if dry_run:
        click.echo(f"correct: {(data['short_name'] or data['name'])} would be created in {muni.code} (dry run)")
        return
    try:
        with database_proxy.atomic():
            school = new_school(muni, data)
            login = issue_administrator(None, school, admin["full_name"], admin.get("email")) if admin else None
    except (StructureError, AccountError) as exc:
        raise click.ClickException(f"nothing was created: {exc}") from exc
    click.echo(f"Created school {school.id}: {school.short_name} ({muni.code})")
    if login:
        _print_login(*login, school)


def _schools_from_file(path: Path, muni, dry_run: bool) -> None:
    from eschool.structure import importing

    try:
        plan = importing.check(importing.read_rows(path.read_bytes(), path.name), muni)
    except importing.ImportFileError as exc:
        raise click.ClickException(str(exc)) from exc
    for line, name, code in plan.skipped:
        click.echo(f"{path.name}, line {line}: {name} is already a school of {code}; skipped")
    for line, column, reason in plan.errors:
        click.echo(f"{path.name}, line {line}, {column}: {reason}", err=True)
    if not plan.ok:
        raise click.ClickException(f"{plan.bad_lines} bad rows; nothing was created")
    if dry_run:
        for item in plan.rows:
            admin = f", administrator {item['admin']['full_name']}" if item["admin"] else ""
            click.echo(f"{path.name}, line {item['line']}: {item['data']['short_name']} ({item['municipality'].code})"
                       f"{admin}")
        click.echo(f"{path.name}: correct; {len(plan.rows)} schools would be created (dry run, nothing written)")
        return
    done = importing.run(plan)
    click.echo(f"Created {len(done)} schools.")
    for school, user, password in done:
        click.echo(f"{school.id}\t{school.municipality.code}\t{school.short_name}"
                   + (f"\t{user.username}\t{password}" if user else ""))
    if any(user for _s, user, _p in done):
        click.echo("(the administrators' passwords are shown once; each is changed at the first login)")


@schools.command("update")
@click.argument("school_ref")
@_with_school_fields
@click.option("--municipality", default=None, help="Move the school to this municipality (code).")
@region_option
@database_option
def schools_update(school_ref, municipality, region, database, **fields):
    """Change a school's card (SCHOOL_REF: its id or short name); only the options given change."""
    from marshmallow import ValidationError

    from eschool.structure.schemas import SchoolPatchSchema
    from eschool.structure.services import StructureError, find_school, municipality_by_code, update_school

    make_app(region, database)
    try:
        school = find_school(school_ref)
        muni = municipality_by_code(municipality) if municipality else None
    except StructureError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        data = SchoolPatchSchema().load(_given(**fields), partial=True)
    except ValidationError as exc:
        raise click.ClickException("nothing was changed:\n" + _field_errors(exc)) from exc
    if not data and muni is None:
        raise click.UsageError("Give at least one option to change.")
    try:
        update_school(school, data, muni)
    except StructureError as exc:
        raise click.ClickException(f"nothing was changed: {exc}") from exc
    click.echo(f"Updated school {school.id}: {school.short_name} ({school.municipality.code})")


@schools.command("add-admin")
@click.argument("school_ref")
@click.option("--name", "full_name", required=True, help="The administrator's full name (the login is made from it).")
@click.option("--email", default=None)
@region_option
@database_option
def schools_add_admin(school_ref, full_name, email, region, database):
    """Issue a new administrator's login for a school, with a one-time password (shown once)."""
    from marshmallow import ValidationError

    from eschool.accounts.services import issue_administrator
    from eschool.auth.services import AccountError
    from eschool.structure.schemas import AdministratorInSchema
    from eschool.structure.services import StructureError, find_school

    make_app(region, database)
    try:
        school = find_school(school_ref)
    except StructureError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        data = AdministratorInSchema().load({"full_name": full_name, "email": email})
        _print_login(*issue_administrator(None, school, data["full_name"], data.get("email")), school)
    except ValidationError as exc:
        raise click.ClickException(_field_errors(exc)) from exc
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc


# ------------------------------------------------------------------ users

@main.group()
def users():
    """Accounts."""


@users.command("create")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Full name.")
@click.option("--email", default=None)
@click.option("--role", "roles", multiple=True, help="ROLE or ROLE@school:ID / ROLE@municipality:CODE; repeatable.")
@click.option("--password", default=None, help="Default: generated and printed; must be changed at first login.")
@region_option
@database_option
def users_create(username, full_name, email, roles, password, region, database):
    """Create an account (its password must be changed at first login)."""
    from eschool.auth import services as auth
    from eschool.db import db as database_proxy

    app = make_app(region, database)
    ext = app.extensions["eschool"]
    generated = password is None
    password = password or auth.generate_password()
    try:
        with database_proxy.atomic():
            user = auth.create_user(username, full_name, password=password, email=email, must_change_password=True)
            for spec in roles:
                auth.grant_role(user, allowed_roles=ext.roles, **_role_target(spec))
    except auth.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {user.username}" + (f"; password: {password}" if generated else ""))


def _role_target(spec: str) -> dict:
    from eschool.structure.services import StructureError, find_school, municipality_by_code

    role, _, where = spec.partition("@")
    kwargs = {"role": role}
    try:
        if where.startswith("school:"):
            kwargs["school"] = find_school(where[7:])
        elif where.startswith("municipality:"):
            kwargs["municipality"] = municipality_by_code(where[13:])
        elif where:
            raise click.BadParameter(f"--role {spec}: expected ROLE@school:ID or ROLE@municipality:CODE")
    except StructureError as exc:
        raise click.BadParameter(f"--role {spec}: {exc}") from exc
    return kwargs


@users.command("set-password")
@click.argument("username")
@click.option("--password", default=None, help="Default: generated and printed.")
@click.option("--temporary/--permanent", default=True, show_default=True,
              help="A temporary password must be changed at the next login.")
@region_option
@database_option
def users_set_password(username, password, temporary, region, database):
    """Set a user's password (the administrator's way when self-service reset is off)."""
    from eschool.auth import services as auth
    from eschool.auth.models import User

    make_app(region, database)
    user = User.get_or_none(User.username == username)
    if user is None:
        raise click.ClickException(f"username: no user '{username}'")
    generated = password is None
    password = password or auth.generate_password()
    try:
        auth.set_password(user, password, must_change=temporary)
    except auth.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Password set for {username}" + (f": {password}" if generated else ""))


@users.command("issue-logins")
@click.option("--school", "school_ref", required=True, help="The school's id or short name.")
@click.option("--class", "class_names", multiple=True, help="A class by name (5А); repeatable. Default: every "
              "class of the current year.")
@click.option("--staff/--no-staff", default=None, help="The staff without a password too (default: yes, unless "
              "--class names classes).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The printable slips: an .html file (or .pdf where WeasyPrint works). Must not exist.")
@click.option("--url", "login_url", default=None, help="The portal's login address printed on the slips, e.g. "
              "https://school.example.ru/login (default: the login page's path).")
@region_option
@database_option
def users_issue_logins(school_ref, class_names, staff, out, login_url, region, database):
    """One-time passwords in bulk: every student, parent and staff account of the school that cannot log in
    yet (no login, or imported without a password) gets one, written once to printable slips grouped by
    class. The passwords must be changed at the first login; delete the file once the slips are printed."""
    from flask import render_template, url_for

    from eschool.accounts import services as accounts
    from eschool.exports import PdfUnavailable, pdf_bytes
    from eschool.school.services import classes, current_year

    app = make_app(region, database)
    school = one_school(school_ref)
    if out.exists():
        raise click.ClickException(f"--out: {out} exists; the slips go into a new file")
    year = current_year(school)
    groups = classes(school, year) if year else []
    if class_names:
        by_name = {g.name.casefold(): g for g in groups}
        unknown = [n for n in class_names if n.casefold() not in by_name]
        if unknown:
            raise click.ClickException(f"--class: no class {', '.join(unknown)} in the current year of "
                                       f"{school.short_name}")
        groups = [by_name[n.casefold()] for n in dict.fromkeys(class_names)]
    issued = accounts.issue_logins(None, school, groups, staff if staff is not None else not class_names)
    count = sum(len(items) for _title, items in issued)
    if not count:
        click.echo("Everyone already has a login; no file written.")
        return
    with app.test_request_context():
        slips = accounts.slip_entries(issued, app.extensions["eschool"].roles)
        url = login_url or url_for("auth.login")
        html = render_template("accounts/slips_print.html", school=school, groups=slips, login_url=url)
        data = html.encode("utf-8")
        if out.suffix.lower() == ".pdf":
            try:
                data = pdf_bytes(html)
            except PdfUnavailable as exc:
                raise click.ClickException(f"--out: {exc}; write an .html file instead") from exc
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # passwords: the operator's eyes only
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    click.echo(f"{count} one-time passwords for {school.short_name} written to {out} "
               f"({', '.join(f'{title}: {len(items)}' for title, items in issued)}). Print the slips, then delete "
               "the file: the passwords are shown nowhere else.")


# ------------------------------------------------------------------ import

@main.group("import")
def import_():
    """Load lists into a school (checked row by row, then all or nothing)."""


@import_.command("students")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--school", "school_ref", required=True, help="The school's id or short name.")
@click.option("--order", "order_number", required=True, help="The enrolment order's number.")
@click.option("--date", "date", default=None, help="Enrolment date, YYYY-MM-DD (default: today).")
@click.option("--dry-run", is_flag=True, help="Only check the file and say what would change.")
@region_option
@database_option
def import_students(path, school_ref, order_number, date, dry_run, region, database):
    """Enrol the students listed in a CSV or XLSX file (columns: see docs/people.md)."""
    import datetime as dt

    from eschool.people import importing
    from eschool.structure.services import StructureError, find_school

    make_app(region, database)
    try:
        school = find_school(school_ref)
    except StructureError as exc:
        raise click.ClickException(f"--school: {exc}") from exc
    try:
        when = dt.date.fromisoformat(date) if date else dt.date.today()
    except ValueError as exc:
        raise click.ClickException("--date: expected YYYY-MM-DD") from exc
    try:
        plan = importing.check(school, importing.read_rows(path.read_bytes(), path.name))
    except importing.ImportFileError as exc:
        raise click.ClickException(str(exc)) from exc
    for line, name in plan.skipped:
        click.echo(f"{path.name}, line {line}: {name} is already in the school; skipped")
    for line, column, reason in plan.errors:
        click.echo(f"{path.name}, line {line}, {column}: {reason}", err=True)
    if not plan.ok:
        raise click.ClickException(f"{len({e[0] for e in plan.errors})} bad rows; nothing was imported")
    if dry_run:
        for parent in plan.parents:
            account = "new account" if parent.new else f"existing account {parent.user.username}"
            click.echo(f"{path.name}, lines {', '.join(map(str, parent.lines))}: parent {parent.name} ({account})")
        click.echo(f"{path.name}: correct; {len(plan.rows)} students would be enrolled, "
                   f"{len(plan.new_parents)} new parents created and {len(plan.linked_parents)} existing "
                   "parent accounts linked (dry run, nothing written)")
        return
    new, linked = len(plan.new_parents), len(plan.linked_parents)  # counted before the run gives them accounts
    with click.progressbar(length=len(plan.rows), label="Enrolling") as bar:
        count = importing.run(school, plan, when, order_number, progress=bar.update)
    click.echo(f"Enrolled {count} students into {school.short_name} (order {order_number}); "
               f"parents: {new} new, {linked} existing linked.")


@import_.command("staff")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--school", "school_ref", required=True, help="The school's id or short name.")
@click.option("--dry-run", is_flag=True, help="Only check the file and say what would change.")
@region_option
@database_option
def import_staff(path, school_ref, dry_run, region, database):
    """Create the staff listed in a CSV or XLSX file with their roles and personal files (columns: see
    docs/people.md); prints each new account's login and password once (to be changed at first login)."""
    from eschool.people import staff_import
    from eschool.structure.services import StructureError, find_school

    app = make_app(region, database)
    allowed = app.extensions["eschool"].roles
    try:
        school = find_school(school_ref)
    except StructureError as exc:
        raise click.ClickException(f"--school: {exc}") from exc
    try:
        plan = staff_import.check(school, staff_import.read_rows(path.read_bytes(), path.name), allowed)
    except staff_import.tabular.ImportFileError as exc:
        raise click.ClickException(str(exc)) from exc
    for line, name in plan.skipped:
        click.echo(f"{path.name}, line {line}: {name} already works at the school; skipped")
    for line, column, reason in plan.errors:
        click.echo(f"{path.name}, line {line}, {column}: {reason}", err=True)
    if not plan.ok:
        raise click.ClickException(f"{plan.bad_lines} bad rows; nothing was imported")
    if dry_run:
        for item in plan.rows:
            roles = ", ".join(code + (f" {group.name}" if group else "") for code, group in item["roles"])
            account = f"existing account {item['user'].username}" if item["user"] else "new account"
            click.echo(f"{path.name}, line {item['line']}: {item['name']}: {roles} ({account})")
        click.echo(f"{path.name}: correct; {len(plan.rows)} staff would be added (dry run, nothing written)")
        return
    with click.progressbar(length=len(plan.rows), label="Adding staff") as bar:
        done = staff_import.run(school, plan, allowed, progress=bar.update)
    click.echo(f"Added {len(done)} staff to {school.short_name}. New logins (shown once; changed at first login):")
    for user, password, _roles in done:
        if password:
            click.echo(f"{user.username}\t{password}\t{user.full_name}")


@import_.command("timetable")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--school", "school_ref", default=None, help="The school's id or short name (default: the only one).")
@click.option("--dry-run", is_flag=True, help="Only check the file and say what would change.")
@region_option
@database_option
def import_timetable(path, school_ref, dry_run, region, database):
    """The weekly timetable of the current year from an aSc Timetables XML export (.xml) or a CSV/XLSX table
    (class, day, lesson number, subject, teacher, room, subgroup: see docs/data-exchange.md). The classes the
    file names get exactly its week; a clash is refused with its line; all or nothing."""
    from eschool.timetable import importing

    make_app(region, database)
    school = one_school(school_ref)
    try:
        plan = importing.check(school, importing.read_file(path.read_bytes(), path.name), path.name)
    except importing.ImportFileError as exc:
        raise click.ClickException(str(exc)) from exc
    for line, column, reason in plan.errors:
        click.echo(f"{path.name}, line {line}" + (f", {column}" if column else "") + f": {reason}", err=True)
    if not plan.ok:
        raise click.ClickException(f"{plan.bad_lines} bad rows; nothing was imported")
    for line, note in plan.notes:
        click.echo(f"note: {path.name}, line {line}: {note}", err=True)
    for what, name in plan.creates:
        click.echo(f"{'would create' if dry_run else 'creates'} {what}: {name}")
    summary = (f"{len(plan.classes)} classes ({', '.join(c.name for c in plan.classes)}): {plan.added} lessons "
               f"added, {len(plan.changed)} changed, {len(plan.removed)} removed, {plan.unchanged} unchanged")
    if dry_run:
        click.echo(f"{path.name}: correct; {summary} (dry run, nothing written)")
        return
    importing.run(plan)
    click.echo(f"Imported the timetable of {school.short_name}: {summary}.")


@import_.command("archive")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only check the archive against this database.")
@region_option
@database_option
def import_archive(path, dry_run, region, database):
    """Put a school's or a municipality's archive ('eschool export') into this database: an empty one after
    'eschool init', or one with other schools. Municipalities are found by their code; all or nothing."""
    from eschool.transfer import services as archive

    make_app(region, database)
    try:
        plan = archive.read_archive(path)
    except archive.ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    for error in plan.errors:
        click.echo(error, err=True)
    if not plan.ok:
        raise click.ClickException(f"{len(plan.errors)} problems; nothing was imported")
    schools = ", ".join(s["short_name"] for s in plan.manifest["scope"]["schools"])
    counts = plan.counts()
    summary = ", ".join(f"{name} {count}" for name, count in counts.items())
    if dry_run:
        click.echo(f"{path}: fits this database; would import {schools}: {summary} (dry run, nothing written)")
        return
    with click.progressbar(length=len(archive.SPECS_LIST) - 1, label="Importing") as bar:
        archive.run_import(plan, progress=bar.update)
    click.echo(f"Imported {schools}: {summary}.")


def one_school(school_ref):
    """The school a CLI command's --school names (id or short name); without it, the only school of the
    database. A ClickException saying what to give otherwise (plugins: ``plugin_api.cli_school``)."""
    from eschool.structure.models import School
    from eschool.structure.services import StructureError, find_school

    if school_ref:
        try:
            return find_school(school_ref)
        except StructureError as exc:
            raise click.ClickException(f"--school: {exc}") from exc
    schools = list(School.select().limit(2))
    if len(schools) != 1:
        raise click.ClickException("--school: give the school's id or short name")
    return schools[0]


def _forward_to_plugin(ctx, old: str, group: str, command: str, region, database, **params):
    """A command that moved into a plugin: say where it went, then run it there (for one release)."""
    if region:
        os.environ["ESCHOOL_REGION"] = region
    if database:
        os.environ["DATABASE_URL"] = database
    click.echo(f"warning: 'eschool {old}' is deprecated and will be removed; use 'eschool {group} {command}'",
               err=True)
    plugin_group = main.get_command(ctx, group)
    target = plugin_group.get_command(ctx, command) if plugin_group is not None else None
    if target is None:
        raise click.ClickException(f"the '{group}' plugin is not installed or not allowed in this region")
    return ctx.invoke(target, **params)


@import_.command("oneroster", hidden=True)
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--school", "school_ref", default=None)
@click.option("--order", "order_number", default="OneRoster")
@click.option("--dry-run", is_flag=True)
@region_option
@database_option
@click.pass_context
def import_oneroster(ctx, folder, school_ref, order_number, dry_run, region, database):
    """Deprecated: 'eschool oneroster import' (the oneroster plugin)."""
    _forward_to_plugin(ctx, "import oneroster", "oneroster", "import", region, database, folder=folder,
                       school_ref=school_ref, order_number=order_number, dry_run=dry_run)


# ------------------------------------------------------------------ export

@main.group("export")
def export_():
    """Write a school's or a municipality's data to an archive (docs/data-exchange.md)."""


def _plugin_files(school, folder, keys):
    """What the plugins on at ``school`` add to its part of an archive (``eschool_export_files``)."""
    from eschool.plugins.services import hooks_here, scope_for_school

    hooks_here(scope_for_school(school)).eschool_export_files(school=school, folder=folder, keys=keys)


def _archive_written(path, manifest) -> None:
    rows = {t["name"]: t["rows"] for t in manifest["tables"]}
    click.echo(f"Wrote {path}: {len(manifest['scope']['schools'])} school(s), {rows['student']} students, "
               f"{rows['user_account']} accounts, {rows['lesson']} lessons, {rows['mark']} marks, "
               f"{len(manifest['files'])} files. It holds personal data and password hashes: keep it as safe as "
               "the database.")
    for name in manifest["missing_files"]:
        click.echo(f"warning: {name}: the rows name this uploaded file but it is not in the instance folder",
                   err=True)


@export_.command("school")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--school", "school_ref", default=None, help="The school's id or short name (default: the only one).")
@region_option
@database_option
def export_school(path, school_ref, region, database):
    """A school's whole data in one archive (a ZIP file, docs/data-exchange.md): its structure, people
    (also as OneRoster 1.1), timetable, journal, marks, attendance, homework and final marks, with the
    uploaded files; 'eschool import archive' reads it back."""
    from eschool.transfer import services as archive

    make_app(region, database)
    school = one_school(school_ref)
    if path.exists():
        raise click.ClickException(f"{path} exists; an archive goes into a new file")
    try:
        manifest = archive.export_archive(path, [school], plugin_files=_plugin_files)
    except archive.ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    _archive_written(path, manifest)


@export_.command("municipality")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--municipality", "code", required=True, help="The municipality's code (the region profile's).")
@region_option
@database_option
def export_municipality(path, code, region, database):
    """Every school of a municipality in one archive, with the municipality's own roles and settings."""
    from eschool.structure.models import Municipality, School
    from eschool.transfer import services as archive

    make_app(region, database)
    municipality = Municipality.get_or_none(Municipality.code == code)
    if municipality is None:
        raise click.ClickException(f"--municipality: no municipality '{code}'")
    if path.exists():
        raise click.ClickException(f"{path} exists; an archive goes into a new file")
    schools = list(School.select().where(School.municipality == municipality))
    try:
        manifest = archive.export_archive(path, schools, municipality, plugin_files=_plugin_files)
    except archive.ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    _archive_written(path, manifest)


@export_.command("oneroster", hidden=True)
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--school", "school_ref", default=None)
@region_option
@database_option
@click.pass_context
def export_oneroster(ctx, folder, school_ref, region, database):
    """Deprecated: 'eschool oneroster export' (the oneroster plugin)."""
    _forward_to_plugin(ctx, "export oneroster", "oneroster", "export", region, database, folder=folder,
                       school_ref=school_ref)


# ------------------------------------------------------------------ i18n

@main.group()
def i18n():
    """Translation catalogs: extract, update, compile, check."""


plugin_root_option = click.option(
    "--plugin", "plugin_roots", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The package folder of an out-of-tree plugin (e.g. src/eschool_hello); only its catalogs are handled.")


def _selected_owners(plugin_roots):
    """``None`` (every owner in this source tree), or just the plugins given with ``--plugin``."""
    from eschool.translations_tools import owners

    if not plugin_roots:
        return None
    roots = [p.resolve() for p in plugin_roots]
    return [o for o in owners(extra_plugin_roots=roots) if o.root.resolve() in roots]


@i18n.command("compile")
@plugin_root_option
def i18n_compile(plugin_roots):
    """Compile every .po catalog (core, plugins, themes, regions) to .mo."""
    from eschool.translations_tools import compile_all, compile_owner

    selected = _selected_owners(plugin_roots)
    paths = compile_all() if selected is None else [p for o in selected for p in compile_owner(o)]
    for path in paths:
        click.echo(f"compiled {path}")


@i18n.command("extract")
@plugin_root_option
def i18n_extract(plugin_roots):
    """Extract messages and update each owner's .po catalogs (English is filled from the ids)."""
    from eschool.translations_tools import extract_and_update

    for path in extract_and_update(_selected_owners(plugin_roots)):
        click.echo(f"updated {path}")


@i18n.command("check")
@plugin_root_option
def i18n_check(plugin_roots):
    """Fail when any message lacks a Russian or English translation."""
    from eschool.translations_tools import check_all

    problems = check_all(_selected_owners(plugin_roots))
    for p in problems:
        click.echo(p, err=True)
    if problems:
        sys.exit(1)
    click.echo("All catalogs complete.")


if __name__ == "__main__":
    main()
