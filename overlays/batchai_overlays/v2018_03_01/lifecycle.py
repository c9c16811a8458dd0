"""Helpers for the long-running operations and the job lifecycle (issue 4): skeleton."""

from . import validation

__all__: list[str] = []


class JobsOperations(validation.JobsOperations):
    """Jobs operations with lifecycle helpers."""


class ClustersOperations(validation.ClustersOperations):
    """Clusters operations with lifecycle helpers."""


class FileServersOperations(validation.FileServersOperations):
    """File-server operations with lifecycle helpers."""
