"""The Batch AI rules a definition must follow beyond what the spec's schema can express (issue 3).

Each rule is written once, for a model named as the specs name it (`JobCreateParameters`,
`TensorFlowSettings`, ...), and declares the attributes it reads. `validation` binds it to every API
version whose models have that class with those attributes, so a rule applies exactly where its
properties exist: the priority range to 2017-09-01-preview and 2018-03-01 (an integer `priority`),
the scheduling priority to 2018-05-01 (`schedulingPriority`), the output types to the versions whose
output directories have a `type`, and the one-toolkit rule to each version's own toolkits.

A rule gets an instance, its path in the request body (REST names, e.g. `properties.tensorFlowSettings`)
and the whole definition (for rules that need a value from elsewhere, such as the job's nodeCount).
The sources are the specs (spec/<version>/BatchAI.json); each docstring quotes the definition. The
service accepted more than a literal reading allows, so the rules lean towards accepting: strings the
service compared case-insensitively are compared so here, a value left unset is inferred from the rest
of the definition rather than given a default, and where the service's behaviour is unknown nothing is
rejected. Messages never show the value of a secret (passwords, account keys, secret environment
values, instrumentation keys).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeGuard

from msrest.serialization import Model

from .errors import Problem

Check = Callable[[Any, str, Any], Iterator[Problem]]


@dataclass(frozen=True)
class Rule:
    """A check of every instance of the model `model` that has the attributes `reads`."""

    model: str
    reads: tuple[str, ...]
    check: Check


RULES: list[Rule] = []


def rule(*models: str, reads: tuple[str, ...] = ()) -> Callable[[Check], Check]:
    """Register the decorated check for the models of these names, where they have `reads`."""

    def register(check: Check) -> Check:
        RULES.extend(Rule(model, reads, check) for model in models)
        return check

    return register


def at(path: str, model: Model, attribute: str) -> str:
    """The request-body path of `model.attribute`, e.g. `properties.nodeCount` for a flattened property."""
    key = model._attribute_map[attribute]["key"].replace("\\.", ".")
    return f"{path}.{key}" if path else key


def key(model: Model, attribute: str) -> str:
    """The REST name of one attribute, for messages (`nodeCount`)."""
    return at("", model, attribute).rsplit(".", 1)[-1]


def given(value: Any) -> bool:
    """Whether a value says something: an empty string doesn't (so it never makes two settings clash)."""
    return value is not None and value != ""


def is_int(value: Any) -> TypeGuard[int]:
    """Numbers are compared only when they are ints: other types are the serializer's business."""
    return isinstance(value, int) and not isinstance(value, bool)


def one_of(value: Any, allowed: tuple[str, ...]) -> bool:
    return value.lower() in {choice.lower() for choice in allowed}


# -- 1. one toolkit per job -------------------------------------------------------------------

# Every API version's toolkits; a version's job has those of them its JobCreateParameters has.
TOOLKITS = (
    "cntk_settings",
    "py_torch_settings",
    "tensor_flow_settings",
    "caffe_settings",
    "caffe2_settings",
    "chainer_settings",
    "custom_toolkit_settings",
    "custom_mpi_settings",
    "horovod_settings",
)


@rule("JobCreateParameters")
def one_toolkit(job: Any, path: str, root: Any) -> Iterator[Problem]:
    """JobBaseProperties: a job runs one tool kit (the spec's `ToolType`: "The toolkit type of this
    job"), set by exactly one of its toolkit settings: cntkSettings, tensorFlowSettings, caffeSettings,
    caffe2Settings, chainerSettings, customToolkitSettings (every version), pyTorchSettings (2018-03-01
    on), customMpiSettings and horovodSettings (2018-05-01)."""
    toolkits = [name for name in TOOLKITS if name in job._attribute_map]
    properties = at(path, job, toolkits[0]).rsplit(".", 1)[0]
    chosen = [key(job, name) for name in toolkits if getattr(job, name) is not None]
    if not chosen:
        names = ", ".join(key(job, name) for name in toolkits)
        yield Problem(properties, f"sets no tool kit: set exactly one of {names}")
    elif len(chosen) > 1:
        yield Problem(properties, f"sets {len(chosen)} tool kits ({', '.join(chosen)}): a job runs exactly one")


# -- 2. Caffe ---------------------------------------------------------------------------------


