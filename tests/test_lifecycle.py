"""The lifecycle helpers (issue 4) through the sync client, against the local ARM server.

Waits run on a fake clock (`FakeClock`): sleeping advances it at once, so no test sleeps, and
every wait has a `timeout` on that clock. Each test asserts the requests it sent; the watchdog
fixture ends the run if a test hangs anyway.
"""

from __future__ import annotations

import faulthandler
import io
import pickle

import pytest
from azure.core.exceptions import AzureError, HttpResponseError, ResourceExistsError, ResourceNotFoundError
from conftest import SUBSCRIPTION_ID, make_client
from scenario import RESOURCE_GROUP, cluster_parameters, file_server_parameters, job_parameters

import batchai
from batchai import JobFailedError, JobRun, ProvisioningFailedError, StateTransition, WaitTimeoutError, models

TEST_SECONDS = 20  # hard bound of one test's wall time
MAX_REQUESTS = 60  # and of the requests it may send
WAIT = 600.0  # every wait's timeout, in fake seconds: at most WAIT / interval polls


class FakeClock:
    """Time that moves only when a wait sleeps; records every sleep requested."""

    def __init__(self) -> None:
        self.time = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.time += seconds


class TtyStream(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def bounded(arm_server):
    faulthandler.dump_traceback_later(TEST_SECONDS, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()
    assert len(arm_server.requests) <= MAX_REQUESTS


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fresh_client(arm_server, credential):
    """Another client on the same server: what a restarted process would build."""
    with make_client(arm_server, credential) as sdk_client:
        yield sdk_client


def sent(arm_server, operation_id: str | None = None) -> list[str]:
    """The operations sent so far (monitor polls show as None), or the count of one of them."""
    return [r.operation_id for r in arm_server.requests if operation_id in (None, r.operation_id)]


def polls(arm_server) -> int:
    return sum(1 for r in arm_server.requests if "/operationresults/" in r.path)


def job_path(name: str) -> str:
    return f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.BatchAI/jobs/{name}"


def make_job(client, name: str = "demo_job") -> models.Job:
    """A provisioned job, made on a clock of its own (the test's clock records only what it tests)."""
    return client.jobs.create_and_wait(RESOURCE_GROUP, name, job_parameters(), clock=FakeClock(), timeout=WAIT)


def follow(client, clock, name: str = "demo_job", **kwargs) -> list[StateTransition]:
    """wait_for_completion, polling every fake second unless told otherwise; the transitions it saw."""
    seen: list[StateTransition] = []
    kwargs = {"polling_interval": 1, "timeout": WAIT, **kwargs}
    client.jobs.wait_for_completion(RESOURCE_GROUP, name, on_transition=seen.append, clock=clock, **kwargs)
    return seen


# -- create and wait ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "parameters", "model"),
    [
        ("jobs", job_parameters, models.Job),
        ("clusters", cluster_parameters, models.Cluster),
        ("file_servers", file_server_parameters, models.FileServer),
    ],
)
def test_create_and_wait_returns_the_provisioned_resource(client, arm_server, clock, group, parameters, model):
    created = getattr(client, group).create_and_wait(RESOURCE_GROUP, "demo", parameters(), clock=clock, timeout=WAIT)
    assert isinstance(created, model) and created.provisioning_state == "succeeded"
    # PUT, three polls of the status monitor (two "InProgress"), the final GET
    assert len(arm_server.requests) == 5 and polls(arm_server) == 3
    assert clock.sleeps == [0, 0]  # the client's polling_interval; the server's Retry-After is 0


@pytest.mark.parametrize("lro_mode", ["202", "201", "200"])
def test_create_and_delete_in_every_arm_lro_style(client, arm_server, clock, lro_mode):
    arm_server.lro_mode = lro_mode
    assert make_job(client).provisioning_state == "succeeded"
    client.jobs.delete_and_wait(RESOURCE_GROUP, "demo_job", clock=clock, timeout=WAIT)
    with pytest.raises(ResourceNotFoundError):
        client.jobs.get(RESOURCE_GROUP, "demo_job")
    assert len(arm_server.requests) <= 11


def test_an_invalid_definition_is_refused_before_any_request(client, arm_server, clock):
    parameters = job_parameters()
    parameters.cntk_settings = models.CNTKsettings(language_type="Python", python_script_file_path="train.py")
    with pytest.raises(batchai.ValidationError):
        client.jobs.create_and_wait(RESOURCE_GROUP, "demo_job", parameters, clock=clock, timeout=WAIT)
    with pytest.raises(batchai.ValidationError):
        client.jobs.run(RESOURCE_GROUP, "demo_job", parameters, clock=clock, timeout=WAIT)
    assert arm_server.requests == [], "not even run's re-attach lookup"


def test_failed_cluster_raises_with_the_clusters_errors(client, arm_server, clock):
    arm_server.fail_next_lro = ("Clusters_Create", {"code": "InsufficientQuota", "message": "no cores left"})
    with pytest.raises(ProvisioningFailedError) as caught:
        client.clusters.create_and_wait(RESOURCE_GROUP, "demo_cluster", cluster_parameters(), clock=clock, timeout=WAIT)
    error = caught.value
    assert isinstance(error, HttpResponseError), "code catching the plain poller's error still works"
    assert [(e.code, e.message) for e in error.errors] == [("InsufficientQuota", "no cores left")]
    assert error.resource.provisioning_state == "failed" and error.resource.name == "demo_cluster"
    assert error.error.code == "InsufficientQuota"
    assert "cluster 'demo_cluster' failed to provision: InsufficientQuota: no cores left" in str(error)
    assert sent(arm_server)[-1] == "Clusters_Get" and len(arm_server.requests) == 5


@pytest.mark.parametrize("lro_mode", ["202", "200"])
def test_failed_job_create_raises_with_the_operations_error(client, arm_server, clock, lro_mode):
    arm_server.lro_mode = lro_mode
    arm_server.fail_next_lro = ("Jobs_Create", {"code": "ClusterNotFound", "message": "no such cluster"})
    with pytest.raises(ProvisioningFailedError) as caught:
        make_job(client)
    assert caught.value.resource.provisioning_state == "failed"
    if lro_mode == "202":  # the 200 answer carries the failed job, but no error: the service said nothing more
        assert [e.code for e in caught.value.errors] == ["ClusterNotFound"]
    assert len(arm_server.requests) <= 5


def test_a_request_the_service_refuses_is_not_a_provisioning_failure(client, arm_server, clock):
    make_job(client)
    changed = job_parameters()
    changed.node_count = 2
    with pytest.raises(ResourceExistsError):
        client.jobs.create_and_wait(RESOURCE_GROUP, "demo_job", changed, clock=clock, timeout=WAIT)


# -- following a job's execution --------------------------------------------------------------


def test_wait_for_completion_reports_every_transition(client, arm_server, clock):
    make_job(client)
    arm_server.job_schedule = ["queued", "running", "running", "succeeded"]
    start = len(arm_server.requests)
    seen = follow(client, clock)
    assert [(t.previous, t.state) for t in seen] == [(None, "queued"), ("queued", "running"), ("running", "succeeded")]
    assert [t.elapsed for t in seen] == [0, 1, 3]
    assert seen[-1].job.execution_info.exit_code == 0
    assert sent(arm_server)[start:] == ["Jobs_Get"] * 4 and clock.sleeps == [1, 1, 1]


def test_a_failed_job_raises_with_its_exit_code_and_errors(client, arm_server, clock):
    make_job(client)
    arm_server.job_schedule = ["running", "failed"]
    arm_server.job_exit_code = 3
    with pytest.raises(JobFailedError) as caught:
        client.jobs.wait_for_completion(RESOURCE_GROUP, "demo_job", clock=clock, polling_interval=1, timeout=WAIT)
    error = caught.value
    assert isinstance(error, AzureError)
    assert error.exit_code == 3 and error.job.execution_state == "failed"
    assert [e.code for e in error.errors] == ["JobFailed"]
    assert str(error) == "job 'demo_job' failed with exit code 3: JobFailed: The job exited with code 3."
    assert error.output_files is None
    assert pickle.loads(pickle.dumps(error)).exit_code == 3
    assert len(sent(arm_server, "Jobs_Get")) == 3  # the create's final GET, then two polls


def test_iter_states_yields_transitions_and_ends_without_raising(client, arm_server, clock):
    make_job(client)
    arm_server.job_schedule = ["queued", "running", "failed"]
    states = [t.state for t in client.jobs.iter_states(RESOURCE_GROUP, "demo_job", clock=clock, timeout=WAIT)]
    assert states == ["queued", "running", "failed"]


def test_iter_states_starts_polling_only_when_iterated(client, arm_server, clock):
    make_job(client)
    before = len(arm_server.requests)
    states = client.jobs.iter_states(RESOURCE_GROUP, "demo_job", clock=clock, timeout=WAIT)
    assert len(arm_server.requests) == before
    assert next(states).state == "queued"
    states.close()
    assert len(arm_server.requests) == before + 1


def test_timeout_raises_with_the_last_job_seen(client, arm_server, clock):
    make_job(client)
    arm_server.job_schedule = ["queued", "running"]  # runs forever
    start = len(arm_server.requests)
    with pytest.raises(WaitTimeoutError) as caught:
        client.jobs.wait_for_completion(RESOURCE_GROUP, "demo_job", clock=clock, polling_interval=3, timeout=10)
    error = caught.value
    assert isinstance(error, TimeoutError) and isinstance(error, AzureError)
    assert error.last_seen.execution_state == "running" and error.timeout == 10
    assert "gave up waiting for job 'demo_job' after 10 s: it is still running" in str(error)
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.timeout, copy.last_seen.name) == (str(error), 10, "demo_job")
    # polls at 0, 3, 6 and 9 s, and a last one at the deadline
    assert clock.sleeps == [3, 3, 3, 1] and len(arm_server.requests) - start == 5


