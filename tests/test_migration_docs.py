"""docs/migration.md says what the generated code does: its tables name real methods, with the
required positional parameters they take, and real model attributes, on the version of each column."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools" / "autorest"))

import surface  # noqa: E402

GUIDE = ROOT / "docs" / "migration.md"
COLUMNS = ("batchai.v2018_03_01", "batchai.v2018_05_01")
CALL = re.compile(r"`(\w+)\.(\w+)\(([^)]*)\)`")
ATTRIBUTE = re.compile(r"`([A-Z]\w+)\.(\w+)`|`([A-Z]\w+)\((\w+)=")


@pytest.fixture(scope="module")
def surfaces() -> dict[str, Any]:
    return {package: surface.extract_surface([ROOT / "generated"], package) for package in COLUMNS}


def table_rows(heading: str) -> list[list[str]]:
    """The cells of the table under a `### heading` of the guide (header and rule left out)."""
    text = GUIDE.read_text(encoding="utf-8")
    section = text.split(f"### {heading}", 1)[1].split("\n### ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows[2:]]


def test_the_signature_table_names_methods_with_their_required_positional_parameters(surfaces) -> None:
    checked = 0
    for row in table_rows("3. New positional parameters"):
        for package, cell in zip(COLUMNS, row, strict=True):
            for group, method, arguments in CALL.findall(cell):
                groups = surfaces[package]["client"]["operation_groups"]
                assert group in groups, f"{package} has no operation group {group} ({cell})"
                parameters = groups[group]["methods"].get(method)
                assert parameters is not None, f"{package}: {group}.{method} does not exist ({cell})"
                required = [p for p in parameters if not p.startswith("*") and "=" not in p]
                given = [a for a in arguments.split(", ") if a]
                assert len(given) == len(required), f"{package}: {group}.{method}{tuple(required)} ({cell})"
                checked += 1
    assert checked >= 14


def test_the_model_table_names_attributes_of_the_version_of_its_column(surfaces) -> None:
    checked = 0
    for row in table_rows("4. Changed models"):
        for package, cell in zip(COLUMNS, row, strict=True):
            for model, attribute, init_model, init_attribute in ATTRIBUTE.findall(cell):
                name, member = (model, attribute) if model else (init_model, init_attribute)
                models = surfaces[package]["models"]
                assert name in models, f"{package} has no model {name} ({cell})"
                assert member in models[name]["attributes"], f"{package}: {name}.{member} does not exist ({cell})"
                checked += 1
    assert checked >= 10