@rule("CaffeSettings")
def caffe_config_or_script(caffe: Any, path: str, root: Any) -> Iterator[Problem]:
    """CaffeSettings.configFilePath: "This property cannot be specified if pythonScriptFilePath is
    specified." CaffeSettings.pythonInterpreterPath: "This property can be specified only if the
    pythonScriptFilePath is specified." """
    if given(caffe.config_file_path) and given(caffe.python_script_file_path):
        yield Problem(at(path, caffe, "config_file_path"), "cannot be specified together with pythonScriptFilePath")
    if given(caffe.python_interpreter_path) and not given(caffe.python_script_file_path):
        yield Problem(at(path, caffe, "python_interpreter_path"), "can be specified only with pythonScriptFilePath")


# -- 3. CNTK ----------------------------------------------------------------------------------

CNTK_LANGUAGES = {
    "BrainScript": ("config_file_path",),
    "Python": ("python_script_file_path", "python_interpreter_path"),
}


@rule("CNTKsettings")
def cntk_language(cntk: Any, path: str, root: Any) -> Iterator[Problem]:
    """CNTKsettings.languageType: "Valid values are 'BrainScript' or 'Python'." configFilePath: "can be
    specified only if the languageType is 'BrainScript'"; pythonScriptFilePath, pythonInterpreterPath:
    "can be specified only if the languageType is 'Python'".

    The spec gives languageType no default, and the service ran CNTK jobs that leave it out with
    only a configFilePath (BrainScript recipes) or only a pythonScriptFilePath (Python recipes): when
    it is unset, the language is inferred from the paths, and only a mix of both languages is rejected.
    """
    used = {
        language: [name for name in names if given(getattr(cntk, name))] for language, names in CNTK_LANGUAGES.items()
    }
    language = cntk.language_type
    if isinstance(language, str) and given(language):
        chosen = next((known for known in CNTK_LANGUAGES if known.lower() == language.lower()), None)
        if chosen is None:
            yield Problem(at(path, cntk, "language_type"), f"must be 'BrainScript' or 'Python', not {language!r}")
            return
        for other, names in used.items():
            for name in names if other != chosen else ():
                yield Problem(at(path, cntk, name), f"can be specified only if languageType is {other!r}")
    elif language is None and used["BrainScript"] and used["Python"]:
        python = " and ".join(key(cntk, name) for name in used["Python"])
        yield Problem(at(path, cntk, "config_file_path"), f"(BrainScript) cannot be combined with {python} (Python)")


# -- 4. TensorFlow ----------------------------------------------------------------------------


@rule("TensorFlowSettings")
def tensorflow_task_counts(tensorflow: Any, path: str, job: Any) -> Iterator[Problem]:
    """TensorFlowSettings.parameterServerCount: "If specified, the value must be less than or equal to
    nodeCount." workerCount: "If specified, the value must be less than or equal to (nodeCount *
    numberOfGPUs per VM)": the GPUs per VM depend on the cluster, unknown here, so that bound is left to
    the service. Both count tasks, so they are at least 1 when given."""
    for name in ("parameter_server_count", "worker_count"):
        count = getattr(tensorflow, name)
        if is_int(count) and count < 1:
            yield Problem(at(path, tensorflow, name), f"must be at least 1 when given, not {count}")
    servers, nodes = tensorflow.parameter_server_count, getattr(job, "node_count", None)
    if is_int(servers) and is_int(nodes) and 1 <= nodes < servers:
        yield Problem(
            at(path, tensorflow, "parameter_server_count"), f"must be at most nodeCount ({nodes}), not {servers}"
        )


# -- 5. PyTorch -------------------------------------------------------------------------------

PYTORCH_BACKENDS = ("TCP", "Gloo", "MPI")


@rule("PyTorchSettings")
def pytorch_backend(pytorch: Any, path: str, root: Any) -> Iterator[Problem]:
    """PyTorchSettings.communicationBackend: "Valid values are 'TCP', 'Gloo' or 'MPI'. Not required for
    non-distributed jobs." (The Batch AI recipes wrote "gloo": compared case-insensitively.)"""
    backend = pytorch.communication_backend
    if isinstance(backend, str) and given(backend) and not one_of(backend, PYTORCH_BACKENDS):
        allowed = ", ".join(repr(b) for b in PYTORCH_BACKENDS)
        yield Problem(at(path, pytorch, "communication_backend"), f"must be one of {allowed}, not {backend!r}")


# -- 6. counts and priority -------------------------------------------------------------------


