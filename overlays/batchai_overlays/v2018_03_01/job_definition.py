"""Job definitions from the JSON files of `az batchai job create --config-file`.

Such a file is the REST body of a job create (`{"properties": {...}}`, camelCase names, an optional
`$schema`), usually without what the CLI filled in from its command line: the location, the
cluster, and the storage account keys of the volumes to mount. `load_job_definition` takes those
as arguments, fills them in the way the CLI did (including its `<AZURE_BATCHAI_STORAGE_ACCOUNT>`
and `<AZURE_BATCHAI_STORAGE_KEY>` placeholders), and returns a `JobCreateParameters`. Unlike the
CLI it refuses keys the API does not know, naming each, instead of silently dropping them.
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from msrest import Deserializer
from msrest.exceptions import DeserializationError
from msrest.serialization import Model

from batchai.v2018_03_01 import models as _models

ACCOUNT_PLACEHOLDER = "<AZURE_BATCHAI_STORAGE_ACCOUNT>"
KEY_PLACEHOLDER = "<AZURE_BATCHAI_STORAGE_KEY>"
ROOT_MODEL = "JobCreateParameters"
_IGNORED_KEYS = ("$schema",)  # editor hints in the CLI's job files, not part of the request
_CLUSTER_ID = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.BatchAI/clusters/[^/]+$", re.IGNORECASE
)
_MODELS = {name: value for name, value in vars(_models).items() if isinstance(value, type)}
# Required values the loader fills in itself, and reports itself when it cannot.
_FILLED = {
    "JobCreateParameters": {"location", "cluster"},
    "AzureFileShareReference": {"account_name", "credentials"},
    "AzureBlobFileSystemReference": {"credentials"},
}


class JobDefinitionError(ValueError):
    """A job file that cannot become a job definition; `problems` lists every reason, with its path."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__(f"{source}: " + "; ".join(self.problems))


def load_job_definition(
    source: str | os.PathLike[str] | Mapping[str, Any],
    *,
    location: str | None = None,
    cluster: str | _models.ResourceId | None = None,
    storage_account_name: str | None = None,
    storage_account_key: str | None = None,
    storage_account_keys: Mapping[str, str] | None = None,
) -> _models.JobCreateParameters:
    """Read a job file of `az batchai job create --config-file` (a path, or its parsed JSON).

    :param location: The job's region; else the file's `location` (or `properties.location`).
    :param cluster: The cluster's resource id (`clusters.get(...).id`); else `properties.cluster`.
    :param storage_account_name: Replaces `<AZURE_BATCHAI_STORAGE_ACCOUNT>` in the file.
    :param storage_account_key: The key of `storage_account_name` (replaces
        `<AZURE_BATCHAI_STORAGE_KEY>`, and fills mounts of that account without credentials).
    :param storage_account_keys: Keys of other storage accounts, by account name.
    :raises JobDefinitionError: unknown keys, missing required values or keys, wrong types;
        every problem is listed with its path in the file.
    """
    body, origin = _read(source)
    _raise_if(origin, list(_unknown_keys(body, ROOT_MODEL, "")))
    keys = _account_keys(storage_account_name, storage_account_key, storage_account_keys)
    problems = _set_location(body, location) + _set_cluster(body, cluster)
    problems += _fill_mounts(body, storage_account_name, keys)
    problems += list(_missing_required(body, ROOT_MODEL, ""))
    _raise_if(origin, problems)
    try:
        return Deserializer(_MODELS)(ROOT_MODEL, body)
    except DeserializationError as error:
        raise JobDefinitionError(origin, [f"a value has the wrong type: {error}"]) from error


def _raise_if(origin: str, problems: list[str]) -> None:
    if problems:
        raise JobDefinitionError(origin, problems)


def _read(source: str | os.PathLike[str] | Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """The document as a fresh dict (never the caller's), without the keys that are not REST."""
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
    for key in _IGNORED_KEYS:
        document.pop(key, None)
    # The CLI's job schema documented a location inside "properties"; the REST body has it at the top.
    cli_location = document["properties"].pop("location", None)
    if cli_location and not document.get("location"):
        document["location"] = cli_location
    return document, origin


# -- the shape of the request body, from the generated models ---------------------------------


def _model(type_name: str) -> type[Model] | None:
    found = _MODELS.get(type_name)
    return found if isinstance(found, type) and issubclass(found, Model) else None


def _key_tree(model: type[Model]) -> dict[str, Any]:
    """The model's JSON layout: {"location": "str", "properties": {"nodeCount": "int", ...}}."""
    tree: dict[str, Any] = {}
    for attribute in model._attribute_map.values():
        *parents, leaf = [part.replace("\\.", ".") for part in re.split(r"(?<!\\)\.", attribute["key"])]
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


def _unknown_keys(value: Any, type_name: str, path: str) -> Iterator[str]:
    """A problem for every key the API does not know, anywhere in `value`."""
    if type_name[:1] in "[{":
        for item, item_type, suffix in _children(value, type_name):
            yield from _unknown_keys(item, item_type, path + suffix)
        return
    model = _model(type_name)
    if model is not None and isinstance(value, dict):
        yield from _unknown_in_tree(value, _key_tree(model), path)


def _unknown_in_tree(value: dict[str, Any], tree: dict[str, Any], path: str) -> Iterator[str]:
    for key, item in value.items():
        where = f"{path}.{key}" if path else key
        expected = tree.get(key)
        if expected is None:
            yield _unknown(where, key, tree)
        elif isinstance(expected, dict):
            if isinstance(item, dict):
                yield from _unknown_in_tree(item, expected, where)
        else:
            yield from _unknown_keys(item, expected, where)


def _unknown(where: str, key: str, tree: dict[str, Any]) -> str:
    close = difflib.get_close_matches(key, list(tree), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown key '{where}'{hint}"


def _missing_required(value: Any, type_name: str, path: str) -> Iterator[str]:
    """A problem for every required value that is absent or null, anywhere in `value`."""
    if type_name[:1] in "[{":
        for item, item_type, suffix in _children(value, type_name):
            yield from _missing_required(item, item_type, path + suffix)
        return
    model = _model(type_name)
    if model is None or not isinstance(value, dict):
        return
    filled = _FILLED.get(type_name, set())
    for name, attribute in model._attribute_map.items():
        found = _lookup(value, attribute["key"])
        where = f"{path}.{attribute['key']}" if path else attribute["key"]
        if found is None and model._validation.get(name, {}).get("required") and name not in filled:
            yield f"'{where}' is required"
        elif found is not None:
            yield from _missing_required(found, attribute["type"], where)


def _lookup(value: dict[str, Any], key: str) -> Any:
    found: Any = value
    for part in key.split("."):
        found = found.get(part) if isinstance(found, dict) else None
    return found


# -- what the CLI filled in from its command line --------------------------------------------------


def _set_location(body: dict[str, Any], location: str | None) -> list[str]:
    if location:
        body["location"] = location
    return [] if body.get("location") else ["no location: pass location= (e.g. 'eastus')"]


def _set_cluster(body: dict[str, Any], cluster: str | _models.ResourceId | None) -> list[str]:
    properties = body["properties"]
    if cluster is not None:
        properties["cluster"] = {"id": cluster if isinstance(cluster, str) else cluster.id}
    cluster_id = (properties.get("cluster") or {}).get("id")
    if not cluster_id:
        return ["no cluster: pass cluster= with the cluster's resource id"]
    if not _CLUSTER_ID.match(str(cluster_id)):
        example = "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.BatchAI/clusters/<name>"
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