def test_provisioning_failure_found_while_following(client, arm_server, clock):
    arm_server.fail_next_lro = ("Jobs_Create", {"code": "ClusterNotFound", "message": "no such cluster"})
    client.jobs.begin_create(RESOURCE_GROUP, "demo_job", job_parameters(), polling=False)
    arm_server.complete_operations()
    with pytest.raises(ProvisioningFailedError, match="job 'demo_job' failed to provision"):
        client.jobs.wait_for_completion(RESOURCE_GROUP, "demo_job", clock=clock, timeout=WAIT)


# -- terminate ------------------------------------------------------------------------------------


def test_terminate_in_the_middle_of_a_run(client, arm_server, clock):
    make_job(client)
    arm_server.job_schedule = ["queued", "running"]  # would run forever
    terminated: list[models.Job] = []

    def on_transition(transition: StateTransition) -> None:
        if transition.state == "running":
            terminated.append(client.jobs.terminate_and_wait(RESOURCE_GROUP, "demo_job", clock=clock, timeout=WAIT))

    with pytest.raises(JobFailedError) as caught:
        client.jobs.wait_for_completion(
            RESOURCE_GROUP, "demo_job", clock=clock, polling_interval=1, timeout=WAIT, on_transition=on_transition
        )
    assert terminated[0].execution_state == "failed"
    assert [e.code for e in terminated[0].execution_info.errors] == ["JobTerminated"]
    assert caught.value.exit_code is None and [e.code for e in caught.value.errors] == ["JobTerminated"]
    assert sent(arm_server, "Jobs_Terminate") == ["Jobs_Terminate"]
    assert len(arm_server.requests) <= 14


