"""The span tree of a real run (local scheduler, real Python steps), from the SDK's in-memory exporter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from f0 import RunStatus
from f0.engine import run_recipe
from f0.hooks import Hooks
from f0.manager import PluginSelection, make_plugin_manager
from f0.model import SchedulerOptions
from f0.validate import load_and_validate
from f0_otel.config import ExporterConfig
from f0_otel.tracer import RunTracer, step_attributes
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

STEPS = """
import time
from pathlib import Path

from opentelemetry import trace


def current_span(context, params):
    # The attempt's span is current inside the step, in whichever pool thread runs it.
    span = trace.get_current_span().get_span_context()
    context.set(params["out"], format(span.span_id, "016x"))
    time.sleep(params.get("sleep", 0))


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
metadata: {{name: traced}}
steps:
  - {{name: start, idx: 1, module: steps, function: current_span, args: {{out: s.start}}}}
  - {{name: left, idx: 2, module: steps, function: current_span, args: {{out: s.left, sleep: 0.3, big: "{big}"}}, depends_on: [start]}}
  - {{name: right, idx: 3, module: steps, function: flaky, args: {{counter: {counter}}}, depends_on: [start], retries: 1, retry: {{delay: 0.01}}}}
  - {{name: bad, idx: 4, module: steps, function: boom, depends_on: [start]}}
  - {{name: join, idx: 5, module: steps, function: current_span, args: {{out: s.join}}, depends_on: [left, right]}}
  - {{name: after_bad, idx: 6, module: steps, function: current_span, args: {{out: s.after}}, depends_on: [bad]}}
"""


@pytest.fixture
def traced_run(tmp_path: Path) -> tuple[list[ReadableSpan], Any]:
    (tmp_path / "steps.py").write_text(STEPS, encoding="utf-8")
    path = tmp_path / "recipe.yaml"
    path.write_text(RECIPE.format(counter=tmp_path / "count", big="x" * 5000), encoding="utf-8")
    pm = make_plugin_manager(
        PluginSelection(autoload=False, load=("local", "context", "python", "yaml"))
    )
    hooks = Hooks(pm)
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    pm.register(RunTracer(provider=provider, set_global_provider=False), name="otel-run")
    recipe, seed, problems = load_and_validate(hooks, path)
    assert not [p for p in problems if p.is_error], problems
    result = run_recipe(
        hooks, recipe, options=SchedulerOptions(workers=3, continue_on_error=True), seed=seed
    )
    assert result.status is RunStatus.PARTIAL
    return list(exporter.get_finished_spans()), result


def by_name(spans: list[ReadableSpan]) -> dict[str, list[ReadableSpan]]:
    found: dict[str, list[ReadableSpan]] = {}
    for span in spans:
        found.setdefault(span.name, []).append(span)
    for group in found.values():
        group.sort(key=lambda s: s.attributes.get("f0.attempt", 0))
    return found


def test_span_tree_of_a_run_with_branches_a_retry_and_a_failure(traced_run):
    spans, result = traced_run
    named = by_name(spans)
    (run,) = named["run traced"]
    assert run.parent is None
    assert run.status.status_code is StatusCode.ERROR
    assert run.attributes["f0.run_id"] == result.run_id
    assert run.attributes["f0.status"] == "PARTIAL"
    assert {s.context.trace_id for s in spans} == {run.context.trace_id}  # one trace per run

    assert sorted(named) == sorted(
        ["run traced", "step start", "step left", "step right", "step bad", "step join"]
    )  # after_bad was skipped: no attempt, no span
    steps = {
        name.removeprefix("step "): group for name, group in named.items() if name != "run traced"
    }
    for group in steps.values():
        for span in group:
            assert span.parent is not None
            assert span.parent.span_id == run.context.span_id  # every attempt: child of the run
            assert span.attributes["f0.run_id"] == result.run_id

    # The retry: two attempt spans, the first failed.
    first, second = steps["right"]
    assert (first.attributes["f0.attempt"], first.attributes["f0.retry_count"]) == (1, 0)
    assert (second.attributes["f0.attempt"], second.attributes["f0.retry_count"]) == (2, 1)
    assert first.status.status_code is StatusCode.ERROR
    assert "attempt 1 failed" in first.attributes["f0.error"]
    assert second.status.status_code is StatusCode.OK
    assert first.end_time <= second.start_time

    # The failure.
    (bad,) = steps["bad"]
    assert bad.status.status_code is StatusCode.ERROR
    assert bad.attributes["f0.error"] == "RuntimeError: boom"
    assert bad.attributes["f0.success"] is False

    # DAG dependencies as links to the upstream steps' last attempts.
    (start,) = steps["start"]
    (left,) = steps["left"]
    (join,) = steps["join"]
    for span in (left, first, second, bad):
        assert [link.context.span_id for link in span.links] == [start.context.span_id]
    assert sorted(link.context.span_id for link in join.links) == sorted(
        [left.context.span_id, second.context.span_id]
    )
    assert not start.links

    # Parallel branches overlap in time (left sleeps 0.3 s).
    assert bad.start_time < left.end_time
    assert second.start_time < left.end_time

    # Inside each step its attempt span was the current span.
    for name in ("start", "left", "join"):
        assert result.context[f"s.{name}"] == format(steps[name][0].context.span_id, "016x")

    # Parameters, size-capped; duration recorded.
    assert left.attributes["f0.param.sleep"] == "0.3"
    assert len(left.attributes["f0.param.big"]) == 256
    assert left.attributes["f0.duration_s"] >= 0.3

    # The run span notes every step's final status, the skipped one too.
    finished = {e.attributes["f0.step"]: e.attributes["f0.status"] for e in run.events}
    assert finished == {
        "start": "COMPLETED",
        "left": "COMPLETED",
        "right": "COMPLETED",
        "bad": "FAILED",
        "join": "COMPLETED",
        "after_bad": "SKIPPED",
    }


def test_params_are_capped_in_count_and_size():
    from f0 import Step

    step = Step(name="s", idx=1, type="python", args={f"p{i:02}": "y" * 300 for i in range(40)})
    attributes = step_attributes(step, max_params=32, max_param_chars=100)
    params = {k: v for k, v in attributes.items() if k.startswith("f0.param.")}
    assert len(params) == 32
    assert all(len(v) == 100 and v.endswith("\u2026") for v in params.values())
    assert attributes["f0.params_dropped"] == 8


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("otlp-http", "otlp-http"),
        ("otlp-grpc", "otlp-grpc"),
        ("console", "console"),
        ("file:spans.jsonl", "file"),
    ],
)
def test_exporter_option(text, kind):
    assert ExporterConfig.parse(text).kind == kind


def test_otlp_follows_the_standard_protocol_variable(monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
    assert ExporterConfig.parse(None).kind == "otlp-grpc"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
    assert ExporterConfig.parse(None).kind == "otlp-http"
