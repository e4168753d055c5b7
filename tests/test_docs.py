"""docs/plugins.md documents every hook of core/eschool/hookspecs.py, and nothing else."""
import inspect
import re
from pathlib import Path

from eschool import hookspecs

DOC = Path(__file__).parents[1] / "docs" / "plugins.md"


def test_every_hookspec_has_a_heading_in_the_plugin_docs_and_vice_versa():
    specs = {name for name, obj in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("eschool_")}
    documented = set(re.findall(r"^### (eschool_\w+)\s*$", DOC.read_text(encoding="utf-8"), re.MULTILINE))
    assert specs, "no hookspecs found"
    assert specs - documented == set(), f"hooks missing from docs/plugins.md: {sorted(specs - documented)}"
    assert documented - specs == set(), f"docs/plugins.md documents unknown hooks: {sorted(documented - specs)}"


def test_the_documented_signatures_match_the_specs():
    text = DOC.read_text(encoding="utf-8")
    for name, func in inspect.getmembers(hookspecs, inspect.isfunction):
        if not name.startswith("eschool_"):
            continue
        signature = f"`{name}({', '.join(inspect.signature(func).parameters)})"
        assert signature in text, f"docs/plugins.md: expected the signature {signature}`"


def test_links_between_the_docs_lead_somewhere():
    """Relative links in README.md and docs/*.md name files that exist."""
    root = DOC.parents[1]
    broken = []
    for page in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(root)}: {target}")
    assert not broken, broken