@rule(
    "CNTKsettings",
    "CaffeSettings",
    "ChainerSettings",
    "PyTorchSettings",
    "HorovodSettings",
    "CustomMpiSettings",
    reads=("process_count",),
)
def process_count(settings: Any, path: str, root: Any) -> Iterator[Problem]:
    """processCount of CNTKsettings, CaffeSettings, ChainerSettings ("Number of processes parameter that
    is passed to MPI runtime"), PyTorchSettings, HorovodSettings and CustomMpiSettings ("Number of
    processes to launch for the job execution"): a number of processes, so at least 1 when given."""
    count = settings.process_count
    if is_int(count) and count < 1:
        yield Problem(at(path, settings, "process_count"), f"must be at least 1 when given, not {count}")


@rule("JobCreateParameters", reads=("node_count",))
def node_count(job: Any, path: str, root: Any) -> Iterator[Problem]:
    """JobBaseProperties.nodeCount: "The job will be gang scheduled on that many compute nodes" (so at
    least one)."""
    if is_int(job.node_count) and job.node_count < 1:
        yield Problem(at(path, job, "node_count"), f"must be at least 1, not {job.node_count}")


@rule("JobCreateParameters", reads=("priority",))
def priority_range(job: Any, path: str, root: Any) -> Iterator[Problem]:
    """JobBaseProperties.priority (2017-09-01-preview, 2018-03-01): "Priority values can range from
    -1000 to 1000"."""
    if is_int(job.priority) and not -1000 <= job.priority <= 1000:
        yield Problem(at(path, job, "priority"), f"must be within [-1000, 1000], not {job.priority}")


SCHEDULING_PRIORITIES = ("low", "normal", "high")


@rule("JobCreateParameters", reads=("scheduling_priority",))
def scheduling_priority(job: Any, path: str, root: Any) -> Iterator[Problem]:
    """JobBaseProperties.schedulingPriority (2018-05-01): "Scheduling priority associated with the job.
    Possible values: low, normal, high." (An enum the service compared case-insensitively.)"""
    priority = job.scheduling_priority
    if isinstance(priority, str) and given(priority) and not one_of(priority, SCHEDULING_PRIORITIES):
        yield Problem(at(path, job, "scheduling_priority"), f"must be low, normal or high, not {priority!r}")


# -- 7. a secret or a Key Vault reference to it, exactly one ----------------------------------

SECRET_OR_REFERENCE = {
    "PrivateRegistryCredentials": ("password", "password_secret_reference"),
    "AzureStorageCredentialsInfo": ("account_key", "account_key_secret_reference"),
    "EnvironmentVariableWithSecretValue": ("value", "value_secret_reference"),
    "AppInsightsReference": ("instrumentation_key", "instrumentation_key_secret_reference"),
}


@rule(*SECRET_OR_REFERENCE)
def secret_or_reference(model: Any, path: str, root: Any) -> Iterator[Problem]:
    """PrivateRegistryCredentials: "One of password or passwordSecretReference must be specified."
    AzureStorageCredentialsInfo: "One of accountKey or accountKeySecretReference must be specified."
    EnvironmentVariableWithSecretValue: "One of value or valueSecretReference must be provided."
    AppInsightsReference: "One of instumentationKey or instrumentationKeySecretReference must be
    specified." Only the property names are reported, never the secret."""
    secret, reference = SECRET_OR_REFERENCE[type(model).__name__]
    secret_name, reference_name = key(model, secret), key(model, reference)
    # An empty secret still counts as specified: an environment variable may well be empty.
    if getattr(model, secret) is None and getattr(model, reference) is None:
        yield Problem(path, f"sets neither {secret_name} nor {reference_name}: set exactly one")
    elif given(getattr(model, secret)) and getattr(model, reference) is not None:
        yield Problem(path, f"sets both {secret_name} and {reference_name}: set exactly one")


# -- 8. cluster scale -------------------------------------------------------------------------


@rule("ScaleSettings")
def one_scale_mode(scale: Any, path: str, root: Any) -> Iterator[Problem]:
    """ScaleSettings: "At least one of manual or autoScale settings must be specified. Only one of manual
    or autoScale settings can be specified." """
    if scale.manual is None and scale.auto_scale is None:
        yield Problem(path, "sets neither manual nor autoScale: set exactly one")
    elif scale.manual is not None and scale.auto_scale is not None:
        yield Problem(path, "sets both manual and autoScale: set exactly one")


