"""Extract, update, compile and check the translation catalogs of every owner.

Owners: the core (``core/eschool``), each plugin package, each theme and each region. Each keeps
``translations/<locale>/LC_MESSAGES/messages.po`` for every portal locale, plus the compiled
``.mo`` (committed, so a wheel and a fresh clone run without a build step). Message ids are
English; the English catalog is filled from them by ``extract``, the Russian one by hand.

A compiled catalog is compared with its ``.po`` by meaning, never by bytes: the messages (with their
context and plural forms), their translations, the plural rule and the charset. The bytes of a ``.mo``
also carry the header Babel writes (``Generated-By: Babel 2.x``, the dates), so a newer Babel, which
``pyproject.toml`` allows, would otherwise make every committed ``.mo`` look out of date.
"""
from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from eschool.i18n import LOCALES
from eschool.regions.services import regions_dir, themes_dir

KEYWORDS = {
    "_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3),
    "lazy_gettext": None, "_l": None, "lazy_ngettext": (1, 2), "lazy_pgettext": ((1, "c"), 2), "N_": None,
}
METHODS = [("**/templates/**.html", "jinja2"), ("**/templates/**.txt", "jinja2"), ("**.py", "python")]
SKIP = ("/tests/", "/migrations/", "/build/", "/.venv/")


@dataclass
class Owner:
    kind: str  # core | plugin | theme | region
    name: str
    root: Path

    @property
    def translations(self) -> Path:
        return self.root / "translations"

    def po_path(self, locale: str) -> Path:
        return self.translations / locale / "LC_MESSAGES" / "messages.po"


def owners(extra_plugin_roots: list[Path] | None = None) -> list[Owner]:
    core_root = Path(__file__).parent
    found = [Owner("core", "core", core_root)]
    plugins_dir = core_root.parents[1] / "plugins"
    roots = sorted(p for p in plugins_dir.glob("eschool_*") if p.is_dir()) if plugins_dir.is_dir() else []
    roots += list(extra_plugin_roots or [])
    found += [Owner("plugin", p.name.removeprefix("eschool_"), p) for p in roots]
    found += [Owner("theme", p.name, p) for p in sorted(themes_dir().iterdir()) if (p / "templates").is_dir()
              or (p / "translations").is_dir()]
    found += [Owner("region", p.name, p) for p in sorted(regions_dir().iterdir())
              if (p / "templates").is_dir() or (p / "translations").is_dir()]
    return found


