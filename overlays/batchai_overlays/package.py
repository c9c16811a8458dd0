"""Overlay of `batchai`, for every API version: the errors, results and functions the overlays add.

Imported on the first use of one of these names; it imports no API version (a model is imported
when a function needs one: `load_job_definition` imports the version of the file it reads).
"""

from .errors import (
    JobDefinitionError,
    JobDefinitionWarning,
    JobFailedError,
    Problem,
    ProvisioningFailedError,
    ValidationError,
    WaitTimeoutError,
)
from .job_definition import infer_api_version, load_job_definition
from .lifecycle import JobRun, StateTransition
from .validation import validate_definition

# a literal list: type checkers read a star import's names from it, and read no other form
__all__ = [
    "JobDefinitionError",
    "JobDefinitionWarning",
    "JobFailedError",
    "JobRun",
    "Problem",
    "ProvisioningFailedError",
    "StateTransition",
    "ValidationError",
    "WaitTimeoutError",
    "infer_api_version",
    "load_job_definition",
    "validate_definition",
]


def patch_sdk() -> None:
    """Nothing to patch: this overlay only adds names."""
