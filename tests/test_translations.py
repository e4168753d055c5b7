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
