"""``f0 run --otel`` end to end: the installed command sends OTLP/HTTP to a receiver on 127.0.0.1."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from otlp_receiver import OTLPGrpcReceiver, OTLPReceiver

from tests.e2e.conftest import run_f0

pytestmark = pytest.mark.slow

STATUS_OK, STATUS_ERROR = 1, 2

STEPS = """
from pathlib import Path

from opentelemetry import trace


def work(context, params):
    # The step's own span: a child of the attempt's span, from whichever process runs it.
    with trace.get_tracer("user-code").start_as_current_span("inner") as span:
        span.set_attribute("n", params["n"])
    context.log.info("work.done", n=params["n"])
    context.set(params["out"], params["n"])


def flaky(context, params):
    counter = Path(params["counter"])
    n = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(n))
    if n < 2:
        raise RuntimeError(f"attempt {n} failed")


def boom(context, params):
    raise RuntimeError("boom")
"""

RECIPE = """
metadata: {{name: otlp}}
steps:
  - {{name: a, idx: 1, module: steps, function: work, args: {{n: 1, out: a}}}}
  - {{name: b, idx: 2, module: steps, function: work, args: {{n: 2, out: b}}, depends_on: [a]}}
  - {{name: c, idx: 3, module: steps, function: flaky, args: {{counter: {counter}}}, depends_on: [a], retries: 1, retry: {{delay: 0.01}}}}
  - {{name: d, idx: 4, module: steps, function: boom, depends_on: [a]}}
  - {{name: e, idx: 5, module: steps, function: work, args: {{n: 5, out: e}}, depends_on: [b, c]}}
