"""Finding, loading and validating region profiles."""
from __future__ import annotations

import importlib.util
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from marshmallow import ValidationError

from eschool.regions.schemas import RegionSchema


class ProfileError(Exception):
    """A region profile that cannot be used; the message names the file and the key."""


def _data_dir(env: str, package: str, folder: str) -> Path:
    """Where regions/ live: env var, the source tree, or the installed package."""
    if os.environ.get(env):
        return Path(os.environ[env])
    return _bundled(package, folder)


def _bundled(package: str, folder: str) -> Path:
    """The bundled regions/ or themes/: the source tree's folder, or the installed data package."""
    source = Path(__file__).resolve().parents[3] / folder
    if source.is_dir():
        return source
    spec = importlib.util.find_spec(package)
    if spec and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    raise ProfileError(f"Cannot find the bundled {folder}/ folder (package {package}); reinstall eschool.")


def regions_dir() -> Path:
    return _data_dir("ESCHOOL_REGIONS_DIR", "eschool_regions", "regions")


def themes_dir() -> Path:
    """The bundled themes' folder (the source tree's ``themes/`` or the installed ``eschool_themes``)."""
    return _bundled("eschool_themes", "themes")


def themes_dirs() -> list[Path]:
    """Where themes are looked up, first match wins: each folder of ``ESCHOOL_THEMES_DIR`` (several are
    separated by ``:``), then the bundled themes, so that a theme of one's own may ``extends = "default"``."""
    dirs = [Path(p) for p in os.environ.get("ESCHOOL_THEMES_DIR", "").split(os.pathsep) if p.strip()]
    bundled = themes_dir()
    return dirs + ([bundled] if bundled not in dirs else [])


def find_theme(name: str) -> Path | None:
    """The folder of the theme ``name`` along the search path, or None."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    for base in themes_dirs():
        if (base / name).is_dir():
            return base / name
    return None


def known_themes() -> str:
    """The themes the search path holds, and where it looked (for an error message)."""
    names = sorted({p.name for base in themes_dirs() if base.is_dir() for p in base.iterdir() if p.is_dir()
                    and not p.name.startswith(("_", "."))})
    return f"{', '.join(names) or 'none'}; looked in {', '.join(str(d) for d in themes_dirs())}"


def available_regions() -> list[str]:
    base = regions_dir()
    return sorted(p.parent.name for p in base.glob("*/region.toml"))


def flatten_errors(messages, prefix="") -> list[str]:
    """Turn marshmallow's nested messages into ``key.path: message`` lines."""
    lines = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix and key != "_schema" else (prefix or str(key))
            if key == "_schema":
                path = prefix or "(profile)"
            lines.extend(flatten_errors(value, path))
    elif isinstance(messages, list):
        for item in messages:
            lines.extend(flatten_errors(item, prefix) if isinstance(item, dict | list) else [f"{prefix}: {item}"])
    else:
        lines.append(f"{prefix}: {messages}")
    return lines


def _plain_entries(messages: dict, key: str) -> dict:
    """marshmallow nests a Dict field's errors as ``{entry: {"key": ..., "value": ...}}``; name the
    entry directly (``plugins.vacancies.default``, not ``plugins.vacancies.value.default``)."""
    entries = messages.get(key)
    if not isinstance(entries, dict):
        return messages
    plain = {}
    for entry, errors in entries.items():
        if isinstance(errors, dict) and errors and set(errors) <= {"key", "value"}:
            value = errors.get("value", {})
            merged = dict(value) if isinstance(value, dict) else {"_schema": list(value)}
            if "key" in errors:
                merged["_schema"] = list(errors["key"]) + merged.get("_schema", [])
            errors = merged
        plain[entry] = errors
    return {**messages, key: plain}


@dataclass
class Region:
    """A loaded, validated region profile."""

    code: str
    path: Path
    data: dict

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def timezone(self) -> str:
        return self.data["timezone"]

    @property
    def theme(self) -> str:
        return self.data["theme"]

    @property
    def logo(self) -> str:
        """The portal's logo: a path looked up in the region's static folder, then the theme's."""
        return self.data.get("logo") or "img/logo.svg"

    @property
    def locale(self) -> str:
        return self.data["locale"]

    @property
    def rules(self) -> dict:
        return self.data["rules"]

    @property
    def municipalities(self) -> list[dict]:
        return self.data["municipalities"]

    @property
    def plugins(self) -> dict:
        """Plugins the profile allows (``enabled = true``), code -> entry."""
        return {code: e for code, e in self.data["plugins"].items() if e["enabled"]}

    def name(self, key: str, locale: str) -> str:
        texts = self.data["names"][key]
        return texts.get(locale) or texts["ru"]


def load_profile_file(path: Path) -> Region:
    """Read and validate one ``region.toml``; raise ProfileError naming the file and key."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ProfileError(f"{path}: file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}") from exc
    try:
        data = RegionSchema().load(raw)
    except ValidationError as exc:
        messages = _plain_entries(exc.messages, "plugins") if isinstance(exc.messages, dict) else exc.messages
        lines = "\n".join(f"  {line}" for line in flatten_errors(messages))
        raise ProfileError(f"{path}: the region profile is not valid:\n{lines}") from exc
    if data["code"] != path.parent.name and path.name == "region.toml":
        raise ProfileError(f"{path}: code: '{data['code']}' does not match the folder name '{path.parent.name}'")
    if find_theme(data["theme"]) is None:
        raise ProfileError(f"{path}: theme: no theme '{data['theme']}' (available: {known_themes()})")
    return Region(code=data["code"], path=path, data=data)


def load_region(code: str) -> Region:
    path = regions_dir() / code / "region.toml"
    if not path.exists():
        known = ", ".join(available_regions()) or "none"
        raise ProfileError(f"{path}: no such region profile '{code}' (available: {known})")
    return load_profile_file(path)


def profile_problems(region: Region) -> list[str]:
    """What ``eschool regions check`` finds beyond what start-up refuses: the theme's chain (``extends``
    followed to the end), the logo file, and the English beside every Russian name. Each line names the
    file and the key."""
    from eschool.themes import static_dirs, theme_chain

    problems = []
    try:
        chain = theme_chain(region.theme)
    except ProfileError as exc:
        return [f"{region.path}: {exc}" if str(exc).startswith("theme:") else str(exc)]
    dirs = static_dirs(region.folder, chain)
    if not any((d / region.logo).is_file() for d in dirs):
        where = ", ".join(str(d) for d in dirs) or "no static folder"
        problems.append(f"{region.path}: logo: no file '{region.logo}' in {where}")
    names = [(f"names.{key}", texts) for key, texts in region.data["names"].items()]
    names += [(f"municipalities[{i}].name ({m['code']})", m["name"]) for i, m in enumerate(region.municipalities)]
    for key, texts in names:
        missing = [locale for locale in ("ru", "en") if not (texts.get(locale) or "").strip()]
        if missing:
            problems.append(f"{region.path}: {key}: no {' and no '.join(LANGUAGE_NAMES[m] for m in missing)} "
                            f"name (expected {{ ru = \"...\", en = \"...\" }})")
    return problems


LANGUAGE_NAMES = {"ru": "Russian", "en": "English"}
