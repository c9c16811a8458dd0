"""Run the stages in order: load each spec, build its code model, lay out the files."""

from __future__ import annotations

import os
from pathlib import Path

from .codemodel import CodeModel, Settings, build_code_model
from .config import ApiVersion, Config
from .loader import Spec, SpecError, load_spec
from .multiapi import build_multiapi_model
from .render import Templates, render_api_version, render_root


def build_code_models(config: Config) -> dict[ApiVersion, CodeModel]:
    specs = {api: load_spec(api.spec) for api in config.api_versions}
    check_secret_properties(config, specs)
    code_models = {}
    for api, spec in specs.items():
        settings = Settings(
            package=f"{config.package}.{api.module}",
            sdk_moniker=config.distribution,
            secret_properties=config.secret_properties,
        )
        code_models[api] = build_code_model(spec, settings)
    return code_models


def check_secret_properties(config: Config, specs: dict[ApiVersion, Spec]) -> None:
    """Every configured secret must name a definition's property in at least one API version.

    One version may lack it (a definition that version does not have yet); all of them lacking it
    is a misspelled or renamed entry, which would silently leave a secret unmasked.
    """
    found = {
        f"{name}.{prop}"
        for spec in specs.values()
        for name, schema in spec.definitions.items()
        for prop in schema.properties
    }
    unknown = sorted(config.secret_properties - found)
    if unknown:
        versions = ", ".join(api.version for api in specs)
        raise SpecError(
            "sdk.toml#/secrets/properties", f"{unknown} name no definition property in API versions {versions}"
        )


def generate_files(
    config: Config, code_models: dict[ApiVersion, CodeModel] | None = None, template_cache: Path | None = None
) -> dict[str, str]:
    """Every file of the package, keyed by path relative to the output folder.

    One template Environment serves the whole run; `template_cache` is a folder for jinja2's
    compiled templates (none: each run compiles them). The files do not depend on it.
    """
    code_models = code_models or build_code_models(config)
    templates = Templates(template_cache)
    files = render_root(templates, config, build_multiapi_model(config, code_models))
    for api, code_model in code_models.items():
        spec_label = api.spec.relative_to(config.root).as_posix()
        files.update(render_api_version(templates, code_model, api, config, spec_label))
    return files


def write_files(files: dict[str, str], output: Path, package: str) -> None:
    """Make the package folder under `output` hold exactly these files.

    A file whose content is already right is left alone, and one the generator no longer makes is
    deleted (with the folders it leaves empty): on an unchanged spec, nothing is written.
    """
    folder = output / package
    if folder.is_dir():
        # children before their folder (bottom-up); os.walk rather than Path.rglob: a third of the time
        for directory, _, names in os.walk(folder, topdown=False):
            here = Path(directory)
            if "__pycache__" in here.relative_to(folder).parts:
                continue
            prefix = here.relative_to(output).as_posix()
            for name in names:
                if f"{prefix}/{name}" not in files:
                    (here / name).unlink()
            if here != folder and all(child == "__pycache__" for child in os.listdir(here)):  # a package no longer made
                import shutil  # rarely needed: not imported on every run

                shutil.rmtree(here)
    for path, text in sorted(files.items()):
        target = output / path
        content = text.encode("utf-8")
        try:
            if target.read_bytes() == content:
                continue
        except FileNotFoundError:
            target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def differences(files: dict[str, str], output: Path, package: str) -> list[str]:
    """Unified diffs between `files` and the package folder under `output`; empty when equal."""
    import difflib  # only `--check` needs it: generating does not pay for the import

    on_disk = {
        path.relative_to(output).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted((output / package).rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }
    found = []
    for path in sorted(set(files) | set(on_disk)):
        expected, actual = files.get(path), on_disk.get(path)
        if expected == actual:
            continue
        if expected is None:
            found.append(f"only in {output}: {path}")
        elif actual is None:
            found.append(f"missing from {output}: {path}")
        else:
            diff = difflib.unified_diff(
                actual.splitlines(True), expected.splitlines(True), f"{path} (committed)", f"{path} (generated)"
            )
            found.append("".join(diff))
    return found
