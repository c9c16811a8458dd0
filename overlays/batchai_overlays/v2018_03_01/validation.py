"""Client-side validation of job, cluster and file-server definitions (issue 3): skeleton."""

from batchai.v2018_03_01.operations import _clusters_operations, _file_servers_operations, _jobs_operations

__all__: list[str] = []


class JobsOperations(_jobs_operations.JobsOperations):
    """Jobs operations that check a definition before sending it."""


class ClustersOperations(_clusters_operations.ClustersOperations):
    """Clusters operations that check a definition before sending it."""


class FileServersOperations(_file_servers_operations.FileServersOperations):
    """File-server operations that check a definition before sending it."""
