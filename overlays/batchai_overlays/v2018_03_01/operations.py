"""Overlay of `batchai.v2018_03_01.operations`.

The operation groups the client uses are the generated ones extended twice: first by
`validation` (definitions are checked before they are sent), then by `lifecycle` (helpers
for the long-running operations and the job lifecycle).
"""

from .lifecycle import ClustersOperations, FileServersOperations, JobsOperations

__all__ = ["ClustersOperations", "FileServersOperations", "JobsOperations"]


def patch_sdk() -> None:
    """Nothing to patch: the extended classes replace the generated ones by name."""
