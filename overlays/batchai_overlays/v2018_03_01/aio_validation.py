"""Client-side validation for the async operation groups: the twin of `validation` (issue 3)."""

from __future__ import annotations

from typing import IO, Any

from azure.core.polling import AsyncLROPoller

from batchai.v2018_03_01 import models as _models
from batchai.v2018_03_01.aio.operations import _clusters_operations, _file_servers_operations, _jobs_operations
from batchai.v2018_03_01.operations import _clusters_operations as _sync_clusters
from batchai.v2018_03_01.operations import _file_servers_operations as _sync_file_servers
from batchai.v2018_03_01.operations import _jobs_operations as _sync_jobs

from .validation import check_request


class JobsOperations(_jobs_operations.JobsOperations):
    """Async jobs operations that check a definition before sending it."""

    async def begin_create(
        self,
        resource_group_name: str,
        job_name: str,
        parameters: _models.JobCreateParameters | IO[bytes],
        *,
        validate: bool = True,
        **kwargs: Any,
    ) -> AsyncLROPoller[_models.Job]:
        """Adds a Job that gets executed on a cluster; see the generated method for the parameters.

        :keyword bool validate: check the names and the definition first (default); False sends them as they are.
        :raises ~batchai.ValidationError: before any request, listing every problem.
        """
        if validate:
            check_request(
                _sync_jobs.build_create_request,
                _models.JobCreateParameters,
                parameters,
                kwargs,
                resource_group_name=resource_group_name,
                job_name=job_name,
            )
        return await super().begin_create(resource_group_name, job_name, parameters, **kwargs)


class ClustersOperations(_clusters_operations.ClustersOperations):
    """Async clusters operations that check a definition before sending it."""

    async def begin_create(
        self,
        resource_group_name: str,
        cluster_name: str,
        parameters: _models.ClusterCreateParameters | IO[bytes],
        *,
        validate: bool = True,
        **kwargs: Any,
    ) -> AsyncLROPoller[_models.Cluster]:
        """Adds a cluster; see the generated method for the parameters.

        :keyword bool validate: check the names and the definition first (default); False sends them as they are.
        :raises ~batchai.ValidationError: before any request, listing every problem.
        """
        if validate:
            check_request(
                _sync_clusters.build_create_request,
                _models.ClusterCreateParameters,
                parameters,
                kwargs,
                resource_group_name=resource_group_name,
                cluster_name=cluster_name,
            )
        return await super().begin_create(resource_group_name, cluster_name, parameters, **kwargs)

    async def update(
        self,
        resource_group_name: str,
        cluster_name: str,
        parameters: _models.ClusterUpdateParameters | IO[bytes],
        *,
        validate: bool = True,
        **kwargs: Any,
    ) -> _models.Cluster:
        """Update the properties of a given cluster; see the generated method for the parameters.

        :keyword bool validate: check the names and the definition first (default); False sends them as they are.
        :raises ~batchai.ValidationError: before any request, listing every problem.
        """
        if validate:
            check_request(
                _sync_clusters.build_update_request,
                _models.ClusterUpdateParameters,
                parameters,
                kwargs,
                resource_group_name=resource_group_name,
                cluster_name=cluster_name,
            )
        return await super().update(resource_group_name, cluster_name, parameters, **kwargs)


class FileServersOperations(_file_servers_operations.FileServersOperations):
    """Async file-server operations that check a definition before sending it."""

    async def begin_create(
        self,
        resource_group_name: str,
        file_server_name: str,
        parameters: _models.FileServerCreateParameters | IO[bytes],
        *,
        validate: bool = True,
        **kwargs: Any,
    ) -> AsyncLROPoller[_models.FileServer]:
        """Creates a file server; see the generated method for the parameters.

        :keyword bool validate: check the names and the definition first (default); False sends them as they are.
        :raises ~batchai.ValidationError: before any request, listing every problem.
        """
        if validate:
            check_request(
                _sync_file_servers.build_create_request,
                _models.FileServerCreateParameters,
                parameters,
                kwargs,
                resource_group_name=resource_group_name,
                file_server_name=file_server_name,
            )
        return await super().begin_create(resource_group_name, file_server_name, parameters, **kwargs)
