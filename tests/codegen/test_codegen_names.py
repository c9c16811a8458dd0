"""codegen.names: the Python naming rules."""

from __future__ import annotations

import pytest

from codegen.names import class_name, enum_member_name, member_name, pascal_case, snake_case, words


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("publicIPsToAllow", "public_ips_to_allow"),
        ("caffe2Settings", "caffe2_settings"),
        ("IPAddress", "ip_address"),
        ("VMs", "vms"),
        ("nodeSetupTask", "node_setup_task"),
        ("$select", "select"),
        ("odata.nextLink", "odata_next_link"),
        ("x-ms-client-request-id", "x_ms_client_request_id"),
        ("already_snake", "already_snake"),
    ],
)
def test_snake_case(name: str, expected: str) -> None:
    assert snake_case(name) == expected


def test_an_acronym_plural_is_one_word_and_an_acronym_before_a_word_splits() -> None:
    assert words("publicIPsToAllow") == ["public", "IPs", "To", "Allow"]
    assert words("IPAddress") == ["IP", "Address"]


def test_snake_case_of_a_name_starting_with_a_digit_gets_an_underscore() -> None:
    assert snake_case("2fa") == "_2_fa"


def test_snake_case_without_any_word_is_an_error() -> None:
    with pytest.raises(ValueError, match="cannot make a Python name"):
        snake_case("$-")


@pytest.mark.parametrize(
    ("name", "expected"),
    [("jobs", "Jobs"), ("file_servers", "FileServers"), ("executionInfo", "ExecutionInfo"), ("IPs", "IPs")],
)
def test_pascal_case(name: str, expected: str) -> None:
    assert pascal_case(name) == expected


def test_class_name_keeps_the_definition_spelling_and_raises_only_the_first_letter() -> None:
    assert class_name("CNTKsettings") == "CNTKsettings"
    assert class_name("resourceId") == "ResourceId"
    assert class_name("Azure.File-Share") == "AzureFileShare"


def test_member_name_is_snake_case() -> None:
    assert member_name("maxResults") == "max_results"


def test_member_name_avoids_python_keywords() -> None:
    assert member_name("class") == "class_parameter"
    assert member_name("from") == "from_parameter"


def test_member_name_avoids_names_msrest_models_use() -> None:
    assert member_name("validate") == "validate_property"
    assert member_name("serialize") == "serialize_property"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Succeeded", "SUCCEEDED"),
        ("notStarted", "NOT_STARTED"),
        ("STANDARD_NC6", "STANDARD_NC6"),
        ("Standard_D1_v2", "STANDARD_D1_V2"),
        ("a-b c", "A_B_C"),
        ("", "EMPTY"),
    ],
)
def test_enum_member_name(value: str, expected: str) -> None:
    assert enum_member_name(value) == expected
