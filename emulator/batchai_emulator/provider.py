"""The Batch AI resource provider behind the ARM front door, for every API version.

Handlers receive an authenticated, validated ``Call`` and return a ``Reply``. What a route does follows
from its shape in the spec (``Route.segments``/``tail``): PUT/GET/PATCH/DELETE on one resource, GET on
a collection, POST actions (``terminate``, ``listOutputFiles``, ``listRemoteLoginInformation``), the
provider's ``operations`` and ``usages``. The same code serves 2018-03-01's flat ``jobs/{jobName}``
and 2018-05-01's ``workspaces/{w}/experiments/{e}/jobs/{jobName}``.

Nesting (2018-05-01): a resource can only be created, read or listed under a parent that exists
(404 ``ParentResourceNotFound``, as ARM answers); deleting a workspace or an experiment deletes
everything in it (its clusters, file servers, experiments and their jobs, running jobs stopped first),
as deleting an ARM resource deletes its nested resources.

Jobs and clusters are run by an ``Executor`` (executor.py): a job is submitted once its create
operation succeeds, and what the executor reports (``job_state_changed``, ``cluster_changed``) is
written to the store. Executor calls that can take time (terminate, delete) are made after the store
lock is released, so a slow one never holds up other requests.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import posixpath
import queue
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from .downloads import DownloadSigner, Grant, resolve_inside
from .errors import ArmError, Reply, bad_request, not_found, parent_not_found
from .executor import (
    INTERRUPTED_ERROR,
    STDOUTERR,
    TERMINAL_STATES,
    TERMINATED_ERROR,
    ClusterStatus,
    Executor,
    JobStateChange,
    JobSubmission,
)
from .resources import Resource, new_resource, utc_now, wire_time
from .rules import check_definition
from .spec import PROVIDER, Route, Spec, SpecSet
from .store import Store

log = logging.getLogger("batchai_emulator")

# Status monitors handed out for long-running operations. They are not part of
# the spec (ARM serves them), so they are routed separately from the spec's paths.
OPERATION_PATH = re.compile(
    rf"^/subscriptions/(?P<subscription>[^/]+)/providers/{re.escape(PROVIDER)}/locations/(?P<location>[^/]+)"
    r"/(?P<monitor>operationresults|operationstatuses)/(?P<operation>[^/]+)/?$",
    re.IGNORECASE,
)
SKIP_TOKEN = "$skiptoken"
JOB_PRIORITIES = {"low": -1, "normal": 0, "high": 1}  # 2018-05-01's schedulingPriority; earlier: an int
LIVE_EXECUTION_STATES = ("running", "terminating")


@dataclass
class Call:
    """A request that passed ARM's checks, with typed parameters."""

    spec: Spec
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

    @property
    def api_version(self) -> str:
        return self.spec.api_version


