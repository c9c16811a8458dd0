"""The generator on mutated specs: checked code, or a SpecError naming the JSON pointer (hypothesis).

Each example takes one of the real specs (spec/<version>/BatchAI.json), applies one to three mutations
(`spec_mutations.KINDS`) and runs the generator on it. The outcome must be a SpecError whose pointer
resolves in the mutated document, or a package that covers the spec, binds no name twice and imports;
a deterministic sample of the generated packages is type-checked with mypy (`generator_checks`).

CI runs a fixed, derandomized set of examples. Longer hunts:
`FUZZ_EXAMPLES=5000 FUZZ_MYPY=20 pytest tests/fuzz/test_generator_fuzz.py` (`FUZZ_SEED=n` for another
sequence; `FUZZ_REPORT=path` writes what each example did, as JSON lines).
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import generator_checks as checks
import pytest
import spec_mutations
from hypothesis import HealthCheck, given, note, seed, settings
from hypothesis import strategies as st

from codegen.loader import SpecError

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
MYPY_SAMPLE = int(os.environ.get("FUZZ_MYPY", "2"))
SEED = os.environ.get("FUZZ_SEED")
REPORT = os.environ.get("FUZZ_REPORT")
VERSIONS = sorted(checks.SPECS)

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=SEED is None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
OUTCOMES: Counter[str] = Counter()
_PACKAGES = itertools.count()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("generator-fuzz")


def _record(entry: dict[str, Any]) -> None:
    OUTCOMES[entry["outcome"]] += 1
    if REPORT:
        with open(REPORT, "a", encoding="utf-8") as report:
            report.write(json.dumps(entry, default=repr) + "\n")


def check_mutant(
    document: Any, version: str, workdir: Path, mutations: list[tuple[str, str]], typecheck: bool = True
) -> None:
    entry: dict[str, Any] = {"version": version, "mutations": mutations}
    package = f"fuzzpkg{next(_PACKAGES)}"
    folder = workdir / package
    folder.mkdir()
    try:
        generated = checks.generate(document, version, folder, package)
    except SpecError as error:
        checks.check_spec_error(error, document)
        _record({**entry, "outcome": "SpecError", "error": str(error)[:300]})
        shutil.rmtree(folder, ignore_errors=True)
        return
    checks.check_code_model(generated, document)
    checks.check_sources(generated.files)
    try:
        checks.check_package(generated, checks.import_package(generated))
    finally:
        checks.forget(package)
    typed = typecheck and OUTCOMES["generated, mypy"] < MYPY_SAMPLE  # the first mutants that generate
    if typed:
        status, report = checks.run_mypy(generated, workdir / "mypy-cache")
        assert status == 0, f"mypy on the generated package:\n{report}"
    _record({**entry, "outcome": "generated, mypy" if typed else "generated"})
    shutil.rmtree(folder, ignore_errors=True)  # a long hunt makes thousands (a failing one is kept to look at)


def test_the_unmutated_specs_generate_and_pass_the_checks(workdir: Path) -> None:
    for version in VERSIONS:
        # `nox -s typecheck` runs mypy on the real specs' package: the mypy sample is of mutants
        check_mutant(checks.base_document(version), version, workdir, [], typecheck=False)


@FUZZ
@given(data=st.data())
def test_a_mutated_spec_generates_checked_code_or_stops_with_a_spec_error(workdir: Path, data: st.DataObject) -> None:
    version = data.draw(st.sampled_from(VERSIONS), label="version")
    document = checks.base_document(version)
    mutations = spec_mutations.mutate(document, data.draw)
    note(mutations)
    check_mutant(document, version, workdir, mutations)


if SEED is not None:
    test_a_mutated_spec_generates_checked_code_or_stops_with_a_spec_error = seed(int(SEED))(
        test_a_mutated_spec_generates_checked_code_or_stops_with_a_spec_error
    )


def teardown_module() -> None:
    print(f"\ngenerator fuzz outcomes: {dict(OUTCOMES)}")
