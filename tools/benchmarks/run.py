"""Benchmark our SDK against the references in one run; write tools/benchmarks/results.json and results.md.

    nox -s benchmarks
    # which runs:
    python tools/benchmarks/run.py --work-dir TMP [--output-dir tools/benchmarks]

1. AutoRest generates its legacy SDK from the same spec (tools/autorest/run_autorest.py, timed once);
   if that fails, the AutoRest rows are reported as skipped with the reason.
2. azure-mgmt-batchai 7.0.0 (and msrest, which it imports without declaring it) is installed into
   the work folder with pip; if that fails, its row is reported as skipped with the reason.
3. Our generator runs `python -m codegen --output ...` once to warm up (which also compiles the templates
   into a template cache in the work folder), then five timed times.
4. harness.py runs once per side, each in a fresh interpreter: ours, azure-mgmt-batchai 1.0.1 (model
   rows), 7.0.0 (the page row), AutoRest's package (model and client rows).
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchlib import (
    AUTOREST,
    AZURE_700,
    MSREST_101,
    OURS,
    PAGE_JOBS,
    REPO,
    Sample,
    dump_json,
    ratio,
    render_markdown,
    summarize,
)
from harness import CLIENT_ROWS, LIST_JOBS, MODEL_ROWS, PAGE_SIZE

HERE = Path(__file__).resolve().parent
AUTOREST_TOOLS = REPO / "tools" / "autorest"
CODEGEN_RUNS = 5
ROUNDS = 3  # each side runs this many times, alternating with the others; their batches are pooled
PACKAGES = [
    "batchai-sdk",
    "azure-mgmt-batchai",
    "msrest",
    "msrestazure",
    "azure-core",
    "azure-mgmt-core",
    "requests",
    "urllib3",
    "aiohttp",
    "cryptography",
]
# id, harness row, title, batch, reference side
ROWS = [
    (
        "a",
        "serialize",
        "serialize a full JobCreateParameters to JSON",
        f"{MODEL_ROWS['serialize'][0]} × body",
        MSREST_101,
    ),
    ("b", "deserialize", "deserialize a full Job from JSON", f"{MODEL_ROWS['deserialize'][0]} × job", MSREST_101),
    ("c", "construct", "construct that JobCreateParameters", f"{MODEL_ROWS['construct'][0]} × build", MSREST_101),
    ("d", "get", "`jobs.get` over HTTPS", f"{CLIENT_ROWS['get'][0]} calls", AUTOREST),
    (
        "e",
        "list",
        f"list {LIST_JOBS} jobs, page size {PAGE_SIZE}",
        f"{CLIENT_ROWS['list'][0]} × list",
        AUTOREST,
    ),
    ("f", "create", "`clusters.begin_create(...).result()`", f"{CLIENT_ROWS['create'][0]} LROs", AUTOREST),
    ("g", "codegen", "generate the SDK from the spec (process wall time)", "1 run", AUTOREST),
    (
        "h",
        "page",
        f"deserialize a {PAGE_JOBS:,}-job JobListResult page from JSON",
        f"{MODEL_ROWS['page'][0]} page",
        AZURE_700,
    ),
]
# the model rows whose json floor (json.dumps of the body, json.loads of the response) ours also times
FLOOR_ROWS = ("serialize", "deserialize", "page")
METHOD = [
    "time.perf_counter around each batch of calls; warm-up calls first, gc.collect() before each batch.",
    f"Each side runs in its own fresh interpreter (tools/benchmarks/harness.py), {ROUNDS} times, alternating "
    "with the other sides; median and min are over the batches of all its runs "
    f"(codegen: median of {CODEGEN_RUNS} runs after a warm-up, with Python's bytecode cache on and jinja2's compiled "
    "templates cached by the warm-up; AutoRest: its one run).",
    "a-c, h read and write what each side's operations do: ours with its generated code (write_body, "
    "read_json: Model._from_wire with the garbage collector paused), the others with their client's msrest serializer and deserializer (7.0.0: its vendored "
    "copy), on the same definition, the same full Job (every property set, one toolkit) and the same page "
    f"({PAGE_JOBS:,} such jobs under different names), which both sides of h read with the 2018-05-01 models "
    "(7.0.0's API version); json.dumps and json.loads are inside the timing; "
    "the check digests of the outputs are compared.",
    "h: each page is followed by gc.collect(0), on every side: ours builds its models with the garbage collector "
    "paused, and that young-generation collection is what it then owes.",
    "json floor: json.dumps of the body, json.loads of the Job or page, timed in ours' runs; "
    "ours / floor is what converting to and from models costs on top of plain JSON.",
    "d-f: each side's sync client against the emulator's harness (batchai_emulator) in its own process, over HTTPS on "
    "127.0.0.1, requests transport, retry_total=0; the server is seeded through the client with 1 cluster and "
    f"{LIST_JOBS} jobs. The LROs run with the server's defaults (202, 2 polls answered InProgress, Retry-After 0).",
    "server CPU: CPU time of the process's other threads (the emulator) over wall time; "
    "'excl. server' ratios compare wall minus that CPU time.",
    "AutoRest is also timed on a-c (its models, its vendored serializer), in a second table.",
]


def machine_info() -> dict[str, Any]:
    cpu_model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [
            line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if line.startswith("model name")
        ]
        cpu_model = names[0] if names else cpu_model
    packages = {}
    for name in PACKAGES:
        try:
            packages[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            packages[name] = "not installed"
    lock = json.loads((AUTOREST_TOOLS / "package-lock.json").read_text(encoding="utf-8"))
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model,
        "packages": packages,
        "autorest": dict(sorted(lock["packages"][""]["dependencies"].items())),
    }


def git_commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + (" with local changes" if git("status", "--porcelain") else "")


def generate_autorest(output: Path) -> tuple[float | None, str | None]:
    """Run AutoRest once (npm ci first if the lock changed): (wall seconds, None) or (None, why it failed)."""
    sys.path.insert(0, str(AUTOREST_TOOLS))
    try:
        import run_autorest

        if not run_autorest.is_installed():
            run_autorest.install()
        return run_autorest.generate(output, "legacy"), None
    except (Exception, SystemExit) as error:  # run_autorest reports its failures with SystemExit
        return None, f"AutoRest generation failed: {type(error).__name__}: {error}"


def time_codegen(work: Path) -> list[Sample]:
    # with Python's bytecode cache, as a user's Python has it (an environment may turn it off)
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    # jinja2's compiled templates, as a user's second run has them: the warm-up run compiles and stores them
    cache = str(work / "codegen-template-cache")
    samples = []
    for run in range(CODEGEN_RUNS + 1):  # the first one warms the file cache, the bytecode and the templates
        command = [sys.executable, "-m", "codegen", "--output", str(work / f"codegen-{run}"), "--template-cache", cache]
        started = time.perf_counter()
        subprocess.run(command, cwd=REPO, env=environment, check=True, capture_output=True)
        if run:
            samples.append(Sample(time.perf_counter() - started, 0.0))
    return samples


def install_azure_700(target: Path) -> str | None:
    """pip-install azure-mgmt-batchai 7.0.0 and msrest into `target`: None, or why it failed."""
    if (target / "azure" / "mgmt" / "batchai").is_dir():
        return None
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(target)]
    result = subprocess.run([*command, "azure-mgmt-batchai==7.0.0", "msrest"], capture_output=True, text=True)
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or [f"exit status {result.returncode}"]
        return f"pip install azure-mgmt-batchai==7.0.0 failed: {lines[-1]}"
    return None


def run_harness(side: str, package_root: Path | None = None) -> tuple[dict[str, Any] | None, str | None]:
    """One side in a fresh interpreter: (its output, None) or (None, why it failed) for a reference."""
    command = [sys.executable, str(HERE / "harness.py"), "--side", side]
    if package_root is not None:
        command += ["--package-root", str(package_root)]
    print("running:", " ".join(command), flush=True)
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    if result.returncode != 0:
        if side == OURS:
            raise SystemExit(f"harness failed for our SDK:\n{result.stderr}")
        lines = result.stderr.strip().splitlines() or [f"exit status {result.returncode}"]
        return None, f"harness failed: {lines[-1]}"
    return json.loads(result.stdout), None


def run_sides(sides: dict[str, Path | None], skipped: dict[str, str]) -> tuple[dict[str, dict], dict[str, str]]:
    """Run the sides ROUNDS times, alternating; pool each row's batches: ({side: {row: summary}}, serializers)."""
    pooled: dict[str, dict[str, dict[str, Any]]] = {}
    serializers = {}
    for _ in range(ROUNDS):
        for side, package_root in sides.items():
            if side in skipped:
                continue
            output, reason = run_harness(side, package_root)
            if output is None:
                skipped[side] = reason or "no output"
                pooled.pop(side, None)
                continue
            serializers[side] = output["serializer"]
            for key, row in output["rows"].items():
                into = pooled.setdefault(side, {}).setdefault(key, {**row, "samples": []})
                into["samples"] += row["samples"]
    summaries = {
        side: {
            key: {**summarize([Sample(*pair) for pair in row["samples"]], row["number"]), "check": row["check"]}
            for key, row in rows.items()
        }
        for side, rows in pooled.items()
    }
    return summaries, serializers


