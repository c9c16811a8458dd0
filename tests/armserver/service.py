"""The Batch AI resource provider behind the fake ARM front end.

Handlers receive an already authenticated and validated ``Call`` and return
a ``Reply``; long-running operations are tracked here and advanced by the
client's polls, so tests run exactly as fast as the client polls.
"""

from __future__ import annotations

import posixpath
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from .errors import ArmError, Reply, not_found
from .resources import (
    KINDS,
    PROVIDER,
    TERMINAL_EXECUTION_STATES,
    Resource,
    apply_scale,
    finish_termination,
    new_resource,
    set_execution_state,
    utc_now,
)
from .rules import check_definition
from .spec import Route

# Status monitors handed out for long-running operations. They are not part of
# the spec (ARM serves them), so they are routed separately from the spec's paths.
OPERATION_PATH = re.compile(
    rf"^/subscriptions/(?P<subscription>[^/]+)/providers/{re.escape(PROVIDER)}/locations/(?P<location>[^/]+)"
    r"/(?P<monitor>operationresults|operationstatuses)/(?P<operation>[^/]+)/?$",
    re.IGNORECASE,
)
SKIP_TOKEN = "$skiptoken"

PROVIDER_OPERATIONS = [
    ("clusters", "read", "Gets clusters."),
    ("clusters", "write", "Creates or updates a cluster."),
    ("clusters", "delete", "Deletes a cluster."),
    ("clusters/remoteLoginInformation", "action", "Lists the remote login information of a cluster."),
    ("jobs", "read", "Gets jobs."),
    ("jobs", "write", "Creates a job."),
    ("jobs", "delete", "Deletes a job."),
    ("jobs/terminate", "action", "Terminates a job."),
    ("jobs/remoteLoginInformation", "action", "Lists the remote login information of a job."),
    ("fileservers", "read", "Gets file servers."),
    ("fileservers", "write", "Creates a file server."),
    ("fileservers", "delete", "Deletes a file server."),
    ("locations/usages", "read", "Gets the usages of Batch AI resources."),
]
DEFAULT_OUTPUT_FILES = {"stdouterr": ["stdout.txt", "stderr.txt"]}
FALLBACK_OUTPUT_FILES = ["metrics.json", "model.ckpt", "checkpoints/epoch-1.ckpt", "checkpoints/epoch-2.ckpt"]


@dataclass
class Call:
    """A request that passed ARM's checks, with typed parameters."""

    route: Route
    path: str  # the path as the client sent it
    params: dict[str, str]  # path parameters by their spec name
    query: dict[str, Any]  # the spec's query parameters, typed, lower-case names, defaults applied
    raw_query: dict[str, str]  # everything the client sent, reused for nextLink
    body: Any
    base_url: str

    @property
    def subscription(self) -> str:
        return self.params["subscriptionId"]


@dataclass
class LroOperation:
    id: str
    operation_id: str
    action: str  # create | delete | terminate
    resource: Resource
    location: str  # location segment of the monitor URLs
    base_url: str
    polls_left: int
    error: dict | None
    previous_state: str | None = None  # a job's executionState before terminate
    status: str = "InProgress"
    start_time: str = ""
    end_time: str | None = None

    def monitor_path(self, monitor: str) -> str:
        """Path of a status monitor: ``operationresults`` (Azure-AsyncOperation) or ``operationstatuses`` (Location)."""
        return (
            f"/subscriptions/{self.resource.subscription}/providers/{PROVIDER}"
            f"/locations/{self.location}/{monitor}/{self.id}"
        )

    def monitor_url(self, monitor: str, api_version: str) -> str:
        return f"{self.base_url}{self.monitor_path(monitor)}?api-version={api_version}"

    def status_body(self) -> dict:
        body = {
            "id": self.monitor_path("operationresults"),
            "name": self.id,
            "status": self.status,
            "startTime": self.start_time,
        }
        if self.end_time:
            body["endTime"] = self.end_time
        if self.status == "Failed":
            body["error"] = self.error
        return body


