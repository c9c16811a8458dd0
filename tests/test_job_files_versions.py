"""Job files of every API version (issue 7.6): the recipes' real files, read as the version they were
written for and as every other one; unknown keys warn (or, strict, refuse); the version is inferred."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from conftest import make_client
from scenario import LOCATION, RESOURCE_GROUP, resource_id
from versioned import models_of

import batchai
from batchai import JobDefinitionError, JobDefinitionWarning

RECIPES = Path(__file__).parent / "data" / "recipes"
FILES = sorted(RECIPES.glob("*/*.json"))
VERSIONS = batchai.API_VERSIONS
KEY = "c2VjcmV0LWtleQ=="
CLUSTERS = {version: resource_id("clusters", "nc6") for version in VERSIONS if version != "2018-05-01"} | {
    "2018-05-01": resource_id("workspaces", "ws/clusters/nc6")
}
IN_2018 = "a key of API versions 2018-03-01 and 2018-05-01"
IN_2018_05 = "a key of API version 2018-05-01"
# what a file read as another version than its own warns about (nothing, when not listed)
WARNINGS = {
    "chainer_distributed": {
        version: ["properties.chainerSettings.masterCommandLineArgs' (did you mean 'commandLineArgs'?)"]
        for version in VERSIONS
    },
    "pytorch_gloo": {"2017-09-01-preview": [f"properties.pyTorchSettings' ({IN_2018})"]},
    "caffe2_distributed": {"2017-09-01-preview": [f"properties.mountVolumes' ({IN_2018})"]},
    "keras_tensorflow": {"2017-09-01-preview": [f"properties.mountVolumes' ({IN_2018})"]},
    **{
        name: {
            "2017-09-01-preview": [
                f"properties.horovodSettings' ({IN_2018_05})",
                f"properties.mountVolumes' ({IN_2018})",
            ],
            "2018-03-01": [f"properties.horovodSettings' ({IN_2018_05})"],
        }
        for name in ("horovod_pytorch", "horovod_tensorflow")
    },
}


def load(source: Any, api_version: str | None = None, **options: Any) -> tuple[Any, list[str]]:
    """Load with what the CLI took from its command line; the definition and the warnings' texts."""
    version = api_version or batchai.infer_api_version(
        source if isinstance(source, dict) else json.loads(source.read_text())
    )
    arguments = {"cluster": CLUSTERS[version], "storage_account_name": "samples", "storage_account_key": KEY}
    if version != "2018-05-01":
        arguments["location"] = LOCATION
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        definition = batchai.load_job_definition(source, api_version=api_version, **{**arguments, **options})
    assert all(issubclass(warning.category, JobDefinitionWarning) for warning in caught)
    return definition, [str(warning.message) for warning in caught]


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_a_recipe_is_read_as_the_version_it_was_written_for(path):
    version = path.parent.name
    assert batchai.infer_api_version(json.loads(path.read_text())) == version
    definition, warned = load(path)
    assert type(definition) is models_of(version).JobCreateParameters
    assert batchai.validate_definition(definition) == []
    assert warned == [
        f"{path}: unknown key '{message}, ignored by API version {version}"
        for message in WARNINGS.get(path.stem, {}).get(version, [])
    ]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_a_recipe_loads_as_every_version(path, version):
    """Unknown keys are dropped with a warning naming the versions that know them; required values are not."""
    if (path.stem, version) == ("keras_tensorflow", "2017-09-01-preview"):
        with pytest.raises(JobDefinitionError) as caught:
            load(path, version)
        assert caught.value.problems == ["'properties.tensorFlowSettings.masterCommandLineArgs' is required"]
        return
    definition, warned = load(path, version)
    assert type(definition) is models_of(version).JobCreateParameters
    assert [text.split(": ", 1)[1] for text in warned] == [
        f"unknown key '{message}, ignored by API version {version}"
        for message in WARNINGS.get(path.stem, {}).get(version, [])
    ]
    dropped = {message.split("'")[0] for message in WARNINGS.get(path.stem, {}).get(version, [])}
    sent = definition.serialize()["properties"]
    assert not any(key.split(".")[1] in sent for key in dropped if key.count(".") == 1)


