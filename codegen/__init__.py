"""batchai-sdk's code generator: spec (loader) -> code model (codemodel) -> files (render)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .generate import differences, generate_files, write_files

__all__ = ["differences", "generate_files", "write_files"]


def __getattr__(name: str) -> Any:
    """The generator's entry points, imported on first use: `python -m codegen` imports this package
    before its `main` runs, and `main` imports the generator only once it has set the cycle collector off."""
    if name in __all__:
        from . import generate

        return getattr(generate, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
