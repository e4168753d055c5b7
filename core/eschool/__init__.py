"""Electronic School: the core package.

Plugins import only ``hookimpl`` (and the small dataclasses in ``eschool.types``) from here;
importing this package does not build an application. Its one side effect: marshmallow's
default error messages become translatable (``eschool.validation``), before any schema exists.
"""
import pluggy

from eschool import validation as _validation

_validation.install()


def _installed_version() -> str:
    """The installed distribution's version (pyproject.toml's, as pip recorded it): one source, so that
    ``/version``, ``/healthz`` and ``openapi.json`` say 0.1.1 after an upgrade to 0.1.1."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(PROJECT)
    except PackageNotFoundError:  # a source tree used without installing it
        return "0+unknown"


PROJECT = "eschool"
__version__ = _installed_version()

#: The entry-point group through which built-in and third-party plugins are found.
ENTRY_POINT_GROUP = "eschool.plugins"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


def create_app(config=None):
    """Build the Flask application (see :func:`eschool.app.create_app`)."""
    from eschool.app import create_app as _create_app

    return _create_app(config)


__all__ = ["ENTRY_POINT_GROUP", "create_app", "hookimpl", "hookspec", "__version__"]
