"""The runnable examples of docs/lifecycle.md (2018-03-01, 2018-05-01) run as written, from the repository root."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "lifecycle.md"
RUNNABLE = re.compile(r"<!-- runnable:[^>]*-->\n```python\n(.*?)```", re.DOTALL)


def examples() -> list[str]:
    return RUNNABLE.findall(DOC.read_text())


def test_the_doc_has_an_example_for_the_default_version_and_for_2018_05_01():
    assert [("2018-05-01" in example) for example in examples()] == [False, True]


@pytest.mark.parametrize("index", [0, 1], ids=["2018-03-01", "2018-05-01"])
def test_the_local_example_runs_and_prints_what_the_doc_says(monkeypatch, index):
    example = examples()[index]
    monkeypatch.chdir(ROOT)
    output, progress = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(progress):
        exec(compile(example, str(DOC), "exec"), {"__name__": "lifecycle_example"})
    assert output.getvalue() == "succeeded ['stderr.txt', 'stdout.txt']\n"
    name = "horovod-1" if index else "cntk-mnist-1"
    assert (
        progress.getvalue().splitlines()[-1] == f"job '{name}': succeeded (0:00)"
        or f"job '{name}': succeeded" in progress.getvalue()
    )