class Provider:
    """Batch AI on a ``Store``; ``config`` holds the behaviour settings (the tests' knobs)."""

    def __init__(self, config: Any, store: Store, specs: SpecSet, signer: DownloadSigner):
        self.config = config
        self.store = store
        self.specs = specs
        self.signer = signer
        self.executor: Executor | None = None
        self.job_observer: Callable[[str], None] | None = None  # called on each read of a job
        self.lock = threading.RLock()
        self._local = threading.local()
        self._events: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._pending_events = 0
        self._idle = threading.Condition()
        self._applier = threading.Thread(target=self._apply_events, name="batchai-emulator-events", daemon=True)
        self._applier.start()

    # -- entry points ------------------------------------------------------------------

    def handle(self, call: Call) -> Reply:
        check_definition(call.spec, call.route.operation_id, call.body)  # Batch AI's rules, after the schema's
        handler = self.handler_for(call.route)
        if handler is None:
            raise ArmError(404, "NotFound", f"No Batch AI operation serves {call.route.method} {call.path}.")
        with self.locked() as effects:
            reply = handler(call)
        _run(effects)
        return reply() if callable(reply) else reply

    def handler_for(self, route: Route) -> Callable[[Call], Any] | None:
        tail = (route.tail or "").lower()
        if route.method == "GET" and tail == "operations" and not route.segments:
            return self._list_provider_operations
        if route.method == "GET" and tail == "usages":
            return self._list_usages
        if route.is_item:
            return {"PUT": self._create, "GET": self._get, "PATCH": self._update, "DELETE": self._delete}.get(
                route.method
            )
        if route.is_list:
            return self._list
        if route.is_action:
            return {
                "terminate": self._terminate_job,
                "listoutputfiles": self._list_output_files,
                "listremotelogininformation": self._list_remote_logins,
            }.get(tail)
        return None

    def monitor(self, match: re.Match, base_url: str) -> Reply:
        """Answer a poll of an Azure-AsyncOperation or Location URL."""
        with self.locked() as effects:
            operation = self._poll(match["subscription"], match["operation"])
        _run(effects)
        if match["monitor"].lower() == "operationresults":
            headers = {"Retry-After": str(self.config.retry_after)} if operation["status"] == "InProgress" else {}
            return Reply(200, _status_body(operation), headers)
        return self._location_reply(operation, base_url)

    def complete_all(self) -> None:
        with self.locked() as effects:
            for operation in self.store.operations("InProgress"):
                self._complete(operation)
        _run(effects)

    def clear(self) -> None:
        self.wait_idle()
        with self.lock:
            self.store.clear()

    def seed(self, api_version: str, resources: Iterable[tuple[str, Any]]) -> int:
        """Store resources as if each ``(ARM id, create body)`` had been PUT with ``api_version`` and its creation
        had succeeded, in one transaction and without a request: for tests and benchmarks that need many resources
        fast (a hundred thousand jobs in seconds). Each body is checked as a PUT's is (ValueError); the same body
        object may serve many resources, and is then checked and filled once. A parent must exist, or come
        earlier in ``resources``. Nothing is handed to the executor (a seeded job stays queued); the number stored.
        """
        spec = self.specs[api_version]
        routes: dict[str, Route] = {}
        bodies: dict[int, tuple[Any, Any]] = {}  # id(body) -> (body, with its defaults); the body kept alive
        locations: dict[str, str | None] = {}  # key -> location of the parents met (and of everything seeded)

        def stored() -> Iterable[Resource]:
            for resource_id, body in resources:
                collection = resource_id.rsplit("/", 1)[0].lower()
                route = routes.get(collection)
                if route is None:
                    route = next((hit for hit, _ in spec.lookup(resource_id) if hit.method == "PUT"), None)
                    if route is None or not route.is_item:
                        raise ValueError(f"{api_version} creates no resource at {resource_id}")
                    routes[collection] = route
                known = bodies.get(id(body))
                if known is None:
                    known = bodies[id(body)] = (body, self._seed_body(spec, route, resource_id, body))
                collections = tuple(name for name, _ in route.segments)
                parent_key = resource_id.lower().rsplit("/", 2)[0] if len(collections) > 1 else ""
                if parent_key and parent_key not in locations:
                    parent = self.store.get(parent_key)
                    if parent is None:
                        raise ValueError(f"{resource_id}: its parent {parent_key} does not exist")
                    locations[parent_key] = parent.location
                resource = new_resource(resource_id, collections, api_version, known[1], locations.get(parent_key))
                resource.definition = body
                resource.set_provisioning_state("succeeded")
                locations[resource.key] = resource.location
                yield resource

        with self.locked():
            return self.store.insert_many(stored())

    @staticmethod
    def _seed_body(spec: Spec, route: Route, resource_id: str, body: Any) -> Any:
        """A seeded resource's body, checked as a PUT's is, with the schema's defaults."""
        schema = spec.body_schema(route.operation_id)
        if schema is None or not isinstance(body, dict):
            return body
        try:
            problems = spec.check_value(schema, body)
            if problems:
                raise bad_request(problems)
            check_definition(spec, route.operation_id, body)
        except ArmError as error:
            raise ValueError(f"{resource_id}: {error}") from None
        return spec.fill_defaults(schema, body)

    # -- locking, deferred executor calls and executor events ------------------------------

    class _Locked:
        """The store lock and one SQLite transaction per outermost holder: a request that fails half-way
        leaves nothing behind. Nested holders share the outermost one's transaction and deferred calls."""

        def __init__(self, provider: Provider):
            self.provider = provider
            self.effects: list[Callable[[], None]] = []
            self.transaction: contextlib.AbstractContextManager[None] | None = None

        def __enter__(self) -> list[Callable[[], None]]:
            provider = self.provider
            provider.lock.acquire()
            depth = getattr(provider._local, "depth", 0)
            provider._local.depth = depth + 1
            if depth:
                return []  # the outermost holder runs the deferred calls
            provider._local.effects = self.effects
            self.transaction = provider.store.transaction()
            self.transaction.__enter__()
            return self.effects

        def __exit__(self, *exc_info: Any) -> None:
            provider = self.provider
            provider._local.depth -= 1
            try:
                if provider._local.depth == 0:
                    provider._local.effects = None
                    if self.transaction is not None:
                        self.transaction.__exit__(*exc_info)
                    if exc_info[0] is not None:
                        self.effects.clear()  # rolled back: nothing to tell the executor
            finally:
                provider.lock.release()

    def locked(self) -> Provider._Locked:
        """Hold the store lock; executor calls queued with ``_later`` run once the outermost holder lets go."""
        return Provider._Locked(self)

    def _later(self, effect: Callable[[], None]) -> None:
        effects = getattr(self._local, "effects", None)
        if effects is None:
            effect()
        else:
            effects.append(effect)

    def _holding_lock(self) -> bool:
        return getattr(self._local, "depth", 0) > 0

    def job_state_changed(self, change: JobStateChange) -> None:
        """ExecutorEvents: applied at once when reported from inside a request, else queued in order."""
        self._event(lambda: self._apply_job_change(change))

    def cluster_changed(self, cluster_id: str, status: ClusterStatus) -> None:
        self._event(lambda: self._apply_cluster_status(cluster_id, status))

    def _event(self, apply: Callable[[], None]) -> None:
        if self._holding_lock():
            apply()
            return
        with self._idle:
            self._pending_events += 1
        self._events.put(apply)

    def _apply_events(self) -> None:
        while True:
            apply = self._events.get()
            if apply is None:
                return
            try:
                with self.locked() as effects:
                    apply()
                _run(effects)
            except Exception:  # an event about a vanished resource must not stop the others
                log.exception("could not apply an executor event")
            finally:
                with self._idle:
                    self._pending_events -= 1
                    self._idle.notify_all()

    def wait_idle(self, timeout: float = 10) -> bool:
        """Wait until every executor event reported so far is in the store."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending_events == 0, timeout)

    def close(self) -> None:
        self._events.put(None)
        self._applier.join(timeout=5)

    def _apply_job_change(self, change: JobStateChange) -> None:
        job = self.store.get(change.job_id)
        if job is None or job.leaf != "jobs":
            return
        props = job.properties
        current = props.get("executionState")
        new = change.execution_state
        if current in TERMINAL_STATES or current == new:
            return  # a finished job stays finished; repeated reports change nothing
        if job.internal.get("terminating") and new not in TERMINAL_STATES:
            return
        set_execution_state(job, change)
        self.store.put(job)
        log.info("job %s: %s -> %s%s", job.id, current, new, _exit_note(change))

    def _apply_cluster_status(self, cluster_id: str, status: ClusterStatus) -> None:
        cluster = self.store.get(cluster_id)
        if cluster is None or cluster.leaf != "clusters":
            return
        if _write_cluster_status(cluster, status):
            self.store.put(cluster)

    # -- executor wiring ---------------------------------------------------------------------

    def attach_executor(self, executor: Executor) -> None:
        self.executor = executor

    def recover(self) -> None:
        """After a start on an existing store: tell the executor its clusters, fail interrupted jobs,
        resubmit queued ones (in creation order), and make operations of vanished work finish."""
        with self.locked() as effects:
            for cluster in self.store.all_resources("clusters"):
                if cluster.provisioning_state == "succeeded":
                    self._configure_cluster(cluster)
                    self.store.put(cluster)
            interrupted = []
            for job in self.store.all_resources("jobs"):
                state = job.properties.get("executionState")
                if job.provisioning_state != "succeeded":
                    continue
                if state in LIVE_EXECUTION_STATES:
                    interrupted.append(job.id)
                    change = JobStateChange(job.id, "failed", errors=[dict(INTERRUPTED_ERROR)])
                    set_execution_state(job, change)
                    self.store.put(job)
                    log.warning("job %s: %s -> failed (it was running when the emulator stopped)", job.id, state)
                elif state == "queued":
                    self._submit(job)
            if interrupted and self.executor is not None:
                executor = self.executor
                self._later(lambda: executor.recover(interrupted))
        _run(effects)

    def _configure_cluster(self, cluster: Resource) -> None:
        if self.executor is None:
            return
        status = self.executor.configure_cluster(cluster.id, cluster.properties)
        _write_cluster_status(cluster, status)

    def _submit(self, job: Resource) -> None:
        if self.executor is None:
            return
        props = job.properties
        cluster_id = (props.get("cluster") or {}).get("id") or ""
        cluster = self.store.get(cluster_id) if cluster_id else None
        cluster_props = cluster.properties if cluster is not None else {}
        file_servers = {}
        for holder in (props, cluster_props.get("nodeSetup") or {}):
            for mount in (holder.get("mountVolumes") or {}).get("fileServers") or []:
                server_id = ((mount or {}).get("fileServer") or {}).get("id")
                server = self.store.get(server_id) if server_id else None
                if server is not None:
                    file_servers[server.id] = dict(server.properties)
        submission = JobSubmission(
            job_id=job.id,
            api_version=job.api_version,
            properties=dict(props),
            cluster_id=cluster.id if cluster is not None else cluster_id,
            cluster_properties=dict(cluster_props),
            file_servers=file_servers,
            priority=_priority(props),
            submitted=datetime.now(timezone.utc),
        )
        self.executor.submit(submission)
        log.info("job %s: submitted (priority %s)", job.id, submission.priority)

    # -- lookups -------------------------------------------------------------------------

    def _resource_id(self, call: Call, segments: tuple[tuple[str, str], ...] | None = None) -> str:
        """The ARM id a call addresses: the parent's id as stored (its case), then the names as sent."""
        segments = call.route.segments if segments is None else segments
        parent_id = None
        if len(segments) > 1:
            parent = self.store.get(self._resource_id(call, segments[:-1]))
            parent_id = parent.id if parent is not None else None
        if parent_id is None:
            prefix = f"/subscriptions/{call.subscription}/resourceGroups/{call.params['resourceGroupName']}"
            prefix += f"/providers/{PROVIDER}"
            return prefix + "".join(f"/{collection}/{call.params[param]}" for collection, param in segments)
        collection, param = segments[-1]
        return f"{parent_id}/{collection}/{call.params[param]}"

    def _check_parents(self, call: Call, segments: tuple[tuple[str, str], ...]) -> Resource | None:
        """The direct parent of what ``segments`` address (None at the top); 404 when any ancestor is missing."""
        parent = None
        for depth in range(1, len(segments)):
            parent = self.store.get(self._resource_id(call, segments[:depth]))
            if parent is None or parent.provisioning_state == "deleting":
                collection, param = segments[depth - 1]
                raise parent_not_found(f"{PROVIDER}/{collection}", call.params[param])
        return parent

    def _existing(self, call: Call) -> Resource:
        self._check_parents(call, call.route.segments)
        resource = self.store.get(self._resource_id(call))
        if resource is None:
            collection, param = call.route.segments[-1]
            raise not_found(f"{PROVIDER}/{collection}", call.params[param], call.params.get("resourceGroupName"))
        return resource

    # -- create / get / update / delete ----------------------------------------------------------

    def _create(self, call: Call) -> Reply:
        parent = self._check_parents(call, call.route.segments)
        resource_id = self._resource_id(call)
        existing = self.store.get(resource_id)
        if existing is not None:
            _check_repeat_put(existing, call.body)
            return self._start_lro(call, "create", existing)
        collections = tuple(collection for collection, _ in call.route.segments)
        body = call.body
        schema = call.spec.body_schema(call.route.operation_id)
        if schema is not None and isinstance(body, dict):
            body = call.spec.fill_defaults(schema, body)
        resource = new_resource(resource_id, collections, call.api_version, body, parent.location if parent else None)
        resource.definition = call.body
        if resource.leaf == "jobs":
            self._check_job_cluster(resource)
        self.store.put(resource)
        log.info("%s %s: creating", resource.leaf.rstrip("s"), resource.id)
        return self._start_lro(call, "create", resource)

    def _check_job_cluster(self, job: Resource) -> None:
        if not self.config.job_cluster_must_exist:
            return
        cluster_id = (job.properties.get("cluster") or {}).get("id") or ""
        cluster = self.store.get(cluster_id) if cluster_id else None
        if cluster is None or cluster.leaf != "clusters" or cluster.provisioning_state == "deleting":
            raise ArmError(
                400,
                "ClusterNotFound",
                f"The cluster '{cluster_id}' the job refers to does not exist.",
                target="properties.cluster.id",
            )

    def _get(self, call: Call) -> Reply:
        resource = self._existing(call)
        if resource.leaf == "jobs" and self.job_observer is not None:
            self.job_observer(resource.id)
            resource = self._existing(call)
        return Reply(200, self._render(call.spec, call.route.operation_id, resource))

    def _update(self, call: Call) -> Reply:
        resource = self._existing(call)
        body = call.body or {}
        # ARM PATCH semantics: each given top-level part replaces the stored one.
        if "tags" in body:
            resource.tags = dict(body["tags"] or {})
        scale = (body.get("properties") or {}).get("scaleSettings")
        if scale is not None and resource.leaf == "clusters":
            resource.properties["scaleSettings"] = scale
            if resource.provisioning_state == "succeeded":
                self._configure_cluster(resource)
            log.info("cluster %s: scale settings updated", resource.id)
        self.store.put(resource)
        return Reply(200, self._render(call.spec, call.route.operation_id, resource))

    def _delete(self, call: Call) -> Reply:
        resource_id = self._resource_id(call)
        resource = self.store.get(resource_id)
        if resource is None:
            return Reply(204)  # ARM: deleting what is not there succeeds
        for victim in [*self.store.descendants(resource.key), resource]:
            victim.set_provisioning_state("deleting")
            self.store.put(victim)
        log.info("%s %s: deleting", resource.leaf.rstrip("s"), resource.id)
        return self._start_lro(call, "delete", resource)

    def _list(self, call: Call) -> Reply:
        route = call.route
        parent_key = None
        if route.segments:
            self._check_parents(call, (*route.segments, ("", "")))
            parent_key = self._resource_id(call).lower()
        kind = "/".join(collection.lower() for collection in route.resource_collections)
        group = call.params.get("resourceGroupName")
        size, start = self._page_window(call)
        # one page from the store (and one more item, to know whether a next page exists), not the collection
        found = self.store.select(kind, call.subscription, group, parent_key, offset=start, limit=size + 1)
        items = [self._render(call.spec, call.route.operation_id, resource) for resource in found[:size]]
        return self._page_reply(call, items, start + size if len(found) > size else None)

    # -- Batch AI actions ------------------------------------------------------------------

    def _terminate_job(self, call: Call) -> Reply:
        job = self._existing(call)
        previous = job.properties.get("executionState")
        return self._start_lro(call, "terminate", job, previous_state=previous, prepare=self._begin_termination)

    def _begin_termination(self, job: Resource, operation: dict) -> None:
        if operation["previous_state"] in TERMINAL_STATES or operation["error"]:
            return  # nothing to stop, or the injected failure leaves the job as it is
        job.internal["terminating"] = True
        job.properties.update(executionState="terminating", executionStateTransitionTime=utc_now())
        self.store.put(job)
        log.info("job %s: %s -> terminating", job.id, operation["previous_state"])
        if self.executor is not None:
            executor, job_id = self.executor, job.id
            self._later(lambda: executor.terminate(job_id))

    def _list_remote_logins(self, call: Call) -> Reply:
        resource = self._existing(call)
        props = resource.properties
        count_field = "currentNodeCount" if resource.leaf == "clusters" else "nodeCount"
        count = props.get(count_field) or 0
        nodes = [
            {"nodeId": f"tvm-{resource.name.lower()}_{i}", "ipAddress": "127.0.0.1", "port": 50000 + i}
            for i in range(count)
        ]
        return self._page(call, nodes)

    def _list_output_files(self, call: Call) -> Callable[[], Reply]:
        job = self._existing(call)
        wanted = call.query["outputdirectoryid"]
        known = [STDOUTERR] + [d["id"] for d in job.properties.get("outputDirectories") or [] if d.get("id")]
        directory_id = next((known_id for known_id in known if known_id.lower() == wanted.lower()), None)
        if directory_id is None:
            raise ArmError(
                404,
                "OutputDirectoryNotFound",
                f"The job has no output directory with id '{wanted}'.",
                target="outputdirectoryid",
            )
        executor, job_id = self.executor, job.id
        expiry = datetime.now(timezone.utc) + timedelta(minutes=call.query["linkexpiryinminutes"])

        def listing() -> Reply:  # outside the lock: the file system can be slow
            root = executor.output_directory(job_id, directory_id) if executor is not None else None
            entries = self._directory_listing(root, call, job_id, directory_id, expiry)
            return self._page(call, entries)

        return listing

    def _directory_listing(
        self, root: Path | None, call: Call, job_id: str, directory_id: str, expiry: datetime
    ) -> list[dict]:
        """The output directory's entries in the version's File shape: files, then folders, by name.

        2018-03-01 marks folders with ``isDirectory``, 2018-05-01 with ``fileType``; 2017-09-01-preview's File
        cannot be a folder, so there every file below ``directory`` is listed, named by its relative path.
        """
        relative = posixpath.normpath(str(call.query.get("directory") or ".").strip("/") or ".")
        if relative.startswith(".."):
            raise ArmError(
                400, "InvalidDirectory", "The directory must lie inside the output directory.", target="directory"
            )
        if root is None:
            return []
        base = root.resolve()
        folder = (base / relative).resolve()
        if not folder.is_relative_to(base) or not folder.is_dir():
            return []
        shape = _file_shape(call.spec.list_item_schema(call.route.operation_id))
        entries = sorted(folder.rglob("*") if shape is None else folder.iterdir(), key=lambda path: path.as_posix())
        files, folders = [], []
        for entry in entries:
            try:
                if entry.is_dir():
                    if shape is not None:
                        folders.append({"name": entry.name, **_kind(shape, directory=True)})
                    continue
                stat = entry.stat()
            except OSError:
                continue  # vanished while listed
            path = entry.relative_to(base).as_posix()
            name = entry.name if shape is not None else entry.relative_to(folder).as_posix()
            grant = Grant(job_id, directory_id, path, int(expiry.timestamp()))
            modified = datetime.fromtimestamp(stat.st_mtime, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            files.append(
                {
                    "name": name,
                    **_kind(shape, directory=False),
                    "downloadUrl": self.signer.url(call.base_url, grant),
                    "properties": {"lastModified": modified, "contentLength": stat.st_size},
                }
            )
        return files + folders

    def output_file(self, grant: Grant) -> Path | None:
        """The local file a download grant names, if the job still exists."""
        job = self.store.get(grant.job_id)
        if job is None or self.executor is None:
            return None
        root = self.executor.output_directory(job.id, grant.directory_id)
        return resolve_inside(root, grant.path) if root is not None else None

    def _list_provider_operations(self, call: Call) -> Reply:
        """The provider's operations, derived from this version's routes (names as the service wrote them)."""
        seen: dict[str, dict] = {}
        for route in call.spec.routes:
            collections = route.resource_collections
            if not collections or route.tail and route.tail.lower() in ("operations",):
                continue
            resource = "/".join(collection.lower() for collection in collections)
            if route.tail and route.tail.lower() == "usages":
                resource, verb = "locations/usages", "read"
            elif route.is_action:
                verb = f"{route.tail}/action" if route.long_running else str(route.tail)
            else:
                verb = {"GET": "read", "PUT": "write", "PATCH": "write", "DELETE": "delete"}.get(route.method, "read")
            name = f"{PROVIDER}/{resource}/{verb}"
            noun = collections[-1]
            seen.setdefault(
                name,
                {
                    "name": name,
                    "display": {
                        "provider": "Microsoft Batch AI",
                        "resource": f"Batch AI {noun[:1].upper()}{noun[1:]}",
                        "operation": route.description.rstrip("."),
                        "description": route.description,
                    },
                    "origin": "user,system",
                },
            )
        return self._page(call, list(seen.values()))

    def _list_usages(self, call: Call) -> Reply:
        location = _location_slug(call.params["location"])
        clusters = len(
            [
                cluster
                for cluster in self.store.all_resources("clusters")
                if cluster.subscription.lower() == call.subscription.lower()
                and _location_slug(cluster.location or "") == location
            ]
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

    def _render(self, spec: Spec, operation_id: str, resource: Resource) -> dict:
        """The resource as this version's model has it: properties it does not know are left out (a job
        created with 2018-05-01 read with 2018-03-01 shows no horovodSettings, for instance)."""
        schema = spec.answer_schema(operation_id)
        body = resource.to_json()
        return spec.prune(schema, body) if schema is not None else body

    # -- paging ---------------------------------------------------------------------

    def _page(self, call: Call, items: list) -> Reply:
        size, start = self._page_window(call)
        return self._page_reply(call, items[start : start + size], start + size if start + size < len(items) else None)

    def _page_window(self, call: Call) -> tuple[int, int]:
        """(page size, index of the page's first item)."""
        # maxresults defaults to 1000 in the spec, so the smaller of the two is the page size.
        return min(self.config.page_size, call.query.get("maxresults", self.config.page_size)), _skip(call.raw_query)

    def _page_reply(self, call: Call, items: list, next_start: int | None) -> Reply:
        body: dict[str, Any] = {"value": items}
        if next_start is not None:
            query = {k: v for k, v in call.raw_query.items() if k.lower() != SKIP_TOKEN}
            query[SKIP_TOKEN] = str(next_start)
            body["nextLink"] = f"{call.base_url}{call.path}?{urlencode(query, safe='$')}"
        return Reply(200, body)

    # -- long-running operations ------------------------------------------------------

    def _start_lro(
        self,
        call: Call,
        action: str,
        resource: Resource,
        previous_state: str | None = None,
        prepare: Callable[[Resource, dict], None] | None = None,
    ) -> Reply:
        operation = {
            "id": str(uuid.uuid4()),
            "operation_id": call.route.operation_id,
            "action": action,  # create | delete | terminate
            "resource_key": resource.key,
            "resource_uid": resource.uid,
            "subscription": resource.subscription,
            "location": _location_slug(resource.location or "global"),
            "api_version": call.api_version,
            "polls_left": self.config.polls_until_done,
            "error": self._take_failure(call.route.operation_id),
            "previous_state": previous_state,
            "status": "InProgress",
            "start_time": utc_now(),
            "end_time": None,
        }
        if prepare is not None:
            prepare(resource, operation)
        mode = self.config.lro_mode
        if mode == "200":
            return self._finish_synchronously(operation)
        self.store.put_operation(operation)
        if self.config.lro_completes_at_once:
            self._complete(operation)  # the work is done at once; the client still polls for it, as ARM asks
        async_url = _monitor_url(call.base_url, operation, "operationresults")
        if mode == "201" and action == "create":
            current = self.store.get(resource.key) or resource
            return Reply(
                201, self._render(call.spec, call.route.operation_id, current), {"Azure-AsyncOperation": async_url}
            )
        return Reply(
            202,
            None,
            {
                "Azure-AsyncOperation": async_url,
                "Location": _monitor_url(call.base_url, operation, "operationstatuses"),
                "Retry-After": str(self.config.retry_after),
            },
        )

    def _take_failure(self, operation_id: str) -> dict | None:
        planned = self.config.fail_next_lro
        if planned and planned[0] == operation_id:
            self.config.fail_next_lro = None
            return dict(planned[1])
        return None

    def _finish_synchronously(self, operation: dict) -> Reply:
        self._complete(operation)
        if operation["action"] == "create":
            resource = self.store.get(operation["resource_key"])
            body = (
                self._render(self.specs[operation["api_version"]], operation["operation_id"], resource)
                if resource
                else None
            )
            return Reply(200, body)  # provisioningState tells the outcome
        if operation["error"]:
            raise ArmError(400, operation["error"].get("code", "Failed"), operation["error"].get("message", ""))
        return Reply(200)

    def _complete(self, operation: dict) -> None:
        failed = bool(operation["error"])
        operation.update(status="Failed" if failed else "Succeeded", end_time=utc_now())
        self.store.put_operation(operation)
        resource = self.store.get(operation["resource_key"])
        if resource is None or resource.uid != operation["resource_uid"]:
            return  # gone, or re-created under the same name: not this operation's business
        action = operation["action"]
        if action == "create":
            self._complete_create(resource, operation)
        elif action == "delete":
            if failed:
                resource.set_provisioning_state("failed")
                self.store.put(resource)
            else:
                self._forget(resource)
        elif operation["previous_state"] not in TERMINAL_STATES:  # terminate of a live job
            self._complete_termination(resource, operation)

    def _complete_create(self, resource: Resource, operation: dict) -> None:
        error = operation["error"]
        if resource.provisioning_state != "creating":
            return  # a repeated PUT of a provisioned resource
        resource.set_provisioning_state("failed" if error else "succeeded")
        if error and resource.leaf == "clusters":  # Batch AI reports why a cluster failed
            resource.properties["errors"] = [{"code": error["code"], "message": error.get("message")}]
        if not error and resource.leaf == "clusters":
            self._configure_cluster(resource)
        self.store.put(resource)
        log.info("%s %s: provisioning %s", resource.leaf.rstrip("s"), resource.id, resource.provisioning_state)
        if not error and resource.leaf == "jobs":
            self._submit(resource)

    def _complete_termination(self, job: Resource, operation: dict) -> None:
        if operation["error"]:
            return  # the job was left as it was (see _begin_termination)
        if job.properties.get("executionState") in TERMINAL_STATES:
            return  # the executor reported the end first
        set_execution_state(job, JobStateChange(job.id, "failed", errors=[dict(TERMINATED_ERROR)]))
        self.store.put(job)
        log.info("job %s: terminating -> failed (terminated)", job.id)

    def _forget(self, resource: Resource) -> None:
        executor = self.executor
        for victim in [*self.store.descendants(resource.key), resource]:
            self.store.delete(victim.key)
            log.info("%s %s: deleted", victim.leaf.rstrip("s"), victim.id)
            if executor is None:
                continue
            if victim.leaf == "jobs":
                self._later(functools.partial(executor.delete, victim.id))
            elif victim.leaf == "clusters":
                self._later(functools.partial(executor.delete_cluster, victim.id))

    def _poll(self, subscription: str, operation_id: str) -> dict:
        operation = self.store.get_operation(operation_id)
        if operation is None or operation["subscription"].lower() != subscription.lower():
            raise ArmError(404, "OperationNotFound", f"The operation '{operation_id}' was not found.")
        if operation["status"] == "InProgress":
            if operation["polls_left"] > 0:
                operation["polls_left"] -= 1
                self.store.put_operation(operation)
            else:
                self._complete(operation)
        return operation

    def _location_reply(self, operation: dict, base_url: str) -> Reply:
        if operation["status"] == "InProgress":
            return Reply(
                202,
                None,
                {
                    "Location": _monitor_url(base_url, operation, "operationstatuses"),
                    "Retry-After": str(self.config.retry_after),
                },
            )
        if operation["status"] == "Failed":
            return Reply(400, {"error": operation["error"]})
        if operation["action"] == "create":
            resource = self.store.get(operation["resource_key"])
            if resource is None or resource.uid != operation["resource_uid"]:
                name = operation["resource_key"].rsplit("/", 1)[-1]
                raise ArmError(404, "ResourceNotFound", f"The Resource '{name}' was not found.")
            return Reply(200, self._render(self.specs[operation["api_version"]], operation["operation_id"], resource))
        return Reply(204)


# -- helpers --------------------------------------------------------------------------


def _run(effects: list[Callable[[], None]]) -> None:
    for effect in effects:
        effect()


def set_execution_state(job: Resource, change: JobStateChange) -> None:
    """Move a job to the reported state and keep executionInfo consistent with it."""
    props = job.properties
    now = utc_now()
    state = change.execution_state
    props.update(executionState=state, executionStateTransitionTime=now)
    if state == "queued":
        props.pop("executionInfo", None)
        return
    info = props.setdefault("executionInfo", {})
    info.setdefault("startTime", wire_time(change.start_time) if change.start_time else now)
    if state in TERMINAL_STATES:
        job.internal.pop("terminating", None)
        info["endTime"] = wire_time(change.end_time) if change.end_time else now
        if change.exit_code is not None:
            info["exitCode"] = change.exit_code
        if change.errors:
            info["errors"] = [dict(error) for error in change.errors]


def _file_shape(schema: dict) -> str | None:
    """How a version's File tells folders from files: ``isDirectory``, ``fileType``, or not at all."""
    properties = schema.get("properties") or {}
    return next((name for name in ("isDirectory", "fileType") if name in properties), None)


def _kind(shape: str | None, directory: bool) -> dict:
    if shape == "isDirectory":
        return {"isDirectory": directory}
    if shape == "fileType":
        return {"fileType": "directory" if directory else "file"}
    return {}


def _write_cluster_status(cluster: Resource, status: ClusterStatus) -> bool:
    """Store what the executor says of a cluster; True when something changed."""
    props = cluster.properties
    before = (props.get("allocationState"), props.get("currentNodeCount"), props.get("nodeStateCounts"))
    after = (status.allocation_state, status.current_node_count, dict(status.node_state_counts))
    if before == after:
        return False
    if props.get("allocationState") != status.allocation_state:
        props["allocationStateTransitionTime"] = utc_now()
    props.update(
        allocationState=status.allocation_state,
        currentNodeCount=status.current_node_count,
        nodeStateCounts=dict(status.node_state_counts),
    )
    counts = ", ".join(f"{name.removesuffix('NodeCount')} {count}" for name, count in status.node_state_counts.items())
    log.info("cluster %s: %s, %d nodes (%s)", cluster.id, status.allocation_state, status.current_node_count, counts)
    return True


def _exit_note(change: JobStateChange) -> str:
    if change.exit_code is not None:
        return f" (exit code {change.exit_code})"
    if change.errors:
        return f" ({change.errors[0].get('code')})"
    return ""


def _priority(props: dict) -> int:
    """The job's priority, higher first: 2018-05-01's schedulingPriority (low/normal/high), else the int."""
    value = props.get("schedulingPriority", props.get("priority"))
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return JOB_PRIORITIES.get(value.lower(), 0)
    return 0


def _status_body(operation: dict) -> dict:
    body = {
        "id": _monitor_path(operation, "operationresults"),
        "name": operation["id"],
        "status": operation["status"],
        "startTime": operation["start_time"],
    }
    if operation["end_time"]:
        body["endTime"] = operation["end_time"]
    if operation["status"] == "Failed":
        body["error"] = operation["error"]
    return body


def _monitor_path(operation: dict, monitor: str) -> str:
    """Path of a status monitor: ``operationresults`` (Azure-AsyncOperation) or ``operationstatuses`` (Location)."""
    return (
        f"/subscriptions/{operation['subscription']}/providers/{PROVIDER}"
        f"/locations/{operation['location']}/{monitor}/{operation['id']}"
    )


def _monitor_url(base_url: str, operation: dict, monitor: str) -> str:
    return f"{base_url}{_monitor_path(operation, monitor)}?api-version={operation['api_version']}"


def _check_repeat_put(resource: Resource, body: Any) -> None:
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
