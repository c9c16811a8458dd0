"""Jobs really run on this machine: environment, expansion, output files, exit codes, toolkits' processes."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from batchai_emulator.execution import local
from execution_support import (
    CLUSTER_ID,
    GROUP,
    SUBSCRIPTION,
    cluster_properties,
    custom,
    job_id,
    make_executor,
    read_output,
    stdouterr,
    submission,
    wait_for,
)

SHARE = {
    "accountName": "acct",
    "azureFileUrl": "https://acct.file.core.windows.net/share",
    "relativeMountPath": "afs",
    "credentials": {"accountKey": "account-key-never-logged"},
}


@pytest.fixture
def running(tmp_path):
    executor, recorder = make_executor(tmp_path)
    yield executor, recorder
    executor.close()


def script(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_custom_job_prints_its_environment_and_writes_an_output_file(running, tmp_path):
    executor, recorder = running
    cluster = cluster_properties(nodeSetup={"mountVolumes": {"azureFileShares": [SHARE]}})
    executor.configure_cluster(CLUSTER_ID, cluster)
    (tmp_path / "execution" / "storage" / "fileshares" / "acct" / "share" / "data").mkdir(parents=True)
    properties = custom(
        'env | sort; echo model > $AZ_BATCHAI_OUTPUT_MODEL/model.txt; echo "secret=$SECRET"',
        stdOutErrPathPrefix="$AZ_BATCHAI_MOUNT_ROOT/afs",
        inputDirectories=[{"id": "DATA", "path": "$AZ_BATCHAI_MOUNT_ROOT/afs/data"}],
        outputDirectories=[{"id": "MODEL", "pathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/afs", "pathSuffix": "models"}],
        environmentVariables=[
            {"name": "WHERE", "value": "$AZ_BATCHAI_OUTPUT_MODEL/x"},
            {"name": "PLAIN", "value": "v"},
        ],
        secrets=[{"name": "SECRET", "value": "s3cr3t-value"}],
    )
    job = submission("envjob", properties, cluster=cluster)
    executor.submit(job)
    final = recorder.wait_final(job.job_id)
    assert (final.execution_state, final.exit_code, final.errors) == ("succeeded", 0, [])
    assert recorder.states(job.job_id) == ["queued", "running", "succeeded"]
    assert final.start_time is not None and final.end_time is not None and final.start_time <= final.end_time

    segment = job.properties["jobOutputDirectoryPathSegment"]
    share = tmp_path / "execution" / "storage" / "fileshares" / "acct" / "share"
    model_dir = executor.output_directory(job.job_id, "MODEL")
    assert model_dir == share / segment / "outputs" / "models"
    assert (model_dir / "model.txt").read_text() == "model\n"
    assert stdouterr(executor, "envjob") == share / segment / "stdouterr"
    assert sorted(p.name for p in stdouterr(executor, "envjob").iterdir()) == [
        "execution.log",
        "stderr.txt",
        "stdout.txt",
    ]

    env = dict(line.split("=", 1) for line in read_output(executor, "envjob").splitlines() if "=" in line)
    mount_root = tmp_path / "execution" / "clusters" / SUBSCRIPTION / GROUP / "cluster1" / "mounts"
    assert env["AZ_BATCHAI_MOUNT_ROOT"] == str(mount_root)
    assert env["AZ_BATCHAI_OUTPUT_MODEL"] == f"{mount_root}/afs/{segment}/outputs/models"
    assert env["AZ_BATCHAI_INPUT_DATA"] == f"{mount_root}/afs/data"
    assert env["AZ_BATCHAI_STDOUTERR_DIR"] == f"{mount_root}/afs/{segment}/stdouterr"
    assert env["WHERE"] == f"{env['AZ_BATCHAI_OUTPUT_MODEL']}/x" and env["PLAIN"] == "v"
    for name in (
        "AZ_BATCHAI_JOB_MOUNT_ROOT",
        "AZ_BATCHAI_JOB_TEMP",
        "AZ_BATCHAI_JOB_TEMP_DIR",
        "AZ_BATCHAI_SHARED_JOB_TEMP",
        "AZ_BATCHAI_MPI_HOST_FILE",
        "AZ_BATCHAI_NUM_GPUS",
    ):
        assert name in env
    assert env["secret"] == "s3cr3t-value"  # the job gets its secret's value...
    log = read_output(executor, "envjob", "execution.log")
    assert "s3cr3t-value" not in log and "account-key-never-logged" not in log  # ...the log never does
    assert "SECRET" in log and "mounted Azure file share https://acct.file.core.windows.net/share" in log
    assert read_output(executor, "envjob", "stderr.txt") == ""


def test_a_job_that_exits_3_fails_with_job_failed_and_exit_code_3(running):
    executor, recorder = running
    executor.submit(submission("three", custom("echo bye; exit 3")))
    final = recorder.wait_final(job_id("three"))
    assert (final.execution_state, final.exit_code) == ("failed", 3)
    assert final.errors == [{"code": "JobFailed", "message": "Job failed with non-zero exit code"}]
    assert read_output(executor, "three") == "bye\n"


def test_job_preparation_runs_first_and_its_failure_fails_the_job(running, tmp_path):
    executor, recorder = running
    prep = {
        "jobPreparation": {
            "commandLine": "mkdir -p $AZ_BATCHAI_JOB_TEMP/in && echo hello | tee $AZ_BATCHAI_JOB_TEMP/in/hi.txt"
        }
    }
    executor.submit(submission("prep", custom("cat $AZ_BATCHAI_JOB_TEMP/in/hi.txt", **prep)))
    assert recorder.wait_final(job_id("prep")).execution_state == "succeeded"
    files = {p.name: p.read_text() for p in stdouterr(executor, "prep").iterdir() if p.name != "execution.log"}
    assert files == {
        "stdout.txt": "hello\n",
        "stderr.txt": "",
        "stdout-job_prep.txt": "hello\n",
        "stderr-job_prep.txt": "",
    }

    marker = tmp_path / "toolkit-ran"
    failing = {"jobPreparation": {"commandLine": "echo no >&2; exit 2"}}
    executor.submit(submission("badprep", custom(f"touch {marker}", **failing)))
    final = recorder.wait_final(job_id("badprep"))
    assert (final.execution_state, final.exit_code, final.errors[0]["code"]) == ("failed", 2, "JobPreparationFailed")
    assert not marker.exists()
    assert read_output(executor, "badprep", "stderr-job_prep.txt") == "no\n"


def test_commands_that_cannot_start_fail_the_job_with_their_reason(running):
    executor, recorder = running
    executor.submit(submission("notfound", custom("no-such-command-here")))
    final = recorder.wait_final(job_id("notfound"))
    assert (final.exit_code, final.errors[0]["code"]) == (127, "JobFailed")
    assert "no-such-command-here: command not found" in final.errors[0]["details"][0]["value"]

    interpreter = {"pyTorchSettings": {"pythonScriptFilePath": "t.py", "pythonInterpreterPath": "/no/such/python"}}
    executor.submit(submission("nointerpreter", interpreter))
    final = recorder.wait_final(job_id("nointerpreter"))
    assert final.exit_code == 127 and "/no/such/python" in final.errors[0]["details"][0]["value"]

    # the operating system refuses to start it at all: an argument beyond the kernel's size limit
    executor.submit(submission("toolong", custom("echo " + "x" * 300_000)))
    final = recorder.wait_final(job_id("toolong"))
    assert (final.execution_state, final.exit_code) == ("failed", None)
    assert final.errors[0]["code"] == "CommandLaunchFailed" and "Argument list too long" in final.errors[0]["message"]
    assert "Argument list too long" in read_output(executor, "toolong", "execution.log")


REPORT = """
import json, os, sys
keys = ["AZ_BATCHAI_TASK_INDEX", "RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "TF_CONFIG",
        "AZ_BATCHAI_PS_HOSTS", "AZ_BATCHAI_WORKER_HOSTS"]
