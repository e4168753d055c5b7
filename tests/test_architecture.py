"""The architecture's contracts (import-linter, configured in pyproject.toml): plugins import only the
public API and never each other, the core never imports a plugin, a capability's layers never import upward."""
from __future__ import annotations

import pkgutil
import sys
import tomllib
from pathlib import Path

import pytest

pytest.importorskip("importlinter", reason="import-linter is in the test extra")

ROOT = Path(__file__).parents[1]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]


def lint_imports(config: Path, cwd: Path, extra_path: Path | None = None) -> tuple[int, str]:
    """Run lint-imports in a process of its own: in this one its logging set-up (dictConfig) would switch
    off every logger the suite already has (peewee's query log, the events' log)."""
    import os
    import subprocess

    env = dict(os.environ)
    if extra_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(extra_path), env.get("PYTHONPATH", "")]))
    script = Path(sys.executable).with_name("lint-imports")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "importlinter.cli"]
    done = subprocess.run([*command, str(config), "--no-cache"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout + done.stderr


def _contract(name_start: str) -> dict:
    return next(c for c in CONFIG["contracts"] if c["name"].startswith(name_start))


def test_the_contracts_hold():
    code, output = lint_imports(ROOT / "pyproject.toml", ROOT)
    assert code == 0, output


def test_the_public_api_contract_forbids_every_other_core_module():
    """A new core module is internal until it is re-exported by eschool.plugin_api: the list must name it."""
    import eschool

    modules = {f"eschool.{m.name}" for m in pkgutil.iter_modules(eschool.__path__)}
    forbidden = set(_contract("Plugins import only")["forbidden_modules"])
    assert modules - forbidden == {"eschool.plugin_api"}


def test_every_built_in_plugin_is_held_to_the_contracts():
    plugins = {p.name for p in (ROOT / "plugins").glob("eschool_*") if (p / "__init__.py").exists()}
    assert plugins <= set(CONFIG["root_packages"])
    assert plugins <= set(_contract("Plugins import only")["source_modules"])
    assert plugins <= set(_contract("The core never imports")["forbidden_modules"])
    assert plugins <= set(_contract("Plugins never import each other")["modules"])


def _check_plugin(package: str, where: Path, tmp_path, monkeypatch) -> int:
    """Hold one plugin package (found in ``where``) to the public-API contract; lint-imports' exit code."""
    forbidden = _contract("Plugins import only")["forbidden_modules"]
    lines = ["[importlinter]", "root_packages =", "    eschool", f"    {package}", "",
             "[importlinter:contract:public-api]", "name = public API only", "type = forbidden",
             "source_modules =", f"    {package}", "forbidden_modules =", *[f"    {m}" for m in forbidden],
             "allow_indirect_imports = true", ""]
    config = tmp_path / "contracts.ini"
    config.write_text("\n".join(lines))
    code, output = lint_imports(config, tmp_path, extra_path=where)
    assert "Contracts" in output, output  # it ran the contract (not a configuration error)
    return code


def test_a_plugin_importing_core_internals_breaks_the_contract(tmp_path, monkeypatch):
    """The check can fail: a plugin that imports the journal's services directly is reported."""
    package = tmp_path / "eschool_sneaky"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "plugin.py").write_text("from eschool.journal.services import set_mark\n")
    assert _check_plugin("eschool_sneaky", tmp_path, tmp_path, monkeypatch) == 1


def test_the_example_plugin_uses_only_the_public_api(tmp_path, monkeypatch):
    """The out-of-tree example is held to the same contract a third party can run (docs/plugins.md)."""
    assert _check_plugin("eschool_hello", ROOT / "examples" / "eschool-hello", tmp_path, monkeypatch) == 0


def test_the_demo_and_benchmark_generators_live_outside_the_runtime_package():
    """`eschool demo` finds them through the ``eschool.demo`` entry point; the runtime package has none."""
    from importlib.metadata import entry_points

    import eschool

    core = {m.name for m in pkgutil.iter_modules(eschool.__path__)}
    assert not core & {"demo", "demo_journal", "scale"}
    found = [entry.load() for entry in entry_points(group="eschool.demo")]
    assert [module.__name__ for module in found] == ["eschool_demo"]
    assert callable(found[0].build_demo) and callable(found[0].build_scale)
