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
5. Import time: `python -c "import batchai"`, and the same with a first client built, against the same
   for 7.0.0, as whole processes, interleaved, less a bare `python -c pass`; then `python -X importtime`.
6. server.py starts the emulator in a process of its own, seeded with 100,000 jobs (2018-05-01); harness.py
   times `jobs.get` on it (ours and 7.0.0, alternating, in fresh interpreters, profiled), then iterates
   the 100,000 jobs once per side (a fresh interpreter each, for its memory).

`--quick` runs everything small (few runs, 3,000 jobs): to try the tool, not to compare.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchlib import (
    AUTOREST,
    AZURE_700,
    MSREST_101,
    OURS,
    PAGE_JOBS,
    PAGING_API_VERSION,
    REPO,
    SUBSCRIPTION_ID,
    Sample,
    dump_json,
    ratio,
    render_markdown,
    summarize,
    top_imports,
)
from harness import CLIENT_ROWS, LIST_JOBS, MODEL_ROWS, PAGE_SIZE, SERVER_PAGE, SERVER_ROWS

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
# the runs against server.py's emulator: jobs stored; jobs iterated, where memory is read first, and how
# many under tracemalloc (7.0.0 runs several times slower under it: to the first reading only)
SERVER_JOBS = 100_000
PAGING = {"items": SERVER_JOBS, "checkpoint": 10_000, "traced": {OURS: SERVER_JOBS, AZURE_700: 10_000}}
SERVER_TIMEOUT = 600  # seconds for server.py to seed and start
IMPORT_RUNS = 20  # processes per command, interleaved
IMPORTTIME_RUNS = 5
# a credential that is never asked for a token: building a client asks for none
CREDENTIAL = "class Credential:\n    def get_token(self, *scopes, **kwargs):\n        raise RuntimeError\n"
IMPORT_COMMANDS = {  # side -> {what: the program}
    OURS: {
        "import": "import batchai",
        "client": CREDENTIAL + "import batchai\n"
        f"batchai.BatchAIManagementClient(Credential(), {SUBSCRIPTION_ID!r}, api_version={PAGING_API_VERSION!r})",
    },
    AZURE_700: {
        "import": "import azure.mgmt.batchai",
        "client": CREDENTIAL
        + f"import azure.mgmt.batchai\nazure.mgmt.batchai.BatchAI(Credential(), {SUBSCRIPTION_ID!r})",
    },
}
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
    ("i", "import", "`import batchai` (process wall time above bare python)", "1 process", AZURE_700),
    (
        "j",
        "client",
        f"import and build the first client ({PAGING_API_VERSION}), above bare python",
        "1 process",
        AZURE_700,
    ),
    (
        "k",
        "get_rate",
        f"`jobs.get` over HTTPS, emulator in its own process ({PAGING_API_VERSION})",
        f"{SERVER_ROWS['get_rate'][0]} calls",
        AZURE_700,
    ),
    (
        "l",
        "paging",
        f"iterate {SERVER_JOBS:,} jobs through ItemPaged (pages of {SERVER_PAGE:,}), per page",
        f"{SERVER_PAGE:,} items",
        AZURE_700,
    ),
]
# the rows against a server, whose CPU time is measured and can be left out
SERVER_CPU_ROWS = (*CLIENT_ROWS, *SERVER_ROWS, "paging")
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
    f"i, j: whole processes (`python -c ...`, {IMPORT_RUNS} runs of each command, interleaved with the others and "
    "with a bare `python -c pass`, after one untimed run of each); the time is the process's wall time less the bare "
    "interpreter's (median less median, min less min). 7.0.0 is imported from its own folder (PYTHONPATH), with "
    "the dependencies pip installed there; ours from the environment; both with their bytecode compiled.",
    "k, l: the emulator (tools/benchmarks/server.py) runs in a process of its own, seeded with "
    f"{SERVER_JOBS:,} full jobs of {PAGING_API_VERSION} through its seeding hook, pages of {SERVER_PAGE:,}; "
    "each side's 2018-05-01 client (ours: BatchAIManagementClient(api_version='2018-05-01'); 7.0.0: BatchAI) calls "
    "it over HTTPS on 127.0.0.1, requests transport, retry_total=0. The server's CPU time is read from /proc; "
    "'excl. server' compares wall less that time.",
    f"k: {ROUNDS} fresh interpreters per side, alternating; a further batch of calls runs under cProfile in each, and "
    "its time is split by the part of the stack that spent it (the standard library's and builtins' own time "
    "charged to their callers, socket and TLS reads and writes apart): the average over the runs.",
    "l: one fresh interpreter per side; every item's name is checked; the first page is read untimed (the "
    "connection), then each page of the listing is one sample. Memory: the growth of the peak RSS from before "
    "the listing, and, in a second pass under tracemalloc, the peak of traced memory, both at "
    f"{PAGING['checkpoint']:,} items and at the end.",
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