"""


@pytest.fixture
def otlp_recipe(tmp_path: Path) -> Path:
    (tmp_path / "steps.py").write_text(STEPS, encoding="utf-8")
    path = tmp_path / "recipe.yaml"
    path.write_text(RECIPE.format(counter=tmp_path / "count"), encoding="utf-8")
    return path


POOLS = {
    "threads": [],
    "processes": ["--processes"],
    # Dask worker processes of a LocalCluster that f0 starts (f0-plugin-dask).
    "dask": ["--scheduler", "dask", "-w", "2"],
}


@pytest.mark.parametrize("pool", sorted(POOLS))
def test_f0_run_sends_the_trace_over_otlp_http(otlp_recipe, tmp_path, pool):
    args = ["run", str(otlp_recipe), "--json", "--continue-on-error", "--log-json", *POOLS[pool]]
    with OTLPReceiver() as receiver:
        # Configured the standard way: F0_OTEL=1 and OTEL_EXPORTER_OTLP_ENDPOINT.
        env = {"F0_OTEL": "1", "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint}
        result = run_f0(*args, cwd=tmp_path, env=env)
        spans = list(receiver.spans)
    assert result.returncode == 1, result
    out = result.json()

    (run,) = [s for s in spans if s["name"] == "run otlp"]
    assert run["parent_span_id"] == ""
    assert run["status"] == STATUS_ERROR
    assert run["attributes"]["f0.run_id"] == out["run_id"]
    assert run["resource"]["service.name"] == "f0"
    assert {s["trace_id"] for s in spans} == {run["trace_id"]}

    steps: dict[str, list[dict]] = {}
    for span in spans:
        if span["name"].startswith("step "):
            steps.setdefault(span["attributes"]["f0.step"], []).append(span)
    assert sorted(steps) == ["a", "b", "c", "d", "e"]
    for group in steps.values():
        group.sort(key=lambda s: s["attributes"]["f0.attempt"])
        for span in group:
            assert span["parent_span_id"] == run["span_id"]
    assert [s["status"] for s in steps["c"]] == [STATUS_ERROR, STATUS_OK]
    assert [s["attributes"]["f0.retry_count"] for s in steps["c"]] == [0, 1]
    assert steps["d"][0]["status"] == STATUS_ERROR
    assert steps["d"][0]["attributes"]["f0.error"] == "RuntimeError: boom"
    assert sorted(steps["e"][0]["links"]) == sorted(
        [steps["b"][0]["span_id"], steps["c"][1]["span_id"]]
    )

    # The steps' own spans are children of their attempt spans, in every pool.
    inner = {s["attributes"]["n"]: s for s in spans if s["name"] == "inner"}
    assert sorted(inner) == [1, 2, 5]
    for n, step in ((1, "a"), (2, "b"), (5, "e")):
        assert inner[n]["parent_span_id"] == steps[step][0]["span_id"]
        assert inner[n]["scope"] == "user-code"

    # Log lines of a step attempt carry its span (log/trace correlation).
    logs = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    (done_a,) = [e for e in logs if e["event"] == "work.done" and e["step"] == "a"]
    assert done_a["trace_id"] == run["trace_id"]
    assert done_a["span_id"] == steps["a"][0]["span_id"]


def test_otlp_over_grpc(otlp_recipe, tmp_path):
    with OTLPGrpcReceiver() as receiver:
        env = {"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}
        result = run_f0(
            "run", str(otlp_recipe), "--otel", "--otel-endpoint", receiver.endpoint,
            "--continue-on-error", cwd=tmp_path, env=env,
        )  # fmt: skip
        spans = list(receiver.spans)
    assert result.returncode == 1, result
    names = sorted(s["name"] for s in spans)
    assert names == sorted(
        ["run otlp", *(f"step {n}" for n in "abccde"), "inner", "inner", "inner"]
    )
    (run,) = [s for s in spans if s["name"] == "run otlp"]
    assert {s["trace_id"] for s in spans} == {run["trace_id"]}


def test_file_exporter_writes_json_lines(otlp_recipe, tmp_path):
    target = tmp_path / "spans.jsonl"
    result = run_f0(
        "run",
        str(otlp_recipe),
        "--otel-exporter",
        f"file:{target}",
        "--continue-on-error",
        cwd=tmp_path,
    )
    assert result.returncode == 1, result
    spans = [json.loads(line) for line in target.read_text().splitlines()]
    names = sorted(s["name"] for s in spans)
    assert names.count("step c") == 2
    assert "run otlp" in names
    assert names.count("inner") == 3


def test_tracing_is_off_by_default(otlp_recipe, tmp_path):
    with OTLPReceiver() as receiver:
        env = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint}
        result = run_f0("run", str(otlp_recipe), "--continue-on-error", cwd=tmp_path, env=env)
        assert result.returncode == 1, result
        assert receiver.requests == 0


def test_unknown_exporter_is_a_usage_error(otlp_recipe, tmp_path):
    result = run_f0("run", str(otlp_recipe), "--otel-exporter", "zipkin", cwd=tmp_path)
    assert result.returncode == 2, result
    assert "--otel-exporter" in result.stderr
    assert "unknown exporter 'zipkin'" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_tracing_example_shows_a_retry_a_failure_and_the_steps_own_spans(tmp_path):
    example = Path(__file__).resolve().parents[3] / "examples" / "tracing"
    target = tmp_path / "spans.jsonl"
    result = run_f0(
        "run", str(example / "tracing.yaml"), "--continue-on-error", "-w", "4",
        "--otel-exporter", f"file:{target}", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1, result
    spans = [json.loads(line) for line in target.read_text().splitlines()]
    by_id = {s["context"]["span_id"]: s for s in spans}
    enrich = sorted(
        (s for s in spans if s["name"] == "step enrich"),
        key=lambda s: s["attributes"]["f0.attempt"],
    )
    assert [s["status"]["status_code"] for s in enrich] == ["ERROR", "OK"]
    (audit,) = [s for s in spans if s["name"] == "step audit"]
    assert audit["attributes"]["f0.error"] == "ValueError: audit: 2 records, expected 3"
    (parsed_io,) = [s for s in spans if s["name"] == "parsed.io"]
    assert by_id[parsed_io["parent_id"]]["name"] == "step parse"
    (run,) = [s for s in spans if s["name"] == "run tracing-demo"]
    skipped = [e for e in run["events"] if e["attributes"]["f0.status"] == "SKIPPED"]
    assert [e["attributes"]["f0.step"] for e in skipped] == ["notify"]
