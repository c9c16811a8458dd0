"""The runnable example of docs/lifecycle.md runs as written, from the repository root."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "lifecycle.md"
RUNNABLE = re.compile(r"<!-- runnable:[^>]*-->\n```python\n(.*?)```", re.DOTALL)


def test_the_local_example_runs_and_prints_what_the_doc_says(monkeypatch):
    (example,) = RUNNABLE.findall(DOC.read_text())
    monkeypatch.chdir(ROOT)
    output, progress = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(progress):
        exec(compile(example, str(DOC), "exec"), {"__name__": "lifecycle_example"})
    assert output.getvalue() == "succeeded ['stderr.txt', 'stdout.txt']\n"
    assert "job 'cntk-mnist-1': succeeded" in progress.getvalue()