def test_strict_refuses_what_a_lenient_load_warns_about():
    path = RECIPES / "2017-09-01-preview" / "chainer_distributed.json"
    with pytest.raises(JobDefinitionError) as caught:
        load(path, strict=True)
    assert caught.value.problems == [
        "unknown key 'properties.chainerSettings.masterCommandLineArgs' (did you mean 'commandLineArgs'?)"
    ]
    definition, _ = load(path)
    assert definition.chainer_settings.python_script_file_path == "$AZ_BATCHAI_INPUT_SCRIPT/train_mnist.py"
    with warnings.catch_warnings():
        warnings.simplefilter("error", JobDefinitionWarning)  # warnings are filterable by their class
        with pytest.raises(JobDefinitionWarning, match="masterCommandLineArgs"):
            batchai.load_job_definition(path, location=LOCATION, cluster=CLUSTERS["2018-03-01"])


def test_a_2018_05_01_job_has_no_location():
    document = json.loads((RECIPES / "2018-05-01" / "keras_tensorflow.json").read_text())
    document["properties"]["location"] = "eastus"  # where the CLI's schema let older files put it
    definition, warned = load(document, "2018-05-01", location="westus")
    assert warned == [
        "job definition: unknown key 'location' (a key of API versions 2017-09-01-preview and 2018-03-01), "
        "ignored by API version 2018-05-01",
        "job definition: location= does not apply to API version 2018-05-01: a job there is in its workspace's "
        "region; ignored",
    ]
    assert "location" not in definition.serialize()
    del document["properties"]["location"]
    with pytest.raises(JobDefinitionError, match="location= does not apply"):
        load(document, "2018-05-01", location="westus", strict=True)


def minimal(**properties: Any) -> dict[str, Any]:
    base = {"nodeCount": 1, "stdOutErrPathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/logs"}
    return {"properties": {**base, **properties}}


CUSTOM = {"customToolkitSettings": {"commandLine": "python train.py"}}


@pytest.mark.parametrize(
    ("document", "version"),
    [
        pytest.param(minimal(**CUSTOM), "2018-03-01", id="keys every version knows: the default"),
        pytest.param(
            {
                "$schema": "https://raw.githubusercontent.com/Azure/BatchAI/master/schemas/2017-09-01-preview/job.json",
                **minimal(**CUSTOM),
            },
            "2017-09-01-preview",
            id="a tie: the version $schema names",
        ),
        pytest.param(minimal(schedulingPriority="high", **CUSTOM), "2018-05-01", id="schedulingPriority"),
        pytest.param(minimal(customMpiSettings={"commandLine": "mpirun x"}), "2018-05-01", id="customMpiSettings"),
        pytest.param(minimal(priority=10, experimentName="e", **CUSTOM), "2018-03-01", id="priority: not 2018-05-01"),
        pytest.param(
            minimal(priority=10, pyTorchSettings={"pythonScriptFilePath": "t.py"}),
            "2018-03-01",
            id="priority and pyTorch: 2018-03-01 alone",
        ),
        pytest.param(
            {"$schema": ".../schemas/2018-05-01/job.json", **minimal(priority=10, **CUSTOM)},
            "2018-03-01",
            id="keys win over $schema",
        ),
        pytest.param(minimal(cntkSetings={}), "2018-03-01", id="a typo everywhere: the default"),
    ],
)
def test_the_version_is_inferred_from_the_keys_then_schema_then_default(document, version):
    assert batchai.infer_api_version(document) == version


def test_an_unknown_api_version_is_refused():
    with pytest.raises(
        ValueError, match="API version '2019-01-01' is not available in batchai; it has 2017-09-01-preview"
    ):
        batchai.load_job_definition(minimal(**CUSTOM), api_version="2019-01-01")


@pytest.mark.parametrize("path", sorted((RECIPES / "2018-03-01").glob("*.json")), ids=lambda path: path.stem)
def test_the_2018_03_01_recipes_run_on_the_local_server(arm_server, credential, path):
    arm_server.job_schedule = ["queued", "running", "succeeded"]
    definition, _ = load(path, "2018-03-01")
    with make_client(arm_server, credential) as client:
        run = client.jobs.run(RESOURCE_GROUP, path.stem.replace("_", "-"), definition, timeout=60)
    assert run.job.execution_state == "succeeded" and run.output_files
