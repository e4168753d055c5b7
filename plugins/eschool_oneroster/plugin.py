"""OneRoster 1.1 exchange as a built-in plugin: its table and the ``eschool oneroster`` commands."""
from __future__ import annotations

from pathlib import Path

import click
from flask_babel import lazy_gettext as _l

from eschool.plugin_api import PluginInfo, __version__, cli_app, cli_school, hookimpl

CODE = "oneroster"


@hookimpl
def eschool_plugin_info():
    return PluginInfo.for_package(
        __name__, code=CODE, name=_l("OneRoster exchange"), version=__version__,
        description=_l("A school's people, classes and enrolments in and out as IMS OneRoster 1.1 files"))


@hookimpl
def eschool_models():
    from eschool_oneroster.models import OneRosterLink

    return [OneRosterLink]


@hookimpl
def eschool_export_files(school, folder, keys):
    """The school's people, classes and enrolments as OneRoster 1.1 files in a school archive (``oneroster/``),
    their sourcedIds made of the archive's numbers."""
    from eschool_oneroster import services

    services.export(school, Path(folder) / CODE, archive_keys=keys)


def _switched_on(school) -> None:
    """The exchange runs only for a school where the plugin is on (a school that switched it off keeps its
    links, and its people are not overwritten from files)."""
    from eschool.plugin_api import is_enabled, scope_for_school

    if school is not None and getattr(school, "id", None) and not is_enabled(CODE, scope_for_school(school)):
        raise click.ClickException(f"--school: the OneRoster exchange is switched off for {school.short_name}")


@hookimpl
def eschool_cli_commands(cli):
    @cli.group(CODE)
    def oneroster():
        """IMS OneRoster 1.1 CSV files: import a school from them, export a school to them."""

    @oneroster.command("import")
    @click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
    @click.option("--school", "school_ref", default=None,
                  help="Import into this school (id or short name); default: the school orgs.csv describes, "
                       "found by its sourcedId, short name or name, or created in its municipality.")
    @click.option("--order", "order_number", default="OneRoster", show_default=True,
                  help="The order number written in the movement book for the enrolments.")
    @click.option("--dry-run", is_flag=True, help="Only check the files and say what would be created.")
    def import_folder(folder, school_ref, order_number, dry_run):
        """Import a school's people, classes and enrolments from OneRoster 1.1 CSV files (docs/people.md)."""
        from eschool.plugin_api import AccountError, SchoolError
        from eschool_oneroster import services

        app = cli_app()
        roles = app.extensions["eschool"].roles
        school = cli_school(school_ref) if school_ref else None
        _switched_on(school)
        try:
            plan = services.check_folder(folder, school, roles)
        except services.OneRosterError as exc:
            raise click.ClickException(str(exc)) from exc
        for file, line, name, reason in plan.errors:
            click.echo(f"{file}, line {line}, {name}: {reason}", err=True)
        if not plan.ok:
            raise click.ClickException(f"{len({(e[0], e[1]) for e in plan.errors})} bad rows; nothing was imported")
        _switched_on(plan.school)
        for file, line, name, note in plan.notes:
            click.echo(f"note: {file}, line {line}, {name}: {note}", err=True)
        if dry_run:
            for what, name, file, line in plan.creates:
                click.echo(f"would create {what}: {name} ({file}, line {line})")
            if plan.incomplete:
                click.echo(f"{len(plan.incomplete)} students come without a birth date or sex: their cards would be "
                           "imported with those fields to complete")
            click.echo(f"{folder}: correct; {len(plan.creates)} things would be created (dry run, nothing written)")
            return
        try:
            with click.progressbar(length=plan.steps, label="Importing") as bar:
                made = services.run(plan, roles, order_number=order_number, progress=bar.update)
        except (SchoolError, AccountError) as exc:  # a rule the check did not foresee: the transaction is undone
            raise click.ClickException(f"{exc}; nothing was imported") from exc
        click.echo(f"Imported into {plan.school.short_name}: "
                   + ", ".join(f"{v} {k}" for k, v in made.items() if k != "without_password") + ".")
        if plan.incomplete:
            click.echo(f"{len(plan.incomplete)} cards have fields to complete (birth date or sex): the school's list "
                       f"is the page /school/{plan.school.id}/students/to-complete")
        if made.get("without_password"):
            click.echo(f"{made['without_password']} new accounts have no password yet: print their one-time "
                       f"passwords by class with 'eschool users issue-logins --school {plan.school.id} --out slips.html'")

    @oneroster.command("export")
    @click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
    @click.option("--school", "school_ref", default=None, help="The school's id or short name (default: the only one).")
    def export_folder(folder, school_ref):
        """Write the school's people, classes and enrolments as OneRoster 1.1 CSV files into FOLDER."""
        from eschool_oneroster import services

        cli_app()
        school = cli_school(school_ref)
        _switched_on(school)
        counts = services.export(school, folder)
        click.echo(f"Exported {school.short_name} to {folder}: "
                   + ", ".join(f"{name} {count}" for name, count in counts.items()) + ".")
