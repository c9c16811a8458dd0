"""The emulator as a user starts it, in a subprocess: ``python -m batchai_emulator --port 0 --data-dir ...``.

Reads the endpoint and CA certificate from what the command prints; every wait is bounded. Its log
(stderr) is kept in ``<data dir>/../<name>.log`` so a failing test can show it.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


class EmulatorProcess:
    def __init__(self, data_dir: Path | str, *arguments: str, python: str | None = None):
        self.data_dir = Path(data_dir)
        self.arguments = arguments
        self.command_prefix = [python or sys.executable, "-m", "batchai_emulator"]  # or an installed script
        self.environment: dict[str, str] | None = None  # None: this process's
        self.cwd: str | None = None
        self.log_path = self.data_dir.with_name(self.data_dir.name + ".log")
        self.process: subprocess.Popen[str] | None = None
        self.base_url: str | None = None
        self.ca_path: str | None = None
        self.output: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()

    @property
    def command(self) -> list[str]:
        return [
            *self.command_prefix,
            "--port",
            "0",
            "--data-dir",
            str(self.data_dir),
            *self.arguments,
        ]

    def start(self) -> EmulatorProcess:
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self.output, self.base_url, self.ca_path = [], None, None
        self._lines = queue.Queue()
        with open(self.log_path, "a", encoding="utf-8") as log:
            self.process = subprocess.Popen(
                self.command,
                stdout=subprocess.PIPE,
                stderr=log,
                stdin=subprocess.DEVNULL,
                text=True,
                env={**(self.environment or os.environ), "PYTHONUNBUFFERED": "1"},
                cwd=self.cwd,
            )
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = self._lines.get(timeout=max(remaining, 0.01))
            except queue.Empty:
                self.stop()
                raise TimeoutError(f"the emulator did not start within {START_TIMEOUT}s:\n{self.log()}") from None
            if line is None:
                code = self.process.wait(timeout=STOP_TIMEOUT)
                raise RuntimeError(f"the emulator exited with {code} before it was ready:\n{self.log()}")
            self.output.append(line)
            if line.startswith("endpoint: "):
                self.base_url = line.split(": ", 1)[1].strip()
            elif line.startswith("ca certificate: "):
                self.ca_path = line.split(": ", 1)[1].split("  (", 1)[0].strip()
            elif line.strip() == "ready":
                return self

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def stop(self) -> int | None:
        """SIGTERM, then a bounded wait (SIGKILL after it); the exit code."""
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.terminate()
            try:
                return process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                return process.wait(timeout=STOP_TIMEOUT)
        return process.returncode

    def kill(self) -> None:
        """Stop without a chance to clean up (as a crash or a power cut would)."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)

    def restart(self) -> EmulatorProcess:
        self.stop()
        return self.start()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8") if self.log_path.exists() else ""

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
