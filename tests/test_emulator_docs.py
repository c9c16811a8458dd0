"""The emulator's documentation: the quickstart runs as the README says, and every option is documented."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from batchai_emulator import EmulatorProcess
from batchai_emulator.cli import parser

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "docs" / "examples" / "emulator_quickstart.py"


def test_the_quickstart_runs_a_job_and_prints_its_output(tmp_path):
    with EmulatorProcess(tmp_path / "data") as emulator:
        environment = {
            **os.environ,
            "BATCHAI_EMULATOR_ENDPOINT": emulator.base_url,
            "BATCHAI_EMULATOR_CA": emulator.ca_path,
        }
        result = subprocess.run(
            [sys.executable, str(QUICKSTART)],
            capture_output=True,
            text=True,
            timeout=120,
            env=environment,
            cwd=tmp_path,
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Hello from Batch AI on ")
    assert "job 'hello': succeeded" in result.stderr  # the progress line of jobs.run


def test_the_readme_shows_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Run Batch AI on your machine", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.*?)```", section, re.DOTALL)[0].strip().splitlines()
    assert len(commands) == 2
    assert commands[0].startswith('pip install ".[emulator]" && batchai-emulator')
    assert commands[1].startswith(f"python {QUICKSTART.relative_to(ROOT)}")


def test_every_command_line_option_is_in_the_documentation():
    documented = (ROOT / "docs" / "emulator.md").read_text(encoding="utf-8")
    options = [option for action in parser()._actions for option in action.option_strings if option.startswith("--")]
    assert [option for option in options if f"`{option}" not in documented] == []
