"""Every message of the core, the plugins, the themes and the example plugin has Russian and English."""
from pathlib import Path

from eschool.translations_tools import check_all, owners

ROOT = Path(__file__).parents[1]


def test_every_catalog_is_complete_and_compiled():
    examples = [p for p in (ROOT / "examples").glob("*/eschool_*") if p.is_dir()]
    problems = check_all(owners(extra_plugin_roots=examples))
    assert problems == [], "\n".join(problems[:50])


def test_the_check_notices_a_missing_translation(tmp_path):
    """The check above can fail: a plugin with an untranslated message is reported."""
    plugin = tmp_path / "eschool_broken"
    (plugin / "templates" / "broken").mkdir(parents=True)
    (plugin / "templates" / "broken" / "page.html").write_text("<p>{{ _('A message nobody translated') }}</p>")
    for locale in ("ru", "en"):
        folder = plugin / "translations" / locale / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "messages.po").write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n')
    broken = [o for o in owners(extra_plugin_roots=[plugin]) if o.name == "broken"]
    problems = check_all(broken)
    assert any("A message nobody translated" in p and "/ru/" in p for p in problems)
    assert any("A message nobody translated" in p and "/en/" in p for p in problems)


def _owner_with_one_message(tmp_path, translation_ru: str):
    """A plugin with one translated message in both locales, its catalogs compiled."""
    from eschool.translations_tools import compile_owner

    plugin = tmp_path / "eschool_tiny"
    (plugin / "templates" / "tiny").mkdir(parents=True)
    (plugin / "templates" / "tiny" / "page.html").write_text("<p>{{ _('A tiny message') }}</p>")
    for locale, text in (("ru", translation_ru), ("en", "A tiny message")):
        folder = plugin / "translations" / locale / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "messages.po").write_text(
            'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
            f'msgid "A tiny message"\nmsgstr "{text}"\n')
    owner = next(o for o in owners(extra_plugin_roots=[plugin]) if o.name == "tiny")
    compile_owner(owner)
    return owner


def test_a_catalog_compiled_by_another_babel_version_is_current(tmp_path, monkeypatch):
    """The .mo header names the Babel that wrote it: a newer (allowed) Babel must not make the committed
    catalogs look stale. Same messages and translations, other bytes: no problem, nothing rewritten."""
    import babel.messages.catalog

    from eschool.translations_tools import compile_owner

    monkeypatch.setattr(babel.messages.catalog, "VERSION", "99.0.0")
    owner = _owner_with_one_message(tmp_path, "Крошечное сообщение")
    monkeypatch.undo()
    mo = owner.po_path("ru").with_suffix(".mo")
    assert b"Babel 99.0.0" in mo.read_bytes()
    assert check_all([owner]) == []
    assert compile_owner(owner) == []  # a newer Babel alone rewrites nothing
    assert b"Babel 99.0.0" in mo.read_bytes()


def test_the_check_notices_a_compiled_catalog_out_of_date(tmp_path):
    """The check can fail: a .mo that lacks a translation the .po has, or says another one, is reported;
    compiling brings it back in step."""
    from eschool.translations_tools import compile_owner

    owner = _owner_with_one_message(tmp_path, "Крошечное сообщение")
    po = owner.po_path("ru")
    mo, original = po.with_suffix(".mo"), po.read_text()
    assert check_all([owner]) == []

    po.write_text(original.replace("Крошечное сообщение", "Другой перевод"))  # a translation changed
    assert any(str(mo) in p and "out of date" in p for p in check_all([owner]))

    po.write_text(original + '\nmsgid "Another message"\nmsgstr "Ещё сообщение"\n')  # one the .mo lacks
    assert any(str(mo) in p and "out of date" in p for p in check_all([owner]))
    assert compile_owner(owner) == [mo]
    assert check_all([owner]) == []

    mo.write_bytes(b"not a catalog")
    assert any(str(mo) in p and "out of date" in p for p in check_all([owner]))
