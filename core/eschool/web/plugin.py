"""The portal's frame: the start page, the language switch, static files."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eschool import hookimpl
from eschool.core_parts import part_info
from eschool.types import MenuItem


@hookimpl
def eschool_plugin_info():
    return part_info("core.web", _l("Portal pages"))


@hookimpl
def eschool_blueprints(app):
    from eschool.web.views import bp

    return [bp]


@hookimpl
def eschool_init_app(app):
    """The pages' building blocks: ``{{ text|markdown }}`` (safe rich text), ``{{ value|cell }}`` (a value in the
    user's language), ``{{ rate|rate }}`` (a percentage with one decimal in the user's language) and
    ``{{ slot(...) }}``."""
    from eschool.richtext import render_markdown
    from eschool.web.services import display_rate, display_value
    from eschool.web.slots import marker, render_slot

    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["cell"] = display_value
    app.jinja_env.filters["rate"] = display_rate
    app.jinja_env.globals.update(slot=render_slot, slot_marker=marker)


@hookimpl
def eschool_menu_items(user, scope):
    if user is None:
        return []
    return [MenuItem("web.dashboard", _l("Start page"), order=0, plugin="core", group="home")]
