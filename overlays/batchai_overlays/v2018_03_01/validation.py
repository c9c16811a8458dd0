"""Client-side validation of job, cluster and file-server definitions, before any request (issue 3).

`begin_create` of jobs, clusters and file servers and `clusters.update` check the names in the URL
and the definition first, and raise one `ValidationError` listing every problem; nothing is sent.
`validate=False` skips the check (for a service that accepts more than this SDK knows). The same
check runs on its own with `validate_definition(definition)`.

Two kinds of problems are found: the spec's own constraints (required properties, patterns,
lengths, ranges), which the generated models and request builders carry, and the Batch AI rules
of `validation_rules`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any

from azure.core.polling import LROPoller
from msrest.exceptions import DeserializationError
from msrest.exceptions import ValidationError as MsrestValidationError
from msrest.serialization import (
    Model,
    Serializer,
    attribute_key_case_insensitive_extractor,
    last_rest_key_case_insensitive_extractor,
    rest_key_case_insensitive_extractor,
)

from batchai.v2018_03_01 import models as _models
from batchai.v2018_03_01.operations import _clusters_operations, _file_servers_operations, _jobs_operations

from .validation_rules import RULES, Problem, at

__all__ = ["Problem", "ValidationError", "validate_definition"]


class ValidationError(ValueError, MsrestValidationError):
    """A definition the service would reject; `problems` lists every reason, `str()` one per line.

    It is also an `msrest.exceptions.ValidationError`, the error the generated client raised for a
    missing required property, so code written against the generated client still catches it.
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        self.rule = "batchai"  # what msrest's ValidationError carries: the rule and the first target
        self.target = self.problems[0].path if self.problems else ""
        self.inner_exception = None
        Exception.__init__(self, "\n".join(map(str, self.problems)))

    def __reduce__(self) -> tuple[type[ValidationError], tuple[list[Problem]]]:
        return type(self), (self.problems,)


# Shown, and pickled, under the names users import them by.
ValidationError.__module__ = Problem.__module__ = "batchai"


def validate_definition(definition: Model) -> list[Problem]:
    """Every problem of a definition (e.g. `JobCreateParameters`), in request-body order; [] if none.

    Checks the spec's constraints on every model in it and the Batch AI rules; sends nothing.
    """
    return list(_walk(definition, "", definition))


def _walk(node: Any, path: str, root: Model) -> Iterator[Problem]:
    if isinstance(node, Model):
        yield from _spec_constraints(node, path)
        for kind, checks in RULES.items():
            if isinstance(node, kind):
                for check in checks:
                    yield from check(node, path, root)
        for attribute in node._attribute_map:
            yield from _walk(getattr(node, attribute, None), at(path, node, attribute), root)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk(item, f"{path}[{index}]", root)
    elif isinstance(node, dict):
        for name, item in node.items():
            yield from _walk(item, f"{path}.{name}", root)


def _spec_constraints(model: Model, path: str) -> Iterator[Problem]:
    """The spec's constraints as the generated model carries them in `_validation` (values not shown)."""
    for attribute, constraints in model._validation.items():
        if constraints.get("readonly"):
            continue  # never sent
        for name, limit in constraints.items():
            try:
                Serializer.validate(getattr(model, attribute, None), attribute, **{name: limit})
            except MsrestValidationError as error:
                if error.rule != "unknown":  # "unknown": a value of another type, the serializer's business
                    yield Problem(at(path, model, attribute), _reason(error))


def check_names(build_request: Callable[..., Any], **names: Any) -> list[Problem]:
    """Check path parameters against the spec's pattern and lengths, which the generated request
    builder applies: each name is tried alone, the others replaced by a valid placeholder."""
    problems = []
    for parameter, value in names.items():
        probe = {**dict.fromkeys(names, "x"), parameter: value}
        try:
            build_request(subscription_id="x", **probe)
        except MsrestValidationError as error:
            wire_name = parameter.split("_")[0] + "".join(part.title() for part in parameter.split("_")[1:])
            shown = "" if error.rule == "required" else f"{value!r} "
            problems.append(Problem(wire_name, shown + _reason(error)))
    return problems


# Clearer than msrest's wording ("must have length less than 64" where 64 is allowed).
_WORDING = {
    "required": "is required but not set",
    "min_length": "must be at least {} characters long",
    "max_length": "must be at most {} characters long",
    "minimum": "must be at least {}",
    "maximum": "must be at most {}",
    "pattern": "must match the pattern {}",
}


