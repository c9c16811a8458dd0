"""Bad input from the user: None, names that break the spec's patterns, very long and non-ASCII names, and
``/ ? # % . ..`` in names. Each is refused before anything is sent, with a message naming the parameter, or
percent-escaped so that it can never change the request's path (issue 8, item 7)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from azure.core.exceptions import ResourceNotFoundError, SerializationError
from conftest import run_async
from msrest.exceptions import ValidationError
from msrest.serialization import Model
from reliability_support import VERSIONS, Api, Wire, api, make_async_client, make_client, with_resources, within
from scenario import RESOURCE_GROUP

import batchai
from batchai._runtime import PathSegmentError

REFUSED_NAMES = {
    "a b": "must conform to the following pattern",
    "a/b": "must conform to the following pattern",
    "a?b": "must conform to the following pattern",
    "a#b": "must conform to the following pattern",
    "a%2Fb": "must conform to the following pattern",
    "": "must conform to the following pattern",
    "x" * 65: "must have length less than 64",
}
ESCAPED_NAMES = ["café", "名前", "Ωmega-1"]


def parameter_names(client: Api) -> dict[str, str]:
    """The cluster call's path parameters, by position (2018-05-01 has a workspace between)."""
    return dict(zip(("resource_group_name", "workspace_name", "cluster_name"), client.cluster_args("c1"), strict=False))


@pytest.mark.parametrize("version", VERSIONS)
def test_none_for_a_required_path_parameter_is_refused_naming_it(arm_server, credential, version):
    client = api(arm_server, credential, version)
    wire = Wire(arm_server)
    names = ["resource_group_name", *(["workspace_name"] if client.nested else []), "cluster_name"]
    for position, name in enumerate(names):
        args = list(client.cluster_args("c1"))
        args[position] = None
        with pytest.raises(ValidationError, match=f"Parameter '{name}' can not be None"):
            client.client.clusters.get(*args)
    assert wire.sent() == []


@pytest.mark.parametrize("name", sorted(REFUSED_NAMES))
@pytest.mark.parametrize("version", VERSIONS)
def test_a_name_that_breaks_the_spec_is_refused_before_sending_naming_the_parameter(
    arm_server, credential, version, name
):
    client = api(arm_server, credential, version)
    wire = Wire(arm_server)
    with pytest.raises(ValidationError) as refused:
        client.get_cluster(name)
    assert str(refused.value).startswith("Parameter 'cluster_name' " + REFUSED_NAMES[name])
    with pytest.raises(ValidationError, match="Parameter 'job_name'"):
        client.delete_job(name)
    assert wire.sent() == []


@pytest.mark.parametrize("name", ["..", "."])
@pytest.mark.parametrize("version", VERSIONS)
def test_a_name_of_dots_can_never_change_the_request_path(arm_server, credential, version, name):
    """``/clusters/..`` would be resolved to the provider itself: refused, whatever the spec's pattern allows."""
    client = api(arm_server, credential, version)
    wire = Wire(arm_server)
    for call in (client.get_cluster, client.delete_cluster, client.get_job, client.terminate_job):
        with pytest.raises(ValidationError):  # the spec's pattern, or the path check (PathSegmentError)
            call(name)
    assert wire.sent() == []


@pytest.mark.parametrize("name", ESCAPED_NAMES)
@pytest.mark.parametrize("version", VERSIONS)
def test_a_non_ascii_name_is_percent_escaped_into_one_path_segment(arm_server, credential, version, name):
    with_resources(arm_server, credential, version, clusters=())
    client = api(arm_server, credential, version)
    wire = Wire(arm_server)
    with pytest.raises(ResourceNotFoundError) as missing:
        client.get_cluster(name)
    assert f"clusters/{name}'" in str(missing.value)  # the service was asked about exactly that name
    (sent,) = wire.recorded()
    assert sent.path.endswith("/clusters/" + quote(name, safe="")) and sent.operation_id == "Clusters_Get"


@pytest.mark.parametrize("subscription", ["a/b", "a?b#c%d", "sub scription", "日本", "%2e%2e", "a/../b"])
@pytest.mark.parametrize("version", VERSIONS)
def test_a_subscription_id_is_percent_escaped_into_one_path_segment(arm_server, credential, version, subscription):
    client = batchai.BatchAIManagementClient(
        credential,
        subscription,
        api_version=version,
        base_url=arm_server.base_url,
        connection_verify=arm_server.ca_path,
        retry_total=0,
    )
    wire = Wire(arm_server)
    with within(5), pytest.raises(ResourceNotFoundError):
        Api(client, version).get_cluster("c1")
    (sent,) = wire.recorded()
    escaped = quote(subscription, safe="")
    assert all(character not in escaped for character in "/?#")
    assert sent.path.startswith(f"/subscriptions/{escaped}/resourceGroups/{RESOURCE_GROUP}/")  # the raw path


def request_builders(version: str) -> Iterator[tuple[str, Callable[..., Any]]]:
    """Every request builder of an API version's operation modules: (module.function name, function)."""
    package = importlib.import_module(f"batchai.v{version.replace('-', '_')}.operations")
    for module_info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{module_info.name}")
        for name, function in vars(module).items():
            if name.startswith("build_") and name.endswith("_request") and inspect.isfunction(function):
                yield f"{module_info.name}.{name}", function