def run_harness(side: str, package_root: Path | None = None, *options: str) -> tuple[dict[str, Any] | None, str | None]:
    """One side in a fresh interpreter: (its output, None) or (None, why it failed) for a reference."""
    command = [sys.executable, str(HERE / "harness.py"), "--side", side, *options]
    if package_root is not None:
        command += ["--package-root", str(package_root)]
    print("running:", " ".join(command)[:200], flush=True)
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    if result.returncode != 0:
        if side == OURS:
            raise SystemExit(f"harness failed for our SDK:\n{result.stderr}")
        lines = result.stderr.strip().splitlines() or [f"exit status {result.returncode}"]
        return None, f"harness failed: {lines[-1]}"
    return json.loads(result.stdout), None


def run_sides(
    sides: dict[str, Path | None], skipped: dict[str, str], rounds: int = ROUNDS
) -> tuple[dict[str, dict], dict[str, str]]:
    """Run the sides ``rounds`` times, alternating; pool each row's batches: ({side: {row: summary}}, serializers)."""
    pooled: dict[str, dict[str, dict[str, Any]]] = {}
    serializers = {}
    for _ in range(rounds):
        for side, package_root in sides.items():
            if side in skipped:
                continue
            output, reason = run_harness(side, package_root)
            if output is None:
                skipped[side] = reason or "no output"
                pooled.pop(side, None)
                continue
            serializers[side] = output["serializer"]
            pool(pooled, side, output["rows"])
    return summarize_pooled(pooled), serializers


def pool(into: dict[str, dict[str, Any]], side: str, rows: dict[str, Any]) -> None:
    """Add a harness run's rows (their batches) to what the side's other runs gave."""
    for key, row in rows.items():
        pooled = into.setdefault(side, {}).setdefault(key, {**row, "samples": []})
        pooled["samples"] += row["samples"]


def summarize_pooled(pooled: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, dict[str, Any]]]:
    return {
        side: {
            key: {**summarize([Sample(*pair) for pair in row["samples"]], row["number"]), "check": row["check"]}
            for key, row in rows.items()
        }
        for side, rows in pooled.items()
    }


# -- import time ------------------------------------------------------------------------------------------


def python_environment(package_root: Path | None) -> dict[str, str]:
    """This environment, with bytecode caching on, and ``package_root`` (7.0.0's folder) first on the path."""
    environment = {
        name: value for name, value in os.environ.items() if name not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")
    }
    if package_root is not None:
        environment["PYTHONPATH"] = str(package_root)
    return environment


