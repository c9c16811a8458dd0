"""Unit tests of tools/benchmarks: the timing summary, the inputs, and the results files. Nothing is timed here."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

TOOLS = Path(__file__).resolve().parent.parent / "tools" / "benchmarks"
sys.path.insert(0, str(TOOLS))

import benchlib  # noqa: E402
import harness  # noqa: E402
import run  # noqa: E402
from benchlib import AUTOREST, AZURE_700, MSREST_101, OURS, Sample  # noqa: E402


def test_measure_warms_up_then_times_each_batch():
    calls = []
    samples = benchlib.measure(lambda: calls.append(1), number=3, repeat=4, warmup=2)
    assert len(calls) == 2 + 3 * 4
    assert len(samples) == 4
    assert all(sample.wall >= 0 and sample.other_cpu >= 0 for sample in samples)


def test_summarize_reports_median_min_per_call_and_server_share():
    samples = [Sample(0.3, 0.15), Sample(0.1, 0.05), Sample(0.2, 0.1)]
    summary = benchlib.summarize(samples, number=100)
    assert summary == {
        "median_ms": 200.0,
        "min_ms": 100.0,
        "per_call_us": 2000.0,
        "repeat": 3,
        "server_cpu_share": 0.5,
        "excl_server_ms": 100.0,
    }


def test_ratio_is_ours_over_reference_and_none_without_a_reference():
    assert benchlib.ratio({"median_ms": 150.0}, {"median_ms": 100.0}) == 1.5
    assert benchlib.ratio({"median_ms": 1.0, "excl_server_ms": 3.0}, {"excl_server_ms": 4.0}, "excl_server_ms") == 0.75
    assert benchlib.ratio({"median_ms": 1.0}, None) is None
    assert benchlib.ratio(None, {"median_ms": 1.0}) is None


def test_the_full_job_sets_every_property_of_a_job_once_and_nothing_else():
    models = pytest.importorskip("batchai.models")
    job = models.Job._from_wire(benchlib.full_job())
    assert job.additional_properties == {}
    unset = {name for name in models.Job._attribute_map if getattr(job, name) is None}
    toolkits = {"cntk_settings", "py_torch_settings", "caffe_settings", "chainer_settings", "custom_toolkit_settings"}
    assert unset == toolkits  # a job runs one toolkit: tensorFlowSettings
    assert job.execution_info.errors[0].details[1].value == "1"


def test_the_page_holds_full_jobs_under_distinct_names():
    page = json.loads(benchlib.full_job_page(50))
    names = [job["name"] for job in page["value"]]
    assert len(set(names)) == 50
    assert all(job["id"].endswith("/" + job["name"]) for job in page["value"])
    assert page["value"][7]["properties"] == benchlib.full_job(names[7])["properties"]
    assert "$skiptoken=50" in page["nextLink"]


def test_job_definition_uses_only_model_and_keyword_names():
    class Recorder:
        def __getattr__(self, model: str):
            return lambda **kwargs: SimpleNamespace(model=model, **kwargs)

    definition = benchlib.job_definition(Recorder())
    assert definition.model == "JobCreateParameters"
    assert definition.mount_volumes.file_servers[0].file_server.model == "ResourceId"
    assert len(definition.environment_variables) == 10


def test_job_definition_serializes_with_every_field_the_reference_sends():
    models = pytest.importorskip("batchai.models")
    from msrest import Serializer

    serializer = Serializer({name: value for name, value in vars(models).items() if isinstance(value, type)})
    body = serializer.body(benchlib.job_definition(models), "JobCreateParameters")
    properties = body["properties"]
    assert properties["priority"] == 1
    assert properties["outputDirectories"][0]["type"] == "custom"  # sent by 1.0.1 as its default
    assert properties["constraints"]["maxWallClockTime"] == "P7D"
    assert set(properties["mountVolumes"]) == {
        "azureFileShares",
        "azureBlobFileSystems",
        "fileServers",
        "unmanagedFileSystems",
    }


def summary(median: float, check: str | None = None) -> dict:
    return {**benchlib.summarize([Sample(median / 1e3, 0.0)], 1), "check": check}


def test_assemble_pairs_each_row_with_its_reference_and_reports_skips():
    summaries = {
        OURS: {"serialize": summary(2.0, "aaa"), "get": summary(30.0), "codegen": summary(0.3)},
        MSREST_101: {"serialize": summary(1.0, "aaa")},
    }
    rows = {row["key"]: row for row in run.assemble(summaries, {AUTOREST: "AutoRest generation failed: no npm"})}
    assert [row["id"] for row in rows.values()] == list("abcdefghijkl")
    assert rows["serialize"]["ratio"] == 2.0
    assert rows["serialize"]["same_output"] is True
    assert rows["serialize"]["skipped"] == {}
    assert rows["get"]["ratio"] is None
    assert rows["get"]["skipped"] == {AUTOREST: "AutoRest generation failed: no npm"}
    assert rows["codegen"]["results"][OURS]["median_ms"] == 0.3


def test_model_rows_carry_the_json_floor_of_ours_and_the_ratio_to_it():
    summaries = {
        OURS: {"deserialize": summary(30.0, "aaa"), "deserialize_floor": summary(10.0), "page": summary(5.0)},
        MSREST_101: {"deserialize": summary(300.0, "aaa")},
        AZURE_700: {"page": summary(50.0)},
    }
    rows = {row["key"]: row for row in run.assemble(summaries, {})}
    assert rows["deserialize"]["ratio"] == 0.1
    assert rows["deserialize"]["floor"]["median_ms"] == 10.0
    assert rows["deserialize"]["ratio_floor"] == 3.0
    assert rows["page"]["reference"] == AZURE_700 and rows["page"]["ratio"] == 0.1
    assert rows["page"]["floor"] is None and rows["get"]["floor"] is None
    markdown = benchlib.render_markdown(results_for(run.assemble(summaries, {})))
    (line,) = [line for line in markdown.splitlines() if line.startswith("| b |")]
    assert line.endswith("| 10.0 (10.0) | 3.00 (3.00) |")
    assert "| **0.10** (0.10) |" in line


def test_assemble_flags_sides_whose_outputs_differ():
    summaries = {OURS: {"serialize": summary(1.0, "aaa")}, MSREST_101: {"serialize": summary(1.0, "bbb")}}
    (row,) = [row for row in run.assemble(summaries, {}) if row["key"] == "serialize"]
    assert row["same_output"] is False


def results_for(rows: list[dict]) -> dict:
    return {
        "command": "nox -s benchmarks",
        "date": "2026-01-01",
        "commit": "abc1234",
        "machine": {
            "python": "3.11.7",
            "implementation": "CPython",
            "platform": "Linux",
            "cpu_count": 2,
            "cpu_model": "test CPU",
            "packages": {"msrest": "0.7.1"},
            "autorest": {"@autorest/python": "6.50.3"},
        },
        "method": ["a method line"],
        "serializers": {OURS: "msrest.serialization.Serializer (client_side_validation=True)"},
        "rows": rows,
        "run_seconds": 42.0,
    }


def test_markdown_has_one_table_line_per_row_and_lists_the_skip_reasons():
    summaries = {
        OURS: {"serialize": summary(2.0, "aaa"), "get": summary(30.0), "codegen": summary(300.0)},
        MSREST_101: {"serialize": summary(1.0, "bbb")},
    }
    rows = run.assemble(summaries, {AUTOREST: "AutoRest generation failed: no npm"})
    markdown = benchlib.render_markdown(results_for(rows))
    table = [line for line in markdown.splitlines() if line.startswith("| ") and line[2] in "abcdefghijkl"]
    assert len(table) == 12
    assert "**2.00**" in table[0] and "**skipped**" in table[3]
    assert "- d: AutoRest legacy skipped: AutoRest generation failed: no npm" in markdown
    assert "- a: the sides' outputs differ" in markdown
    assert "Python 3.11.7" in markdown and "CPUs: 2" in markdown and "msrest 0.7.1" in markdown


def test_results_json_layout_is_deterministic():
    results = results_for(run.assemble({OURS: {"get": summary(3.0)}}, {}))
    text = benchlib.dump_json(results)
    assert text.endswith("}\n")
    assert text == benchlib.dump_json(json.loads(text))
    assert list(json.loads(text)) == sorted(results)


def test_a_failing_autorest_run_becomes_a_skip_reason(monkeypatch, tmp_path):
    def fail(output: Path, mode: str) -> float:
        raise SystemExit("AutoRest failed (exit 1)")

    fake = SimpleNamespace(is_installed=lambda: True, generate=fail)
    monkeypatch.setitem(sys.modules, "run_autorest", fake)
    assert run.generate_autorest(tmp_path / "out") == (
        None,
        "AutoRest generation failed: SystemExit: AutoRest failed (exit 1)",
    )


# -- smoke: the rows against the emulator's own process and the import rows run (small, nothing timed) ---------


def test_the_server_rows_run_against_a_seeded_emulator_process(tmp_path):
    server = run.BenchServer(300, tmp_path / "server.log", page_size=100)
    try:
        assert server.info["jobs"] == 300 and server.info["page_size"] == 100
        calls, reason = run.run_harness(OURS, None, "--mode", "calls", *server.options, "--calls", "5", "--repeat", "2")
        assert reason is None and calls is not None
        assert len(calls["rows"]["get_rate"]["samples"]) == 2 and calls["rows"]["get_rate"]["number"] == 5
        parts = calls["profile_us"]
        assert parts["SDK: response deserialization"] > 0 and parts[benchlib.SOCKET_IO] > 0
        assert calls["client_cpu_us"] > 0
        options = ["--items", "300", "--checkpoint", "100", "--traced-items", "300"]
        paging, reason = run.run_harness(OURS, None, "--mode", "paging", *server.options, *options)
        assert reason is None and paging is not None
        assert len(paging["rows"]["paging"]["samples"]) == 3  # one per page of 100
        summary = paging["paging"]
        assert summary["items"] == 300 and summary["traced_items"] == 300 and summary["items_per_second"] > 0
        assert summary["server_cpu_us_per_item"] is not None  # read from the server's /proc entry
        assert set(summary["tracemalloc_peak_mb"]) == {"checkpoint", "end"}
    finally:
        server.stop()
    assert server.process.returncode == 0  # no emulator bug logged


def test_the_import_rows_time_whole_processes_and_list_the_top_imports(tmp_path):
    rows, section = run.time_imports({OURS: None}, tmp_path, 1, 1)
    assert set(rows[OURS]) == {"import", "client"}
    assert all(row["repeat"] == 1 and row["process_median_ms"] > 0 for row in rows[OURS].values())
    assert section["bare_python_ms"]["median"] > 0
    tops = section["importtime"][OURS]
    assert tops["import"][0]["module"] == "batchai"
    # building a client imports the version's client; a bare interpreter's modules are left out
    assert any(top["module"].startswith("batchai.v2018_05_01") for top in tops["client"])
    assert not {"encodings", "site"} & {top["module"] for top in tops["import"] + tops["client"]}


def test_both_sides_of_the_server_rows_call_the_same_server_with_the_same_version(monkeypatch):
    made = {}

    def recorder(side):
        return lambda credential, subscription_id, **kwargs: made.setdefault(side, (subscription_id, kwargs))

    batchai = pytest.importorskip("batchai")
    monkeypatch.setattr(batchai, "BatchAIManagementClient", recorder(OURS))
    fake_700 = SimpleNamespace(BatchAI=recorder(AZURE_700))  # 7.0.0 is installed by the benchmarks session only
    monkeypatch.setitem(sys.modules, "azure.mgmt.batchai", fake_700)
    server = {"base_url": "https://127.0.0.1:1", "ca_path": "ca.pem", "token": "t"}
    harness.version_client(OURS, server)
    harness.version_client(AZURE_700, server)
    (ours_subscription, ours), (their_subscription, theirs) = made[OURS], made[AZURE_700]
    assert ours_subscription == their_subscription
    # 7.0.0 speaks 2018-05-01 only; ours is asked for it
    assert ours.pop("api_version") == benchlib.PAGING_API_VERSION == "2018-05-01"
    assert ours == theirs == {"base_url": "https://127.0.0.1:1", "connection_verify": "ca.pem", "retry_total": 0}
    # the import rows build the same client of each side
    assert benchlib.PAGING_API_VERSION in run.IMPORT_COMMANDS[OURS]["client"]
    assert "BatchAI(" in run.IMPORT_COMMANDS[AZURE_700]["client"]
