"""Job definitions from the JSON files of `az batchai job create --config-file`, of every API version.

Such a file is the REST body of a job create (`{"properties": {...}}`, camelCase names, an optional
`$schema`), usually without what the CLI filled in from its command line: the location, the cluster,
and the storage account keys of the volumes to mount. `load_job_definition` takes those as arguments,
fills them in the way the CLI did (including its `<AZURE_BATCHAI_STORAGE_ACCOUNT>` and
`<AZURE_BATCHAI_STORAGE_KEY>` placeholders), and returns the `JobCreateParameters` of the file's API
version: the one given, or the one inferred from the file (`infer_api_version`).

A key the version does not know is dropped with a `JobDefinitionWarning` naming it and the closest
known key, as the service and the CLI ignored such keys and users' files have them (the Chainer
recipe's `masterCommandLineArgs`, a 2018-03-01 `priority` read as 2018-05-01); `strict=True` makes
it a `JobDefinitionError`.
"""

from __future__ import annotations

import copy
import json
import os
import re
import warnings
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal, overload
from urllib.parse import urlsplit

from msrest import Deserializer
from msrest.exceptions import DeserializationError
from msrest.serialization import Model

from batchai._multiapi import API_VERSIONS, DEFAULT_API_VERSION, resolve_api_version, version_module

from .errors import JobDefinitionError, JobDefinitionWarning

if TYPE_CHECKING:
    from typing_extensions import TypedDict, Unpack

    from batchai.v2017_09_01_preview import models as v2017_09_01_preview
    from batchai.v2018_03_01 import models as v2018_03_01
    from batchai.v2018_05_01 import models as v2018_05_01

    class LoadOptions(TypedDict, total=False):
        strict: bool
        location: str | None
        cluster: str | Any
        storage_account_name: str | None
        storage_account_key: str | None
        storage_account_keys: Mapping[str, str] | None


__all__ = ["infer_api_version", "load_job_definition"]

Source = str | os.PathLike[str] | Mapping[str, Any]
ACCOUNT_PLACEHOLDER = "<AZURE_BATCHAI_STORAGE_ACCOUNT>"
KEY_PLACEHOLDER = "<AZURE_BATCHAI_STORAGE_KEY>"
ROOT_MODEL = "JobCreateParameters"
_CLUSTER_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.BatchAI/(workspaces/[^/]+/)?clusters/[^/]+$",
    re.IGNORECASE,
)
_SCHEMA_VERSION = re.compile(r"/(\d{4}-\d{2}-\d{2}(?:-preview)?)/")
# Required values the loader fills in itself, and reports itself when it cannot.
_FILLED = {
    "JobCreateParameters": {"location", "cluster"},
    "AzureFileShareReference": {"account_name", "credentials"},
    "AzureBlobFileSystemReference": {"credentials"},
}