def test_terminate_of_a_finished_job_returns_it(client, arm_server, clock):
    make_job(client)
    arm_server.job_schedule = ["succeeded"]
    assert client.jobs.get(RESOURCE_GROUP, "demo_job").execution_state == "succeeded"
    job = client.jobs.terminate_and_wait(RESOURCE_GROUP, "demo_job", clock=clock, timeout=WAIT)
    assert job.execution_state == "succeeded"


# -- delete -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "parameters"),
    [("jobs", job_parameters), ("clusters", cluster_parameters), ("file_servers", file_server_parameters)],
)
def test_delete_and_wait(client, arm_server, clock, group, parameters):
    operations = getattr(client, group)
    operations.create_and_wait(RESOURCE_GROUP, "demo", parameters(), clock=clock, timeout=WAIT)
    assert operations.delete_and_wait(RESOURCE_GROUP, "demo", clock=clock, timeout=WAIT) is None
    with pytest.raises(ResourceNotFoundError):
        operations.get(RESOURCE_GROUP, "demo")
    assert len(arm_server.requests) == 5 + 4 + 1  # create; DELETE and three polls; the GET


@pytest.mark.parametrize("group", ["jobs", "clusters", "file_servers"])
def test_deleting_what_is_not_there(client, arm_server, clock, group):
    operations = getattr(client, group)
    assert operations.delete_and_wait(RESOURCE_GROUP, "absent", missing_ok=True, clock=clock) is None
    with pytest.raises(ResourceNotFoundError, match="'absent' was not found in resource group"):
        operations.delete_and_wait(RESOURCE_GROUP, "absent", clock=clock)
    assert len(arm_server.requests) == 2 and clock.sleeps == []  # one DELETE each, answered 204


