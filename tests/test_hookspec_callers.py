"""Every hookspec has a caller in the product's code and a section in docs/plugins.md; the specs whose
caller is pending (hookspecs.PENDING_CALLERS) have none, and their section says so.

A call site is one of: ``<something>.eschool_x(`` (a hook caller: ``pm.hook``, ``hooks_here(scope)``),
``call_each("eschool_x"``, or ``fire_event("x"`` for ``eschool_on_x``. The product's code is every
``.py`` file of the repository outside the tests, the examples and the virtualenv (the core and the
built-in plugins, wherever a capability lives)."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

from eschool import hookspecs

ROOT = Path(__file__).parents[1]
DOC = ROOT / "docs" / "plugins.md"
SKIP = {".venv", ".git", "tests", "examples", "build", "instance", "node_modules"}


def product_sources() -> str:
    texts = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0] in SKIP or parts[0].endswith(".egg-info") or path.name == "hookspecs.py":
            continue
        texts.append(path.read_text(encoding="utf-8"))
    return "\n".join(texts)


def has_call_site(spec: str, source: str) -> bool:
    patterns = [rf"\.\s*{spec}\s*\(", rf"call_each\(\s*[\"']{spec}[\"']",
                # a historic hook, or one whose implementations the core calls one by one
                rf"\.\s*{spec}\s*\.\s*(call_historic|get_hookimpls)\s*\("]
    if spec.startswith("eschool_on_"):
        patterns.append(rf"fire_event\(\s*[\"']{spec.removeprefix('eschool_on_')}[\"']")
    return any(re.search(pattern, source) for pattern in patterns)


def doc_sections(text: str) -> dict[str, str]:
    """``### eschool_x`` headings and the text under each."""
    parts = re.split(r"^### (eschool_\w+)\s*$", text, flags=re.MULTILINE)
    return {name: re.split(r"^#{1,3} ", body, maxsplit=1, flags=re.MULTILINE)[0]
            for name, body in zip(parts[1::2], parts[2::2], strict=True)}


def problems(specs: set[str], pending: dict[str, str], source: str, docs: str) -> list[str]:
    found = []
    sections = doc_sections(docs)
    for spec in sorted(specs):
        called = has_call_site(spec, source)
        if spec in pending and called:
            found.append(f"{spec}: listed in PENDING_CALLERS but the code calls it now; take it off the list "
                         f"and its 'not called yet' off docs/plugins.md")
        if spec not in pending and not called:
            found.append(f"{spec}: no call site in the code (nor in PENDING_CALLERS with what will call it)")
        section = sections.get(spec)
        if section is None:
            found.append(f"{spec}: no section '### {spec}' in docs/plugins.md")
        elif ("not called yet" in section.lower()) != (spec in pending):
            found.append(f"{spec}: docs/plugins.md must say 'not called yet' exactly for the specs in PENDING_CALLERS")
    found += [f"{name}: in PENDING_CALLERS but not a hookspec" for name in sorted(set(pending) - specs)]
    return found


def specs_of(module) -> set[str]:
    return {name for name, _ in inspect.getmembers(module, inspect.isfunction) if name.startswith("eschool_")}


def test_every_hookspec_has_a_caller_and_documentation():
    assert problems(specs_of(hookspecs), hookspecs.PENDING_CALLERS, product_sources(),
                    DOC.read_text(encoding="utf-8")) == []


def test_the_check_fails_on_a_spec_without_a_caller_or_documentation():
    source, docs = product_sources(), DOC.read_text(encoding="utf-8")
    specs = specs_of(hookspecs) | {"eschool_on_fake_event"}
    assert problems(specs, hookspecs.PENDING_CALLERS, source, docs) == [
        "eschool_on_fake_event: no call site in the code (nor in PENDING_CALLERS with what will call it)",
        "eschool_on_fake_event: no section '### eschool_on_fake_event' in docs/plugins.md"]
    with_caller = source + '\nfire_event("fake_event", scope)\n'
    documented = docs + "\n### eschool_on_fake_event\n\n`eschool_on_fake_event(scope)`. A fake.\n"
    assert problems(specs, hookspecs.PENDING_CALLERS, with_caller, documented) == []


def test_the_check_fails_when_a_pending_spec_gains_a_caller():
    """A spec may wait for its caller (listed in PENDING_CALLERS, documented as not called yet); the check
    says so when the caller lands, and when a spec is neither called nor listed."""
    source, docs = product_sources(), DOC.read_text(encoding="utf-8")
    spec = "eschool_on_fake_later"
    specs = specs_of(hookspecs) | {spec}
    pending = {**hookspecs.PENDING_CALLERS, spec: "a later issue"}
    docs += f"\n### {spec}\n\n`{spec}(scope)`. **Not called yet**: a later issue.\n"
    assert problems(specs, pending, source, docs) == []
    called = source + f"\nhooks.{spec}(scope=scope)\n"
    assert problems(specs, pending, called, docs) == [
        f"{spec}: listed in PENDING_CALLERS but the code calls it now; take it off the list and its "
        f"'not called yet' off docs/plugins.md"]
    assert problems(specs, hookspecs.PENDING_CALLERS, source, docs) == [
        f"{spec}: no call site in the code (nor in PENDING_CALLERS with what will call it)",
        f"{spec}: docs/plugins.md must say 'not called yet' exactly for the specs in PENDING_CALLERS"]
