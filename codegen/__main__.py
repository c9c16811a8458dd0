"""`python -m codegen [--config sdk.toml] [--output DIR]`: regenerate the SDK and summarize it."""

from __future__ import annotations

import argparse
import gc
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Run the generator with Python's cycle collector off: a run keeps nearly all it makes until it
    ends, so the collector's passes (about 70, during the imports and the run) found little and cost
    about 5% of the run. The generator's modules are imported here, after it is off; the package's
    `__init__` does not import them (`python -m codegen` imports it first)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(argv)
    finally:
        if collecting:
            gc.enable()


def _run(argv: list[str] | None) -> int:
    from .config import load_config
    from .generate import build_code_models, differences, generate_files, write_files
    from .render import default_cache_dir

    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    parser.add_argument("--config", type=Path, default=Path("sdk.toml"))
    parser.add_argument("--output", type=Path, help="output folder (default: the config's `output`)")
    parser.add_argument("--check", action="store_true", help="write nothing; fail if the output folder differs")
    parser.add_argument(
        "--template-cache",
        type=Path,
        default=default_cache_dir(),
        help="folder for jinja2's compiled templates (default: %(default)s)",
    )
    parser.add_argument(
        "--no-template-cache", action="store_true", help="compile the templates on every run, keeping nothing"
    )
    arguments = parser.parse_args(argv)
    started = time.perf_counter()
    config = load_config(arguments.config.resolve())
    code_models = build_code_models(config)
    files = generate_files(config, code_models, None if arguments.no_template_cache else arguments.template_cache)
    output = arguments.output or config.output
    if arguments.check:
        return report_differences(differences(files, output, config.package), output)
    write_files(files, output, config.package)
    elapsed = time.perf_counter() - started
    lines = sum(text.count("\n") for text in files.values())
    print(
        f"generated {len(files)} files ({lines} lines) of package {config.package!r} into {output} in {elapsed:.2f} s"
    )
    for api, code_model in code_models.items():
        operations = sum(len(group.operations) for group in code_model.operation_groups)
        marker = " (default)" if api.version == config.default_api_version else ""
        print(
            f"  {api.version}{marker} -> {code_model.package}: client {code_model.client.name}, "
            f"{len(code_model.operation_groups)} operation groups, {operations} operations, "
            f"{len(code_model.models)} models, {len(code_model.enums)} enums; sync and aio"
        )
    return 0


def report_differences(found: list[str], output: Path) -> int:
    if not found:
        print(f"{output} is what the generator makes from the specs")
        return 0
    print(f"{output} differs from what the generator makes ({len(found)} files); run `nox -s generate`:")
    for line in found:
        print(line)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