def time_imports(
    roots: dict[str, Path | None], work: Path, runs: int, importtime_runs: int
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Rows i and j per side ({side: {"import": summary, "client": summary}}) and the imports section."""
    commands = [("python", "bare", "pass", None)] + [
        (side, what, program, roots[side]) for side in roots for what, program in IMPORT_COMMANDS[side].items()
    ]

    def run(program: str, root: Path | None, *flags: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, *flags, "-c", program]
        return subprocess.run(
            command, cwd=work, env=python_environment(root), capture_output=True, text=True, check=True
        )

    walls: dict[tuple[str, str], list[float]] = {}
    for index in range(runs + 1):  # the first round warms the file cache and writes any missing bytecode
        for side, what, program, root in commands:
            started = time.perf_counter()
            run(program, root)
            if index:
                walls.setdefault((side, what), []).append(time.perf_counter() - started)
    bare = walls[("python", "bare")]
    rows: dict[str, dict[str, Any]] = {}
    for (side, what), samples in walls.items():
        if side == "python":
            continue
        rows.setdefault(side, {})[what] = {
            "median_ms": round((statistics.median(samples) - statistics.median(bare)) * 1e3, 1),
            "min_ms": round((min(samples) - min(bare)) * 1e3, 1),
            "process_median_ms": round(statistics.median(samples) * 1e3, 1),
            "repeat": len(samples),
            "check": None,
        }
    baseline = run("pass", None, "-X", "importtime").stderr
    importtime = {
        side: {
            what: top_imports([run(program, root, "-X", "importtime").stderr for _ in range(importtime_runs)], baseline)
            for what, program in IMPORT_COMMANDS[side].items()
        }
        for side, root in roots.items()
    }
    section = {
        "runs": runs,
        "bare_python_ms": {"median": round(statistics.median(bare) * 1e3, 1), "min": round(min(bare) * 1e3, 1)},
        "commands": IMPORT_COMMANDS,
        "importtime": importtime,
    }
    return rows, section


# -- against the emulator in its own process ---------------------------------------------------------------


class BenchServer:
    """server.py in a subprocess: started seeded, stopped by closing its standard input."""

    def __init__(self, jobs: int, log_path: Path, page_size: int = SERVER_PAGE):
        self.log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "server.py"), "--jobs", str(jobs), "--page-size", str(page_size)],
            cwd=HERE,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: lines.put(self.process.stdout.readline()), daemon=True).start()  # type: ignore[union-attr]
        try:
            line = lines.get(timeout=SERVER_TIMEOUT)
        except queue.Empty:
            line = ""
        if not line:
            self.stop()
            raise SystemExit(f"server.py did not start; its log: {log_path}")
        self.info: dict[str, Any] = json.loads(line)

    @property
    def options(self) -> list[str]:
        return ["--server", json.dumps(self.info), "--server-pid", str(self.process.pid)]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()  # type: ignore[union-attr]
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        self.log.close()


def run_against_server(
    roots: dict[str, Path | None], work: Path, rounds: int, quick: bool
) -> tuple[dict[str, dict[str, Any]], dict[str, Any], dict[str, Any], dict[str, str]]:
    """Rows k and l: (pooled rows, profiles, paging sections, skipped sides)."""
    jobs = 3_000 if quick else SERVER_JOBS
    items, checkpoint = (jobs, 1_000) if quick else (PAGING["items"], PAGING["checkpoint"])
    calls = ["--calls", "30", "--repeat", "2"] if quick else []
    server = BenchServer(jobs, work / "server.log")
    print(f"server.py: {server.info['jobs']:,} jobs seeded in {server.info['seed_seconds']} s", flush=True)
    pooled: dict[str, dict[str, Any]] = {}
    profiles: dict[str, Any] = {}
    paging: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    try:
        for _ in range(rounds):
            for side, root in roots.items():
                if side in skipped:
                    continue
                output, reason = run_harness(side, root, "--mode", "calls", *server.options, *calls)
                if output is None:
                    skipped[side] = reason or "no output"
                    continue
                pool(pooled, side, output["rows"])
                profiles.setdefault(side, []).append(output)
        for side, root in roots.items():
            if side in skipped:
                continue
            traced = min(PAGING["traced"][side], items)
            options = ["--items", str(items), "--checkpoint", str(checkpoint), "--traced-items", str(traced)]
            output, reason = run_harness(side, root, "--mode", "paging", *server.options, *options)
            if output is None:
                skipped[side] = reason or "no output"
                continue
            pool(pooled, side, output["rows"])
            paging[side] = output["paging"]
    finally:
        server.stop()
    return pooled, {side: average_profile(runs) for side, runs in profiles.items()}, paging, skipped


def average_profile(runs: list[dict[str, Any]]) -> dict[str, Any]:
    parts = sorted({part for run in runs for part in run["profile_us"]})
    return {
        "runs": len(runs),
        "client_cpu_us": round(statistics.mean(run["client_cpu_us"] for run in runs), 1),
        "profile_us": {
            part: round(statistics.mean(run["profile_us"].get(part, 0.0) for run in runs), 1) for part in parts
        },
    }


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
                if key in SERVER_CPU_ROWS
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
                "skipped": {
                    side: reason for side, reason in skipped.items() if side == reference and side not in results
                },
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work-dir", type=Path, help="scratch folder (default: a new temporary one)")
    parser.add_argument("--output-dir", type=Path, default=HERE, help="where results.json and results.md go")
    parser.add_argument("--quick", action="store_true", help="few runs and 3,000 jobs: to try the tool")
    args = parser.parse_args(argv)
    rounds = 1 if args.quick else ROUNDS
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
    summaries, serializers = run_sides(sides, skipped, rounds)
    summaries[OURS]["codegen"] = summarize(time_codegen(work), 1)
    if autorest_seconds is not None:
        summaries.setdefault(AUTOREST, {})["codegen"] = summarize([Sample(autorest_seconds, 0.0)], 1)

    versioned = {OURS: None} if azure_700_skip else {OURS: None, AZURE_700: azure_700}
    runs = (2, 1) if args.quick else (IMPORT_RUNS, IMPORTTIME_RUNS)
    import_rows, imports = time_imports(versioned, work, *runs)
    for side, rows in import_rows.items():
        summaries.setdefault(side, {}).update(rows)
    pooled, profiles, paging, server_skips = run_against_server(versioned, work, rounds, args.quick)
    for side, rows in summarize_pooled(pooled).items():
        summaries.setdefault(side, {}).update(rows)
    skipped.update(server_skips)

    results = {
        "command": "nox -s benchmarks",
        "date": datetime.date.today().isoformat(),
        "commit": git_commit(),
        "machine": machine_info(),
        "method": METHOD,
        "serializers": serializers,
        "rows": assemble(summaries, skipped),
        "imports": imports,
        "profiles": profiles,
        "paging": paging,
        "quick": args.quick,
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