def extract(owner: Owner) -> Catalog:
    """A template catalog of every message used in the owner's code and templates."""
    catalog = Catalog(project="eschool", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
            str(owner.root), METHODS, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",), strip_comment_tags=True):
        if any(s in "/" + filename.replace("\\", "/") + "/" for s in SKIP):
            continue
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _read(path: Path, locale: str) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def _mo_bytes(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()


def mo_meaning(data: bytes) -> tuple:
    """What a compiled catalog says, whatever wrote it: its plural rule, its charset, and every message
    ``(context, id or (singular, plural)) -> translation or (forms...)``; the header's other lines
    (which Babel wrote it, when) are left out."""
    catalog = read_mo(io.BytesIO(data))
    header = dict(catalog.mime_headers)
    plural_forms = "".join(str(header.get("Plural-Forms", "")).split()).rstrip(";")
    messages = {}
    for message in catalog:
        if not message.id:
            continue  # the header
        key = (message.context, tuple(message.id) if isinstance(message.id, (list, tuple)) else message.id)
        value = tuple(message.string) if isinstance(message.string, (list, tuple)) else message.string
        messages[key] = value
    return plural_forms, catalog.charset.lower(), messages


def mo_is_current(mo: Path, catalog: Catalog) -> bool:
    """Whether the ``.mo`` at ``mo`` says what ``catalog`` (its ``.po``) says: the same translated,
    non-fuzzy messages with the same translations, plural rule and charset (see the module's docstring)."""
    if not mo.exists():
        return False
    try:
        have = mo_meaning(mo.read_bytes())
    except (OSError, ValueError, UnicodeDecodeError, struct.error):
        return False  # not a readable catalog at all
    return have == mo_meaning(_mo_bytes(catalog))


def extract_and_update(selected: list[Owner] | None = None) -> list[Path]:
    """Refresh every owner's catalogs from its sources; English is filled from the ids."""
    written = []
    for owner in selected or owners():
        template = extract(owner)
        if not len(template) and not owner.translations.is_dir():
            continue
        for locale in LOCALES:
            path = owner.po_path(locale)
            if path.exists():
                catalog = _read(path, locale)
                catalog.update(template, no_fuzzy_matching=True)
                catalog.obsolete.clear()
            else:
                catalog = Catalog(locale=locale, project="eschool", fuzzy=False)
                catalog.update(template, no_fuzzy_matching=True)
            if locale == "en":
                for message in catalog:
                    if message.id and not _translated(message):
                        message.string = message.id
                        message.flags.discard("fuzzy")
            path.parent.mkdir(parents=True, exist_ok=True)
            buf = io.BytesIO()
            write_po(buf, catalog, width=100, sort_output=True, omit_header=False, include_lineno=False)
            if not path.exists() or _without_date(path.read_bytes()) != _without_date(buf.getvalue()):
                path.write_bytes(buf.getvalue())  # untouched catalogs keep their date: no noise in git
                written.append(path)
        written += compile_owner(owner)
    return written


def _without_date(po: bytes) -> bytes:
    """A catalog without the lines that change when nothing was said differently: the date of the
    extraction and the Babel that wrote it (a newer Babel alone rewrites no catalog)."""
    return b"\n".join(line for line in po.split(b"\n")
                      if not line.startswith((b'"POT-Creation-Date:', b'"Generated-By:')))


def compile_owner(owner: Owner) -> list[Path]:
    """Write each locale's .mo where it is missing or says something else than its .po (by meaning: a
    newer Babel alone rewrites nothing, see the module's docstring)."""
    written = []
    for locale in LOCALES:
        po = owner.po_path(locale)
        if po.exists():
            mo = po.with_suffix(".mo")
            catalog = _read(po, locale)
            if not mo_is_current(mo, catalog):
                mo.write_bytes(_mo_bytes(catalog))
                written.append(mo)
    return written


def compile_all() -> list[Path]:
    written = []
    for owner in owners():
        written += compile_owner(owner)
    return written


def _translated(message) -> bool:
    if isinstance(message.string, tuple | list):
        return all(s for s in message.string)
    return bool(message.string)


def check_owner(owner: Owner, core_ids: dict | None = None) -> list[str]:
    problems = []
    template = extract(owner)
    if not len(template) and not owner.translations.is_dir():
        return problems
    ids = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in template if m.id}
    for locale in LOCALES:
        po = owner.po_path(locale)
        if not po.exists():
            problems.append(f"{po}: missing (every catalog folder carries every locale)")
            continue
        catalog = _read(po, locale)
        have = {}
        for m in catalog:
            if m.id:
                have[(m.id if isinstance(m.id, str) else m.id[0], m.context)] = m
        for key in sorted(ids, key=str):
            m = have.get(key)
            if m is None:
                problems.append(f"{po}: no entry for {key[0]!r} (run 'eschool i18n extract')")
            elif not _translated(m) or m.fuzzy:
                problems.append(f"{po}: untranslated {key[0]!r}")
        mo = po.with_suffix(".mo")
        if not mo_is_current(mo, catalog):
            problems.append(f"{mo}: missing or out of date (run 'eschool i18n compile')")
        if owner.kind == "plugin" and core_ids:
            # One shared domain: a plugin may reuse a core message, but must not translate it differently.
            core_strings = core_ids.get(locale, {})
            for key in sorted(ids, key=str):
                m = have.get(key)
                if key in core_strings and m is not None and _translated(m) and m.string != core_strings[key]:
                    problems.append(f"{po}: translates the core message {key[0]!r} differently; "
                                    f"use the core's translation or pgettext('{owner.name}', ...)")
    return problems


def check_all(selected: list[Owner] | None = None) -> list[str]:
    """Every problem in every catalog: missing entries, untranslated or fuzzy ones, stale .mo files."""
    all_owners = selected or owners()
    core = next((o for o in all_owners if o.kind == "core"), None)
    core_ids: dict[str, dict] = {}
    if core is not None:
        for locale in LOCALES:
            po = core.po_path(locale)
            if po.exists():
                core_ids[locale] = {(m.id if isinstance(m.id, str) else m.id[0], m.context): m.string
                                    for m in _read(po, locale) if m.id}
    problems = []
    for owner in all_owners:
        problems += check_owner(owner, core_ids)
    return problems
