"""Every capability folder of the core is a package, so the wheel carries it (find_packages needs __init__.py)."""
from pathlib import Path

CORE = Path(__file__).parents[1] / "core" / "eschool"
DATA_FOLDERS = {"migrations", "static", "templates", "translations", "__pycache__"}


def test_every_code_folder_of_the_core_is_a_package():
    missing = [p.name for p in CORE.iterdir() if p.is_dir() and p.name not in DATA_FOLDERS
               and any(p.glob("*.py")) and not (p / "__init__.py").exists()]
    assert missing == [], f"add __init__.py to: {missing}"


def test_every_plugin_is_a_package():
    plugins = Path(__file__).parents[1] / "plugins"
    missing = [p.name for p in plugins.iterdir() if p.is_dir() and p.name.startswith("eschool_")
               and not (p / "__init__.py").exists()]
    assert missing == []
