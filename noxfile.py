"""Development sessions: `nox -s generate`, `check_generated`, `tests`, `lint`, `typecheck`, `autorest_compare`, `benchmarks`."""

from __future__ import annotations

import nox

nox.options.sessions = ["check_generated", "lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = None  # the interpreter nox runs on; CI has one Python
# ruff formats the generated code: pinned, so that regeneration is byte-identical everywhere
RUFF = "ruff==0.17.6"
CODEGEN_DEPENDENCIES = ["jinja2>=3.1", RUFF]
# type-checks the package and, in a test, a user's code against it; the same pin is in pyproject's test extra
MYPY = "mypy==2.4.1"


@nox.session(python=PYTHON)
def generate(session: nox.Session) -> None:
    """Regenerate generated/ from spec/ and sdk.toml, and print what was generated."""
    session.install(*CODEGEN_DEPENDENCIES)
    session.run("python", "-m", "codegen", *session.posargs)


@nox.session(python=PYTHON)
def check_generated(session: nox.Session) -> None:
    """Regenerate in memory and fail on any difference from the committed generated/."""
    session.install(*CODEGEN_DEPENDENCIES)
    session.run("python", "-m", "codegen", "--check")


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


@nox.session(python=PYTHON)
def benchmarks(session: nox.Session) -> None:
    """Time our SDK against azure-mgmt-batchai 1.0.1 (models) and AutoRest's SDK (calls, generation).

    Writes tools/benchmarks/results.json and results.md; AutoRest rows are skipped, not failed, without Node.
    """
    session.install(".[emulator]", "azure-mgmt-batchai==1.0.1", "requests", *CODEGEN_DEPENDENCIES)
    session.run("python", "tools/benchmarks/run.py", "--work-dir", session.create_tmp(), *session.posargs)