print(json.dumps({"argv": sys.argv[1:], "python": sys.executable, **{k: os.environ.get(k) for k in keys}}), flush=True)
"""


def reports(executor, name: str, file: str = "stdout.txt") -> list[dict]:
    return [json.loads(line) for line in read_output(executor, name, file).splitlines()]


def test_python_toolkits_run_their_script_process_count_times(running, tmp_path):
    executor, recorder = running
    path = script(tmp_path, "report.py", REPORT)
    settings = {
        "pythonScriptFilePath": str(path),
        "commandLineArgs": "--rank $AZ_BATCHAI_TASK_INDEX",
        "processCount": 3,
    }
    executor.submit(submission("horovod", {"horovodSettings": settings}, api_version="2018-05-01"))
    assert recorder.wait_final(job_id("horovod")).execution_state == "succeeded"
    lines = reports(executor, "horovod")
    assert sorted(line["argv"][1] for line in lines) == ["0", "1", "2"]
    assert {line["python"] for line in lines} == {sys.executable}

    # processCount defaults to nodeCount; pythonInterpreterPath is used when given
    executor.configure_cluster(CLUSTER_ID, cluster_properties(nodes=2))
    chainer = {"pythonScriptFilePath": str(path), "pythonInterpreterPath": sys.executable}
    executor.submit(submission("chainer", {"chainerSettings": chainer, "nodeCount": 2}))
    assert recorder.wait_final(job_id("chainer")).execution_state == "succeeded"
    assert sorted(line["AZ_BATCHAI_TASK_INDEX"] for line in reports(executor, "chainer")) == ["0", "1"]


def test_a_failing_process_fails_the_whole_job_and_stops_the_others(running, tmp_path):
    executor, recorder = running
    path = script(
        tmp_path,
        "rank.py",
        "import os, sys, time\nif os.environ['AZ_BATCHAI_TASK_INDEX'] == '1': sys.exit(4)\ntime.sleep(60)\n",
    )
    executor.submit(
        submission(
            "mpi",
            {"customMpiSettings": {"commandLine": f"{sys.executable} {path}", "processCount": 3}},
            api_version="2018-05-01",
        )
    )
    final = recorder.wait_final(job_id("mpi"), timeout=15)
    assert (final.execution_state, final.exit_code) == ("failed", 4)


TF_ROLES = """
import time
ps_log = os.path.join(os.environ["AZ_BATCHAI_STDOUTERR_DIR"], "stdout-ps-0.txt")
if "--job_name=ps" in sys.argv:
    time.sleep(600)  # a parameter server serves until the job ends
