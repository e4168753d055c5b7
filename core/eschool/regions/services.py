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
    """Where regions/ or themes/ live: env var, the source tree, or the installed package."""
    if os.environ.get(env):
        return Path(os.environ[env])
    source = Path(__file__).resolve().parents[3] / folder
    if source.is_dir():
        return source
    spec = importlib.util.find_spec(package)
    if spec and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    raise ProfileError(f"Cannot find the {folder}/ folder; set {env}.")


def regions_dir() -> Path:
    return _data_dir("ESCHOOL_REGIONS_DIR", "eschool_regions", "regions")


def themes_dir() -> Path:
    return _data_dir("ESCHOOL_THEMES_DIR", "eschool_themes", "themes")


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
    themes = themes_dir()
    if not (themes / data["theme"]).is_dir():
        known = ", ".join(sorted(p.name for p in themes.iterdir() if p.is_dir()))
        raise ProfileError(f"{path}: theme: no theme '{data['theme']}' in {themes} (available: {known})")
    return Region(code=data["code"], path=path, data=data)


def load_region(code: str) -> Region:
    path = regions_dir() / code / "region.toml"
    if not path.exists():
        known = ", ".join(available_regions()) or "none"
        raise ProfileError(f"{path}: no such region profile '{code}' (available: {known})")
    return load_profile_file(path)
