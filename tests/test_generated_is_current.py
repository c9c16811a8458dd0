"""The committed generated/ folder is exactly what the generator makes from spec/ and sdk.toml."""

from pathlib import Path

from codegen import differences, generate_files
from codegen.config import load_config

ROOT = Path(__file__).resolve().parents[1]


def test_generated_folder_matches_a_fresh_generation() -> None:
    config = load_config(ROOT / "sdk.toml")
    found = differences(generate_files(config), config.output, config.package)
    assert found == [], "\n".join(found)


def test_generation_is_deterministic() -> None:
    config = load_config(ROOT / "sdk.toml")
    assert generate_files(config) == generate_files(config)
