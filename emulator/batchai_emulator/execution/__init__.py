"""The emulator's execution layer: Batch AI jobs really run on this machine (issue 9).

``LocalExecutor`` implements the contract's ``Executor`` (``_contract.py``): clusters are capacity (node slots
on this machine), queued jobs start in priority order when their nodes are free, and each job's commands run
as local processes, or in its Docker image when Docker is reachable. It knows nothing of HTTP or SQLite.
"""

from ._contract import ClusterStatus, Executor, ExecutorEvents, JobStateChange, JobSubmission
from .local import LocalExecutor
from .settings import ExecutionSettings

__all__ = [
    "ClusterStatus",
    "ExecutionSettings",
    "Executor",
    "ExecutorEvents",
    "JobStateChange",
    "JobSubmission",
    "LocalExecutor",
]