@rule("AutoScaleSettings")
def auto_scale_bounds(auto: Any, path: str, definition: Any) -> Iterator[Problem]:
    """AutoScaleSettings: the cluster scales "within minimumNodeCount and maximumNodeCount", so the minimum
    is at most the maximum. initialNodeCount, "the number of compute nodes to allocate on cluster
    creation", lies within them; it "is used only during cluster creation", so an update's is not checked."""
    low, high, initial = auto.minimum_node_count, auto.maximum_node_count, auto.initial_node_count
    if not (is_int(low) and is_int(high)):
        return
    if low > high:
        yield Problem(at(path, auto, "minimum_node_count"), f"({low}) must be at most maximumNodeCount ({high})")
    elif is_int(initial) and not low <= initial <= high and type(definition).__name__ != "ClusterUpdateParameters":
        yield Problem(at(path, auto, "initial_node_count"), f"({initial}) must be within [{low}, {high}]")


# -- 9. directories and environment variables ---------------------------------------------------

# The id ends an environment variable's name, so it holds what a shell variable name can hold.
ENVIRONMENT_NAME_SUFFIX = re.compile(r"[A-Za-z0-9_]+")


@rule("JobCreateParameters", reads=("input_directories", "output_directories"))
def directory_ids(job: Any, path: str, root: Any) -> Iterator[Problem]:
    """InputDirectory.id: "The path of the input directory will be available as a value of an environment
    variable with AZ_BATCHAI_INPUT_<id> name"; OutputDirectory.id likewise with AZ_BATCHAI_OUTPUT_<id>.
    So the ids of each list are unique (one variable each) and made of letters, digits and underscores."""
    for attribute, variable in (
        ("input_directories", "AZ_BATCHAI_INPUT_"),
        ("output_directories", "AZ_BATCHAI_OUTPUT_"),
    ):
        seen: set[str] = set()
        for index, directory in enumerate(getattr(job, attribute) or []):
            directory_id = getattr(directory, "id", None)
            if not isinstance(directory_id, str) or not directory_id:
                continue  # a missing id is the spec's "required" problem
            where = f"{at(path, job, attribute)}[{index}].id"
            if not ENVIRONMENT_NAME_SUFFIX.fullmatch(directory_id):
                message = f"{directory_id!r} cannot end an environment variable name ({variable}<id>): use letters, digits and _"
                yield Problem(where, message)
            elif directory_id in seen:
                yield Problem(where, f"{directory_id!r} is already the id of another {key(job, attribute)} entry")
            seen.add(directory_id)


@rule("JobCreateParameters", reads=("environment_variables",))
def unique_environment_variables(job: Any, path: str, root: Any) -> Iterator[Problem]:
    """JobBaseProperties.environmentVariables and .secrets (2018-03-01 on): "Batch AI will setup these
    additional environment variables for the job": one environment, so each name appears once across
    both lists. (Names are compared as Linux does, case-sensitively.)"""
    seen: set[str] = set()
    for attribute in ("environment_variables", "secrets"):
        for index, variable in enumerate(getattr(job, attribute, None) or []):
            name = getattr(variable, "name", None)
            if isinstance(name, str) and name in seen:
                yield Problem(f"{at(path, job, attribute)}[{index}].name", f"{name!r} is already set by this job")
            if isinstance(name, str):
                seen.add(name)


OUTPUT_TYPES = ("model", "logs", "summary", "custom")


@rule("OutputDirectory", reads=("type",))
def output_type(directory: Any, path: str, root: Any) -> Iterator[Problem]:
    """OutputDirectory.type (2017-09-01-preview, 2018-03-01): "The possible values are Model, Logs,
    Summary, and Custom. Users can use multiple enums for a single directory. Eg. outPutType='Model,Logs,
    Summary'": a comma-separated list, spaces allowed, compared case-insensitively; empty items are ignored."""
    kinds = directory.type
    if not isinstance(kinds, str):
        return
    unknown = [kind.strip() for kind in kinds.split(",") if kind.strip() and not one_of(kind.strip(), OUTPUT_TYPES)]
    if unknown:
        listed = ", ".join(map(repr, unknown))
        yield Problem(at(path, directory, "type"), f"lists {listed}: each type must be Model, Logs, Summary or Custom")


# -- 10. file share permissions ------------------------------------------------------------------

OCTAL_MODE = re.compile(r"[0-7]{3,4}")


@rule("AzureFileShareReference")
def file_share_modes(share: Any, path: str, root: Any) -> Iterator[Problem]:
    """AzureFileShareReference.fileMode / directoryMode: "Default value is 0777. Valid only if OS is linux."
    Linux permission bits in octal, as mount.cifs takes them: 3 or 4 octal digits."""
    for name in ("file_mode", "directory_mode"):
        mode = getattr(share, name)
        if isinstance(mode, str) and given(mode) and not OCTAL_MODE.fullmatch(mode):
            yield Problem(at(path, share, name), f"must be an octal permission such as '0777', not {mode!r}")