# -- resume -------------------------------------------------------------------------------------------


def test_create_resumes_from_the_timeout_errors_token_in_a_fresh_client(client, fresh_client, arm_server, clock):
    arm_server.polls_until_done = 10
    with pytest.raises(WaitTimeoutError) as caught:
        client.jobs.create_and_wait(
            RESOURCE_GROUP, "demo_job", job_parameters(), clock=clock, polling_interval=1, timeout=2
        )
    token = caught.value.continuation_token
    assert token and caught.value.last_seen is None
    assert str(caught.value) == "gave up waiting for job 'demo_job' after 2 s"
    job = fresh_client.jobs.create_and_wait(RESOURCE_GROUP, "demo_job", job_parameters(), continuation_token=token)
    assert job.provisioning_state == "succeeded"
    assert sent(arm_server, "Jobs_Create") == ["Jobs_Create"], "resuming must not create twice"
    assert len(arm_server.requests) == 1 + 11 + 1  # PUT, the polls of both processes, the final GET


def test_on_started_hands_out_a_token_that_resumes(client, fresh_client, arm_server, clock):
    tokens: list[str] = []
    client.clusters.create_and_wait(RESOURCE_GROUP, "demo_cluster", cluster_parameters(), on_started=tokens.append)
    cluster = fresh_client.clusters.create_and_wait(
        RESOURCE_GROUP, "demo_cluster", cluster_parameters(), continuation_token=tokens[0]
    )
    assert cluster.provisioning_state == "succeeded"
    assert sent(arm_server, "Clusters_Create") == ["Clusters_Create"]


def test_delete_resumes_from_a_token(client, fresh_client, arm_server, clock):
    make_job(client)
    arm_server.polls_until_done = 10
    with pytest.raises(WaitTimeoutError) as caught:
        client.jobs.delete_and_wait(RESOURCE_GROUP, "demo_job", clock=clock, polling_interval=1, timeout=3)
    fresh_client.jobs.delete_and_wait(RESOURCE_GROUP, "demo_job", continuation_token=caught.value.continuation_token)
    assert sent(arm_server, "Jobs_Delete") == ["Jobs_Delete"]
    with pytest.raises(ResourceNotFoundError):
        client.jobs.get(RESOURCE_GROUP, "demo_job")


def test_wait_for_completion_reattaches_by_name_in_a_fresh_client(client, fresh_client, arm_server, clock):
    make_job(client)
    arm_server.job_schedule = ["queued", "running", "running", "running", "succeeded"]
    with pytest.raises(WaitTimeoutError):
        client.jobs.wait_for_completion(RESOURCE_GROUP, "demo_job", clock=clock, polling_interval=1, timeout=1)
    job = fresh_client.jobs.wait_for_completion(RESOURCE_GROUP, "demo_job", clock=clock, polling_interval=1)
    assert job.execution_state == "succeeded"
    assert sent(arm_server, "Jobs_Create") == ["Jobs_Create"]


