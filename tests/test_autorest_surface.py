"""Unit tests of tools/autorest (surface extractor and comparer) on tiny hand-made packages.

No Node and no AutoRest needed: the packages are written to tmp_path and use
the standard library only.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parent.parent / "tools" / "autorest"
sys.path.insert(0, str(TOOLS))

import compare  # noqa: E402
import surface  # noqa: E402

PACKAGE = "demo"

WIDGET_METHODS = {
    "get": "def get(self, resource_group_name, widget_name, **kwargs): pass",
    "list": "def list(self, widgets_list_options=None, **kwargs): pass",
    "begin_delete": "def begin_delete(self, resource_group_name, widget_name, *, polling=True, **kwargs): pass",
}


def write_package(root: Path, client_name: str = "DemoClient", methods: dict[str, str] | None = None) -> Path:
    """Write a minimal Azure-SDK-shaped package ``demo`` (sync + aio) under ``root``."""
    methods = WIDGET_METHODS if methods is None else methods
    body = "\n".join(f"    {source}" for source in methods.values()) or "    pass"
    async_body = "\n".join(f"    async {source}" for source in methods.values()) or "    pass"
    files = {
        "__init__.py": f"from ._client import {client_name}\n__all__ = ['{client_name}']\n",
        "_client.py": f"""
            from .operations import WidgetsOperations

            class {client_name}:
                def __init__(self, credential, subscription_id, base_url=None, **kwargs):
                    self._config = {{"credential": credential}}
                    self.widgets = WidgetsOperations()

                def close(self):
                    pass
            """,
        "operations/__init__.py": f"class WidgetsOperations:\n{body}\n",
        "aio/__init__.py": f"from ._client import {client_name}\n__all__ = ['{client_name}']\n",
        "aio/_client.py": f"""
            from .operations import WidgetsOperations

            class {client_name}:
                def __init__(self, credential, subscription_id, base_url=None, **kwargs):
                    self.widgets = WidgetsOperations()

                async def close(self):
                    pass
            """,
        "aio/operations/__init__.py": f"class WidgetsOperations:\n{async_body}\n",
        "models/__init__.py": """
            import enum

            class Model:
                _attribute_map = {}

            class Widget(Model):
                _validation = {"size": {"minimum": 1, "required": False}}
                _attribute_map = {
                    "name": {"key": "name", "type": "str"},
                    "size": {"key": "properties.size", "type": "int"},
                }

                def __init__(self, *, name=None, size=None, **kwargs):
                    self.name = name
                    self.size = size

            class WidgetsListOptions(Model):
                _attribute_map = {"filter": {"key": "$filter", "type": "str"}}

                def __init__(self, *, filter=None, **kwargs):
                    self.filter = filter

            class Color(str, enum.Enum):
                RED = "red"
                BLUE = "blue"

            __all__ = ["Widget", "WidgetsListOptions", "Color"]
            """,
    }
    for relative, source in files.items():
        path = root / PACKAGE / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    return root


def run_compare(ours: Path | str, reference: Path | str, allowlist: Path) -> int:
    """compare.py's command line; a ROOT argument means ROOT:demo, a .json path is used as is."""
    sides = [str(side) if str(side).endswith(".json") else f"{side}:{PACKAGE}" for side in (ours, reference)]
    return compare.main(["--ours", sides[0], "--reference", sides[1], "--allowlist", str(allowlist)])


@pytest.fixture
def reference_root(tmp_path: Path) -> Path:
    return write_package(tmp_path / "reference")


def test_extractor_reads_client_groups_models_and_enums(reference_root: Path) -> None:
    found = surface.extract_surface(reference_root, PACKAGE)

    client = found["client"]
    assert client["name"] == "DemoClient"
    assert client["parameters"] == ["credential", "subscription_id", "base_url=None"]
    assert client["methods"] == {"close": []}
    widgets = client["operation_groups"]["widgets"]
    assert widgets["class"] == "WidgetsOperations"
    assert widgets["methods"] == {
        "begin_delete": ["resource_group_name", "widget_name", "*polling=True"],
        "get": ["resource_group_name", "widget_name"],
        "list": ["widgets_list_options=None"],
    }
    assert found["aio_client"]["operation_groups"] == client["operation_groups"]
    assert found["models"]["Widget"] == {
        "attributes": {"name": "name: str", "size": "properties.size: int"},
        "init_parameters": ["*name=None", "*size=None"],
        "validation": {"size": "minimum=1"},
    }
    assert set(found["models"]) == {"Widget", "WidgetsListOptions"}
    assert found["enums"] == {"Color": ["blue", "red"]}


