"""The errors a job ends with (BatchAIError wire dicts), in one place.

JobFailed (with the service's message) and JobPreparationFailed are the codes the service reported, as its
own SDK tests and CLI documentation show; the other codes are the emulator's, for situations the service
named differently or that only exist here (docs/emulator-execution.md lists them).
"""

from __future__ import annotations


def batchai_error(code: str, message: str, **details: str) -> dict:
    error: dict = {"code": code, "message": message}
    if details:
        error["details"] = [{"name": name, "value": value} for name, value in details.items()]
    return error


def job_failed(reason: str = "") -> dict:
    # the service's wording, from its CLI documentation's example job
    details = {"reason": reason} if reason else {}
    return batchai_error("JobFailed", "Job failed with non-zero exit code", **details)


def preparation_failed(reason: str = "") -> dict:
    details = {"reason": reason} if reason else {}
    return batchai_error("JobPreparationFailed", "Job preparation failed with non-zero exit code", **details)


def terminated() -> dict:
    return batchai_error("JobTerminated", "The job was terminated by the user.")


def preempted() -> dict:
    return batchai_error(
        "JobTerminated",
        "The job was terminated because its cluster was resized down (nodeDeallocationOption: terminate).",
    )


def cluster_deleted() -> dict:
    return batchai_error("ClusterDeleted", "The job was stopped because its cluster was deleted.")


def wall_clock_exceeded(limit: str) -> dict:
    # Azure Batch, on which the service ran, names this termination reason MaxWallClockTimeExpiry
    return batchai_error(
        "MaxWallClockTimeExpiry", f"The job ran longer than its maximum wall clock time ({limit}) and was stopped."
    )


def interrupted() -> dict:
    return batchai_error(
        "JobInterrupted",
        "The emulator stopped while the job was running; the job's processes were stopped and it will not resume.",
    )


def output_too_large(limit: int) -> dict:
    return batchai_error(
        "JobOutputTooLarge", f"The job's standard output or error grew beyond the emulator's limit of {limit} bytes."
    )


def setup_failed(code: str, message: str) -> dict:
    """The job could not be set up or started: mounts, directories, toolkit, container, launch."""
    return batchai_error(code, message)
