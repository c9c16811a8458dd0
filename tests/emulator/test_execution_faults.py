"""Faults fail the job, never the executor: unwritable or full disks, floods, many children; mounts; Docker; load."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from execution_support import (
    CLUSTER_ID,
    FAST,
    PROVIDER,
    cluster_properties,
    current_user_is_root,
    custom,
    job_id,
    make_executor,
    pid_alive,
    read_output,
    read_pids,
    stdouterr,
    submission,
    tagged_processes,
    wait_for,
)

GUARD = {"constraints": {"maxWallClockTime": "PT30S"}}
OTHER_CLUSTER = f"{PROVIDER}/clusters/cluster2"


@pytest.fixture
def running(tmp_path):
    executor, recorder = make_executor(tmp_path)
    yield executor, recorder
    executor.close()


@pytest.fixture
def unwritable(tmp_path) -> Path:
    """A folder in which nothing can be created: read-only for a user; for root (who ignores modes), sysfs."""
    if current_user_is_root():
        folder = Path("/sys/batchai-emulator-test")
    else:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o555)
    with pytest.raises(OSError):
        (folder / "probe").mkdir(parents=True)
    yield folder
    if not current_user_is_root():
        folder.chmod(0o755)


# -- disks ---------------------------------------------------------------------------------------------------


def test_an_unwritable_output_folder_fails_the_job_not_the_executor(running, unwritable):
    executor, recorder = running
    outputs = [{"id": "MODEL", "pathPrefix": str(unwritable)}]
    executor.submit(submission("readonly", custom("echo never", outputDirectories=outputs)))
    final = recorder.wait_final(job_id("readonly"))
    assert (final.execution_state, final.errors[0]["code"]) == ("failed", "OutputWriteFailed")
    assert "output directory MODEL" in final.errors[0]["message"] and str(unwritable) in final.errors[0]["message"]
    assert "Could not create output directory MODEL" in read_output(executor, "readonly", "execution.log")
    executor.submit(submission("fine", custom("echo fine")))
    assert recorder.wait_final(job_id("fine")).execution_state == "succeeded"


def test_an_unwritable_stdouterr_folder_fails_the_job_and_logs_in_the_job_folder(running, unwritable):
    executor, recorder = running
    executor.submit(submission("nolog", custom("echo never", stdOutErrPathPrefix=str(unwritable))))
    final = recorder.wait_final(job_id("nolog"))
    assert final.errors[0]["code"] == "OutputWriteFailed" and "stdouterr directory" in final.errors[0]["message"]
    job_dir = executor._jobs[job_id("nolog").lower()].layout.job_dir
    assert "Could not create the stdouterr directory" in (job_dir / "execution.log").read_text()


def test_a_full_disk_fails_the_job_with_its_reason(running, tmp_path):
    executor, recorder = running
    job = submission("full", custom("echo data", stdOutErrPathPrefix=str(tmp_path / "logs")))
    folder = tmp_path / "logs" / job.properties["jobOutputDirectoryPathSegment"] / "stdouterr"
    folder.mkdir(parents=True)
    (folder / "execution.log").symlink_to("/dev/full")  # every write there: ENOSPC
    executor.submit(job)
    final = recorder.wait_final(job.job_id)
    assert final.errors[0]["code"] == "OutputWriteFailed" and "No space left on device" in final.errors[0]["message"]
    executor.submit(submission("after", custom("true")))
    assert recorder.wait_final(job_id("after")).execution_state == "succeeded"


def test_a_job_whose_own_writes_fail_ends_failed(running, tmp_path):
    executor, recorder = running
    job = submission("jobfull", custom("echo data", stdOutErrPathPrefix=str(tmp_path / "logs")))
    folder = tmp_path / "logs" / job.properties["jobOutputDirectoryPathSegment"] / "stdouterr"
    folder.mkdir(parents=True)
    (folder / "stdout.txt").symlink_to("/dev/full")
    executor.submit(job)
    final = recorder.wait_final(job.job_id)
    assert (final.execution_state, final.errors[0]["code"]) == ("failed", "JobFailed")
    assert "No space left on device" in read_output(executor, "jobfull", "stderr.txt")


# -- misbehaving jobs ------------------------------------------------------------------------------------------


def test_a_flooding_job_is_stopped_at_the_output_limit_and_stalls_nobody(tmp_path):
    executor, recorder = make_executor(tmp_path, replace(FAST, max_log_bytes=2_000_000))
    try:
        executor.configure_cluster(CLUSTER_ID, cluster_properties(nodes=2))
        executor.submit(submission("flood", custom("yes flooding", **GUARD)))
        recorder.wait_state(job_id("flood"), "running")
        started = time.monotonic()
        executor.submit(submission("quiet", custom("echo quiet")))
        status = executor.cluster_status(CLUSTER_ID)
        assert time.monotonic() - started < 0.5 and status.current_node_count == 2  # callers are not held up
        assert recorder.wait_final(job_id("quiet")).execution_state == "succeeded"
        final = recorder.wait_final(job_id("flood"))
        assert final.errors[0]["code"] == "JobOutputTooLarge"
        assert (stdouterr(executor, "flood") / "stdout.txt").stat().st_size < 200_000_000
    finally:
        executor.close()


def test_a_job_with_many_children_leaves_none_behind(running, tmp_path):
    executor, recorder = running
    pids = tmp_path / "pids"
    command = f"for i in $(seq 200); do (sleep 1000 & echo $! >> {pids}.part; wait) & done; sleep 0.5; mv {pids}.part {pids}; wait"
    executor.submit(submission("swarm", custom(command, **GUARD)))
    children = read_pids(pids)
    assert len(children) == 200
    executor.terminate(job_id("swarm"))
    recorder.wait_final(job_id("swarm"))
    wait_for(lambda: not any(pid_alive(pid) for pid in children), timeout=10, what="200 children to end")
    assert tagged_processes(executor) == []


def test_a_job_that_leaves_background_processes_behind_does_not_leak_them(running, tmp_path):
    executor, recorder = running
    pids = tmp_path / "pids"
    executor.submit(submission("leaky", custom(f"nohup sleep 1000 >/dev/null 2>&1 & echo $! > {pids}; echo done")))
    assert recorder.wait_final(job_id("leaky")).execution_state == "succeeded"
    (child,) = read_pids(pids)
    wait_for(lambda: not pid_alive(child), timeout=5, what="the leftover process to be stopped")


def test_a_never_ending_job_does_not_stop_other_clusters(running):
    executor, recorder = running
    executor.configure_cluster(OTHER_CLUSTER, cluster_properties(nodes=2))
    executor.submit(submission("forever", custom("sleep 1000", **GUARD)))
    recorder.wait_state(job_id("forever"), "running")
    names = [f"quick{i}" for i in range(20)]
    for name in names:
        executor.submit(submission(name, custom(f"echo {name}"), cluster_id=OTHER_CLUSTER))
    for name in names:
        assert recorder.wait_final(job_id(name)).execution_state == "succeeded"
    assert recorder.states(job_id("forever")) == ["queued", "running"]


# -- mounts --------------------------------------------------------------------------------------------------


def share(name: str, path: str) -> dict:
    return {
        "accountName": "acct",
        "azureFileUrl": f"https://acct.file.core.windows.net/{name}",
        "relativeMountPath": path,
    }


def test_mounted_data_persists_across_jobs_and_clusters(running, tmp_path):
    executor, recorder = running
    first = cluster_properties(nodeSetup={"mountVolumes": {"azureFileShares": [share("data", "afs")]}})
    second = cluster_properties(nodeSetup={"mountVolumes": {"azureFileShares": [share("data", "elsewhere/share")]}})
    executor.submit(submission("writer", custom("echo shared > $AZ_BATCHAI_MOUNT_ROOT/afs/data.txt"), cluster=first))
    assert recorder.wait_final(job_id("writer")).execution_state == "succeeded"
    reader = custom("cat $AZ_BATCHAI_MOUNT_ROOT/elsewhere/share/data.txt")
    executor.submit(submission("reader", reader, cluster=second, cluster_id=OTHER_CLUSTER))
    assert recorder.wait_final(job_id("reader")).execution_state == "succeeded"
    assert read_output(executor, "reader") == "shared\n"
    assert (tmp_path / "execution" / "storage" / "fileshares" / "acct" / "data" / "data.txt").read_text() == "shared\n"


def test_job_volumes_are_mounted_for_the_job_only(running, tmp_path):
    executor, recorder = running
    server = f"{PROVIDER}/workspaces/ws/fileServers/nfs"
    volumes = {
        "azureFileShares": [share("jobshare", "job_afs")],
        "azureBlobFileSystems": [
            {"accountName": "acct", "containerName": "jobcontainer", "relativeMountPath": "job_bfs"}
        ],
        "fileServers": [{"fileServer": {"id": server}, "relativeMountPath": "nfs", "sourceDirectory": "/mnt/data/exp"}],
        "unmanagedFileSystems": [{"mountCommand": "mount -t nfs 10.0.0.9:/x", "relativeMountPath": "nas"}],
    }
    outputs = [
        {"id": "OUTPUT1", "pathPrefix": "$AZ_BATCHAI_JOB_MOUNT_ROOT/job_afs"},
        {"id": "OUTPUT2", "pathPrefix": "$AZ_BATCHAI_JOB_MOUNT_ROOT/job_bfs"},
    ]
    command = (
        "echo afs > $AZ_BATCHAI_OUTPUT_OUTPUT1/job_afs.txt; echo bfs > $AZ_BATCHAI_OUTPUT_OUTPUT2/job_bfs.txt; "
        "echo nfs > $AZ_BATCHAI_JOB_MOUNT_ROOT/nfs/n.txt; ls $AZ_BATCHAI_JOB_MOUNT_ROOT/nas"
    )
    servers = {server: {"mountSettings": {"mountPoint": "/mnt/data"}}}
    job = submission(
        "jobmounts",
        custom(command, mountVolumes=volumes, outputDirectories=outputs),
        api_version="2018-05-01",
        file_servers=servers,
    )
    executor.submit(job)
    assert recorder.wait_final(job.job_id).execution_state == "succeeded"
    segment = job.properties["jobOutputDirectoryPathSegment"]
    storage = tmp_path / "execution" / "storage"
    assert (storage / "fileshares" / "acct" / "jobshare" / segment / "outputs" / "job_afs.txt").read_text() == "afs\n"
    assert (executor.output_directory(job.job_id, "OUTPUT2") / "job_bfs.txt").read_text() == "bfs\n"
    assert (executor.file_server_directory(server) / "exp" / "n.txt").read_text() == "nfs\n"
    assert "the mount command was not run" in read_output(executor, "jobmounts", "execution.log")
    checker = custom("test ! -e $AZ_BATCHAI_JOB_MOUNT_ROOT/job_afs")  # job volumes went away with their job
    executor.submit(submission("checker", checker))
    assert recorder.wait_final(job_id("checker")).execution_state == "succeeded"
    assert not (executor._jobs[job.job_id.lower()].layout.job_mount_root / "job_afs").exists()


def test_a_mount_point_taken_by_a_folder_fails_the_job_clearly(running, tmp_path):
    executor, recorder = running
    cluster = cluster_properties(nodeSetup={"mountVolumes": {"azureFileShares": [share("data", "afs")]}})
    blocked = tmp_path / "execution" / "clusters"
    executor.submit(submission("maker", custom("true"), cluster=cluster))
    assert recorder.wait_final(job_id("maker")).execution_state == "succeeded"
    link = next(blocked.rglob("afs"))
    link.unlink()
    link.mkdir()  # something a job could do: a real folder where the share is mounted
    executor.submit(submission("blocked", custom("true"), cluster=cluster))
    final = recorder.wait_final(job_id("blocked"))
    assert final.errors[0]["code"] == "JobSetupFailed" and "already there" in final.errors[0]["message"]


# -- containers ------------------------------------------------------------------------------------------------

IMAGE = {"containerSettings": {"imageSourceRegistry": {"image": "ubuntu:16.04"}}}

FAKE_DOCKER = """#!/bin/bash
# a stand-in for the docker client: records its argv, runs exec'd commands here, as a container would
echo "$*" >> {log}
case "$1" in
  info) {info} ;;
  login) cat > {log}.stdin; exit 0 ;;
  run) echo 4f1e0c; exit 0 ;;
  exec) shift; while [ "$1" = "--workdir" ] || [ "$1" = "--env" ]; do shift 2; done; shift; exec "$@" ;;
  rm) exit 0 ;;
