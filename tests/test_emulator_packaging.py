"""The emulator as installed from a wheel: its command starts anywhere and serves the specs it ships."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import requests
import tomllib
from batchai_emulator import EmulatorProcess
from batchai_emulator.spec import SPEC_FILE_NAME, SpecSet

ROOT = Path(__file__).resolve().parents[1]
BUILD_TIMEOUT = 120
SOURCE_FILES = ("pyproject.toml", "setup.py", "README.md", "generated", "overlays", "emulator", "spec")


def sdk_versions() -> dict[str, Path]:
    config = tomllib.loads((ROOT / "sdk.toml").read_text(encoding="utf-8"))
    return {entry["version"]: ROOT / entry["spec"] for entry in config["api_versions"]}


def test_every_version_of_sdk_toml_is_served_from_the_same_spec_file():
    served = SpecSet()
    for version, path in sdk_versions().items():
        assert version in served.versions
        assert served[version].path.read_bytes() == path.read_bytes()


def test_the_installed_wheel_serves_its_packaged_specs_from_any_directory(tmp_path):
    """Build the wheel, install it alone into a folder (its dependencies come from this environment), and
    start its batchai-emulator script from an unrelated directory, with no source tree on the path."""
    wheels, target, elsewhere = tmp_path / "wheels", tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    source = tmp_path / "source"  # a clean copy: a build in the checkout could pick up stale files of build/
    source.mkdir()
    for name in SOURCE_FILES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(wheels), str(source)],
        check=True, timeout=BUILD_TIMEOUT, cwd=elsewhere,
    )  # fmt: skip
    (wheel,) = wheels.glob("batchai_sdk-*.whl")
    subprocess.run(
        [*pip, "install", "--no-deps", "--no-compile", "--target", str(target), str(wheel)],
        check=True, timeout=BUILD_TIMEOUT, cwd=elsewhere,
    )  # fmt: skip
    packaged = target / "batchai_emulator" / "spec"
    shipped = sorted(path.parent.name for path in packaged.glob(f"*/{SPEC_FILE_NAME}"))
    assert shipped == sorted(path.parent.name for path in (ROOT / "spec").glob(f"*/{SPEC_FILE_NAME}"))
    for version in shipped:
        source = (ROOT / "spec" / version / SPEC_FILE_NAME).read_bytes()
        assert (
            hashlib.sha256((packaged / version / SPEC_FILE_NAME).read_bytes()).digest()
            == hashlib.sha256(source).digest()
        )
    script = target / "bin" / "batchai-emulator"
    assert script.exists()

    environment = {**os.environ, "PYTHONPATH": str(target)}
    environment.pop("BATCHAI_EMULATOR_SPEC_DIR", None)
    process = EmulatorProcess(tmp_path / "data", "--executor", "scripted", "--log-level", "debug")
    process.command_prefix = [sys.executable, str(script)]
    process.environment = environment
    process.cwd = str(elsewhere)
    with process:
        assert "specs from " + str(packaged) in process.log()
        for version in shipped:
            reply = requests.get(
                f"{process.base_url}/providers/Microsoft.BatchAI/operations?api-version={version}",
                headers={"Authorization": "Bearer any"},
                verify=process.ca_path,
                timeout=10,
            )
            assert reply.status_code == 200 and reply.json()["value"], version
