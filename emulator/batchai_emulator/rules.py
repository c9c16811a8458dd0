"""Batch AI's own checks of job and cluster definitions, beyond the spec's schema: 400 BadRequest.

The service rejected definitions that the schema allows (two tool kits, a password and its Key
Vault reference together, a parameter-server count above the node count, ...). This module applies
those rules to the JSON body, after the schema check, so that a client sending with validation off
sees what the service would say. It is written from the spec's descriptions independently of the
SDK's overlay (batchai_overlays/.../validation_rules.py), so a bug in one does not hide in the other;
both follow the same readings: strings the service compared case-insensitively are compared so,
and an unset value is inferred, never defaulted, or left alone.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from .errors import bad_request
from .resources import NOT_TOOLKITS, TOOLKITS
from .spec import Problem, Spec

OUTPUT_TYPES = {"model", "logs", "summary", "custom"}
ENV_SUFFIX = re.compile(r"^[A-Za-z0-9_]+$")
OCTAL = re.compile(r"^[0-7]{3,4}$")


@functools.cache
def toolkits_of(spec: Spec) -> tuple[str, ...]:
    """The toolkit settings a version's job definition offers (2018-05-01 adds horovod and custom MPI).

    A ``...Settings`` property this module does not know is an error, so that a new version's new
    toolkit is learned here rather than silently allowed beside another one.
    """
    schema = spec.body_schema("Jobs_Create") or {}
    properties = spec.flatten(schema.get("properties", {}).get("properties", {})).get("properties", {})
    unknown = [name for name in properties if name.endswith("Settings") and name not in (*TOOLKITS, *NOT_TOOLKITS)]
    if unknown:
        raise RuntimeError(f"{spec.api_version}: unknown job settings {unknown}: toolkits or not? (resources.TOOLKITS)")
    return tuple(name for name in TOOLKITS if name in properties)


def check_definition(spec: Spec, operation_id: str, body: Any) -> None:
    """Raise the service's 400 for the first broken rule (all of them in ``details``)."""
    if not isinstance(body, dict):
        return
    props = body.get("properties") or {}
    if operation_id == "Jobs_Create":
        problems = list(_job(props, toolkits_of(spec)))
    elif operation_id == "Clusters_Create":
        problems = list(_cluster(props))
    elif operation_id == "Clusters_Update":
        problems = list(_cluster_update(props))
    else:
        return
    if problems:
        raise bad_request(problems)


def _problem(target: str, message: str) -> Problem:
    return Problem("BadRequest", f"'{target}' {message}", target)


def _has(value: Any) -> bool:
    """Set to something: null and "" are not (so an empty string never makes two settings clash)."""
    return value is not None and value != ""


def _items(parent: dict, name: str, path: str) -> Iterator[tuple[str, dict]]:
    for index, item in enumerate(parent.get(name) or []):
        if isinstance(item, dict):
            yield f"{path}.{name}[{index}]", item


# -- jobs ---------------------------------------------------------------------------------------


def _job(props: dict, toolkits: tuple[str, ...]) -> Iterator[Problem]:
    path = "properties"
    yield from _toolkit(props, path, toolkits)
    nodes = props.get("nodeCount")
    if isinstance(nodes, int) and nodes < 1:
        yield _problem(f"{path}.nodeCount", "must be at least 1.")
    priority = props.get("priority")
    if isinstance(priority, int) and not -1000 <= priority <= 1000:
        yield _problem(f"{path}.priority", "must be between -1000 and 1000.")
    for name in toolkits:
        settings = props.get(name)
        count = settings.get("processCount") if isinstance(settings, dict) else None
        if isinstance(count, int) and count < 1:
            yield _problem(f"{path}.{name}.processCount", "must be at least 1.")
    yield from _cntk(props.get("cntkSettings"), f"{path}.cntkSettings")
    yield from _caffe(props.get("caffeSettings"), f"{path}.caffeSettings")
    yield from _tensorflow(props.get("tensorFlowSettings"), nodes, f"{path}.tensorFlowSettings")
    yield from _pytorch(props.get("pyTorchSettings"), f"{path}.pyTorchSettings")
    yield from _directories(props, path)
    yield from _environment(props, path)
    yield from _mount_volumes(props.get("mountVolumes"), f"{path}.mountVolumes")
    registry = ((props.get("containerSettings") or {}).get("imageSourceRegistry")) or {}
    target = f"{path}.containerSettings.imageSourceRegistry.credentials"
    yield from _one_of(registry.get("credentials"), "password", "passwordSecretReference", target)


