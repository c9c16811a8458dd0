"""Client-side validation for the async operation groups (issue 3): skeleton."""

from batchai.v2018_03_01.aio.operations import _clusters_operations, _file_servers_operations, _jobs_operations


class JobsOperations(_jobs_operations.JobsOperations):
    """Async jobs operations that check a definition before sending it."""


class ClustersOperations(_clusters_operations.ClustersOperations):
    """Async clusters operations that check a definition before sending it."""


class FileServersOperations(_file_servers_operations.FileServersOperations):
    """Async file-server operations that check a definition before sending it."""
