"""Where a job's files are: its private folders, mount roots, input, output and stdout/stderr directories.

The service's layout (sources in docs/emulator-execution.md): output directory ``<id>`` is created at
``<pathPrefix>/<jobOutputDirectoryPathSegment>/outputs/<pathSuffix>``; stdout, stderr and the execution log go
to ``<stdOutErrPathPrefix>/<jobOutputDirectoryPathSegment>/stdouterr``. The job's own folders (working
directory, temporary directories, job mount root) live under ``<data-dir>/execution/jobs/<segment>``, a
cluster's mount root under ``<data-dir>/execution/clusters/<cluster>/mounts``.

Computed when the job is submitted, without touching the disk, so that a queued job's directories are
known; persisted in a small index so that a restarted emulator still finds the output of finished jobs.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ._contract import JobSubmission
from .expansion import expand
from .mounts import Mount, MountTable, StorageRoot, mounts_of
from .naming import default_output_segment, lookup_key, relative_segment, resource_folder, resource_name

STDOUTERR = "stdouterr"  # the output directory id, and folder name, of stdout, stderr and execution.log
OUTPUTS_FOLDER = "outputs"  # the folder the service put output directories in, under the path segment


@dataclass(frozen=True)
class OutputDirectory:
    path: Path  # as the job sees it (through mount links)
    create: bool  # createNew (2017-09-01-preview, 2018-03-01); always true in 2018-05-01


@dataclass(frozen=True)
class JobLayout:
    job_dir: Path
    working_dir: Path
    temp_root: Path  # AZ_BATCHAI_JOB_TEMP_DIR
    temp: Path  # AZ_BATCHAI_JOB_TEMP
    mount_root: Path  # AZ_BATCHAI_MOUNT_ROOT: the cluster's volumes
    job_mount_root: Path  # AZ_BATCHAI_JOB_MOUNT_ROOT: the job's own volumes
    cluster_mounts: tuple[Mount, ...]
    job_mounts: tuple[Mount, ...]
    stdouterr: Path
    inputs: dict[str, Path]
    outputs: dict[str, OutputDirectory]
    variables: dict[str, str]  # the AZ_BATCHAI_* variables naming these paths

    @property
    def shared_temp(self) -> Path:
        return self.temp / "shared"

    @property
    def host_file(self) -> Path:
        return self.temp / "hostfile"

    def mount_table(self) -> MountTable:
        return MountTable(((self.mount_root, self.cluster_mounts), (self.job_mount_root, self.job_mounts)))

    def storage_directory(self, directory_id: str) -> Path | None:
        """The real folder of an output directory id ("stdouterr" included), valid after the job's volumes left."""
        if directory_id.lower() == STDOUTERR:
            return self.mount_table().storage_path(self.stdouterr)
        found = self.outputs.get(directory_id) or next(
            (out for key, out in self.outputs.items() if key.lower() == directory_id.lower()), None
        )
        return self.mount_table().storage_path(found.path) if found else None

    def all_storage_directories(self) -> dict[str, str]:
        ids = [STDOUTERR, *self.outputs]
        return {directory_id: str(self.storage_directory(directory_id)) for directory_id in ids}