class BatchAIService:
    """In-memory Batch AI; ``config`` is the ArmServer holding the test knobs."""

    def __init__(self, config, api_version: str):
        self.config = config
        self.api_version = api_version
        self.resources: dict[tuple[str, str, str, str], Resource] = {}
        self.operations: dict[str, LroOperation] = {}
        self._by_operation = {
            "Operations_List": self._list_provider_operations,
            "Usage_List": self._list_usages,
            "Clusters_Update": self._update_cluster,
            "Clusters_ListRemoteLoginInformation": self._list_remote_logins,
            "Jobs_ListRemoteLoginInformation": self._list_remote_logins,
            "Jobs_Terminate": self._terminate_job,
            "Jobs_ListOutputFiles": self._list_output_files,
        }
        self._by_action = {
            "Create": self._create,
            "Get": self._get,
            "Delete": self._delete,
            "List": self._list,
            "ListByResourceGroup": self._list,
        }

    def handler_for(self, route: Route):
        return self._by_operation.get(route.operation_id) or self._by_action.get(route.action)

    def handle(self, call: Call) -> Reply:
        check_definition(call.route.operation_id, call.body)  # Batch AI's rules, after the schema's
        return self.handler_for(call.route)(call)

    def clear(self) -> None:
        self.resources.clear()
        self.operations.clear()

    # -- lookups -------------------------------------------------------------------

    @staticmethod
    def _key(call: Call) -> tuple[str, str, str, str]:
        return (
            call.subscription.lower(),
            call.params["resourceGroupName"].lower(),
            call.route.collection.lower(),
            key_name(call).lower(),
        )

    def _existing(self, call: Call) -> Resource:
        resource = self.resources.get(self._key(call))
        if resource is None:
            kind = KINDS[call.route.collection.lower()]
            raise not_found(kind.arm_type, key_name(call), call.params["resourceGroupName"])
        return resource

    # -- create / get / delete -----------------------------------------------------

    def _create(self, call: Call) -> Reply:
        key = self._key(call)
        resource = self.resources.get(key)
        if resource is None:
            kind = KINDS[call.route.collection.lower()]
            group = call.params["resourceGroupName"]
            resource = new_resource(kind, call.subscription, group, key_name(call), call.body)
            self.resources[key] = resource
        else:
            _check_repeat_put(resource, call.body)
        return self._start_lro(call, "create", resource)

    def _get(self, call: Call) -> Reply:
        resource = self._existing(call)
        if resource.kind.collection == "jobs":
            self._advance_job_schedule(resource)
        return Reply(200, resource.to_json())

    def _delete(self, call: Call) -> Reply:
        resource = self.resources.get(self._key(call))
        if resource is None:
            return Reply(204)  # ARM: deleting what is not there succeeds
        resource.set_provisioning_state("deleting")
        return self._start_lro(call, "delete", resource)

    def _list(self, call: Call) -> Reply:
        collection = call.route.collection.lower()
        group = call.params.get("resourceGroupName", "").lower()
        items = [
            resource.to_json()
            for (sub, rg, kind, _), resource in self.resources.items()
            if kind == collection and sub == call.subscription.lower() and (not group or rg == group)
        ]
        return self._page(call, items)

    # -- Batch AI specific operations --------------------------------------------

    def _update_cluster(self, call: Call) -> Reply:
        cluster = self._existing(call)
        body = call.body or {}
        # ARM PATCH semantics: each given top-level part replaces the stored one.
        if "tags" in body:
            cluster.tags = dict(body["tags"] or {})
        scale = (body.get("properties") or {}).get("scaleSettings")
        if scale is not None:
            cluster.properties["scaleSettings"] = scale
            apply_scale(cluster)
        return Reply(200, cluster.to_json())

    def _terminate_job(self, call: Call) -> Reply:
        job = self._existing(call)
        previous = job.properties["executionState"]
        if previous not in TERMINAL_EXECUTION_STATES:
            set_execution_state(job, "terminating", None)
            job.schedule_frozen = True
        return self._start_lro(call, "terminate", job, previous_state=previous)

    def _list_remote_logins(self, call: Call) -> Reply:
        resource = self._existing(call)
        props = resource.properties
        count_field = "currentNodeCount" if resource.kind.collection == "clusters" else "nodeCount"
        count = props.get(count_field) or 0
        nodes = [
            {"nodeId": f"tvm-{resource.name.lower()}_{i}", "ipAddress": "203.0.113.20", "port": 50000 + i}
            for i in range(count)
        ]
        return self._page(call, nodes)

    def _list_output_files(self, call: Call) -> Reply:
        job = self._existing(call)
        directory_id = call.query["outputdirectoryid"]
        known = {"stdouterr"} | {d["id"].lower() for d in job.properties.get("outputDirectories") or []}
        if directory_id.lower() not in known:
            raise ArmError(
                404,
                "OutputDirectoryNotFound",
                f"The job has no output directory with id '{directory_id}'.",
                target="outputdirectoryid",
            )
        files = (self.config.output_files or DEFAULT_OUTPUT_FILES).get(directory_id, FALLBACK_OUTPUT_FILES)
        expiry = datetime.now(timezone.utc) + timedelta(minutes=call.query["linkexpiryinminutes"])
        entries = _directory_listing(files, call.query["directory"], job, directory_id, expiry)
        return self._page(call, entries)

    def _list_provider_operations(self, call: Call) -> Reply:
        items = [
            {
                "name": f"{PROVIDER}/{resource}/{verb}",
                "origin": "user,system",
                "display": {
                    "provider": "Microsoft Batch AI",
                    "resource": resource,
                    "operation": verb,
                    "description": text,
                },
            }
            for resource, verb, text in PROVIDER_OPERATIONS
        ]
        return self._page(call, items)

    def _list_usages(self, call: Call) -> Reply:
        location = _location_slug(call.params["location"])
        clusters = sum(
            1
            for r in self.resources.values()
            if r.kind.collection == "clusters"
            and r.subscription.lower() == call.subscription.lower()
            and _location_slug(r.location) == location
        )
        usages = [
            ("DedicatedCores", "Total Cluster Dedicated Regional vCPUs", 0, 24),
            ("LowPriorityCores", "Total Cluster LowPriority Regional vCPUs", 0, 96),
            ("Clusters", "Total Clusters", clusters, 200),
        ]
        items = [
            {"unit": "Count", "currentValue": current, "limit": limit, "name": {"value": value, "localizedValue": text}}
            for value, text, current, limit in usages
        ]
        return self._page(call, items)

    # -- jobs' scripted execution -----------------------------------------------------

    def _advance_job_schedule(self, job: Resource) -> None:
        """Each Jobs_Get shows the next state of server.job_schedule (the last one sticks)."""
        schedule = self.config.job_schedule
        if not schedule or job.schedule_frozen:
            return
        state = schedule[min(job.job_gets, len(schedule) - 1)]
        job.job_gets += 1
        set_execution_state(job, state, self.config.job_exit_code)

    # -- paging ---------------------------------------------------------------------

    def _page(self, call: Call, items: list) -> Reply:
        # maxresults defaults to 1000 in the spec, so the smaller of the two is the page size.
        size = min(self.config.page_size, call.query.get("maxresults", self.config.page_size))
        start = _skip(call.raw_query)
        body: dict[str, Any] = {"value": items[start : start + size]}
        if start + size < len(items):
            query = {k: v for k, v in call.raw_query.items() if k.lower() != SKIP_TOKEN}
            query[SKIP_TOKEN] = str(start + size)
            body["nextLink"] = f"{call.base_url}{call.path}?{urlencode(query, safe='$')}"
        return Reply(200, body)

    # -- long-running operations ------------------------------------------------------

    def _start_lro(self, call: Call, action: str, resource: Resource, previous_state: str | None = None) -> Reply:
        operation = LroOperation(
            id=str(uuid.uuid4()),
            operation_id=call.route.operation_id,
            action=action,
            resource=resource,
            location=_location_slug(resource.location),
            base_url=call.base_url,
            polls_left=self.config.polls_until_done,
            error=self._take_failure(call.route.operation_id),
            previous_state=previous_state,
            start_time=utc_now(),
        )
        mode = self.config.lro_mode
        if mode == "200":
            return self._finish_synchronously(operation)
        self.operations[operation.id] = operation
        async_url = operation.monitor_url("operationresults", self.api_version)
        if mode == "201" and action == "create":
            return Reply(201, resource.to_json(), {"Azure-AsyncOperation": async_url})
        return Reply(
            202,
            None,
            {
                "Azure-AsyncOperation": async_url,
                "Location": operation.monitor_url("operationstatuses", self.api_version),
                "Retry-After": str(self.config.retry_after),
            },
        )

    def _take_failure(self, operation_id: str) -> dict | None:
        planned = self.config.fail_next_lro
        if planned and planned[0] == operation_id:
            self.config.fail_next_lro = None
            return dict(planned[1])
        return None

    def _finish_synchronously(self, operation: LroOperation) -> Reply:
        self._complete(operation)
        if operation.action == "create":
            return Reply(200, operation.resource.to_json())  # provisioningState tells success from failure
        if operation.error:
            raise ArmError(400, operation.error.get("code", "Failed"), operation.error.get("message", ""))
        return Reply(200)

    def _complete(self, operation: LroOperation) -> None:
        operation.status = "Failed" if operation.error else "Succeeded"
        operation.end_time = utc_now()
        resource, failed = operation.resource, bool(operation.error)
        if operation.action == "create":
            resource.set_provisioning_state("failed" if failed else "succeeded")
            if failed and resource.kind.collection == "clusters":  # Batch AI reports why a cluster failed
                resource.properties["errors"] = [
                    {"code": operation.error["code"], "message": operation.error.get("message")}
                ]
        elif operation.action == "delete":
            if failed:
                resource.set_provisioning_state("failed")
            else:
                self._forget(resource)
        elif operation.previous_state not in TERMINAL_EXECUTION_STATES:  # terminate of a live job
            if failed:
                set_execution_state(resource, operation.previous_state, None)
                resource.schedule_frozen = False
            else:
                finish_termination(resource)

    def _forget(self, resource: Resource) -> None:
        for key, stored in list(self.resources.items()):
            if stored is resource:  # a resource re-created under the same name is left alone
                del self.resources[key]

    def complete_all(self) -> None:
        for operation in self.operations.values():
            if operation.status == "InProgress":
                self._complete(operation)

    def _poll(self, subscription: str, operation_id: str) -> LroOperation:
        operation = self.operations.get(operation_id)
        if operation is None or operation.resource.subscription.lower() != subscription.lower():
            raise ArmError(404, "OperationNotFound", f"The operation '{operation_id}' was not found.")
        if operation.status == "InProgress":
            if operation.polls_left > 0:
                operation.polls_left -= 1
            else:
                self._complete(operation)
        return operation

    def monitor(self, match: re.Match) -> Reply:
        """Answer a poll of an Azure-AsyncOperation or Location URL."""
        operation = self._poll(match["subscription"], match["operation"])
        if match["monitor"].lower() == "operationresults":
            headers = {"Retry-After": str(self.config.retry_after)} if operation.status == "InProgress" else {}
            return Reply(200, operation.status_body(), headers)
        return self._location_reply(operation)

    def _location_reply(self, operation: LroOperation) -> Reply:
        if operation.status == "InProgress":
            return Reply(
                202,
                None,
                {
                    "Location": operation.monitor_url("operationstatuses", self.api_version),
                    "Retry-After": str(self.config.retry_after),
                },
            )
        if operation.status == "Failed":
            return Reply(400, {"error": operation.error})
        if operation.action == "create":
            if not any(stored is operation.resource for stored in self.resources.values()):
                raise not_found(
                    operation.resource.kind.arm_type, operation.resource.name, operation.resource.resource_group
                )
            return Reply(200, operation.resource.to_json())
        return Reply(204)


