"""Async lifecycle helpers (issue 4): skeleton."""

from . import aio_validation


class JobsOperations(aio_validation.JobsOperations):
    """Async jobs operations with lifecycle helpers."""


class ClustersOperations(aio_validation.ClustersOperations):
    """Async clusters operations with lifecycle helpers."""


class FileServersOperations(aio_validation.FileServersOperations):
    """Async file-server operations with lifecycle helpers."""
