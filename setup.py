"""Package layout beyond what pyproject.toml can say: the vendored specs ship inside batchai_emulator.

The packages live in three source folders (generated/, overlays/, emulator/), and the emulator routes
and validates from spec/<version>/BatchAI.json, installed as the package data of
``batchai_emulator.spec`` (mapped from spec/, so there is one copy of each spec, never a second one
that could drift). Everything else is in pyproject.toml.
"""

from setuptools import find_packages, setup

SOURCE_FOLDERS = ("generated", "overlays", "emulator")

package_dir = {
    package: f"{folder}/{package.replace('.', '/')}" for folder in SOURCE_FOLDERS for package in find_packages(folder)
}
package_dir["batchai_emulator.spec"] = "spec"

setup(
    packages=sorted(package_dir),
    package_dir=package_dir,
    package_data={
        "batchai": ["py.typed"],
        "batchai_overlays": ["py.typed"],
        "batchai_emulator": ["py.typed"],
        "batchai_emulator.spec": ["*/BatchAI.json"],
    },
)
