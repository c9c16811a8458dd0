"""Overlay of `batchai.v2018_05_01`: the overlays' version-independent names, as `batchai` has them."""

from ..package import *  # noqa: F403
from ..package import __all__, patch_sdk  # noqa: F401