def _toolkit(props: dict, path: str, toolkits: tuple[str, ...]) -> Iterator[Problem]:
    chosen = [name for name in toolkits if props.get(name) is not None]
    if len(chosen) != 1:
        found = ", ".join(chosen) or "none"
        yield _problem(path, f"must specify exactly one tool kit ({', '.join(toolkits)}); found: {found}.")


def _cntk(cntk: Any, path: str) -> Iterator[Problem]:
    if not isinstance(cntk, dict):
        return
    brainscript = [name for name in ("configFilePath",) if _has(cntk.get(name))]
    python = [name for name in ("pythonScriptFilePath", "pythonInterpreterPath") if _has(cntk.get(name))]
    language = cntk.get("languageType")
    if isinstance(language, str) and _has(language):
        if language.lower() not in ("brainscript", "python"):
            yield _problem(f"{path}.languageType", "must be 'BrainScript' or 'Python'.")
            return
        wrong = python if language.lower() == "brainscript" else brainscript
        for name in wrong:
            yield _problem(f"{path}.{name}", f"is not allowed with languageType '{language}'.")
    elif language is None and brainscript and python:  # unset: the paths say which language, one only
        yield _problem(f"{path}.configFilePath", "is a BrainScript setting; the other paths are for Python.")


def _caffe(caffe: Any, path: str) -> Iterator[Problem]:
    if not isinstance(caffe, dict):
        return
    if _has(caffe.get("configFilePath")) and _has(caffe.get("pythonScriptFilePath")):
        yield _problem(f"{path}.configFilePath", "cannot be specified with pythonScriptFilePath.")
    if _has(caffe.get("pythonInterpreterPath")) and not _has(caffe.get("pythonScriptFilePath")):
        yield _problem(f"{path}.pythonInterpreterPath", "requires pythonScriptFilePath.")


def _tensorflow(tensorflow: Any, nodes: Any, path: str) -> Iterator[Problem]:
    if not isinstance(tensorflow, dict):
        return
    for name in ("parameterServerCount", "workerCount"):
        count = tensorflow.get(name)
        if isinstance(count, int) and count < 1:
            yield _problem(f"{path}.{name}", "must be at least 1.")
    servers = tensorflow.get("parameterServerCount")
    if isinstance(servers, int) and isinstance(nodes, int) and 1 <= nodes < servers:
        yield _problem(f"{path}.parameterServerCount", f"must not exceed nodeCount ({nodes}).")


def _pytorch(pytorch: Any, path: str) -> Iterator[Problem]:
    backend = (pytorch or {}).get("communicationBackend") if isinstance(pytorch, dict) else None
    if isinstance(backend, str) and _has(backend) and backend.lower() not in ("tcp", "gloo", "mpi"):
        yield _problem(f"{path}.communicationBackend", "must be one of 'TCP', 'Gloo', 'MPI'.")


def _directories(props: dict, path: str) -> Iterator[Problem]:
    for name in ("inputDirectories", "outputDirectories"):
        ids: set[str] = set()
        for where, directory in _items(props, name, path):
            directory_id = directory.get("id")
            if not isinstance(directory_id, str) or not directory_id:
                continue
            if not ENV_SUFFIX.match(directory_id):
                yield _problem(f"{where}.id", "may contain only letters, digits and underscores.")
            elif directory_id in ids:
                yield _problem(f"{where}.id", f"duplicates the id '{directory_id}'.")
            ids.add(directory_id)
    for where, directory in _items(props, "outputDirectories", path):
        kinds = directory.get("type")
        listed = [kind.strip().lower() for kind in kinds.split(",")] if isinstance(kinds, str) else []
        if any(kind and kind not in OUTPUT_TYPES for kind in listed):
            yield _problem(f"{where}.type", "must list Model, Logs, Summary or Custom, comma-separated.")


