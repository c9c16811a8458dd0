"""Our generated SDK against Microsoft's published azure-mgmt-batchai releases (7.0.0, 2.0.0, 1.0.1, 0.2.0).

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

GROUPS_2018_05_01 = {"operations", "usages", "workspaces", "experiments", "jobs", "file_servers", "clusters"}
GROUPS_2018_03_01 = {"operations", "usage", "jobs", "file_servers", "clusters"}
# official release -> (our subpackage of the API version it speaks, whether it is a track-1 release,
# the operation groups of its client)
OFFICIAL = {
    "azure-mgmt-batchai-7.0.0": ("batchai.v2018_05_01", False, GROUPS_2018_05_01),
    "azure-mgmt-batchai-2.0.0": ("batchai.v2018_05_01", True, GROUPS_2018_05_01),
    "azure-mgmt-batchai-1.0.1": ("batchai.v2018_03_01", True, GROUPS_2018_03_01),
    "azure-mgmt-batchai-0.2.0": ("batchai.v2017_09_01_preview", True, GROUPS_2018_03_01 - {"usage"}),
}


@pytest.mark.parametrize("official", sorted(OFFICIAL))
def test_our_sdk_differs_from_the_official_one_only_where_an_allowlist_says_why(official: str, capsys) -> None:
    package, track1, groups = OFFICIAL[official]
    reference = TOOLS / f"reference_surface.{official}.json"
    specific = TOOLS / f"allowlist.{official}.toml"
    allowlists = [TOOLS / "allowlist.toml", *([TOOLS / "allowlist.track1.toml"] if track1 else []), specific]

    status = compare.main(
        [
            "--ours",
            f"{ROOT / 'generated'}:{ROOT / 'overlays'}:{package}",
            "--reference",
            str(reference),
            *[argument for path in allowlists for argument in ("--allowlist", str(path))],
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


def test_the_track1_allowlist_is_needed_by_every_track1_release(capsys) -> None:
    """An entry of allowlist.track1.toml that no track-1 release needs any more is stale."""
    used = set()
    for official, (package, track1, _groups) in OFFICIAL.items():
        if not track1:
            continue
        compare.main(
            [
                "--ours",
                f"{ROOT / 'generated'}:{ROOT / 'overlays'}:{package}",
                "--reference",
                str(TOOLS / f"reference_surface.{official}.json"),
                "--allowlist",
                str(TOOLS / "allowlist.track1.toml"),
            ]
        )
        used |= {
            line.rpartition("  [")[2] for line in capsys.readouterr().out.splitlines() if line.startswith("allowed")
        }
    reasons = {entry.reason + "]" for entry in compare.load_allowlist(TOOLS / "allowlist.track1.toml")}
    assert reasons <= used


def test_the_official_comparison_sees_a_real_difference(tmp_path: Path, capsys) -> None:
    """Guard against a comparison that passes because it compares nothing: drop one official method."""
    official = "azure-mgmt-batchai-7.0.0"
    package = OFFICIAL[official][0]
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
