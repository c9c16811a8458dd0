"""The execution layer's pure parts: durations, names, expansion, capacity, queue order, toolkits, layout, docker argv."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

import pytest
from batchai_emulator.execution.capacity import ClusterCapacity, ScaleSettings, Timings
from batchai_emulator.execution.containers import (
    container_spec,
    exec_argv,
    login_argv,
    remove_argv,
    start_argv,
)
from batchai_emulator.execution.durations import max_wall_clock_seconds, parse_duration
from batchai_emulator.execution.expansion import expand
from batchai_emulator.execution.layout import plan_layout
from batchai_emulator.execution.mounts import MountTable, StorageRoot, mounts_of
from batchai_emulator.execution.naming import default_output_segment, relative_segment, resource_folder
from batchai_emulator.execution.queueing import JobQueue, queue_entry
from batchai_emulator.execution.toolkits import PlanContext, ToolkitError, plan_toolkit
from execution_support import CLUSTER_ID, GROUP, SUBSCRIPTION, submission

# -- durations -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("PT10S", 10),
        ("P7D", 604800),
        ("P1DT2H3M4.5S", 93784.5),
        ("PT0.25S", 0.25),
        ("P1W", 604800),
        ("7.00:00:00", 604800),
        ("00:00:10", 10),
        ("1:02:03", 3723),
    ],
)
def test_durations_in_iso_8601_and_timespan_form(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "P", "PT", "10", "P1DT", "soon", "PT-1S"])
def test_bad_durations_are_rejected(text):
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_wall_clock_default_is_a_week():
    assert max_wall_clock_seconds({}) == 7 * 86400
    assert max_wall_clock_seconds({"constraints": {"maxWallClockTime": "PT3S"}}) == 3


# -- names and expansion -------------------------------------------------------------------------------------


def test_resource_folders_are_readable_and_cannot_escape():
    cluster = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/RG/providers/Microsoft.BatchAI/workspaces/W/clusters/C"
    assert resource_folder(cluster) == PurePosixPath(SUBSCRIPTION, "rg", "w", "c")
    assert relative_segment("a/../b/./c") == PurePosixPath("a", "_", "b", "c")
    assert ".." not in relative_segment("/../../etc").parts


def test_default_segment_follows_the_service_layout_and_is_stable():
    job = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.BatchAI/jobs/j1"
    when = datetime(2018, 1, 1, tzinfo=timezone.utc)
    segment = default_output_segment(job, when)
    assert segment.startswith(f"{SUBSCRIPTION}/{GROUP}/jobs/j1/")
    # the uuid is fixed by the job (whatever the case of its id) and its submission time
    assert segment.rsplit("/", 1)[1] == default_output_segment(job.upper(), when).rsplit("/", 1)[1]
    assert segment != default_output_segment(job, datetime(2018, 1, 2, tzinfo=timezone.utc))


def test_expansion_replaces_known_variables_only():
    variables = {"AZ_BATCHAI_MOUNT_ROOT": "/m", "A": "x"}
    assert expand("$AZ_BATCHAI_MOUNT_ROOT/afs/${A}y $UNKNOWN ${B} $", variables) == "/m/afs/xy $UNKNOWN ${B} $"


# -- capacity --------------------------------------------------------------------------------------------------

TIMINGS = Timings(prepare=1.0, leave=1.0, autoscale_idle=5.0)


def counts_add_up(capacity: ClusterCapacity) -> bool:
    status = capacity.status()
    return sum(status.node_state_counts.values()) == status.current_node_count


def test_manual_cluster_prepares_its_nodes_then_is_steady():
    capacity = ClusterCapacity(ScaleSettings(target=2), TIMINGS, now=0.0)
    status = capacity.status()
    assert (status.allocation_state, status.current_node_count) == ("resizing", 2)
    assert status.node_state_counts["preparingNodeCount"] == 2 and capacity.free_nodes() == 0
    assert capacity.next_deadline() == 1.0
    capacity.advance(1.0)
    status = capacity.status()
    assert (status.allocation_state, status.node_state_counts["idleNodeCount"]) == ("steady", 2)
    assert counts_add_up(capacity)


def test_shrinking_takes_idle_nodes_first():
    capacity = ClusterCapacity(ScaleSettings(target=3), TIMINGS, now=0.0)
    capacity.advance(1.0)
    capacity.allocate("job", 1, 1.0)
    preemption = capacity.reconfigure(ScaleSettings(target=1), 2.0)
    assert preemption.job_keys == []
    status = capacity.status()
    assert status.node_state_counts == {
        "idleNodeCount": 0,
        "runningNodeCount": 1,
        "preparingNodeCount": 0,
        "unusableNodeCount": 0,
        "leavingNodeCount": 2,
    }
    capacity.advance(3.0)
    assert capacity.status().current_node_count == 1 and capacity.status().allocation_state == "steady"


@pytest.mark.parametrize(("option", "requeue"), [("requeue", True), ("terminate", False), ("unknown", True)])
def test_shrinking_below_busy_nodes_preempts_the_latest_job(option, requeue):
    scale = ScaleSettings.from_properties(
        {"scaleSettings": {"manual": {"targetNodeCount": 2, "nodeDeallocationOption": option}}}
    )
    capacity = ClusterCapacity(scale, TIMINGS, now=0.0)
    capacity.advance(1.0)
    capacity.allocate("first", 1, 1.0)
    capacity.allocate("second", 1, 1.5)
    shrink = ScaleSettings(target=1, deallocation=scale.deallocation)
    preemption = capacity.reconfigure(shrink, 2.0)
    assert (preemption.job_keys, preemption.requeue) == (["second"], requeue)
    assert capacity.status().allocation_state == "resizing"
    capacity.release("second", 2.5)
    capacity.advance(3.5)
    status = capacity.status()
    assert (status.current_node_count, status.allocation_state) == (1, "steady")
    assert capacity.nodes_of("first")


def test_wait_for_job_completion_keeps_the_node_until_its_job_ends():
    scale = ScaleSettings(target=2, deallocation="waitforjobcompletion")
    capacity = ClusterCapacity(scale, TIMINGS, now=0.0)
    capacity.advance(1.0)
    capacity.allocate("a", 1, 1.0)
    capacity.allocate("b", 1, 1.0)
    assert capacity.reconfigure(ScaleSettings(target=1, deallocation="waitforjobcompletion"), 2.0).job_keys == []
    assert capacity.status().current_node_count == 2 and capacity.free_nodes() == 0
    capacity.release("b", 3.0)
    assert capacity.free_nodes() == 0  # the freed node leaves instead of taking a new job
    capacity.advance(4.0)
    assert capacity.status().current_node_count == 1 and counts_add_up(capacity)


def test_growing_again_keeps_nodes_marked_to_leave():
    capacity = ClusterCapacity(ScaleSettings(target=1, deallocation="waitforjobcompletion"), TIMINGS, now=0.0)
    capacity.advance(1.0)
    capacity.allocate("a", 1, 1.0)
    capacity.reconfigure(ScaleSettings(target=0, deallocation="waitforjobcompletion"), 2.0)
    capacity.reconfigure(ScaleSettings(target=1), 2.5)
    capacity.release("a", 3.0)
    assert capacity.free_nodes() == 1 and capacity.status().allocation_state == "steady"


def test_autoscale_grows_to_fit_the_queue_within_max_and_shrinks_when_idle():
    scale = ScaleSettings.from_properties(
        {"scaleSettings": {"autoScale": {"minimumNodeCount": 1, "maximumNodeCount": 3, "initialNodeCount": 0}}}
    )
    capacity = ClusterCapacity(scale, TIMINGS, now=0.0)
    assert capacity.status().current_node_count == 1  # initial below the minimum: the minimum
    capacity.autoscale(queued_demand=5, now=1.0)
    assert capacity.status().current_node_count == 3
    capacity.advance(2.0)
    capacity.autoscale(queued_demand=0, now=2.0)
    assert capacity.status().current_node_count == 3  # idle, but not for long enough
    assert capacity.next_deadline() == 7.0
    capacity.autoscale(queued_demand=0, now=7.0)
    capacity.advance(8.0)
    assert capacity.status().current_node_count == 1  # back to the minimum, never below
    assert scale.most_nodes == 3


def test_no_scale_settings_means_no_nodes():
    assert ClusterCapacity(ScaleSettings.from_properties({}), TIMINGS, 0.0).status().current_node_count == 0


# -- queue order ---------------------------------------------------------------------------------------------


def test_queue_starts_higher_priority_first_then_in_submission_order():
    queue = JobQueue()
    queue.push(queue_entry("low", -5, 1.0, 1, 1))
    queue.push(queue_entry("first-high", 10, 2.0, 2, 1))
    queue.push(queue_entry("normal", 0, 0.5, 3, 1))
    queue.push(queue_entry("second-high", 10, 2.0, 4, 1))
    assert queue.keys() == ["first-high", "second-high", "normal", "low"]
    assert [e.job_key for e in queue.startable(free_nodes=3, most_nodes=4)] == ["first-high", "second-high", "normal"]


def test_a_job_that_does_not_fit_yet_holds_the_queue_but_one_that_never_fits_does_not():
    queue = JobQueue()
    queue.push(queue_entry("huge", 5, 0.0, 0, 9))
    queue.push(queue_entry("big", 1, 0.0, 1, 2))
    queue.push(queue_entry("small", 0, 0.0, 2, 1))
    assert [e.job_key for e in queue.startable(free_nodes=1, most_nodes=2)] == []
    assert [e.job_key for e in queue.startable(free_nodes=3, most_nodes=4)] == ["big", "small"]
    assert queue.demand(most_nodes=4) == 3


# -- toolkits ------------------------------------------------------------------------------------------------


def context(node_count: int = 1, which=lambda name: None) -> PlanContext:
    return PlanContext(
        node_count, {"AZ_BATCHAI_INPUT_S": "/in"}, "/usr/bin/python3", which, lambda n: list(range(5000, 5000 + n))
    )


def test_custom_toolkit_is_one_shell_command():
    plan = plan_toolkit({"customToolkitSettings": {"commandLine": "echo hi"}}, context(node_count=3))
    assert (plan.tool, [t.command for t in plan.tasks]) == ("custom", ["echo hi"])


@pytest.mark.parametrize("key", ["chainerSettings", "horovodSettings", "cntkSettings", "caffeSettings"])
def test_mpi_style_python_toolkits_start_process_count_processes(key):
    settings = {
        "pythonScriptFilePath": "$AZ_BATCHAI_INPUT_S/train.py",
        "commandLineArgs": "--rank $AZ_BATCHAI_TASK_INDEX",
    }
    plan = plan_toolkit({key: {**settings, "processCount": 3}}, context())
    assert [t.command for t in plan.tasks] == ["/usr/bin/python3 /in/train.py --rank $AZ_BATCHAI_TASK_INDEX"] * 3
    assert [t.variables["AZ_BATCHAI_TASK_INDEX"] for t in plan.tasks] == ["0", "1", "2"]
    assert len(plan_toolkit({key: settings}, context(node_count=2)).tasks) == 2  # processCount defaults to nodeCount


def test_interpreter_path_is_used_when_given():
    settings = {"pythonScriptFilePath": "s.py", "pythonInterpreterPath": "/opt/py/bin/python"}
    assert plan_toolkit({"pyTorchSettings": settings}, context()).tasks[0].command == "/opt/py/bin/python s.py"


def test_pytorch_processes_get_the_env_rendezvous():
    plan = plan_toolkit({"pyTorchSettings": {"pythonScriptFilePath": "t.py", "processCount": 2}}, context())
    assert [(t.variables["RANK"], t.variables["WORLD_SIZE"], t.variables["MASTER_PORT"]) for t in plan.tasks] == [
        ("0", "2", "5000"),
        ("1", "2", "5000"),
    ]


def test_caffe2_runs_one_process_per_node():
    plan = plan_toolkit({"caffe2Settings": {"pythonScriptFilePath": "t.py"}}, context(node_count=2))
    assert [t.variables["AZ_BATCHAI_TASK_INDEX"] for t in plan.tasks] == ["0", "1"]


def test_custom_mpi_runs_its_command_process_count_times():
    plan = plan_toolkit({"customMpiSettings": {"commandLine": "hostname", "processCount": 2}}, context())
    assert (plan.tool, [t.command for t in plan.tasks]) == ("mpi", ["hostname", "hostname"])


def test_distributed_tensorflow_has_workers_and_parameter_servers():
    settings = {
        "pythonScriptFilePath": "mnist.py",
        "masterCommandLineArgs": "--m",
        "workerCommandLineArgs": "--job_name=worker --task_index=$AZ_BATCHAI_TASK_INDEX",
        "parameterServerCommandLineArgs": "--job_name=ps",
        "workerCount": 2,
    }
    plan = plan_toolkit({"tensorFlowSettings": settings}, context(node_count=2))
    assert [(t.log_name, t.required) for t in plan.tasks] == [("wk-0", True), ("wk-1", True), ("ps-0", False)]
    worker = plan.tasks[1]
    assert worker.command.endswith("--job_name=worker --task_index=$AZ_BATCHAI_TASK_INDEX")
    assert worker.variables["AZ_BATCHAI_WORKER_HOSTS"] == "127.0.0.1:5000,127.0.0.1:5001"
    assert worker.variables["AZ_BATCHAI_PS_HOSTS"] == "127.0.0.1:5002"
    tf_config = json.loads(worker.variables["TF_CONFIG"])
    assert tf_config["task"] == {"type": "worker", "index": 1} and tf_config["cluster"]["ps"] == ["127.0.0.1:5002"]
    single = plan_toolkit(
        {"tensorFlowSettings": {"pythonScriptFilePath": "m.py", "masterCommandLineArgs": "--x"}}, context()
    )
    assert [(t.command, t.log_name) for t in single.tasks] == [("/usr/bin/python3 m.py --x", "")]


def test_brainscript_and_caffe_configs_need_their_executables():
    with pytest.raises(ToolkitError, match="'cntk' is not installed"):
        plan_toolkit({"cntkSettings": {"languageType": "BrainScript", "configFilePath": "c.cntk"}}, context())
    with pytest.raises(ToolkitError, match="'caffe' is not installed"):
        plan_toolkit({"caffeSettings": {"configFilePath": "solver.prototxt"}}, context())
    found = context(which=lambda name: f"/opt/bin/{name}")
    plan = plan_toolkit(
        {"caffeSettings": {"configFilePath": "$AZ_BATCHAI_INPUT_S/s.prototxt", "commandLineArgs": "-gpu 0"}}, found
    )
    assert plan.tasks[0].command == "/opt/bin/caffe train --solver=/in/s.prototxt -gpu 0"


def test_a_job_without_toolkit_cannot_run():
    with pytest.raises(ToolkitError, match="no toolkit"):
        plan_toolkit({}, context())


# -- layout and mounts ---------------------------------------------------------------------------------------


def test_output_and_stdouterr_directories_follow_the_service_layout(tmp_path):
    job = submission(
        "layout",
        {
            "stdOutErrPathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/afs",
            "outputDirectories": [
                {"id": "MODEL", "pathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/afs", "pathSuffix": "models"},
                {"id": "RAW", "pathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/afs/raw", "createNew": False},
            ],
            "inputDirectories": [{"id": "DATA", "path": "$AZ_BATCHAI_MOUNT_ROOT/afs/data"}],
        },
        cluster={
            "nodeSetup": {
                "mountVolumes": {
                    "azureFileShares": [
                        {
                            "accountName": "Acct",
                            "azureFileUrl": "https://acct.file.core.windows.net/share",
                            "relativeMountPath": "afs",
                        }
                    ]
                }
            }
        },
    )
    layout = plan_layout(tmp_path, StorageRoot(tmp_path / "storage"), job)
    segment = job.properties["jobOutputDirectoryPathSegment"]
    mount_root = tmp_path / "clusters" / SUBSCRIPTION / GROUP / "cluster1" / "mounts"
    assert layout.variables["AZ_BATCHAI_MOUNT_ROOT"] == str(mount_root)
    assert layout.outputs["MODEL"].path == mount_root / "afs" / segment / "outputs" / "models"
    assert layout.outputs["RAW"].path == mount_root / "afs" / "raw" and not layout.outputs["RAW"].create
    assert layout.stdouterr == mount_root / "afs" / segment / "stdouterr"
    assert layout.variables["AZ_BATCHAI_INPUT_DATA"] == str(mount_root / "afs" / "data")
    share = tmp_path / "storage" / "fileshares" / "acct" / "share"
    assert layout.storage_directory("model") == share / segment / "outputs" / "models"
    assert layout.storage_directory("stdouterr") == share / segment / "stdouterr"
    assert layout.storage_directory("nope") is None


def test_2017_jobs_without_a_segment_get_one_in_the_service_layout(tmp_path):
    job = submission(
        "old",
        {"outputDirectories": [{"id": "O", "pathPrefix": str(tmp_path / "out")}]},
        api_version="2017-09-01-preview",
    )
    del job.properties["jobOutputDirectoryPathSegment"]
    layout = plan_layout(tmp_path, StorageRoot(tmp_path / "s"), job)
    relative = layout.outputs["O"].path.relative_to(tmp_path / "out")
    assert relative.parts[:4] == (SUBSCRIPTION, GROUP, "jobs", "old") and relative.parts[-1] == "outputs"


def test_each_storage_target_is_one_folder(tmp_path):
    storage = StorageRoot(tmp_path)
    server_id = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.BatchAI/fileServers/nfs"
    volumes = {
        "azureFileShares": [
            {"accountName": "a", "azureFileUrl": "https://a.file.core.windows.net/s1/sub", "relativeMountPath": "x"}
        ],
        "azureBlobFileSystems": [{"accountName": "a", "containerName": "c1", "relativeMountPath": "y/z"}],
        "fileServers": [
            {"fileServer": {"id": server_id}, "sourceDirectory": "/mnt/data/exp", "relativeMountPath": "nfs"}
        ],
        "unmanagedFileSystems": [{"mountCommand": "mount -t nfs 10.0.0.4:/d", "relativeMountPath": "u"}],
    }
    servers = {server_id.upper(): {"mountSettings": {"mountPoint": "/mnt/data"}}}
    mounts = mounts_of(volumes, storage, servers)
    assert [m.storage.relative_to(tmp_path).parts[:3] for m in mounts[:2]] == [
        ("fileshares", "a", "s1"),
        ("blobcontainers", "a", "c1"),
    ]
    assert mounts[0].storage == tmp_path / "fileshares" / "a" / "s1" / "sub"
    assert mounts[2].storage == storage.file_server_folder(server_id) / "exp"
    assert mounts[3].note and "not run" in mounts[3].note
    assert "accountKey" not in repr(mounts)
    table = MountTable(((Path("/root"), tuple(mounts)),))
    assert table.storage_path(Path("/root/y/z/f.txt")) == tmp_path / "blobcontainers" / "a" / "c1" / "f.txt"
    assert table.storage_path(Path("/elsewhere/f")) == Path("/elsewhere/f")


def test_cluster_id_case_does_not_change_folders(tmp_path):
    a = plan_layout(tmp_path, StorageRoot(tmp_path), submission("a", {}, cluster_id=CLUSTER_ID))
    b = plan_layout(tmp_path, StorageRoot(tmp_path), submission("b", {}, cluster_id=CLUSTER_ID.upper()))
    assert a.mount_root == b.mount_root


# -- containers ------------------------------------------------------------------------------------------------


def test_docker_commands_as_data():
    properties = {
        "containerSettings": {
            "imageSourceRegistry": {
                "serverUrl": "demo.azurecr.io",
                "image": "demo.azurecr.io/train:1",
                "credentials": {"username": "demo", "password": "hunter2"},
            },
            "shmSize": "2g",
        }
    }
    spec = container_spec(properties, "batchai-abc", "/data/jobs/j/wd", ("/data", "/outside"))
    assert login_argv("docker", spec) == [
        "docker",
        "login",
        "--username",
        "demo",
        "--password-stdin",
        "demo.azurecr.io",
    ]
    assert start_argv("docker", spec) == [
        "docker",
        "run",
        "--detach",
        "--name",
        "batchai-abc",
        "--network",
        "host",
        "--workdir",
        "/data/jobs/j/wd",
        "--volume",
        "/data:/data",
        "--volume",
        "/outside:/outside",
        "--shm-size",
        "2g",
        "--entrypoint",
        "sleep",
        "demo.azurecr.io/train:1",
        "infinity",
    ]
    assert exec_argv("docker", spec, ["A", "SECRET"], "echo $A", "/bin/bash") == [
        "docker",
        "exec",
        "--workdir",
        "/data/jobs/j/wd",
        "--env",
        "A",
        "--env",
        "SECRET",
        "batchai-abc",
        "/bin/bash",
        "-c",
        "echo $A",
    ]
    assert remove_argv("docker", spec) == ["docker", "rm", "--force", "batchai-abc"]
    every_argv = [*login_argv("docker", spec), *start_argv("docker", spec), *exec_argv("docker", spec, [], "", "sh")]
    assert "hunter2" not in " ".join(every_argv) and "hunter2" not in repr(spec)
    public = container_spec({"containerSettings": {"imageSourceRegistry": {"image": "ubuntu"}}}, "n", "/w", ("/d",))
    assert login_argv("docker", public) is None and "--shm-size" not in start_argv("docker", public)
