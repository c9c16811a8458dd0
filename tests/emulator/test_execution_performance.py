"""Measured: time from submit to running on an idle executor, and jobs completed per second with `true`.

Run ``python -m pytest tests/emulator/test_execution_performance.py -s`` to see the numbers; the assertions
are loose floors that only catch a regression by an order of magnitude.
"""

from __future__ import annotations

import statistics
import time

from batchai_emulator.execution import ExecutionSettings, JobStateChange, LocalExecutor
from execution_support import CLUSTER_ID, Recorder, cluster_properties, custom, job_id, submission


class TimedRecorder(Recorder):
    def __init__(self) -> None:
        super().__init__()
        self.when: dict[tuple[str, str], float] = {}

    def job_state_changed(self, change: JobStateChange) -> None:
        self.when[(change.job_id, change.execution_state)] = time.perf_counter()
        super().job_state_changed(change)


def executor_with(tmp_path, nodes: int) -> tuple[LocalExecutor, TimedRecorder]:
    recorder = TimedRecorder()
    executor = LocalExecutor(tmp_path, recorder, ExecutionSettings(node_prepare_seconds=0.0))
    executor.configure_cluster(CLUSTER_ID, cluster_properties(nodes=nodes))
    time.sleep(0.05)  # the nodes are idle: the executor is idle
    return executor, recorder


def test_time_from_submit_to_running_on_an_idle_executor(tmp_path):
    executor, recorder = executor_with(tmp_path, nodes=1)
    try:
        latencies = []
        for index in range(30):
            name = f"latency{index}"
            submitted = time.perf_counter()
            executor.submit(submission(name, custom("true")))
            recorder.wait_final(job_id(name))
            latencies.append(recorder.when[(job_id(name), "running")] - submitted)
        median, worst = statistics.median(latencies), max(latencies)
        print(
            f"\nsubmit -> running on an idle executor: median {median * 1000:.2f} ms, max {worst * 1000:.2f} ms (30 jobs)"
        )
        assert median < 0.25
    finally:
        executor.close()


def test_jobs_completed_per_second_with_a_trivial_command(tmp_path):
    for nodes in (1, 2, 4):
        executor, recorder = executor_with(tmp_path / f"n{nodes}", nodes=nodes)
        try:
            names = [f"true{nodes}-{index}" for index in range(150)]
            started = time.perf_counter()
            for name in names:
                executor.submit(submission(name, custom("true")))
            for name in names:
                assert recorder.wait_final(job_id(name), timeout=120).execution_state == "succeeded"
            elapsed = time.perf_counter() - started
            print(f"\n{len(names)} jobs `true` on {nodes} node(s): {elapsed:.2f} s, {len(names) / elapsed:.1f} jobs/s")
            assert len(names) / elapsed > 5
        finally:
            executor.close()
