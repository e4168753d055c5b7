"""Themes and the template loader chain: region -> theme (and its parents) -> plugins -> core.

An override can extend the original through a prefix: ``{% extends "core:base.html" %}``,
``{% extends "theme:base.html" %}`` (the parent theme's) or ``"<plugin>:<plugin>/page.html"``.
"""
from __future__ import annotations

import tomllib
from pathlib import Path

from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader

from eschool.regions.services import ProfileError, find_theme, known_themes

CORE_ROOT = Path(__file__).parent


def read_theme_meta(folder: Path) -> dict:
    """A theme's ``theme.toml`` (empty when it has none); a mistake names the file and the key."""
    meta_file = folder / "theme.toml"
    if not meta_file.exists():
        return {}
    try:
        meta = tomllib.loads(meta_file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{meta_file}: not valid TOML: {exc}") from exc
    extends = meta.get("extends")
    if extends is not None and (not isinstance(extends, str) or not extends.strip()):
        raise ProfileError(f"{meta_file}: extends: expected the name of another theme, e.g. \"default\", "
                           f"not {extends!r}")
    return meta


def theme_chain(name: str) -> list[Path]:
    """The theme's folder, then its parents' (``extends`` in theme.toml), ending at ``default``; each is
    looked up along the themes' search path (``ESCHOOL_THEMES_DIR``, then the bundled themes)."""
    chain, seen = [], set()
    current, named_in = name, "theme"
    while current:
        if current in seen:
            raise ProfileError(f"{chain[-1] / 'theme.toml'}: extends: theme inheritance loops ({current} again)")
        seen.add(current)
        folder = find_theme(current)
        if folder is None:
            raise ProfileError(f"{named_in}: no theme '{current}' (available: {known_themes()})")
        chain.append(folder)
        meta = read_theme_meta(folder)
        named_in = f"{folder / 'theme.toml'}: extends"
        current = meta.get("extends") or (None if current == "default" else "default")
    return chain


def core_template_dirs() -> list[str]:
    """``core/eschool/templates`` (the base layout) and each capability's ``<capability>/templates``."""
    return [str(CORE_ROOT / "templates")] + [str(p) for p in sorted(CORE_ROOT.glob("*/templates"))]


def build_loader(region_folder: Path, chain: list[Path], plugin_templates: dict[str, Path]) -> ChoiceLoader:
    core = FileSystemLoader(core_template_dirs())
    loaders = []
    if (region_folder / "templates").is_dir():
        loaders.append(FileSystemLoader(str(region_folder / "templates")))
    theme_dirs = [str(p / "templates") for p in chain if (p / "templates").is_dir()]
    if theme_dirs:
        loaders.append(FileSystemLoader(theme_dirs))
    if plugin_templates:
        loaders.append(FileSystemLoader([str(p) for _, p in sorted(plugin_templates.items())]))
    loaders.append(core)
    prefixes = {"core": core, **{code: FileSystemLoader(str(p)) for code, p in plugin_templates.items()}}
    parents = [str(p / "templates") for p in chain[1:] if (p / "templates").is_dir()]
    if parents:
        prefixes["theme"] = FileSystemLoader(parents)
    loaders.append(PrefixLoader(prefixes, delimiter=":"))
    return ChoiceLoader(loaders)


def static_dirs(region_folder: Path, chain: list[Path]) -> list[Path]:
    """Where ``/static/<path>`` is looked up, first match wins."""
    dirs = [region_folder / "static"] + [p / "static" for p in chain] + [CORE_ROOT / "static"]
    return [d for d in dirs if d.is_dir()]


def theme_setting(chain: list[Path], key: str, default=None):
    """A value of the theme's ``theme.toml`` (``color``, the colour of the browser's bar and of the installed
    portal's splash screen), else its parents', else ``default``."""
    for folder in chain:
        meta_file = folder / "theme.toml"
        if meta_file.exists():
            meta = tomllib.loads(meta_file.read_text(encoding="utf-8"))
            if key in meta:
                return meta[key]
    return default