def _environment(props: dict, path: str) -> Iterator[Problem]:
    names: set[str] = set()
    for list_name in ("environmentVariables", "secrets"):
        for where, variable in _items(props, list_name, path):
            name = variable.get("name")
            if isinstance(name, str):
                if name in names:
                    yield _problem(f"{where}.name", f"duplicates the environment variable '{name}'.")
                names.add(name)
    for where, secret in _items(props, "secrets", path):
        yield from _one_of(secret, "value", "valueSecretReference", where)


def _one_of(holder: Any, secret: str, reference: str, path: str) -> Iterator[Problem]:
    """Exactly one of a secret and its Key Vault reference; the message names fields, never values."""
    if not isinstance(holder, dict):
        return
    if holder.get(secret) is None and holder.get(reference) is None:
        yield _problem(path, f"must specify one of {secret} or {reference}.")
    elif _has(holder.get(secret)) and holder.get(reference) is not None:
        yield _problem(path, f"must not specify both {secret} and {reference}.")


def _mount_volumes(volumes: Any, path: str) -> Iterator[Problem]:
    if not isinstance(volumes, dict):
        return
    for where, share in _items(volumes, "azureFileShares", path):
        yield from _one_of(share.get("credentials"), "accountKey", "accountKeySecretReference", f"{where}.credentials")
        for mode in ("fileMode", "directoryMode"):
            value = share.get(mode)
            if isinstance(value, str) and value and not OCTAL.match(value):
                yield _problem(f"{where}.{mode}", "must be an octal permission string such as '0777'.")
    for where, blob in _items(volumes, "azureBlobFileSystems", path):
        yield from _one_of(blob.get("credentials"), "accountKey", "accountKeySecretReference", f"{where}.credentials")


# -- clusters -------------------------------------------------------------------------------------


def _cluster(props: dict) -> Iterator[Problem]:
    path = "properties"
    yield from _scale(props.get("scaleSettings"), f"{path}.scaleSettings", creating=True)
    setup = props.get("nodeSetup") or {}
    yield from _mount_volumes(setup.get("mountVolumes"), f"{path}.nodeSetup.mountVolumes")
    for where, secret in _items(setup.get("setupTask") or {}, "secrets", f"{path}.nodeSetup.setupTask"):
        yield from _one_of(secret, "value", "valueSecretReference", where)
    insights = (setup.get("performanceCountersSettings") or {}).get("appInsightsReference")
    target = f"{path}.nodeSetup.performanceCountersSettings.appInsightsReference"
    yield from _one_of(insights, "instrumentationKey", "instrumentationKeySecretReference", target)


def _cluster_update(props: dict) -> Iterator[Problem]:
    yield from _scale(props.get("scaleSettings"), "properties.scaleSettings", creating=False)


def _scale(scale: Any, path: str, creating: bool) -> Iterator[Problem]:
    if not isinstance(scale, dict):
        return
    manual, auto = scale.get("manual"), scale.get("autoScale")
    if (manual is None) == (auto is None):
        yield _problem(path, "must specify exactly one of manual or autoScale.")
    if not isinstance(auto, dict):
        return
    low, high, initial = auto.get("minimumNodeCount"), auto.get("maximumNodeCount"), auto.get("initialNodeCount")
    if not (isinstance(low, int) and isinstance(high, int)):
        return
    if low > high:
        yield _problem(f"{path}.autoScale.minimumNodeCount", "must not exceed maximumNodeCount.")
    elif creating and isinstance(initial, int) and not low <= initial <= high:  # initialNodeCount: creation only
        yield _problem(f"{path}.autoScale.initialNodeCount", "must be between minimumNodeCount and maximumNodeCount.")
