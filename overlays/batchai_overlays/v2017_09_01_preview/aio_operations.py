"""Overlay of `batchai.v2017_09_01_preview.aio.operations`: the generated async groups, bound to the overlays.

`begin_create` (and `clusters.update`) check the definition first (`validation.validated`), and the
lifecycle helpers of `aio_helpers` are made from the generated methods: they take the same
names in the same order and return this version's models.
"""

from batchai.v2017_09_01_preview.aio.operations._clusters_operations import ClustersOperations as _Clusters
from batchai.v2017_09_01_preview.aio.operations._file_servers_operations import FileServersOperations as _FileServers
from batchai.v2017_09_01_preview.aio.operations._jobs_operations import JobsOperations as _Jobs

from .. import aio_helpers as helpers
from ..validation import validated

__all__ = ["ClustersOperations", "FileServersOperations", "JobsOperations"]


class JobsOperations(_Jobs):
    """Jobs: create, follow, terminate, delete, run."""

    _kind = "job"
    begin_create = validated(_Jobs.begin_create, "JobCreateParameters")
    create_and_wait = helpers.create_and_wait(
        _Jobs.begin_create, "Create a job and wait until it is provisioned (it may still be queued: see `run`)."
    )
    delete_and_wait = helpers.delete_and_wait(_Jobs.begin_delete)
    terminate_and_wait = helpers.terminate_and_wait(_Jobs.begin_terminate, _Jobs.get)
    wait_for_completion = helpers.wait_for_completion(_Jobs.get)
    iter_states = helpers.iter_states(_Jobs.get)
    run = helpers.run(_Jobs.begin_create, _Jobs.list_output_files)


class ClustersOperations(_Clusters):
    """Clusters: create and wait, delete and wait."""

    _kind = "cluster"
    begin_create = validated(_Clusters.begin_create, "ClusterCreateParameters")
    update = validated(_Clusters.update, "ClusterUpdateParameters")
    create_and_wait = helpers.create_and_wait(_Clusters.begin_create)
    delete_and_wait = helpers.delete_and_wait(_Clusters.begin_delete)


class FileServersOperations(_FileServers):
    """File servers: create and wait, delete and wait."""

    _kind = "file server"
    begin_create = validated(_FileServers.begin_create, "FileServerCreateParameters")
    create_and_wait = helpers.create_and_wait(_FileServers.begin_create)
    delete_and_wait = helpers.delete_and_wait(_FileServers.begin_delete)


def patch_sdk() -> None:
    """Nothing to patch: the extended classes replace the generated ones by name."""