@overload
def load_job_definition(
    source: Source, *, api_version: Literal["2017-09-01-preview"], **options: Unpack[LoadOptions]
) -> v2017_09_01_preview.JobCreateParameters: ...
@overload
def load_job_definition(
    source: Source, *, api_version: Literal["2018-03-01"], **options: Unpack[LoadOptions]
) -> v2018_03_01.JobCreateParameters: ...
@overload
def load_job_definition(
    source: Source, *, api_version: Literal["2018-05-01"], **options: Unpack[LoadOptions]
) -> v2018_05_01.JobCreateParameters: ...
@overload
def load_job_definition(source: Source, *, api_version: str | None = None, **options: Unpack[LoadOptions]) -> Any: ...
def load_job_definition(
    source: Source,
    *,
    api_version: str | None = None,
    strict: bool = False,
    location: str | None = None,
    cluster: str | Any = None,
    storage_account_name: str | None = None,
    storage_account_key: str | None = None,
    storage_account_keys: Mapping[str, str] | None = None,
) -> Any:
    """Read a job file of `az batchai job create --config-file` (a path, or its parsed JSON).

    :param api_version: The API version whose `JobCreateParameters` to return (pass the client's,
        `client.api_version`); by default the one `infer_api_version` finds for the file. Type
        checkers know the model's type when this is a literal.
    :param strict: True to refuse keys the version does not know (JobDefinitionError) instead of
        dropping them with a `JobDefinitionWarning`.
    :param location: The job's region (2017-09-01-preview, 2018-03-01; a 2018-05-01 job has its
        workspace's); else the file's `location` (or `properties.location`).
    :param cluster: The cluster's resource id (`clusters.get(...).id`); else `properties.cluster`.
    :param storage_account_name: Replaces `<AZURE_BATCHAI_STORAGE_ACCOUNT>` in the file.
    :param storage_account_key: The key of `storage_account_name` (replaces
        `<AZURE_BATCHAI_STORAGE_KEY>`, and fills mounts of that account without credentials).
    :param storage_account_keys: Keys of other storage accounts, by account name.
    :raises JobDefinitionError: missing required values or keys, wrong types (and, with `strict`,
        unknown keys); every problem is listed with its path in the file.
    """
    body, origin, schema = _read(source)
    version = infer_api_version(body, schema) if api_version is None else resolve_api_version(api_version)
    models = _models(version)
    unknown = _describe_unknown(body, version, models)
    if strict:
        _raise_if(origin, [message for message, _, _ in unknown])
    for message, parent, name in unknown:
        warnings.warn(f"{origin}: {message}, ignored by API version {version}", JobDefinitionWarning, stacklevel=2)
        del parent[name]
    keys = _account_keys(storage_account_name, storage_account_key, storage_account_keys)
    problems = _set_location(models, body, location, version, origin, strict)
    problems += _set_cluster(body, cluster) + _fill_mounts(body, storage_account_name, keys)
    problems += list(_missing_required(models, body, ROOT_MODEL, ""))
    _raise_if(origin, problems)
    try:
        return Deserializer(models)(ROOT_MODEL, body)
    except DeserializationError as error:
        raise JobDefinitionError(origin, [f"a value has the wrong type: {error}"]) from error


def infer_api_version(document: Mapping[str, Any], schema: str | None = None) -> str:
    """The API version a job file was most likely written for: the one whose job knows the most of
    its keys (a `horovodSettings` or `schedulingPriority` is 2018-05-01's, a `priority` or
    `experimentName` is not). On a tie, the version the file's `$schema` names (the CLI's job schemas
    were published per version: `.../schemas/2017-09-01-preview/job.json`), else the default version
    (2018-03-01), else the newest. Imports every version's models."""
    body = dict(document)
    schema = schema or body.pop("$schema", None)
    unknown = {
        version: sum(1 for _ in _unknown_keys(_models(version), body, ROOT_MODEL, "")) for version in API_VERSIONS
    }
    fewest = min(unknown.values())
    named = _SCHEMA_VERSION.search(str(schema or ""))
    preferred = [named.group(1) if named else "", DEFAULT_API_VERSION, *sorted(API_VERSIONS, reverse=True)]
    return next(version for version in preferred if unknown.get(version) == fewest)


def _describe_unknown(body: dict[str, Any], version: str, models: dict[str, Any]) -> list[tuple[str, dict, str]]:
    """(message, the dict holding it, key) for each key `version` does not know: the message names the
    versions that know it (a file written for another version), else the closest key it knows."""
    import difflib  # for the closest known key: imported when a file has unknown keys, not with batchai

    unknown = list(_unknown_keys(models, body, ROOT_MODEL, ""))
    elsewhere = {
        other: {where for where, _, _, _ in _unknown_keys(_models(other), body, ROOT_MODEL, "")}
        for other in (API_VERSIONS if unknown else ())
        if other != version
    }
    described = []
    for where, parent, key, known in unknown:
        having = [other for other, missing in elsewhere.items() if where not in missing]
        close = difflib.get_close_matches(key, known, n=1)
        versions = f"API version{'s' if len(having) > 1 else ''} {' and '.join(having)}"
        hint = f"a key of {versions}" if having else f"did you mean '{close[0]}'?" if close else ""
        described.append((f"unknown key '{where}'" + (f" ({hint})" if hint else ""), parent, key))
    return described


def _models(api_version: str) -> dict[str, Any]:
    return {
        name: value for name, value in vars(version_module(api_version, "models")).items() if isinstance(value, type)
    }


