"""Electronic School: the core package.

Plugins import only ``hookimpl`` (and the small dataclasses in ``eschool.types``) from here;
importing this package does not build an application. Its one side effect: marshmallow's
default error messages become translatable (``eschool.validation``), before any schema exists.
"""
import pluggy

from eschool import validation as _validation

_validation.install()

__version__ = "0.1.0"

PROJECT = "eschool"
#: The entry-point group through which built-in and third-party plugins are found.
ENTRY_POINT_GROUP = "eschool.plugins"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


def create_app(config=None):
    """Build the Flask application (see :func:`eschool.app.create_app`)."""
    from eschool.app import create_app as _create_app

    return _create_app(config)


__all__ = ["ENTRY_POINT_GROUP", "create_app", "hookimpl", "hookspec", "__version__"]
