"""Overlay of `batchai.v2018_03_01.aio.operations`: the async twin of `operations`."""

from .aio_lifecycle import ClustersOperations, FileServersOperations, JobsOperations

__all__ = ["ClustersOperations", "FileServersOperations", "JobsOperations"]


def patch_sdk() -> None:
    """Nothing to patch: the extended classes replace the generated ones by name."""