esac
"""


def fake_docker(tmp_path, reachable: bool) -> tuple[Path, Path]:
    log = tmp_path / "docker-argv.log"
    info = (
        "exit 0"
        if reachable
        else "echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.' >&2; exit 1"
    )
    path = tmp_path / "docker"
    path.write_text(FAKE_DOCKER.format(log=log, info=info))
    path.chmod(0o755)
    return path, log


def test_without_docker_the_job_runs_on_the_host_and_says_so(tmp_path):
    docker, _ = fake_docker(tmp_path, reachable=False)
    executor, recorder = make_executor(tmp_path, replace(FAST, docker_command=str(docker)))
    try:
        executor.submit(submission("hosted", custom("echo on the host", **IMAGE)))
        assert recorder.wait_final(job_id("hosted")).execution_state == "succeeded"
        log = read_output(executor, "hosted", "execution.log")
        assert "names the image ubuntu:16.04, but Docker is not reachable" in log
        assert "Cannot connect to the Docker daemon" in log and "runs on this machine, not in the image" in log
    finally:
        executor.close()


def test_require_docker_fails_a_job_whose_image_cannot_run(tmp_path):
    docker, _ = fake_docker(tmp_path, reachable=False)
    executor, recorder = make_executor(tmp_path, replace(FAST, docker_command=str(docker), require_docker=True))
    try:
        marker = tmp_path / "ran"
        executor.submit(submission("strict", custom(f"touch {marker}", **IMAGE)))
        final = recorder.wait_final(job_id("strict"))
        assert final.errors[0]["code"] == "ContainerUnavailable"
        assert "ubuntu:16.04" in final.errors[0]["message"] and "Docker is not reachable" in final.errors[0]["message"]
        assert not marker.exists()
        executor.submit(submission("plain", custom("true")))  # jobs without an image are not concerned
        assert recorder.wait_final(job_id("plain")).execution_state == "succeeded"
    finally:
        executor.close()


def test_missing_docker_client_counts_as_unreachable(tmp_path):
    executor, recorder = make_executor(tmp_path, replace(FAST, docker_command=str(tmp_path / "no-docker")))
    try:
        executor.submit(submission("noclient", custom("true", **IMAGE)))
        assert recorder.wait_final(job_id("noclient")).execution_state == "succeeded"
        assert "is not installed" in read_output(executor, "noclient", "execution.log")
    finally:
        executor.close()


def test_with_docker_the_preparation_and_the_job_run_in_one_container(tmp_path):
    """The docker commands the executor issues, through a stand-in client (no Docker engine on this machine)."""
    docker, log = fake_docker(tmp_path, reachable=True)
    executor, recorder = make_executor(tmp_path, replace(FAST, docker_command=str(docker)))
    try:
        private = {
            "containerSettings": {
                "imageSourceRegistry": {
                    "image": "demo.azurecr.io/img",
                    "serverUrl": "demo.azurecr.io",
                    "credentials": {"username": "demo", "password": "registry-password"},
                },
                "shmSize": "1g",
            }
        }
        properties = custom(
            "echo job $SECRET",
            jobPreparation={"commandLine": "echo prep"},
            secrets=[{"name": "SECRET", "value": "container-secret"}],
            **private,
        )
        executor.submit(submission("boxed", properties))
        assert recorder.wait_final(job_id("boxed")).execution_state == "succeeded"
        calls = [line.split()[0] for line in log.read_text().splitlines()]
        assert calls == ["info", "login", "run", "exec", "exec", "rm"]
        lines = log.read_text().splitlines()
        assert lines[2].startswith("run --detach --name batchai-") and "--shm-size 1g" in lines[2]
        assert f"--volume {tmp_path / 'execution'}:{tmp_path / 'execution'}" in lines[2]
        assert lines[2].endswith("--entrypoint sleep demo.azurecr.io/img infinity")
        assert "--env SECRET" in lines[4] and lines[4].endswith("/bin/bash -c echo job $SECRET")
        assert "container-secret" not in log.read_text() and "registry-password" not in log.read_text()
        assert Path(f"{log}.stdin").read_text() == "registry-password"  # the password went to docker login's stdin
        assert lines[-1] == f"rm --force {lines[2].split()[3]}"
        assert read_output(executor, "boxed") == "job container-secret\n"
        assert read_output(executor, "boxed", "stdout-job_prep.txt") == "prep\n"
    finally:
        executor.close()


def test_terminating_a_containerized_job_removes_its_container(tmp_path):
    docker, log = fake_docker(tmp_path, reachable=True)
    executor, recorder = make_executor(tmp_path, replace(FAST, docker_command=str(docker)))
    try:
        executor.submit(submission("boxsleep", custom("sleep 1000", **IMAGE, **GUARD)))
        recorder.wait_state(job_id("boxsleep"), "running")
        wait_for(lambda: log.exists() and "exec" in log.read_text(), what="the job to start in its container")
        executor.terminate(job_id("boxsleep"))
        assert recorder.wait_final(job_id("boxsleep")).errors[0]["code"] == "JobTerminated"
        assert log.read_text().splitlines()[-1].startswith("rm --force batchai-")
    finally:
        executor.close()


# -- load ----------------------------------------------------------------------------------------------------


def test_many_jobs_from_many_threads_all_finish(running):
    executor, recorder = running
    executor.configure_cluster(CLUSTER_ID, cluster_properties(nodes=4))
    names = [f"job{thread}-{index}" for thread in range(8) for index in range(8)]

    def submit_some(thread: int) -> None:
        for index in range(8):
            name = f"job{thread}-{index}"
            executor.submit(submission(name, custom(f"echo {name}"), priority=index % 3))

    threads = [threading.Thread(target=submit_some, args=(thread,)) for thread in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    for name in names:
        assert recorder.wait_final(job_id(name), timeout=60).execution_state == "succeeded"
        assert read_output(executor, name) == f"{name}\n"
    assert all(recorder.states(job_id(name)) == ["queued", "running", "succeeded"] for name in names)
    status = executor.cluster_status(CLUSTER_ID)
    assert status.node_state_counts["idleNodeCount"] == 4 and os.cpu_count()
