"""Benchmark our SDK against the references in one run; write tools/benchmarks/results.json and results.md.

    nox -s benchmarks
    # which runs:
    python tools/benchmarks/run.py --work-dir TMP [--output-dir tools/benchmarks]

1. AutoRest generates its legacy SDK from the same spec (tools/autorest/run_autorest.py, timed once);
   if that fails, the AutoRest rows are reported as skipped with the reason.
2. Our generator runs `python -m codegen --output ...` once to warm up, then five timed times.
3. harness.py runs once per side, each in a fresh interpreter: ours, azure-mgmt-batchai 1.0.1 (model
   rows), AutoRest's package (model and client rows).
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
    MSREST_101,
    OURS,
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
    "jinja2",
    "ruff",
]
# id, harness row, title, batch, reference side
ROWS = [
    ("a", "serialize", "serialize a rich JobCreateParameters", f"{MODEL_ROWS['serialize'][0]} × body", MSREST_101),
    (
        "b",
        "deserialize",
        "deserialize a 100-job JobListResult page",
        f"{MODEL_ROWS['deserialize'][0]} pages",
        MSREST_101,
    ),
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
]
METHOD = [
    "time.perf_counter around each batch of calls; warm-up calls first, gc.collect() before each batch.",
    f"Each side runs in its own fresh interpreter (tools/benchmarks/harness.py), {ROUNDS} times, alternating "
    "with the other sides; median and min are over the batches of all its runs "
    f"(codegen: median of {CODEGEN_RUNS} runs after a warm-up; AutoRest: its one run).",
    "a-c use the serializer and deserializer of each side's own client, on the same definition "
    "(the check digests of the serialized bodies and deserialized jobs are compared) and the same page: "
    "GetJob.json's body 100 times under different names; json.loads is inside the timing, "
    "1.0.1 reads the page through its msrest Paged (JobPaged), the others deserialize JobListResult.",
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
    samples = []
    for run in range(CODEGEN_RUNS + 1):  # the first one warms the file cache and the bytecode
        command = [sys.executable, "-m", "codegen", "--output", str(work / f"codegen-{run}")]
        started = time.perf_counter()
        subprocess.run(command, cwd=REPO, check=True, capture_output=True)
        if run:
            samples.append(Sample(time.perf_counter() - started, 0.0))
    return samples


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
                "ratio_excl_server": ratio(results.get(OURS), results.get(reference), "excl_server_ms")
                if key in CLIENT_ROWS
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
    summaries, serializers = run_sides({OURS: None, MSREST_101: None, AUTOREST: autorest_out}, skipped)
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