def path_parameters(builder: Callable[..., Any]) -> tuple[dict[str, Any], list[str]]:
    """Valid arguments for a builder's required parameters, and which of them it puts in the URL's path."""
    required = [
        name
        for name, parameter in inspect.signature(builder).parameters.items()
        if parameter.kind is parameter.POSITIONAL_OR_KEYWORD and parameter.default is parameter.empty
    ]
    arguments = {name: f"v{index}x" for index, name in enumerate(required)}
    segments = urlsplit(builder(**arguments).url).path.split("/")
    return arguments, [name for name in required if arguments[name] in segments]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_request_builder_refuses_an_empty_or_dot_path_segment_naming_the_parameter(version):
    """The generator's check, on every operation: '', '.' and '..' never become a segment of the path, and the
    error names the parameter (the spec's pattern's message, or PathSegmentError where the pattern allows dots)."""
    checked = 0
    with within(10):
        for where, builder in request_builders(version):
            arguments, in_path = path_parameters(builder)  # none for /providers/Microsoft.BatchAI/operations
            for name in in_path:
                for value in ("", ".", ".."):
                    with pytest.raises(ValidationError) as refused:
                        builder(**{**arguments, name: value})
                    assert f"Parameter '{name}'" in str(refused.value), (where, name, value)
                    if isinstance(refused.value, PathSegmentError):
                        assert refused.value.target == name
                    checked += 1
    assert checked > 50


@pytest.mark.parametrize("name", ["..", "."])
@pytest.mark.parametrize("version", VERSIONS)
def test_a_resource_group_of_dots_is_refused_naming_it_sync_and_async(
    arm_server, credential, async_credential, version, name
):
    """The resource group's pattern allows dots: the request builder refuses the whole-dot name itself, naming it
    (before, the endpoint policy refused the URL)."""
    wire = Wire(arm_server)
    expected = f"Parameter 'resource_group_name' is {name!r}"
    with within(5):
        with make_client(arm_server, credential, version) as client:
            calls = [
                lambda: client.clusters.get(name, *Api(client, version).cluster_args("c1")[1:]),
                lambda: (
                    list(client.jobs.list_by_resource_group(name))
                    if not Api(client, version).nested
                    else list(client.workspaces.list_by_resource_group(name))
                ),
                lambda: client.jobs.begin_delete(name, *Api(client, version).job_args("j1")[1:]),
            ]
            for call in calls:
                with pytest.raises(PathSegmentError, match=expected) as refused:
                    call()
                assert refused.value.target == "resource_group_name"

        async def scenario() -> str:
            async with make_async_client(arm_server, async_credential, version) as client:
                with pytest.raises(PathSegmentError) as refused:
                    await client.clusters.get(name, *Api(client, version).cluster_args("c1")[1:])
                return str(refused.value)

        assert run_async(scenario()).startswith(expected)
    assert wire.sent() == []


@pytest.mark.parametrize("version", VERSIONS)
def test_dots_inside_a_name_are_sent_as_they_are(arm_server, credential, version):
    client = api(arm_server, credential, version)
    wire = Wire(arm_server)
    with within(5), pytest.raises(ResourceNotFoundError):
        client.client.clusters.get("my.group..name", *client.cluster_args("c1")[1:])
    (sent,) = wire.recorded()
    assert "/resourceGroups/my.group..name/" in sent.path


@pytest.mark.parametrize("subscription", ["", ".", ".."])
@pytest.mark.parametrize("version", VERSIONS)
def test_a_subscription_id_of_dots_is_refused_when_the_client_is_made(credential, version, subscription):
    with pytest.raises(PathSegmentError, match=f"Parameter 'subscription_id' is {subscription!r}"):
        batchai.BatchAIManagementClient(credential, subscription, api_version=version)


WRONG_TYPES = {
    # attribute to set on the cluster definition, the value, the path the message must name, the wire type
    "a str where an int belongs": (
        ("scale_settings", "manual", "target_node_count"),
        "many",
        "ClusterCreateParameters.scale_settings.manual.target_node_count is a str",
        "'int'",
    ),
    "a str where a model belongs": (
        ("user_account_settings",),
        "admin:secret-value-42",
        "ClusterCreateParameters.user_account_settings is a str",
        "'UserAccountSettings'",
    ),
    "a str where a list belongs": (
        ("node_setup", "mount_volumes", "azure_file_shares"),
        "one-file-share-value",
        "ClusterCreateParameters.node_setup.mount_volumes.azure_file_shares is a str",
        "'[AzureFileShareReference]'",
    ),
}


