"""Package discovery that pyproject.toml cannot express on its own.

The distribution's Python packages live in two roots (``core/`` and ``plugins/``) and the region
profiles and themes are plain data folders.  Everything is mapped here so that a new plugin folder
under ``plugins/`` is packaged without touching this file.
"""

from pathlib import Path

from setuptools import find_packages, setup

ROOT = Path(__file__).parent
DATA = ["templates/**/*", "static/**/*", "translations/**/*", "migrations/*.py"]

package_dir = {"eschool_regions": "regions", "eschool_themes": "themes"}
packages = ["eschool_regions", "eschool_themes"]
package_data = {"eschool_regions": ["**/*"], "eschool_themes": ["**/*"]}
for root in ("core", "plugins"):
    for name in find_packages(str(ROOT / root)):
        packages.append(name)
        if "." not in name:
            package_dir[name] = f"{root}/{name}"
        package_data[name] = DATA

setup(packages=packages, package_dir=package_dir, package_data=package_data)
