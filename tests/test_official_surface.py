"""Our generated SDK against Microsoft's published azure-mgmt-batchai, per API version.

The official package's surface is committed as JSON (tools/autorest/reference_surface.azure-mgmt-batchai-*.json,
written by `nox -s official_compare`), so these tests need neither the network nor the official package.
Every difference must be explained by an allowlist entry, and every entry specific to a version must still
match something (an entry that no longer matches is a stale explanation).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tools" / "autorest"
sys.path.insert(0, str(TOOLS))

import compare  # noqa: E402
import surface  # noqa: E402

# API version -> (our subpackage, official distribution and version, operation groups the official client has)
OFFICIAL = {
    "2018-05-01": (
        "batchai.v2018_05_01",
        "azure-mgmt-batchai-7.0.0",
        {"operations", "usages", "workspaces", "experiments", "jobs", "file_servers", "clusters"},
    ),
}


@pytest.mark.parametrize("api_version", sorted(OFFICIAL))
def test_our_sdk_differs_from_the_official_one_only_where_an_allowlist_says_why(api_version: str, capsys) -> None:
    package, official, groups = OFFICIAL[api_version]
    reference = TOOLS / f"reference_surface.{official}.json"
    specific = TOOLS / f"allowlist.{official}.toml"

    status = compare.main(
        [
            "--ours",
            f"{ROOT / 'generated'}:{ROOT / 'overlays'}:{package}",
            "--reference",
            str(reference),
            "--allowlist",
            str(TOOLS / "allowlist.toml"),
            "--allowlist",
            str(specific),
        ]
    )

    output = capsys.readouterr().out
    assert status == 0, output
    assert "0 not allowed" in output
    for entry in compare.load_allowlist(specific):
        assert f"note: allowlist entry {entry.describe()} matched nothing" not in output
    saved = surface.load_surface(str(reference))
    assert saved["package"] == "azure.mgmt.batchai"
    assert set(saved["client"]["operation_groups"]) == groups


def test_the_official_comparison_sees_a_real_difference(tmp_path: Path, capsys) -> None:
    """Guard against a comparison that passes because it compares nothing: drop one official method."""
    package, official, _groups = OFFICIAL["2018-05-01"]
    reference = surface.load_surface(str(TOOLS / f"reference_surface.{official}.json"))
    del reference["client"]["operation_groups"]["workspaces"]["methods"]["get"]
    saved = tmp_path / "reference.json"
    saved.write_text(surface.to_json(reference), encoding="utf-8")

    status = compare.main(
        [
            "--ours",
            f"{ROOT / 'generated'}:{ROOT / 'overlays'}:{package}",
            "--reference",
            str(saved),
            "--allowlist",
            str(TOOLS / "allowlist.toml"),
            "--allowlist",
            str(TOOLS / f"allowlist.{official}.toml"),
        ]
    )

    assert status == 1
    assert "DIFF:    method workspaces.get only in ours" in capsys.readouterr().out
