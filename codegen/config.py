"""The generator's configuration file (sdk.toml): package names, version and input specs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import tomllib


@dataclass(frozen=True)
class ApiVersion:
    """An API version the SDK serves, and the spec file it is generated from."""

    version: str
    spec: Path

    @property
    def module(self) -> str:
        """The subpackage name of this API version: 2018-03-01 -> v2018_03_01."""
        return "v" + re.sub(r"[^0-9A-Za-z]+", "_", self.version).lower()


@dataclass(frozen=True)
class Config:
    """sdk.toml, read: the package's names and version, and the API versions with their specs."""

    root: Path
    package: str
    distribution: str
    version: str
    description: str
    output: Path
    overlays: Path
    overlay_package: str
    default_api_version: str
    api_versions: tuple[ApiVersion, ...]
    secret_properties: frozenset[str] = frozenset()

    @property
    def default(self) -> ApiVersion:
        return next(api for api in self.api_versions if api.version == self.default_api_version)


def load_config(path: Path) -> Config:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    root = path.parent
    package = data["package"]
    api_versions = tuple(ApiVersion(entry["version"], root / entry["spec"]) for entry in data["api_versions"])
    config = Config(
        root=root,
        package=package["name"],
        distribution=package["distribution"],
        version=package["version"],
        description=package["description"],
        output=root / package["output"],
        overlays=root / package["overlays"],
        overlay_package=package["overlay_package"],
        default_api_version=package["default_api_version"],
        api_versions=api_versions,
        secret_properties=frozenset(data.get("secrets", {}).get("properties", [])),
    )
    if config.default_api_version not in {api.version for api in api_versions}:
        raise ValueError(f"{path}: default_api_version {config.default_api_version!r} has no [[api_versions]] entry")
    return config
