"""Jobs and clusters over time: queueing, priorities, terminate, delete, wall clock, resizing, auto-scale, restart."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from dataclasses import replace

import pytest
from batchai_emulator.execution import LocalExecutor
from execution_support import (
    CLUSTER_ID,
    FAST,
    PROVIDER,
    Recorder,
    cluster_properties,
    custom,
    job_id,
    make_executor,
    pid_alive,
    read_output,
    read_pids,
    submission,
    tagged_processes,
    wait_for,
)

GUARD = {"constraints": {"maxWallClockTime": "PT30S"}}  # no test job can outlive a failing test for long


@pytest.fixture
def running(tmp_path):
    executor, recorder = make_executor(tmp_path)
    yield executor, recorder
    executor.close()


def gated(gate) -> dict:
    """A job that runs until the test creates the file ``gate``."""
    return custom(f"while [ ! -e {gate} ]; do sleep 0.02; done", **GUARD)


def running_order(recorder) -> list[str]:
    return [change.job_id.rsplit("/", 1)[1] for change in recorder.jobs if change.execution_state == "running"]


def test_terminate_stops_the_whole_process_tree(running, tmp_path):
    executor, recorder = running
    pids = tmp_path / "pids"
    command = f"""
        for i in $(seq 30); do sleep 1000 & echo $! >> {pids}.part; done
        setsid sleep 1000 & echo $! >> {pids}.part
        (sleep 1000 & echo $! >> {pids}.part; wait) &
        sleep 0.2; echo $$ >> {pids}.part; mv {pids}.part {pids}
        wait
    """
    executor.submit(submission("sleeper", custom(textwrap.dedent(command), **GUARD)))
    recorder.wait_state(job_id("sleeper"), "running")
    started = read_pids(pids)
    assert len(started) == 33 and all(pid_alive(pid) for pid in started)

    executor.terminate(job_id("sleeper"))
    final = recorder.wait_final(job_id("sleeper"), timeout=10)
    assert recorder.states(job_id("sleeper")) == ["queued", "running", "terminating", "failed"]
    assert final.errors == [{"code": "JobTerminated", "message": "The job was terminated by the user."}]
    assert final.exit_code == 143  # the shell died of SIGTERM
    wait_for(lambda: not any(pid_alive(pid) for pid in started), timeout=5, what="every process of the job to end")
    assert tagged_processes(executor) == []  # the setsid one too: nothing of the job is left

    executor.terminate(job_id("sleeper"))  # terminating a finished job changes nothing
    time.sleep(0.1)
    assert recorder.states(job_id("sleeper"))[-1] == "failed" and len(recorder.states(job_id("sleeper"))) == 4


def test_terminating_a_queued_job_fails_it_without_running(running, tmp_path):
    executor, recorder = running
    executor.submit(submission("blocker", gated(tmp_path / "gate")))
    executor.submit(submission("waiting", custom("true")))
    recorder.wait_state(job_id("blocker"), "running")
    executor.terminate(job_id("waiting"))
    final = recorder.wait_final(job_id("waiting"))
    assert (final.execution_state, final.start_time, final.errors[0]["code"]) == ("failed", None, "JobTerminated")
    (tmp_path / "gate").touch()
    assert recorder.wait_final(job_id("blocker")).execution_state == "succeeded"
    assert "running" not in recorder.states(job_id("waiting"))


def test_deleting_a_running_job_stops_it_and_says_nothing_more(running, tmp_path):
    executor, recorder = running
    pids = tmp_path / "pids"
    executor.submit(submission("doomed", custom(f"sleep 1000 & echo $! > {pids}; wait", **GUARD)))
    recorder.wait_state(job_id("doomed"), "running")
    (child,) = read_pids(pids)
    job_dir = executor._jobs[job_id("doomed").lower()].layout.job_dir
    executor.delete(job_id("doomed"))
    wait_for(lambda: not pid_alive(child), timeout=5, what="the deleted job's process to end")
    wait_for(lambda: not job_dir.exists(), timeout=5, what="the deleted job's folder to go")
    time.sleep(0.2)
    assert recorder.states(job_id("doomed")) == ["queued", "running"]
    assert executor.output_directory(job_id("doomed"), "stdouterr") is None
    # the same name can be used again at once
    executor.submit(submission("doomed", custom("echo again")))
    assert recorder.wait_final(job_id("doomed")).execution_state == "succeeded"


def test_a_queued_job_starts_when_a_slot_frees(running, tmp_path):
    executor, recorder = running
    executor.submit(submission("first", gated(tmp_path / "gate")))
    executor.submit(submission("second", custom("echo second")))
    recorder.wait_state(job_id("first"), "running")
    time.sleep(0.3)
    assert recorder.states(job_id("second")) == ["queued"]
    status = executor.cluster_status(CLUSTER_ID)
    assert status.node_state_counts["runningNodeCount"] == 1 and status.node_state_counts["idleNodeCount"] == 0
    (tmp_path / "gate").touch()
    assert recorder.wait_final(job_id("second")).execution_state == "succeeded"
    assert running_order(recorder) == ["first", "second"]


def test_priorities_order_the_queue(running, tmp_path):
    executor, recorder = running
    executor.submit(submission("blocker", gated(tmp_path / "gate")))
    recorder.wait_state(job_id("blocker"), "running")
    for name, priority in [("low", -100), ("normal", 0), ("high1", 500), ("high2", 500), ("normal2", 0)]:
        executor.submit(submission(name, custom("true"), priority=priority))
    (tmp_path / "gate").touch()
    for name in ("low", "normal", "high1", "high2", "normal2"):
        recorder.wait_final(job_id(name))
    assert running_order(recorder) == ["blocker", "high1", "high2", "normal", "normal2", "low"]


def test_a_job_needing_more_nodes_waits_for_them_together(running, tmp_path):
    executor, recorder = running
    executor.configure_cluster(CLUSTER_ID, cluster_properties(nodes=2))
    executor.submit(submission("one", gated(tmp_path / "gate")))
    recorder.wait_state(job_id("one"), "running")
    executor.submit(submission("two", custom("echo $AZ_BATCH_HOST_LIST; cat $AZ_BATCHAI_MPI_HOST_FILE", nodeCount=2)))
    executor.submit(submission("huge", custom("true", nodeCount=5)))  # never fits this cluster
    executor.submit(submission("after", custom("true")))
    time.sleep(0.3)
    assert recorder.states(job_id("two")) == ["queued"] and recorder.states(job_id("after")) == ["queued"]
    (tmp_path / "gate").touch()
    assert recorder.wait_final(job_id("after")).execution_state == "succeeded"
    assert read_output(executor, "two") == "127.0.0.1,127.0.0.1\nlocalhost slots=2\n"
    assert recorder.states(job_id("huge")) == ["queued"]


def test_max_wall_clock_time_is_enforced(running, tmp_path):
    executor, recorder = running
    pids = tmp_path / "pids"
    executor.submit(
        submission("slow", custom(f"sleep 60 & echo $! > {pids}; wait", constraints={"maxWallClockTime": "PT1S"}))
    )
    started = time.monotonic()
    final = recorder.wait_final(job_id("slow"), timeout=10)
    assert time.monotonic() - started < 5
    assert final.errors[0]["code"] == "MaxWallClockTimeExpiry" and "PT1S" in final.errors[0]["message"]
    assert not pid_alive(read_pids(pids)[0])
    assert "maximum wall clock time" in read_output(executor, "slow", "execution.log")


def test_shrinking_requeues_the_latest_job_and_runs_it_again(running, tmp_path):
    executor, recorder = running
    executor.configure_cluster(CLUSTER_ID, cluster_properties(nodes=2))
    executor.submit(submission("early", gated(tmp_path / "gate")))
    recorder.wait_state(job_id("early"), "running")
    executor.submit(
        submission(
            "late",
            custom(
                f"echo run >> {tmp_path}/late-runs; "
                + gated(tmp_path / "gate")["customToolkitSettings"]["commandLine"],
                **GUARD,
            ),
        )
    )
    recorder.wait_state(job_id("late"), "running")
    runs = tmp_path / "late-runs"
    wait_for(lambda: runs.exists() and runs.read_text() == "run\n", what="late's first run to be under way")
    executor.configure_cluster(CLUSTER_ID, cluster_properties(nodes=1))  # nodeDeallocationOption: requeue (default)
    recorder.wait_until(lambda: recorder.states(job_id("late"))[-1:] == ["queued"], what="late to be requeued")
    wait_for(lambda: executor.cluster_status(CLUSTER_ID).current_node_count == 1, what="the cluster to shrink")
    (tmp_path / "gate").touch()
    assert recorder.wait_final(job_id("late")).execution_state == "succeeded"
    assert recorder.states(job_id("late")) == ["queued", "running", "queued", "running", "succeeded"]
    assert recorder.states(job_id("early"))[-1] == "succeeded"
    assert runs.read_text() == "run\nrun\n"


def test_shrinking_with_terminate_fails_the_preempted_job(running, tmp_path):
    executor, recorder = running
    terminate = {"scaleSettings": {"manual": {"targetNodeCount": 1, "nodeDeallocationOption": "terminate"}}}
    executor.configure_cluster(CLUSTER_ID, {"scaleSettings": {"manual": {"targetNodeCount": 1}}})
    executor.submit(submission("victim", gated(tmp_path / "gate")))
    recorder.wait_state(job_id("victim"), "running")
    executor.configure_cluster(
        CLUSTER_ID, {"scaleSettings": {"manual": {**terminate["scaleSettings"]["manual"], "targetNodeCount": 0}}}
    )
    final = recorder.wait_final(job_id("victim"))
    assert final.errors[0]["code"] == "JobTerminated" and "resized down" in final.errors[0]["message"]
    wait_for(lambda: executor.cluster_status(CLUSTER_ID).current_node_count == 0, what="the node to leave")


def test_shrinking_with_wait_for_job_completion_lets_jobs_finish(tmp_path):
    executor, recorder = make_executor(tmp_path, replace(FAST, node_leave_seconds=0.2))
    try:
        wait_option = {"targetNodeCount": 2, "nodeDeallocationOption": "waitforjobcompletion"}
        executor.configure_cluster(CLUSTER_ID, {"scaleSettings": {"manual": wait_option}})
        executor.submit(submission("a", gated(tmp_path / "gate-a")))
        executor.submit(submission("b", gated(tmp_path / "gate-b")))
        recorder.wait_state(job_id("b"), "running")
        executor.configure_cluster(CLUSTER_ID, {"scaleSettings": {"manual": {**wait_option, "targetNodeCount": 1}}})
        executor.submit(submission("c", custom("true")))
        status = executor.cluster_status(CLUSTER_ID)
        assert (status.allocation_state, status.current_node_count) == ("resizing", 2)
        (tmp_path / "gate-b").touch()
        recorder.wait_final(job_id("b"))
        time.sleep(0.1)
        assert recorder.states(job_id("c")) == ["queued"]  # the freed node leaves; it takes no new job
        wait_for(lambda: executor.cluster_status(CLUSTER_ID).current_node_count == 1, what="the node to leave")
        assert executor.cluster_status(CLUSTER_ID).allocation_state == "steady"
        (tmp_path / "gate-a").touch()
        assert recorder.wait_final(job_id("c")).execution_state == "succeeded"
        assert all(final in recorder.states(job_id(n)) for n in "ab" for final in ["succeeded"])
    finally:
        executor.close()


def test_resizing_is_observable_and_node_counts_add_up(tmp_path):
    executor, recorder = make_executor(tmp_path, replace(FAST, node_prepare_seconds=0.3, node_leave_seconds=0.3))
    try:
        status = executor.configure_cluster(CLUSTER_ID, cluster_properties(nodes=2))
        assert (status.allocation_state, status.node_state_counts["preparingNodeCount"]) == ("resizing", 2)
        wait_for(lambda: executor.cluster_status(CLUSTER_ID).allocation_state == "steady", what="steady")
        assert executor.cluster_status(CLUSTER_ID).node_state_counts["idleNodeCount"] == 2
        executor.configure_cluster(CLUSTER_ID, cluster_properties(nodes=1))
        assert executor.cluster_status(CLUSTER_ID).node_state_counts["leavingNodeCount"] == 1
        wait_for(lambda: executor.cluster_status(CLUSTER_ID).current_node_count == 1, what="the node to leave")
        recorder.wait_until(lambda: recorder.clusters and recorder.clusters[-1][1].current_node_count == 1)
        seen = [status for _, status in recorder.clusters]
        assert {s.allocation_state for s in seen} == {"resizing", "steady"}
        assert all(sum(s.node_state_counts.values()) == s.current_node_count for s in seen)
    finally:
        executor.close()


def test_autoscale_grows_for_queued_jobs_and_gives_nodes_back(running, tmp_path):
    executor, recorder = running
    auto = {"scaleSettings": {"autoScale": {"minimumNodeCount": 0, "maximumNodeCount": 2, "initialNodeCount": 0}}}
    assert executor.configure_cluster(CLUSTER_ID, auto).current_node_count == 0
    for name in ("x", "y", "z"):
        executor.submit(submission(name, gated(tmp_path / "gate"), cluster=auto))
    recorder.wait_state(job_id("y"), "running")
    recorder.wait_state(job_id("z"), "queued")
    status = executor.cluster_status(CLUSTER_ID)
    assert status.current_node_count == 2 and status.node_state_counts["runningNodeCount"] == 2
    assert recorder.states(job_id("z")) == ["queued"]  # the maximum is 2
    (tmp_path / "gate").touch()
    recorder.wait_final(job_id("z"))
    wait_for(lambda: executor.cluster_status(CLUSTER_ID).current_node_count == 0, what="idle nodes to go")


def test_deleting_a_cluster_stops_its_jobs(running, tmp_path):
    executor, recorder = running
    executor.submit(submission("on-it", gated(tmp_path / "gate")))
    executor.submit(submission("queued-on-it", custom("true")))
    recorder.wait_state(job_id("on-it"), "running")
    executor.delete_cluster(CLUSTER_ID)
    for name in ("on-it", "queued-on-it"):
        assert recorder.wait_final(job_id(name)).errors[0]["code"] == "ClusterDeleted"


def test_close_stops_every_process_within_its_bound(tmp_path):
    executor, recorder = make_executor(tmp_path)
    executor.configure_cluster(CLUSTER_ID, cluster_properties(nodes=3))
    for name in ("p", "q", "r"):
        executor.submit(submission(name, custom("trap '' TERM; sleep 1000 & wait; sleep 1000", **GUARD)))
    recorder.wait_until(lambda: len(tagged_processes(executor)) >= 6, what="the jobs' processes")
    started = time.monotonic()
    executor.close()
    assert time.monotonic() - started < FAST.kill_grace_seconds + FAST.close_join_seconds
    assert tagged_processes(executor) == []
    with pytest.raises(RuntimeError, match="closed"):
        executor.submit(submission("late", custom("true")))


def test_recover_reports_cut_off_jobs_failed(tmp_path):
    executor, recorder = make_executor(tmp_path)
    executor.submit(submission("cut", gated(tmp_path / "never")))
    recorder.wait_state(job_id("cut"), "running")
    executor.close()  # what a stopping emulator does: no verdict on the job, recover() gives it next time
    assert recorder.states(job_id("cut")) == ["queued", "running"]

    restarted, after = make_executor(tmp_path)
    try:
        restarted.recover([job_id("cut")])
        final = after.wait_final(job_id("cut"))
        assert final.errors[0]["code"] == "JobInterrupted" and final.end_time is not None
        assert "the emulator stopped while the job was running" in read_output(restarted, "cut", "execution.log")
    finally:
        restarted.close()


CRASHING_EMULATOR = """
import sys, os, time
sys.path.insert(0, {emulator!r})
sys.path.insert(0, {support!r})
from execution_support import make_executor, submission, custom, job_id, read_pids
from pathlib import Path
executor, recorder = make_executor(Path({data!r}))
executor.submit(submission("orphan", custom("sleep 1000 & echo $! > {pids}; setsid sleep 1000 & echo $! >> {pids}; wait")))
recorder.wait_state(job_id("orphan"), "running")
read_pids(Path({pids!r}))
os._exit(9)  # a crash: no close(), the job's processes stay behind
"""


def test_a_restarted_executor_stops_processes_a_crashed_one_left(tmp_path):
    pids = tmp_path / "pids"
    code = CRASHING_EMULATOR.format(
        emulator=str(__import__("batchai_emulator").__path__[0].rsplit("/", 1)[0]),
        support=os.path.dirname(__file__),
        data=str(tmp_path),
        pids=str(pids),
    )
    subprocess.run([sys.executable, "-c", code], timeout=30, check=False)
    wait_for(lambda: pids.exists() and len(pids.read_text().split()) == 2, what="the crashed emulator's job")
    orphans = [int(pid) for pid in pids.read_text().split()]
    assert all(pid_alive(pid) for pid in orphans)
    executor, _ = make_executor(tmp_path)
    try:
        wait_for(lambda: not any(pid_alive(pid) for pid in orphans), timeout=5, what="the orphans to be stopped")
    finally:
        executor.close()


def test_job_ids_compare_without_case(running, tmp_path):
    executor, recorder = running
    executor.submit(submission("cased", gated(tmp_path / "gate")))
    recorder.wait_state(job_id("cased"), "running")
    executor.terminate(f"{PROVIDER.upper()}/JOBS/CASED")
    assert recorder.wait_final(job_id("cased")).errors[0]["code"] == "JobTerminated"


def test_a_job_id_cannot_be_submitted_twice_while_it_runs(running, tmp_path):
    executor, recorder = running
    executor.submit(submission("twice", gated(tmp_path / "gate")))
    with pytest.raises(ValueError, match="already submitted"):
        executor.submit(submission("twice", custom("true")))
    (tmp_path / "gate").touch()
    recorder.wait_final(job_id("twice"))
    executor.submit(submission("twice", custom("echo second time")))  # finished: the id can be used again
    recorder.wait_until(lambda: recorder.states(job_id("twice")).count("succeeded") == 2, what="the second run")


class FailingRecorder(Recorder):
    """ExecutorEvents whose job callback fails the first time it is called."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 0

    def job_state_changed(self, change) -> None:
        if self.failures == 0:
            self.failures += 1
            raise RuntimeError("a broken callback")
        super().job_state_changed(change)


def test_a_failing_event_callback_does_not_stop_event_delivery(tmp_path, caplog):
    recorder = FailingRecorder()
    executor = LocalExecutor(tmp_path, recorder, FAST)
    try:
        executor.submit(submission("resilient", custom("true")))
        assert recorder.wait_final(job_id("resilient")).execution_state == "succeeded"
        assert recorder.states(job_id("resilient")) == ["running", "succeeded"]  # "queued" hit the broken callback
        assert "an executor event callback failed" in caplog.text
    finally:
        executor.close()