# -- Retry-After ------------------------------------------------------------------------------------


def test_create_honors_retry_after_over_the_polling_interval(client, arm_server, clock):
    arm_server.retry_after = 7
    client.jobs.create_and_wait(RESOURCE_GROUP, "demo_job", job_parameters(), clock=clock, polling_interval=1)
    assert clock.sleeps == [7, 7] and polls(arm_server) == 3


def test_create_polls_at_the_interval_without_retry_after(client, arm_server, clock):
    client.jobs.create_and_wait(RESOURCE_GROUP, "demo_job", job_parameters(), clock=clock, polling_interval=4)
    assert clock.sleeps == [4, 4] and polls(arm_server) == 3


def test_create_never_sleeps_past_the_timeout(client, arm_server, clock):
    arm_server.retry_after = 7
    arm_server.polls_until_done = 5
    with pytest.raises(WaitTimeoutError):
        client.jobs.create_and_wait(RESOURCE_GROUP, "demo_job", job_parameters(), clock=clock, timeout=10)
    assert clock.sleeps == [7, 3] and polls(arm_server) == 3


def test_following_a_job_honors_retry_after(client, arm_server, clock):
    running = {**make_job(client).serialize(keep_readonly=True)}
    running["properties"]["executionState"] = "running"
    for header in ({"Retry-After": "5"}, {"retry-after-ms": "2500"}):
        arm_server.script("GET", job_path("demo_job"), response_body=running, headers=header)
    arm_server.job_schedule = ["succeeded"]
    seen = follow(client, clock)
    assert [t.state for t in seen] == ["running", "succeeded"]
    assert clock.sleeps == [5, 2.5] and len(sent(arm_server, "Jobs_Get")) == 4


# -- progress -----------------------------------------------------------------------------------------


def test_progress_on_a_terminal_rewrites_one_line(client, arm_server, clock):
    make_job(client)
    arm_server.job_schedule = ["queued", "running", "running", "succeeded"]
    stream = TtyStream()
    follow(client, clock, progress=stream, polling_interval=65)
    frames = stream.getvalue().split("\r\x1b[2K")
    assert frames == [
        "",
        "job 'demo_job': queued (0:00)",
        "job 'demo_job': running (1:05)",
        "job 'demo_job': running (2:10)",
        "job 'demo_job': succeeded (3:15)\n",
    ]


def test_progress_elsewhere_writes_a_line_per_state(client, arm_server, clock):
    stream = io.StringIO()
    client.jobs.create_and_wait(RESOURCE_GROUP, "demo_job", job_parameters(), clock=clock, progress=stream)
    arm_server.job_schedule = ["queued", "running", "running", "succeeded"]
    follow(client, clock, progress=stream)
    assert stream.getvalue().splitlines() == [
        "job 'demo_job': creating (0:00)",
        "job 'demo_job': created (0:00)",
        "job 'demo_job': queued (0:00)",
        "job 'demo_job': running (0:01)",
        "job 'demo_job': succeeded (0:03)",
    ]


def test_progress_is_off_by_default_and_true_means_stderr(client, arm_server, clock, capsys):
    make_job(client)
    assert capsys.readouterr().err == ""
    client.jobs.delete_and_wait(RESOURCE_GROUP, "demo_job", clock=clock, progress=True)
    assert capsys.readouterr().err.splitlines() == ["job 'demo_job': deleting (0:00)", "job 'demo_job': deleted (0:00)"]


# -- run ----------------------------------------------------------------------------------------------