def _reason(error: MsrestValidationError) -> str:
    """Why a value broke a spec constraint, from msrest's error ("Parameter 'x' <reason>.")."""
    reason = str(error).split("' ", 1)[-1].rstrip(".")
    head = MsrestValidationError._messages.get(error.rule, "").split("{", 1)[0]
    if error.rule not in _WORDING or not reason.startswith(head):
        return reason
    limit = reason[len(head) :].replace("\\\\", "\\")  # the limit as msrest wrote it, with repr's doubled backslashes
    return _WORDING[error.rule].format(limit)


def check_request(
    build_request: Callable[..., Any], model: type[Model], parameters: Any, kwargs: dict[str, Any], **names: Any
) -> None:
    """Raise `ValidationError` with every problem of a create or update call; skipped when resuming."""
    if kwargs.get("continuation_token") is not None:
        return  # a resumed poller sends nothing
    problems = check_names(build_request, **names)
    if isinstance(parameters, dict):  # msrest accepts a dict shaped like the model, REST or Python names
        try:
            parameters = model.from_dict(parameters, key_extractors=_DICT_KEY_EXTRACTORS)
        except DeserializationError:
            parameters = None  # not a definition: the serializer will say why
    if isinstance(parameters, Model):  # raw bytes or a stream: cannot be looked into
        problems += validate_definition(parameters)
    if problems:
        raise ValidationError(problems)


_DICT_KEY_EXTRACTORS = [
    rest_key_case_insensitive_extractor,
    attribute_key_case_insensitive_extractor,
    last_rest_key_case_insensitive_extractor,
]


class JobsOperations(_jobs_operations.JobsOperations):
    """Jobs operations that check a definition before sending it."""

    def begin_create(
        self,
        resource_group_name: str,
        job_name: str,
        parameters: _models.JobCreateParameters | IO[bytes],
        *,
        validate: bool = True,
        **kwargs: Any,
    ) -> LROPoller[_models.Job]:
        """Adds a Job that gets executed on a cluster; see the generated method for the parameters.

        :keyword bool validate: check the names and the definition first (default); False sends them as they are.
        :raises ~batchai.ValidationError: before any request, listing every problem.
        """
        if validate:
            check_request(
                _jobs_operations.build_create_request,
                _models.JobCreateParameters,
                parameters,
                kwargs,
                resource_group_name=resource_group_name,
                job_name=job_name,
            )
        return super().begin_create(resource_group_name, job_name, parameters, **kwargs)


class ClustersOperations(_clusters_operations.ClustersOperations):
    """Clusters operations that check a definition before sending it."""

    def begin_create(
        self,
        resource_group_name: str,
        cluster_name: str,
        parameters: _models.ClusterCreateParameters | IO[bytes],
        *,
        validate: bool = True,
        **kwargs: Any,
    ) -> LROPoller[_models.Cluster]:
        """Adds a cluster; see the generated method for the parameters.

        :keyword bool validate: check the names and the definition first (default); False sends them as they are.
        :raises ~batchai.ValidationError: before any request, listing every problem.
        """
        if validate:
            check_request(
                _clusters_operations.build_create_request,
                _models.ClusterCreateParameters,
                parameters,
                kwargs,
                resource_group_name=resource_group_name,
                cluster_name=cluster_name,
            )
        return super().begin_create(resource_group_name, cluster_name, parameters, **kwargs)

    def update(
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
                _clusters_operations.build_update_request,
                _models.ClusterUpdateParameters,
                parameters,
                kwargs,
                resource_group_name=resource_group_name,
                cluster_name=cluster_name,
            )
        return super().update(resource_group_name, cluster_name, parameters, **kwargs)


class FileServersOperations(_file_servers_operations.FileServersOperations):
    """File-server operations that check a definition before sending it."""

    def begin_create(
        self,
        resource_group_name: str,
        file_server_name: str,
        parameters: _models.FileServerCreateParameters | IO[bytes],
        *,
        validate: bool = True,
        **kwargs: Any,
    ) -> LROPoller[_models.FileServer]:
        """Creates a file server; see the generated method for the parameters.

        :keyword bool validate: check the names and the definition first (default); False sends them as they are.
        :raises ~batchai.ValidationError: before any request, listing every problem.
        """
        if validate:
            check_request(
                _file_servers_operations.build_create_request,
                _models.FileServerCreateParameters,
                parameters,
                kwargs,
                resource_group_name=resource_group_name,
                file_server_name=file_server_name,
            )
        return super().begin_create(resource_group_name, file_server_name, parameters, **kwargs)