def test_same_package_name_from_two_roots_is_read_separately(tmp_path: Path) -> None:
    first = write_package(tmp_path / "first", client_name="FirstClient")
    second = write_package(tmp_path / "second", client_name="SecondClient")

    assert surface.extract_surface(first, PACKAGE)["client"]["name"] == "FirstClient"
    assert surface.extract_surface(second, PACKAGE)["client"]["name"] == "SecondClient"
    assert PACKAGE not in sys.modules


def test_a_subpackage_is_read_with_its_top_level_package_from_the_given_root(tmp_path: Path, monkeypatch) -> None:
    """Like batchai.v2018_03_01, while another batchai is already imported (an installed one)."""
    for name in ("first", "elsewhere"):
        (tmp_path / name / "top").mkdir(parents=True)
        (tmp_path / name / "top" / "__init__.py").write_text(f"WHERE = {name!r}\n", encoding="utf-8")
    write_package(tmp_path / "first" / "top", client_name="SubClient")
    monkeypatch.syspath_prepend(str(tmp_path / "elsewhere"))
    import top  # type: ignore[import-not-found]

    found = surface.extract_surface(tmp_path / "first", "top.demo")

    assert found["client"]["name"] == "SubClient"
    assert sys.modules["top"] is top and top.WHERE == "elsewhere"
    monkeypatch.delitem(sys.modules, "top")


def test_overlay_subclass_from_an_extra_root_is_an_operation_group(tmp_path: Path, reference_root: Path) -> None:
    overlay = tmp_path / "overlays" / "demo_overlays"
    overlay.mkdir(parents=True)
    (overlay / "__init__.py").write_text(
        "from demo.operations import WidgetsOperations as _Generated\n"
        "class WidgetsOperations(_Generated):\n"
        "    def wait(self, widget_name): pass\n",
        encoding="utf-8",
    )
    client_source = reference_root / PACKAGE / "_client.py"
    client_source.write_text(
        client_source.read_text().replace("from .operations import", "from demo_overlays import"), encoding="utf-8"
    )

    found = surface.load_surface(f"{reference_root}:{tmp_path / 'overlays'}:{PACKAGE}")

    widgets = found["client"]["operation_groups"]["widgets"]
    assert widgets["class"] == "WidgetsOperations"
    assert sorted(widgets["methods"]) == ["begin_delete", "get", "list", "wait"]
    assert "demo_overlays" not in sys.modules


def test_missing_method_is_reported_and_fails(tmp_path: Path, reference_root: Path, capsys) -> None:
    methods = {name: source for name, source in WIDGET_METHODS.items() if name != "list"}
    ours_root = write_package(tmp_path / "ours", methods=methods)
    ours = surface.extract_surface(ours_root, PACKAGE)
    reference = surface.extract_surface(reference_root, PACKAGE)

    differences = compare.diff_surfaces(ours, reference)

    assert differences == ["method widgets.list only in reference", "aio method widgets.list only in reference"]
    exit_code = run_compare(ours_root, reference_root, tmp_path / "none.toml")
    assert exit_code == 1
    assert "DIFF:    method widgets.list only in reference" in capsys.readouterr().out


def test_parameter_differences_are_reported(tmp_path: Path, reference_root: Path) -> None:
    methods = dict(WIDGET_METHODS)
    methods["list"] = "def list(self, *, filter=None, **kwargs): pass"
    methods["get"] = "def get(self, widget_name, resource_group_name, **kwargs): pass"
    methods["begin_delete"] = "def begin_delete(self, resource_group_name, widget_name, polling=True, **kwargs): pass"
    ours = surface.extract_surface(write_package(tmp_path / "ours", methods=methods), PACKAGE)
    reference = surface.extract_surface(reference_root, PACKAGE)

    sync_lines = [line for line in compare.diff_surfaces(ours, reference) if not line.startswith("aio ")]

    assert sync_lines == [
        "method widgets.begin_delete: parameter polling is keyword-only in reference, positional in ours",
        "method widgets.get: positional parameter order differs: ours ['widget_name', 'resource_group_name'], "
        "reference ['resource_group_name', 'widget_name']",
        "method widgets.list: parameter filter only in ours",
        "method widgets.list: parameter widgets_list_options only in reference",
    ]