def plan_layout(execution_root: Path, storage: StorageRoot, job: JobSubmission) -> JobLayout:
    properties = job.properties
    segment = properties.get("jobOutputDirectoryPathSegment") or default_output_segment(job.job_id, job.submitted)
    job_dir = execution_root / "jobs" / relative_segment(segment)
    temp_root = job_dir / "temp"
    temp = temp_root / resource_name(job.job_id)
    mount_root = execution_root / "clusters" / resource_folder(job.cluster_id) / "mounts"
    job_mount_root = job_dir / "mounts"
    variables = {
        "AZ_BATCHAI_MOUNT_ROOT": str(mount_root),
        "AZ_BATCHAI_JOB_MOUNT_ROOT": str(job_mount_root),
        "AZ_BATCHAI_JOB_TEMP_DIR": str(temp_root),
        "AZ_BATCHAI_JOB_TEMP": str(temp),
        "AZ_BATCHAI_SHARED_JOB_TEMP": str(temp / "shared"),
        "AZ_BATCHAI_MPI_HOST_FILE": str(temp / "hostfile"),
    }
    working_dir = job_dir / "wd"

    def resolve(text: str) -> Path:
        # relative paths (the service wanted absolute ones) are taken from the job's working directory
        return Path(os.path.normpath(working_dir / expand(text, variables)))

    inputs = {}
    for directory in properties.get("inputDirectories") or []:
        inputs[directory["id"]] = resolve(directory.get("path") or "")
        variables[f"AZ_BATCHAI_INPUT_{directory['id']}"] = str(inputs[directory["id"]])
    stdouterr = resolve(properties.get("stdOutErrPathPrefix") or str(working_dir)) / relative_segment(segment)
    stdouterr = stdouterr / STDOUTERR
    variables["AZ_BATCHAI_STDOUTERR_DIR"] = str(stdouterr)
    outputs = {}
    for directory in properties.get("outputDirectories") or []:
        outputs[directory["id"]] = _output_directory(directory, resolve, segment)
        variables[f"AZ_BATCHAI_OUTPUT_{directory['id']}"] = str(outputs[directory["id"]].path)
    cluster_volumes = (job.cluster_properties.get("nodeSetup") or {}).get("mountVolumes")
    return JobLayout(
        job_dir=job_dir,
        working_dir=working_dir,
        temp_root=temp_root,
        temp=temp,
        mount_root=mount_root,
        job_mount_root=job_mount_root,
        cluster_mounts=tuple(mounts_of(cluster_volumes, storage, job.file_servers)),
        job_mounts=tuple(mounts_of(properties.get("mountVolumes"), storage, job.file_servers)),
        stdouterr=stdouterr,
        inputs=inputs,
        outputs=outputs,
        variables=variables,
    )


def _output_directory(directory: dict, resolve: Callable[[str], Path], segment: str) -> OutputDirectory:
    prefix = resolve(directory.get("pathPrefix") or ".")
    suffix = relative_segment(directory["pathSuffix"]) if directory.get("pathSuffix") else None
    if directory.get("createNew", True) is False:
        # "the directory is not created and can be any directory path that the user specifies"
        return OutputDirectory(prefix / suffix if suffix else prefix, create=False)
    base = prefix / relative_segment(segment) / OUTPUTS_FOLDER
    return OutputDirectory(base / suffix if suffix else base, create=True)


class LayoutIndex:
    """One small JSON file per job naming its output folders, so that they outlive the executor process."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _file(self, job_id: str) -> Path:
        return self.folder / f"{hashlib.sha256(lookup_key(job_id).encode()).hexdigest()[:32]}.json"

    def save(self, job_id: str, layout: JobLayout) -> None:
        record = {"jobId": job_id, "jobDir": str(layout.job_dir), "directories": layout.all_storage_directories()}
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self._file(job_id).with_suffix(".tmp")
        temporary.write_text(json.dumps(record, indent=1))
        os.replace(temporary, self._file(job_id))

    def load(self, job_id: str) -> dict | None:
        try:
            record = json.loads(self._file(job_id).read_text())
        except (OSError, ValueError):
            return None
        return record if lookup_key(record.get("jobId", "")) == lookup_key(job_id) else None

    def directory(self, job_id: str, directory_id: str) -> Path | None:
        record = self.load(job_id)
        if record is None:
            return None
        directories = record.get("directories") or {}
        found = directories.get(directory_id) or next(
            (path for key, path in directories.items() if key.lower() == directory_id.lower()), None
        )
        return Path(found) if found else None

    def forget(self, job_id: str) -> None:
        self._file(job_id).unlink(missing_ok=True)
