"""Electronic School: the core package.

Plugins import only ``hookimpl`` (and the small dataclasses in ``eschool.types``) from here;
importing this package has no side effects and does not build an application.
"""
import pluggy

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