def test_model_and_enum_differences_are_reported() -> None:
    reference = {
        "client": None,
        "models": {"Widget": {"attributes": {"name": "name: str"}, "init_parameters": ["*name=None"]}},
        "enums": {"Color": ["blue", "red"]},
    }
    ours = {
        "client": None,
        "models": {
            "Widget": {
                "attributes": {"name": "properties.name: str", "tool_type": "toolType: str"},
                "init_parameters": ["*name=None"],
            }
        },
        "enums": {"Color": ["blue"], "Shade": ["dark"]},
    }

    assert compare.diff_surfaces(ours, reference) == [
        "model Widget: attribute tool_type only in ours",
        "model Widget: attribute name differs: ours 'properties.name: str', reference 'name: str'",
        "enum Shade only in ours",
        "enum Color: value red only in reference",
    ]


def test_validation_differences_are_reported_and_skipped_for_surfaces_without_them() -> None:
    def model(validation: dict[str, str] | None) -> dict:
        found = {"attributes": {"name": "name: str"}, "init_parameters": ["*name"]}
        return found if validation is None else {**found, "validation": validation}

    def surfaces(ours: dict, reference: dict) -> tuple[dict, dict]:
        return (
            {"client": None, "models": {"Widget": ours}, "enums": {}},
            {"client": None, "models": {"Widget": reference}, "enums": {}},
        )

    ours, reference = surfaces(model({"name": "max_length=64, required"}), model({"id": "readonly"}))
    assert compare.diff_surfaces(ours, reference) == [
        "model Widget: validation of id differs: ours '', reference 'readonly'",
        "model Widget: validation of name differs: ours 'max_length=64, required', reference ''",
    ]
    # a reference saved before validation was recorded (no "validation" key) is not compared on it
    assert compare.diff_surfaces(*surfaces(model({"name": "required"}), model(None))) == []


