"""``batchai-emulator``: Azure Batch AI on this machine, over HTTPS, for the unmodified SDK."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO, cast

from .arm import Behaviour, Emulator
from .executor import Executor, ExecutorEvents, ExecutorFactory
from .server import EmulatorServer, is_loopback
from .spec import SpecSet
from .store import DATABASE_NAME, Store
from .tls import ensure_identity

log = logging.getLogger("batchai_emulator")

DEFAULT_PORT = 8443
DEFAULT_DATA_DIR = Path.home() / ".batchai-emulator"
TOKEN_VARIABLE = "BATCHAI_EMULATOR_TOKEN"
EXECUTORS = {
    # name -> "module:factory"; the factory is called as factory(data_dir, events, options)
    "local": "batchai_emulator.cli:local_executor",
    "scripted": "batchai_emulator.executor:ScriptedExecutor",
}
READY_LINE = "ready"


def parser() -> argparse.ArgumentParser:
    arguments = argparse.ArgumentParser(
        prog="batchai-emulator",
        description=(
            "Azure Batch AI on your machine: serves the Batch AI management REST API (every API version of the "
            "vendored specs) as Azure Resource Manager does, over HTTPS on localhost. Point BatchAIManagementClient "
            "at the printed endpoint and CA certificate; clusters are capacity on this machine and jobs run as local "
            "processes. State is kept in the data directory and survives restarts."
        ),
        epilog=f"Stop it with Ctrl-C (SIGINT) or SIGTERM. Documentation: docs/emulator.md. Data directory layout: "
        f"{DATABASE_NAME} (state), tls/ (certificates), execution/ (jobs' files).",
    )
    arguments.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1). Any other address exposes the emulator to the network.",
    )
    arguments.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port to listen on; 0 picks a free one (default: {DEFAULT_PORT})",
    )
    arguments.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help=f"where state, certificates and job files live (default: {DEFAULT_DATA_DIR})",
    )
    arguments.add_argument(
        "--http",
        action="store_true",
        help="serve plain HTTP instead of HTTPS; allowed on a loopback address only",
    )
    arguments.add_argument(
        "--token",
        default=os.environ.get(TOKEN_VARIABLE),
        help=f"the bearer token every request must carry (default: ${TOKEN_VARIABLE}, else any non-empty token, "
        "as ARM requires one). Prefer the environment variable: a command line is visible to other users.",
    )
    arguments.add_argument(
        "--executor",
        default=None,
        metavar="{local,scripted,MODULE:FACTORY}",
        help="what runs jobs: 'local' runs them as processes (or Docker containers) on this machine, the default; "
        "'scripted' never runs anything (jobs stay queued; for protocol tests); MODULE:FACTORY names another "
        "backend, called as FACTORY(data_dir, events, options) (see docs/emulator.md, the executor seam)",
    )
    arguments.add_argument(
        "--require-docker",
        action="store_true",
        help="fail jobs whose containerSettings name an image when Docker is not reachable, instead of running "
        "them on the host (passed to the executor)",
    )
    arguments.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="log verbosity on stderr (default: info: one line per state change)",
    )
    return arguments


def local_executor(data_dir: Path, events: ExecutorEvents, options: dict[str, Any]) -> Executor:
    """The LocalExecutor (execution/): jobs run as processes on this machine; ``options`` are its settings."""
    from .execution import ExecutionSettings, LocalExecutor

    # execution/_contract.py holds a copy of executor.py's dataclasses (same fields): the same data, other types
    return cast(Executor, LocalExecutor(data_dir, cast(Any, events), ExecutionSettings(**options)))


def load_executor(name: str | None) -> tuple[str, ExecutorFactory]:
    """The executor factory by name (or ``module:factory``); without a name, 'local', else 'scripted'."""
    names = [name] if name else ["local", "scripted"]
    problems = []
    for candidate in names:
        target = EXECUTORS.get(candidate, candidate)
        if ":" not in target:
            raise SystemExit(f"batchai-emulator: unknown executor {candidate!r}: local, scripted or MODULE:FACTORY")
        module_name, _, attribute = target.partition(":")
        try:
            factory = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as error:
            problems.append(f"{candidate}: {error}")
            continue
        return candidate, factory
    raise SystemExit(f"batchai-emulator: no executor available ({'; '.join(problems)})")


@contextlib.contextmanager
def _exclusive(data_dir: Path) -> Iterator[None]:
    """One emulator per data directory."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no advisory locks, trust the user
        yield
        return
    with open(data_dir / "emulator.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise SystemExit(f"batchai-emulator: another emulator is using {data_dir}") from None
        yield


def snippet(base_url: str, ca_path: str | None) -> str:
    # the SDK sends its credential over plain http to a loopback endpoint only when told to
    verify = f", connection_verify={ca_path!r}" if ca_path else ", allow_http=True"
    return (
        "from batchai import BatchAIManagementClient\n"
        "from batchai_emulator import EmulatorCredential\n\n"
        "client = BatchAIManagementClient(\n"
        '    EmulatorCredential(), "00000000-0000-0000-0000-000000000000",\n'
        f"    base_url={base_url!r}{verify},\n"
        ")"
    )


def announce(
    out: TextIO, server: EmulatorServer, args: argparse.Namespace, versions: list[str], ca: str | None
) -> None:
    """What a user needs to connect; the test fixtures read the endpoint and ca lines."""
    lines = [
        f"batchai-emulator: Azure Batch AI API versions {', '.join(versions)}",
        f"endpoint: {server.base_url}",
    ]
    if ca:
        lines.append(f"ca certificate: {ca}  (pass it as connection_verify)")
    lines.append(f"data directory: {args.data_dir}")
    lines.append(f"token: {'the one given by --token or $' + TOKEN_VARIABLE if args.token else 'any'}")
    lines += [
        "",
        "Connect from Python:",
        "",
        *("    " + line for line in snippet(server.base_url, ca).splitlines()),
        "",
    ]
    lines.append(READY_LINE)
    out.write("\n".join(lines) + "\n")
    out.flush()


async def serve(args: argparse.Namespace, out: TextIO = sys.stdout) -> None:
    data_dir: Path = args.data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive(data_dir):
        name, factory = load_executor(args.executor)
        specs = SpecSet()
        ssl_context, ca = None, None
        if not args.http:
            identity = ensure_identity(data_dir / "tls", args.host)
            ssl_context, ca = identity.server_context(), str(identity.ca_path)
        emulator = Emulator(
            specs=specs,
            store=Store(data_dir / DATABASE_NAME),
            behaviour=Behaviour.service(specs),
            token=args.token,
            executor_factory=factory,
            executor_options={"require_docker": args.require_docker},
            data_dir=data_dir,
        )
        if name == "scripted":
            log.warning("the scripted executor runs nothing: jobs stay queued")
        server = EmulatorServer(emulator, args.host, args.port, ssl_context)
        try:
            await server.start()
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError):  # Windows: Ctrl-C raises KeyboardInterrupt
                    loop.add_signal_handler(signum, stop.set)
            log.info("serving on %s with the %s executor (specs from %s)", server.base_url, name, specs.directory)
            announce(out, server, args, specs.versions, ca)
            await stop.wait()
            log.info("stopping")
        finally:
            await server.stop()
            emulator.close()


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.http and not is_loopback(args.host):
        parser().error(f"--http serves plain HTTP on a loopback address only, not {args.host}")
    logging.basicConfig(
        level=getattr(logging, args.log_level.upper()),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))
    return 0