def assemble(summaries: dict[str, dict[str, dict]], skipped: dict[str, str]) -> list[dict]:
    """The rows of results.json, in ROWS order; a reference that failed is listed under ``skipped``."""
    rows = []
    for row_id, key, title, batch, reference in ROWS:
        found = {side: rows_of[key] for side, rows_of in summaries.items() if key in rows_of}
        results = {side: {name: value for name, value in row.items() if name != "check"} for side, row in found.items()}
        checks = {side: row["check"] for side, row in found.items() if row.get("check")}
        rows.append(
            {
                "id": row_id,
                "key": key,
                "title": title,
                "batch": batch,
                "reference": reference,
                "results": results,
                "ratio": ratio(results.get(OURS), results.get(reference)),
                "ratio_min": ratio(results.get(OURS), results.get(reference), "min_ms"),
                "ratio_excl_server": ratio(results.get(OURS), results.get(reference), "excl_server_ms")
                if key in CLIENT_ROWS
                else None,
                "floor": summaries.get(OURS, {}).get(key + "_floor") if key in FLOOR_ROWS else None,
                "ratio_floor": ratio(results.get(OURS), summaries.get(OURS, {}).get(key + "_floor"))
                if key in FLOOR_ROWS
                else None,
                "ratio_floor_min": ratio(results.get(OURS), summaries.get(OURS, {}).get(key + "_floor"), "min_ms")
                if key in FLOOR_ROWS
                else None,
                "checks": checks,
                "same_output": len(set(checks.values())) == 1 if len(checks) > 1 else None,
                "skipped": {side: reason for side, reason in skipped.items() if side == reference},
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work-dir", type=Path, help="scratch folder (default: a new temporary one)")
    parser.add_argument("--output-dir", type=Path, default=HERE, help="where results.json and results.md go")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    work = (args.work_dir or Path(tempfile.mkdtemp(prefix="batchai-bench-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)

    autorest_out = work / "autorest-out"
    autorest_seconds, autorest_skip = generate_autorest(autorest_out)
    print(f"AutoRest: {autorest_skip or f'{autorest_seconds:.1f} s'}", flush=True)
    skipped = {AUTOREST: autorest_skip} if autorest_skip else {}
    azure_700 = work / "azure-mgmt-batchai-7"
    azure_700_skip = install_azure_700(azure_700)
    if azure_700_skip:
        skipped[AZURE_700] = azure_700_skip
    sides = {OURS: None, MSREST_101: None, AZURE_700: azure_700, AUTOREST: autorest_out}
    summaries, serializers = run_sides(sides, skipped)
    summaries[OURS]["codegen"] = summarize(time_codegen(work), 1)
    if autorest_seconds is not None:
        summaries.setdefault(AUTOREST, {})["codegen"] = summarize([Sample(autorest_seconds, 0.0)], 1)

    results = {
        "command": "nox -s benchmarks",
        "date": datetime.date.today().isoformat(),
        "commit": git_commit(),
        "machine": machine_info(),
        "method": METHOD,
        "serializers": serializers,
        "rows": assemble(summaries, skipped),
        "run_seconds": round(time.perf_counter() - started, 1),
    }
    args.output_dir.mkdir(parents=True, exist_ok=True)
    (args.output_dir / "results.json").write_text(dump_json(results), encoding="utf-8")
    markdown = render_markdown(results)
    (args.output_dir / "results.md").write_text(markdown, encoding="utf-8")
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
