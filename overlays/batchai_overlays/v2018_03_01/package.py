"""Overlay of `batchai.v2018_03_01` (and so of `batchai`): the names the overlays add to the package."""

from . import lifecycle, validation
from .lifecycle import *  # noqa: F403
from .validation import *  # noqa: F403

__all__: list[str] = []
__all__ += validation.__all__
__all__ += lifecycle.__all__


def patch_sdk() -> None:
    """Nothing to patch: this overlay only adds names."""