def test_run_creates_follows_and_lists_the_output(client, arm_server, clock):
    arm_server.job_schedule = ["queued", "running", "succeeded"]
    seen: list[StateTransition] = []
    result = client.jobs.run(
        RESOURCE_GROUP, "demo_job", job_parameters(), clock=clock, timeout=WAIT, on_transition=seen.append
    )
    assert isinstance(result, JobRun) and not result.attached
    assert result.job.execution_state == "succeeded"
    assert sorted(f.name for f in result.output_files) == ["stderr.txt", "stdout.txt"]
    assert [t.state for t in seen] == ["queued", "running", "succeeded"]
    assert sent(arm_server) == [
        "Jobs_Get",  # is it there already? (404)
        "Jobs_Create",
        None,
        None,
        None,
        "Jobs_Get",  # the create's final GET: queued
        "Jobs_Get",
        "Jobs_Get",
        "Jobs_ListOutputFiles",
    ]
    listing = arm_server.requests[-1]
    assert listing.query["outputdirectoryid"] == "stdouterr"


def test_run_of_a_failing_job_raises_with_its_output_files(client, arm_server, clock):
    arm_server.job_schedule = ["running", "failed"]
    arm_server.job_exit_code = 137
    with pytest.raises(JobFailedError) as caught:
        client.jobs.run(RESOURCE_GROUP, "demo_job", job_parameters(), clock=clock, timeout=WAIT)
    assert caught.value.exit_code == 137
    assert sorted(f.name for f in caught.value.output_files) == ["stderr.txt", "stdout.txt"]


def test_run_after_a_crash_reattaches_to_the_job(client, fresh_client, arm_server, clock):
    make_job(client)  # the first process created it, then died
    arm_server.job_schedule = ["running", "succeeded"]
    result = fresh_client.jobs.run(RESOURCE_GROUP, "demo_job", job_parameters(), clock=clock, timeout=WAIT)
    assert result.attached and result.job.execution_state == "succeeded"
    assert sent(arm_server, "Jobs_Create") == ["Jobs_Create"]


def test_run_without_attach_relies_on_arms_idempotent_put(client, arm_server, clock):
    make_job(client)
    arm_server.job_schedule = ["succeeded"]
    result = client.jobs.run(RESOURCE_GROUP, "demo_job", job_parameters(), clock=clock, attach=False, timeout=WAIT)
    assert not result.attached and result.job.execution_state == "succeeded"
    assert sent(arm_server, "Jobs_Create") == ["Jobs_Create"] * 2
    changed = job_parameters()
    changed.node_count = 2
    with pytest.raises(ResourceExistsError):
        client.jobs.run(RESOURCE_GROUP, "demo_job", changed, clock=clock, attach=False, timeout=WAIT)


def test_run_resumes_a_create_from_its_token(client, fresh_client, arm_server, clock):
    arm_server.polls_until_done = 10
    with pytest.raises(WaitTimeoutError) as caught:
        client.jobs.run(RESOURCE_GROUP, "demo_job", job_parameters(), clock=clock, polling_interval=1, timeout=2)
    arm_server.job_schedule = ["succeeded"]
    result = fresh_client.jobs.run(
        RESOURCE_GROUP, "demo_job", job_parameters(), continuation_token=caught.value.continuation_token
    )
    assert result.job.execution_state == "succeeded" and not result.attached
    assert sent(arm_server, "Jobs_Create") == ["Jobs_Create"]


def test_one_timeout_bounds_the_whole_run(client, arm_server, clock):
    arm_server.job_schedule = ["running"]
    with pytest.raises(WaitTimeoutError) as caught:
        client.jobs.run(RESOURCE_GROUP, "demo_job", job_parameters(), clock=clock, polling_interval=1, timeout=5)
    assert sum(clock.sleeps) == 5 and caught.value.last_seen.execution_state == "running"


def test_wait_arguments_are_checked(client):
    with pytest.raises(ValueError, match="timeout"):
        client.jobs.wait_for_completion(RESOURCE_GROUP, "demo_job", timeout=0)
    with pytest.raises(ValueError, match="polling_interval"):
        client.jobs.wait_for_completion(RESOURCE_GROUP, "demo_job", polling_interval=-1)
