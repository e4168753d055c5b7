"""The hook implementations of eschool-hello (the entry-point target)."""
import click
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import Schema, fields, validate

from eschool.plugin_api import (
    MenuItem,
    Permission,
    PluginInfo,
    School,
    cli_app,
    has_permission,
    hookimpl,
    public,
    require,
)

CODE = "hello"
POST = "hello.post"

bp = Blueprint("hello", __name__, url_prefix="/hello")


def _school(school_id: int) -> School:
    school = School.get_or_none(School.id == school_id)
    if school is None:
        abort(404)
    return school


@bp.get("/school/<int:school_id>")
@public
def board(school_id: int):
    """A school's greetings board: anyone may read it."""
    from eschool_hello import services

    school = _school(school_id)
    return render_template("hello/board.html", school=school, greetings=services.board(school),
                           can_post=has_permission(current_user, POST))


@bp.post("/school/<int:school_id>")
@require(POST)
def post(school_id: int):
    from eschool_hello import services

    school = _school(school_id)
    try:
        services.greet(school, request.form.get("text", ""), author=current_user.full_name)
    except services.GreetingError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Greeting posted."), "success")
    return redirect(url_for("hello.board", school_id=school.id))


class HelloSettings(Schema):
    board_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


@hookimpl
def eschool_plugin_info():
    return PluginInfo.for_package(__name__, code=CODE, name=_l("Greetings"),
                                  description=_l("A greetings board for each school"), version="0.1.0")


@hookimpl
def eschool_models():
    from eschool_hello.models import Greeting

    return [Greeting]


@hookimpl
def eschool_blueprints(app):
    return [bp]


@hookimpl
def eschool_permissions():
    return [Permission(POST, _l("Post greetings on the school's board"),
                       ("school_admin", "director", "deputy_director", "class_teacher", "subject_teacher"))]


@hookimpl
def eschool_settings_schema():
    return HelloSettings


@hookimpl
def eschool_menu_items(user, scope):
    if scope.school_id is None:
        return []
    return [MenuItem("hello.board", _l("Greetings"), order=600, url_kwargs={"school_id": scope.school_id},
                     plugin=CODE)]


@hookimpl
def eschool_cli_commands(cli):
    @cli.group(CODE)
    def hello():
        """Greetings boards."""

    @hello.command("greet")
    @click.argument("school_id", type=int)
    @click.argument("text")
    def greet(school_id, text):
        """Post TEXT on the board of school SCHOOL_ID."""
        from eschool_hello import services

        cli_app()
        school = School.get_or_none(School.id == school_id)
        if school is None:
            raise click.ClickException(f"school: no school with id {school_id}")
        try:
            services.greet(school, text, author="eschool hello greet")
        except services.GreetingError as exc:
            raise click.ClickException(f"text: {exc}") from exc
        click.echo(f"Posted on the board of {school.short_name}.")


@hookimpl
def eschool_demo_data(school, rng, log):
    from eschool_hello import services

    if not services.board(school):
        services.greet(school, "С началом учебного года!", author="Директор")
        log("hello: one greeting on the demo school's board")