@pytest.mark.parametrize("case", sorted(WRONG_TYPES))
@pytest.mark.parametrize("version", VERSIONS)
def test_a_value_of_the_wrong_type_is_refused_naming_the_attribute_and_never_the_value(
    arm_server, credential, version, case
):
    attributes, value, names, wire_type = WRONG_TYPES[case]
    with_resources(arm_server, credential, version, clusters=())
    client = api(arm_server, credential, version)
    models = client.models
    definition = client.cluster_parameters()
    definition.node_setup = models.NodeSetup(mount_volumes=models.MountVolumes())
    target = definition
    for attribute in attributes[:-1]:
        target = getattr(target, attribute)
    setattr(target, attributes[-1], value)
    wire = Wire(arm_server)
    with pytest.raises(SerializationError) as refused:
        client.create_cluster("c1", definition)
    message = str(refused.value)
    assert message.startswith(names) and wire_type in message and value not in message
    assert wire.sent() == []


@pytest.mark.parametrize("version", VERSIONS)
def test_a_value_msrest_can_convert_is_sent_converted(arm_server, credential, version):
    """msrest's rule, kept: an int where a str belongs is sent as its text."""
    with_resources(arm_server, credential, version, clusters=())
    client = api(arm_server, credential, version)
    definition = client.cluster_parameters()
    definition.scale_settings.manual.target_node_count = 2
    definition.vm_size = 6
    wire = Wire(arm_server)
    client.create_cluster("c1", definition).result()
    sent = wire.recorded()[0].body
    assert sent["properties"]["vmSize"] == "6"


# -- model constructors ------------------------------------------------------------------------------


def model_classes(version: str) -> list[type]:
    models = batchai.BatchAIManagementClient.models(version)
    return [
        value
        for name, value in sorted(vars(models).items())
        if isinstance(value, type) and issubclass(value, Model) and value.__module__.startswith(models.__name__)
    ]


def init_keywords(model: type) -> list[str]:
    return [
        name
        for name, parameter in inspect.signature(model.__init__).parameters.items()
        if parameter.kind is parameter.KEYWORD_ONLY
    ]


def required_arguments(model: type) -> dict[str, Any]:
    return {
        name: None
        for name, parameter in inspect.signature(model.__init__).parameters.items()
        if parameter.kind is parameter.KEYWORD_ONLY and parameter.default is parameter.empty
    }


@pytest.mark.parametrize("version", VERSIONS)
def test_an_unknown_keyword_to_any_model_raises_naming_it_and_the_closest_valid_one(version, caplog):
    """msrest would log a warning and drop the value (a misspelt property would silently not be sent)."""
    checked = 0
    with within(10):
        for model in model_classes(version):
            keywords = init_keywords(model)
            for keyword in keywords:
                misspelt = keyword.replace("_", "") + "s" if "_" in keyword else keyword + "s"
                with pytest.raises(TypeError) as refused:
                    model(**{**required_arguments(model), misspelt: "secret-value-77"})
                message = str(refused.value)
                assert message.startswith(f"{model.__name__}() got an unexpected keyword argument {misspelt!r}")
                assert f"did you mean {keyword!r}?" in message or (
                    "did you mean" in message and message.split("did you mean ")[1].strip("'?") in keywords
                ), message
                assert "secret-value-77" not in message
                checked += 1
            with pytest.raises(TypeError, match=r"unexpected keyword argument 'zzqq'; (it takes|did you mean)"):
                model(**required_arguments(model), zzqq=1)
    assert checked > 100
    assert not [record for record in caplog.records if "is not a known attribute" in record.getMessage()]


@pytest.mark.parametrize("version", VERSIONS)
def test_models_built_from_the_wire_and_from_dicts_still_take_every_known_attribute(version):
    """msrest builds models with keywords too (deserialize, from_dict): known attributes, read-only ones
    included, are taken as before; a key the model does not know is kept in additional_properties or dropped,
    never a TypeError."""
    models = batchai.BatchAIManagementClient.models(version)
    wire = {
        "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.BatchAI/clusters/c1",
        "name": "c1",
        "unknownTopLevel": 1,
        "properties": {"vmSize": "STANDARD_NC6", "provisioningState": "succeeded", "unknownProperty": 2},
    }
    cluster = models.Cluster.deserialize(wire)
    assert (cluster.name, cluster.vm_size, cluster.provisioning_state) == ("c1", "STANDARD_NC6", "succeeded")
    again = models.Cluster.from_dict({**cluster.as_dict(), "not_an_attribute": 3})
    assert (again.name, again.vm_size, again.provisioning_state) == ("c1", "STANDARD_NC6", "succeeded")


@pytest.mark.parametrize("version", VERSIONS)
def test_a_misspelt_keyword_never_reaches_the_wire(arm_server, credential, version):
    with_resources(arm_server, credential, version, clusters=())
    client = api(arm_server, credential, version)
    models = client.models
    wire = Wire(arm_server)
    with within(5), pytest.raises(TypeError, match="'target_node_cout'; did you mean 'target_node_count'"):
        client.create_cluster(
            "c1",
            models.ClusterCreateParameters(
                **{
                    **({"location": "eastus"} if not client.nested else {}),
                    "vm_size": "STANDARD_NC6",
                    "scale_settings": models.ScaleSettings(manual=models.ManualScaleSettings(target_node_cout=2)),
                    "user_account_settings": models.UserAccountSettings(admin_user_name="u", admin_user_password="p"),
                }
            ),
        )
    assert wire.sent() == []
