"""A local HTTPS server behaving like Azure Resource Manager fronting Batch AI 2018-03-01.

Usage::

    with ArmServer() as server:
        client = BatchAIManagementClient(FakeCredential(server.token), SUBSCRIPTION,
                                         base_url=server.base_url, connection_verify=server.ca_path)

Test knobs (all restored by ``reset()``): ``token``, ``lro_mode`` ("202", "201",
"200"), ``polls_until_done``, ``retry_after``, ``page_size``, ``job_schedule``,
``job_exit_code``, ``fail_next_lro``, ``output_files``. Observations:
``requests``, ``mismatches``, ``operations_seen`` (kept across resets),
``internal_errors``. Scripted replay: ``script(...)``, ``pending_scripts``.
"""

from .credentials import AsyncFakeCredential, FakeCredential
from .errors import ArmError, Reply
from .server import ArmServer, RecordedRequest, ReplayMismatch, ScriptedResponse

__all__ = [
    "ArmError",
    "ArmServer",
    "AsyncFakeCredential",
    "FakeCredential",
    "RecordedRequest",
    "Reply",
    "ReplayMismatch",
    "ScriptedResponse",
]