# -- helpers --------------------------------------------------------------------------


def _name_param(route: Route) -> str:
    """The path parameter naming the resource: the one right after its collection."""
    found = re.search(rf"/{re.escape(route.collection)}/\{{([^}}]+)\}}", route.template)
    return found.group(1)


def key_name(call: Call) -> str:
    return call.params[_name_param(call.route)]


def _check_repeat_put(resource: Resource, body: dict) -> None:
    """A repeated PUT is fine when identical; Batch AI cannot update by PUT."""
    if resource.provisioning_state == "deleting":
        raise ArmError(409, "Conflict", f"The resource '{resource.name}' is being deleted.")
    if resource.definition != body:
        raise ArmError(409, "Conflict", f"The resource '{resource.name}' already exists with a different definition.")


def _location_slug(location: str) -> str:
    return location.replace(" ", "").lower()


def _skip(raw_query: dict[str, str]) -> int:
    token = next((v for k, v in raw_query.items() if k.lower() == SKIP_TOKEN), "0")
    if not token.isdigit():
        raise ArmError(400, "InvalidSkipToken", f"The skip token '{token}' is not valid.", target=SKIP_TOKEN)
    return int(token)


def _directory_listing(
    files: list[str], directory: str, job: Resource, directory_id: str, expiry: datetime
) -> list[dict]:
    """Immediate children of ``directory`` among ``files`` (relative paths)."""
    base = posixpath.normpath(directory.strip("/") or ".")
    prefix = "" if base == "." else base + "/"
    seen_dirs, entries = set(), []
    for path in files:
        if not path.startswith(prefix):
            continue
        head, _, rest = path[len(prefix) :].partition("/")
        if rest:
            if head not in seen_dirs:
                seen_dirs.add(head)
                entries.append({"name": head, "isDirectory": True})
            continue
        segment = job.properties["jobOutputDirectoryPathSegment"]
        url = (
            f"https://fakestorage.file.core.windows.net/batchai/{segment}/{directory_id}/{path}"
            f"?sv=2017-04-17&sr=f&sp=r&se={expiry.strftime('%Y-%m-%dT%H:%M:%SZ')}&sig=fake"
        )
        properties = {"lastModified": job.properties["creationTime"], "contentLength": 100 * len(path)}
        entries.append({"name": head, "isDirectory": False, "downloadUrl": url, "properties": properties})
    return entries