for _ in range(500):  # a worker works until the parameter server said its piece (10 s at most)
    if os.path.exists(ps_log) and os.path.getsize(ps_log):
        break
    time.sleep(0.02)
"""


def test_distributed_tensorflow_runs_workers_and_parameter_servers(running, tmp_path):
    executor, recorder = running
    path = script(tmp_path, "tf.py", REPORT + TF_ROLES)
    settings = {
        "pythonScriptFilePath": str(path),
        "workerCommandLineArgs": "--job_name=worker --task_index=$AZ_BATCHAI_TASK_INDEX --ps_hosts=$AZ_BATCHAI_PS_HOSTS",
        "parameterServerCommandLineArgs": "--job_name=ps --task_index=$AZ_BATCHAI_TASK_INDEX",
        "workerCount": 2,
        "parameterServerCount": 1,
    }
    executor.submit(submission("tf", {"tensorFlowSettings": settings, "nodeCount": 1}))
    final = recorder.wait_final(job_id("tf"))
    assert final.execution_state == "succeeded"  # parameter servers never end: the job ends with its workers
    names = sorted(p.name for p in stdouterr(executor, "tf").iterdir())
    assert names == [
        "execution.log",
        "stderr-ps-0.txt",
        "stderr-wk-0.txt",
        "stderr-wk-1.txt",
        "stdout-ps-0.txt",
        "stdout-wk-0.txt",
        "stdout-wk-1.txt",
    ]
    worker = reports(executor, "tf", "stdout-wk-1.txt")[0]
    ps_host = worker["AZ_BATCHAI_PS_HOSTS"]
    assert worker["argv"] == ["--job_name=worker", "--task_index=1", f"--ps_hosts={ps_host}"]
    assert json.loads(worker["TF_CONFIG"])["task"] == {"type": "worker", "index": 1}
    assert json.loads(worker["TF_CONFIG"])["cluster"]["ps"] == [ps_host]
    assert reports(executor, "tf", "stdout-ps-0.txt")[0]["argv"] == ["--job_name=ps", "--task_index=0"]


def test_single_process_tensorflow_and_pytorch(running, tmp_path):
    executor, recorder = running
    path = script(tmp_path, "one.py", REPORT)
    executor.submit(
        submission("tf1", {"tensorFlowSettings": {"pythonScriptFilePath": str(path), "masterCommandLineArgs": "--m 1"}})
    )
    assert recorder.wait_final(job_id("tf1")).execution_state == "succeeded"
    assert reports(executor, "tf1")[0]["argv"] == ["--m", "1"]

    executor.submit(submission("torch", {"pyTorchSettings": {"pythonScriptFilePath": str(path), "processCount": 2}}))
    assert recorder.wait_final(job_id("torch")).execution_state == "succeeded"
    lines = reports(executor, "torch")
    assert sorted(line["RANK"] for line in lines) == ["0", "1"]
    assert {(line["WORLD_SIZE"], line["MASTER_ADDR"]) for line in lines} == {("2", "127.0.0.1")}


def test_brainscript_and_caffe_configs_run_their_executables_or_say_what_is_missing(running, tmp_path, monkeypatch):
    executor, recorder = running
    cntk = {"cntkSettings": {"languageType": "BrainScript", "configFilePath": "/cfg/c.cntk", "commandLineArgs": "a=1"}}
    caffe = {"caffeSettings": {"configFilePath": "/cfg/solver.prototxt"}}
    if shutil.which("cntk") is None:
        executor.submit(submission("nocntk", cntk))
        final = recorder.wait_final(job_id("nocntk"))
        assert final.errors[0]["code"] == "JobSetupFailed" and "'cntk' is not installed" in final.errors[0]["message"]
    if shutil.which("caffe") is None:
        executor.submit(submission("nocaffe", caffe))
        assert "'caffe' is not installed" in recorder.wait_final(job_id("nocaffe")).errors[0]["message"]
    # with the executables on PATH, the job runs them with its configuration
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("cntk", "caffe"):
        script(bin_dir, name, f'#!/bin/sh\necho {name} "$@"\n').chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{__import__('os').environ['PATH']}")
    executor.submit(submission("cntk", cntk))
    executor.submit(submission("caffe", caffe))
    assert recorder.wait_final(job_id("cntk")).execution_state == "succeeded"
    assert recorder.wait_final(job_id("caffe")).execution_state == "succeeded"
    assert read_output(executor, "cntk") == "cntk configFile=/cfg/c.cntk a=1\n"
    assert read_output(executor, "caffe") == "caffe train --solver=/cfg/solver.prototxt\n"


def test_caffe2_runs_one_process_per_node(running, tmp_path):
    executor, recorder = running
    executor.configure_cluster(CLUSTER_ID, cluster_properties(nodes=2))
    path = script(tmp_path, "c2.py", REPORT)
    settings = {"pythonScriptFilePath": str(path), "commandLineArgs": "--shard_id $AZ_BATCHAI_TASK_INDEX"}
    executor.submit(submission("caffe2", {"caffe2Settings": settings, "nodeCount": 2}))
    assert recorder.wait_final(job_id("caffe2")).execution_state == "succeeded"
    assert sorted(line["argv"][1] for line in reports(executor, "caffe2")) == ["0", "1"]


def test_output_directories_outlive_the_executor_and_delete_forgets_them(tmp_path):
    executor, recorder = make_executor(tmp_path)
    properties = custom(
        "echo kept > $AZ_BATCHAI_OUTPUT_OUT/f.txt", outputDirectories=[{"id": "OUT", "pathPrefix": str(tmp_path / "o")}]
    )
    executor.submit(submission("kept", properties))
    assert recorder.wait_final(job_id("kept")).execution_state == "succeeded"
    before = executor.output_directory(job_id("kept"), "OUT")
    executor.close()

    restarted, _ = make_executor(tmp_path)
    try:
        assert restarted.output_directory(job_id("kept").upper(), "out") == before
        assert (before / "f.txt").read_text() == "kept\n"
        assert restarted.output_directory(job_id("kept"), "stdouterr") is not None
        job_dir = Path(restarted._index.load(job_id("kept"))["jobDir"])
        assert (job_dir / "wd").is_dir()
        restarted.delete(job_id("kept"))
        assert restarted.output_directory(job_id("kept"), "OUT") is None
        assert (before / "f.txt").exists()  # deleting a job does not delete its output files, as on the service
        wait_for(lambda: not job_dir.exists(), what="the deleted job's own folder to go")
    finally:
        restarted.close()


def test_a_2017_job_without_path_segment_runs_in_the_service_layout(running, tmp_path):
    executor, recorder = running
    properties = custom(
        "echo old > $AZ_BATCHAI_OUTPUT_OUT/f.txt", outputDirectories=[{"id": "OUT", "pathPrefix": str(tmp_path / "o")}]
    )
    job = submission("legacy", properties, api_version="2017-09-01-preview")
    del job.properties["jobOutputDirectoryPathSegment"]
    executor.submit(job)
    assert recorder.wait_final(job.job_id).execution_state == "succeeded"
    folder = executor.output_directory(job.job_id, "OUT")
    assert folder.relative_to(tmp_path / "o").parts[:4] == (SUBSCRIPTION, GROUP, "jobs", "legacy")
    assert (folder / "f.txt").read_text() == "old\n"


def test_finished_jobs_do_not_pile_up_in_memory(running, monkeypatch):
    executor, recorder = running
    monkeypatch.setattr(local, "FINISHED_JOBS_IN_MEMORY", 2)
    for name in ("m1", "m2", "m3"):
        executor.submit(submission(name, custom(f"echo {name}")))
        recorder.wait_final(job_id(name))
    assert job_id("m1").lower() not in executor._jobs and job_id("m3").lower() in executor._jobs
    assert read_output(executor, "m1") == "m1\n"  # its folders are still known, from the index
    executor.terminate(job_id("m1"))  # a no-op, as for any finished job
    executor.delete(job_id("m1"))
    assert executor.output_directory(job_id("m1"), "stdouterr") is None


def test_a_job_with_a_bad_wall_clock_limit_fails_clearly(running):
    executor, recorder = running
    executor.submit(submission("badclock", custom("true", constraints={"maxWallClockTime": "forever"})))
    final = recorder.wait_final(job_id("badclock"))
    assert final.errors[0]["code"] == "JobSetupFailed"
    assert "constraints.maxWallClockTime: 'forever' is not a duration" in final.errors[0]["message"]