def _raise_if(origin: str, problems: list[str]) -> None:
    if problems:
        raise JobDefinitionError(origin, problems)


def _read(source: Source) -> tuple[dict[str, Any], str, str | None]:
    """The document as a fresh dict (never the caller's) without its `$schema`, its origin and `$schema`."""
    if isinstance(source, Mapping):
        document: Any = copy.deepcopy(dict(source))
        origin = "job definition"
    else:
        origin = os.fspath(source)
        try:
            with open(origin, encoding="utf-8") as file:
                document = json.load(file)
        except json.JSONDecodeError as error:
            raise JobDefinitionError(origin, [f"not JSON: {error.msg} at line {error.lineno}"]) from error
    if not isinstance(document, dict) or not isinstance(document.get("properties"), dict):
        raise JobDefinitionError(origin, ['expected a JSON object with a "properties" object'])
    schema = document.pop("$schema", None)  # an editor hint in the CLI's job files, not part of the request
    # The CLI's job schema documented a location inside "properties"; the REST body has it at the top.
    cli_location = document["properties"].pop("location", None)
    if cli_location and not document.get("location"):
        document["location"] = cli_location
    return document, origin, schema


# -- the shape of the request body, from the version's generated models --------------------------


def _model(models: dict[str, Any], type_name: str) -> type[Model] | None:
    found = models.get(type_name)
    return found if isinstance(found, type) and issubclass(found, Model) else None


def _key_parts(key: str) -> list[str]:
    """The JSON path of an attribute-map key: `properties.nodeCount` -> [properties, nodeCount]; an escaped
    dot (`odata\\.type`) is part of its name, as msrest reads it."""
    return [part.replace("\\.", ".") for part in re.split(r"(?<!\\)\.", key)]


def _key_tree(model: type[Model]) -> dict[str, Any]:
    """The model's JSON layout: {"location": "str", "properties": {"nodeCount": "int", ...}}."""
    tree: dict[str, Any] = {}
    for attribute in model._attribute_map.values():
        *parents, leaf = _key_parts(attribute["key"])
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = attribute["type"]
    return tree


def _children(value: Any, type_name: str) -> Iterator[tuple[Any, str, str]]:
    """(item, item type, path suffix) for the items of a list ("[T]") or map ("{T}") value."""
    if type_name.startswith("[") and isinstance(value, list):
        for index, item in enumerate(value):
            yield item, type_name[1:-1], f"[{index}]"
    elif type_name.startswith("{") and isinstance(value, dict):
        for key, item in value.items():
            yield item, type_name[1:-1], f".{key}"


def _unknown_keys(
    models: dict[str, Any], value: Any, type_name: str, path: str
) -> Iterator[tuple[str, dict, str, list[str]]]:
    """(path, the dict holding it, key, the keys known there) for every key the models do not know."""
    if type_name[:1] in "[{":
        for item, item_type, suffix in _children(value, type_name):
            yield from _unknown_keys(models, item, item_type, path + suffix)
        return
    model = _model(models, type_name)
    if model is not None and isinstance(value, dict):
        yield from _unknown_in_tree(models, value, _key_tree(model), path)


def _unknown_in_tree(
    models: dict[str, Any], value: dict[str, Any], tree: dict[str, Any], path: str
) -> Iterator[tuple[str, dict, str, list[str]]]:
    for key, item in value.items():
        where = f"{path}.{key}" if path else key
        expected = tree.get(key)
        if expected is None:
            yield where, value, key, list(tree)
        elif isinstance(expected, dict):
            if isinstance(item, dict):
                yield from _unknown_in_tree(models, item, expected, where)
        else:
            yield from _unknown_keys(models, item, expected, where)


