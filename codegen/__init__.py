"""batchai-sdk's code generator: spec (loader) -> code model (codemodel) -> files (render)."""

from .generate import differences, generate_files, write_files

__all__ = ["differences", "generate_files", "write_files"]