def test_a_package_inside_namespace_packages_keeps_their_other_members(tmp_path: Path, monkeypatch) -> None:
    """Like azure.mgmt.batchai beside azure.core: only the regular package is dropped and re-imported."""
    write_package(tmp_path / "reference" / "space" / "sub")
    (tmp_path / "other" / "space" / "core").mkdir(parents=True)
    (tmp_path / "other" / "space" / "core" / "__init__.py").write_text("MARK = object()\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "other"))
    import space.core  # type: ignore[import-not-found]

    assert surface.own_package("space.sub.demo", tmp_path / "reference") == "space.sub.demo"
    assert surface.own_package("demo.models", tmp_path / "reference" / "space" / "sub") == "demo"
    found = surface.extract_surface(tmp_path / "reference", "space.sub.demo")

    assert found["client"]["name"] == "DemoClient"
    assert set(found["models"]) == {"Widget", "WidgetsListOptions"}
    assert sys.modules["space.core"] is space.core
    assert "space.sub.demo" not in sys.modules
    for name in [name for name in sys.modules if name == "space" or name.startswith("space.")]:
        monkeypatch.delitem(sys.modules, name)


def test_entries_of_several_allowlists_apply_together(tmp_path: Path, reference_root: Path, capsys) -> None:
    ours_root = write_package(tmp_path / "ours", client_name="DemoManagementClient")
    general, specific = tmp_path / "general.toml", tmp_path / "specific.toml"
    general.write_text('[[allow]]\npattern = "client name: *"\nreason = "general"\n', encoding="utf-8")
    specific.write_text('[[allow]]\npattern = "aio client name: *"\nreason = "specific"\n', encoding="utf-8")
    sides = ["--ours", f"{ours_root}:{PACKAGE}", "--reference", f"{reference_root}:{PACKAGE}"]

    assert compare.main([*sides, "--allowlist", str(general)]) == 1
    capsys.readouterr()
    assert compare.main([*sides, "--allowlist", str(general), "--allowlist", str(specific)]) == 0
    assert capsys.readouterr().out.strip().endswith("2 differences: 2 allowed, 0 not allowed")


def test_allowlisted_difference_is_not_fatal(tmp_path: Path, reference_root: Path, capsys) -> None:
    ours_root = write_package(tmp_path / "ours", client_name="DemoManagementClient")
    allowlist = tmp_path / "allowlist.toml"
    allowlist.write_text(
        textwrap.dedent(
            """
            [[allow]]
            difference = "client name: ours DemoManagementClient, reference DemoClient"
            reason = "name from x-ms-code-generation-settings"

            [[allow]]
            pattern = "aio client name: *"
            reason = "same for aio"

            [[allow]]
            pattern = "model Nothing*"
            reason = "stale entry"
            """
        ),
        encoding="utf-8",
    )

    exit_code = run_compare(ours_root, reference_root, allowlist)

    out = capsys.readouterr().out
    assert exit_code == 0
    assert "allowed: client name: ours DemoManagementClient, reference DemoClient" in out
    assert "allowed: aio client name: ours DemoManagementClient, reference DemoClient  [same for aio]" in out
    assert "note: allowlist entry pattern 'model Nothing*' matched nothing" in out
    assert out.strip().endswith("2 differences: 2 allowed, 0 not allowed")


@pytest.mark.parametrize(
    "entry",
    [
        {"difference": "x"},
        {"difference": "x", "pattern": "y", "reason": "both"},
        {"reason": "neither"},
        {"difference": "x", "reason": "r", "extra": 1},
    ],
)
def test_malformed_allowlist_entries_are_rejected(entry: dict) -> None:
    with pytest.raises(ValueError):
        compare.parse_allowlist({"allow": [entry]})


def test_output_is_deterministic(tmp_path: Path, reference_root: Path, capsys) -> None:
    ours_root = write_package(tmp_path / "ours", client_name="Other", methods={"get": WIDGET_METHODS["get"]})
    first_json = surface.to_json(surface.extract_surface(reference_root, PACKAGE))
    second_json = surface.to_json(surface.extract_surface(reference_root, PACKAGE))
    assert first_json == second_json
    assert json.dumps(json.loads(first_json), indent=2, sort_keys=True) + "\n" == first_json

    run_compare(ours_root, reference_root, tmp_path / "none.toml")
    first_report = capsys.readouterr().out
    run_compare(ours_root, reference_root, tmp_path / "none.toml")
    assert capsys.readouterr().out == first_report


def test_saved_surface_json_compares_like_the_package(tmp_path: Path, reference_root: Path, capsys) -> None:
    saved = tmp_path / "reference_surface.json"
    surface.main([f"{reference_root}:{PACKAGE}", "-o", str(saved)])

    exit_code = run_compare(reference_root, saved, tmp_path / "none.toml")

    assert exit_code == 0
    assert "0 differences: 0 allowed, 0 not allowed" in capsys.readouterr().out


def test_summary_counts_groups_methods_models_and_enums(reference_root: Path) -> None:
    text = surface.summarize(surface.extract_surface(reference_root, PACKAGE))

    assert "client: DemoClient(credential, subscription_id, base_url=None)" in text
    assert "1 operation groups, 3 methods" in text
    assert "    list(widgets_list_options=None)" in text
    assert "2 models, 1 enums" in text


def test_our_sdk_differs_from_autorest_only_where_the_allowlist_says_why(capsys) -> None:
    """The committed AutoRest surface (tools/autorest/reference_surface.json) against today's generated/."""
    root = Path(__file__).resolve().parents[1]
    status = compare.main(
        [
            "--ours",
            f"{root / 'generated'}:{root / 'overlays'}:batchai.v2018_03_01",
            "--reference",
            str(root / "tools/autorest/reference_surface.json"),
        ]
    )
    output = capsys.readouterr().out
    assert status == 0, output
    assert "0 not allowed" in output
