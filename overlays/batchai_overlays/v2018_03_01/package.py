"""Overlay of `batchai.v2018_03_01` (and so of `batchai`): the names the overlays add to the package."""

from .lifecycle import (
    JobDefinitionError,
    JobFailedError,
    JobRun,
    ProvisioningFailedError,
    StateTransition,
    WaitTimeoutError,
    load_job_definition,
)
from .validation import Problem, ValidationError, validate_definition

# a literal list: type checkers read a star import's names from it, and read no other form
__all__ = [
    "JobDefinitionError",
    "JobFailedError",
    "JobRun",
    "Problem",
    "ProvisioningFailedError",
    "StateTransition",
    "ValidationError",
    "WaitTimeoutError",
    "load_job_definition",
    "validate_definition",
]


def patch_sdk() -> None:
    """Nothing to patch: this overlay only adds names."""
