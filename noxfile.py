"""Development sessions: `nox -s generate`, `check_generated`, `tests`, `lint`, `typecheck`, `api_diff`,
`autorest_compare`, `official_compare`, `benchmarks`."""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import nox

nox.options.sessions = ["check_generated", "lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = None  # the interpreter nox runs on; CI has one Python
# the generator writes code as this ruff formats it (the tests and `lint` check): pinned, as the layout follows it
RUFF = "ruff==0.17.6"
# the generator's one dependency: it renders jinja2 templates (as pyproject's codegen extra)
JINJA2 = "jinja2>=3.1"
# type-checks the package and, in a test, a user's code against it; the same pin is in pyproject's test extra
MYPY = "mypy==2.4.1"


@nox.session(python=PYTHON)
def generate(session: nox.Session) -> None:
    """Regenerate generated/ from spec/ and sdk.toml, and print what was generated."""
    session.install(JINJA2)
    session.run("python", "-m", "codegen", *session.posargs)


@nox.session(python=PYTHON)
def check_generated(session: nox.Session) -> None:
    """Regenerate in memory and fail on any difference from the committed generated/."""
    session.install(JINJA2)
    session.run("python", "-m", "codegen", "--check")


@nox.session(python=PYTHON)
def api_diff(session: nox.Session) -> None:
    """What a user must change to move between API versions, from their code models.

    `nox -s api_diff -- 2018-03-01 2018-05-01 [--format markdown]`; `nox -s api_diff -- --write-docs`
    rewrites docs/api-diff-*.md for each pair of consecutive versions of sdk.toml.
    """
    session.install(JINJA2)
    session.run("python", "-m", "codegen.apidiff", *(session.posargs or ["--help"]))


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The whole test suite: codegen units, the emulator, end-to-end over HTTPS, example replay."""
    session.install(".[test,codegen,emulator]")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    session.install(RUFF)
    """ruff over the whole project, generated code included."""
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy on the generated package, the overlays and the emulator, as a user's type checker sees them."""
    session.install(".[emulator]", "pytest>=8", MYPY)
    session.run("mypy", "generated/batchai", "overlays")
    session.run("mypy", "emulator")


@nox.session(python=PYTHON)
def autorest_compare(session: nox.Session) -> None:
    """Generate AutoRest's SDK from the same spec (pinned npm toolchain) and diff its public surface with ours."""
    session.install(".")
    output = f"{session.create_tmp()}/autorest-out"
    session.run("python", "tools/autorest/run_autorest.py", "--output-folder", output, "--mode", "legacy")
    session.run(
        "python",
        "tools/autorest/compare.py",
        "--ours",
        "generated:overlays:batchai.v2018_03_01",
        "--reference",
        f"{output}:batchai",
        *session.posargs,
    )


# (Microsoft's package, our subpackage of the API version it speaks, whether it is an msrestazure "track 1"
# release); reference and allowlist files are named after the package:
# tools/autorest/reference_surface.<name>-<version>.json and allowlist.<name>-<version>.toml
OFFICIAL_SDKS = [
    ("azure-mgmt-batchai==7.0.0", "batchai.v2018_05_01", False),
    ("azure-mgmt-batchai==2.0.0", "batchai.v2018_05_01", True),
    ("azure-mgmt-batchai==1.0.1", "batchai.v2018_03_01", True),
    ("azure-mgmt-batchai==0.2.0", "batchai.v2017_09_01_preview", True),
]


@nox.session(python=PYTHON)
def official_compare(session: nox.Session) -> None:
    """Install Microsoft's azure-mgmt-batchai releases and diff each one's public surface with ours.

    7.0.0 (the official SDK for 2018-05-01), and the track-1 releases 2.0.0, 1.0.1 and 0.2.0 (2018-05-01,
    2018-03-01, 2017-09-01-preview). Fails on a difference no allowlist explains, and when an installed
    package's surface is not the committed reference that CI tests against (`-- --refresh` rewrites them).
    """
    refresh = "--refresh" in session.posargs
    # 7.0.0 imports msrest without declaring it, track 1 needs msrestazure; each official package goes to a
    # folder of its own (--no-deps), so that its azure.mgmt.batchai is read from there and releases never meet
    session.install(".", "msrest", "msrestazure", "azure-common")
    for requirement, package, track1 in OFFICIAL_SDKS:
        name = requirement.replace("==", "-")
        target = Path(session.create_tmp()) / name
        session.install("--no-deps", "--upgrade", "--target", str(target), requirement)
        live = target.parent / f"{name}.surface.json"
        committed = Path("tools/autorest") / f"reference_surface.{name}.json"
        session.run(
            "python",
            "tools/autorest/compare.py",
            "--ours",
            f"generated:overlays:{package}",
            "--reference",
            f"{target}:azure.mgmt.batchai",
            "--allowlist",
            "tools/autorest/allowlist.toml",
            *(["--allowlist", "tools/autorest/allowlist.track1.toml"] if track1 else []),
            "--allowlist",
            f"tools/autorest/allowlist.{name}.toml",
            "--save-reference",
            str(live),
        )
        if refresh:
            shutil.copyfile(live, committed)
            session.log(f"wrote {committed}")
        elif not filecmp.cmp(live, committed, shallow=False):
            session.error(f"{requirement}'s surface is not {committed}: run `nox -s official_compare -- --refresh`")


@nox.session(python=PYTHON)
def benchmarks(session: nox.Session) -> None:
    """Time our SDK against azure-mgmt-batchai 1.0.1 (models) and AutoRest's SDK (calls, generation).

    Writes tools/benchmarks/results.json and results.md; AutoRest rows are skipped, not failed, without Node.
    """
    session.install(".[emulator]", "azure-mgmt-batchai==1.0.1", "requests", JINJA2)
    session.run("python", "tools/benchmarks/run.py", "--work-dir", session.create_tmp(), *session.posargs)