def _missing_required(models: dict[str, Any], value: Any, type_name: str, path: str) -> Iterator[str]:
    """A problem for every required value that is absent or null, anywhere in `value`."""
    if type_name[:1] in "[{":
        for item, item_type, suffix in _children(value, type_name):
            yield from _missing_required(models, item, item_type, path + suffix)
        return
    model = _model(models, type_name)
    if model is None or not isinstance(value, dict):
        return
    filled = _FILLED.get(type_name, set())
    for name, attribute in model._attribute_map.items():
        found: Any = value
        for part in _key_parts(attribute["key"]):
            found = found.get(part) if isinstance(found, dict) else None
        where = f"{path}.{attribute['key']}" if path else attribute["key"]
        if found is None and model._validation.get(name, {}).get("required") and name not in filled:
            yield f"'{where}' is required"
        elif found is not None:
            yield from _missing_required(models, found, attribute["type"], where)


# -- what the CLI filled in from its command line --------------------------------------------------


def _set_location(
    models: dict[str, Any], body: dict[str, Any], location: str | None, version: str, origin: str, strict: bool
) -> list[str]:
    if "location" not in models[ROOT_MODEL]._attribute_map:  # 2018-05-01: the job is in its workspace's
        if location:
            message = f"location= does not apply to API version {version}: a job there is in its workspace's region"
            _raise_if(origin, [message] if strict else [])
            warnings.warn(f"{origin}: {message}; ignored", JobDefinitionWarning, stacklevel=3)
        return []
    if location:
        body["location"] = location
    return [] if body.get("location") else ["no location: pass location= (e.g. 'eastus')"]


def _set_cluster(body: dict[str, Any], cluster: str | Any) -> list[str]:
    properties = body["properties"]
    if cluster is not None:
        properties["cluster"] = {"id": cluster if isinstance(cluster, str) else cluster.id}
    cluster_id = (properties.get("cluster") or {}).get("id")
    if not cluster_id:
        return ["no cluster: pass cluster= with the cluster's resource id"]
    if not _CLUSTER_ID.match(str(cluster_id)):
        example = (
            "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.BatchAI/[workspaces/<w>/]clusters/<name>"
        )
        return [f"cluster must be a cluster's resource id ({example}), not '{cluster_id}'"]
    return []


def _account_keys(name: str | None, key: str | None, keys: Mapping[str, str] | None) -> dict[str, str]:
    if key is not None and not name:
        raise ValueError("storage_account_key needs storage_account_name: the account the key is for")
    merged = {account.lower(): value for account, value in (keys or {}).items()}
    if name and key is not None:
        merged[name.lower()] = key
    return merged


def _fill_mounts(body: dict[str, Any], account_name: str | None, keys: dict[str, str]) -> list[str]:
    volumes = body["properties"].get("mountVolumes") or {}
    problems: list[str] = []
    for kind, url_key in (("azureFileShares", "azureFileUrl"), ("azureBlobFileSystems", None)):
        for index, reference in enumerate(volumes.get(kind) or []):
            where = f"properties.mountVolumes.{kind}[{index}]"
            if isinstance(reference, dict):
                problems += _fill_storage_reference(reference, where, url_key, account_name, keys)
    return problems


def _fill_storage_reference(
    reference: dict[str, Any], where: str, url_key: str | None, account_name: str | None, keys: dict[str, str]
) -> list[str]:
    """Replace the placeholders, derive a file share's account from its URL, add a missing key."""
    fields = [key for key in ("accountName", url_key) if key and ACCOUNT_PLACEHOLDER in str(reference.get(key))]
    if fields and not account_name:
        return [f"'{where}.{fields[0]}' uses {ACCOUNT_PLACEHOLDER}: pass storage_account_name="]
    for field in fields:
        reference[field] = str(reference[field]).replace(ACCOUNT_PLACEHOLDER, account_name or "")
    if not reference.get("accountName") and url_key and reference.get(url_key):
        reference["accountName"] = urlsplit(str(reference[url_key])).netloc.split(".", 1)[0]
    account = reference.get("accountName")
    if not account:
        return []  # reported as a missing required value
    credentials = reference.get("credentials") or {}
    has_key = credentials.get("accountKey") not in (None, "", KEY_PLACEHOLDER)
    if has_key or credentials.get("accountKeySecretReference"):
        return []
    account_key = keys.get(str(account).lower())
    if account_key is None:
        return [f"'{where}.credentials': no key for storage account '{account}': pass storage_account_keys="]
    reference["credentials"] = {**credentials, "accountKey": account_key}
    return []
