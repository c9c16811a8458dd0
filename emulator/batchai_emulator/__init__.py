"""batchai-emulator: Azure Batch AI on your machine, speaking the real ARM wire protocol.

``batchai-emulator`` (or ``python -m batchai_emulator``) serves every API version of the vendored
specs over HTTPS; point ``BatchAIManagementClient`` at it (see docs/emulator.md). In tests:
``EmulatorHarness`` (in-process, with knobs) and ``EmulatorProcess`` (the command, in a subprocess).

Names are imported on first use, so ``from batchai_emulator import FakeCredential`` needs neither
aiohttp nor cryptography.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ArmError": "errors",
    "Behaviour": "arm",
    "Emulator": "arm",
    "EmulatorHarness": "harness",
    "EmulatorProcess": "process",
    "EmulatorServer": "server",
    "AsyncFakeCredential": "credentials",
    "FakeCredential": "credentials",
    "EmulatorCredential": "credentials",
    "Fault": "faults",
    "FaultQueue": "faults",
    "RecordedRequest": "arm",
    "ReplayMismatch": "arm",
    "Reply": "errors",
    "ScriptedExecutor": "executor",
    "ScriptedResponse": "arm",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'batchai_emulator' has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
