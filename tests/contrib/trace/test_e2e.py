"""An installed ``f0 run`` whose step traces with RequestTracerV2: records carry the run's ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import run_f0

pytestmark = pytest.mark.slow

STEPS = """
import json
import threading
from pathlib import Path

from f0_trace import RequestTracerV2

TRACER = RequestTracerV2("e2e", debug=True)


def traced(context, params):
    with TRACER.trace_request("load") as cid:
        with TRACER.trace_span("fetch", component="steps"):
            with TRACER.trace_span("parse"):
                pass
        # a thread of the step's own: its span is a root, not a child of "fetch"
        worker = threading.Thread(target=lambda: TRACER.complete_span(TRACER.start_span("bg", correlation_id=cid)))
        worker.start()
        worker.join()
    Path(params["out"]).write_text(json.dumps(TRACER.get_request(cid).to_dict()))
    context.set("cid", cid)
"""

RECIPE = """
metadata: {{name: traced}}
steps:
  - {{name: load, idx: 1, module: steps, function: traced, args: {{out: "{out}"}}}}
"""


@pytest.mark.parametrize("pool", ["threads", "processes"])
def test_step_spans_carry_the_run_correlation_id(tmp_path: Path, pool: str) -> None:
    (tmp_path / "steps.py").write_text(STEPS, encoding="utf-8")
    out = tmp_path / "trace.json"
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(RECIPE.format(out=out), encoding="utf-8")
    result = run_f0(
        "run",
        str(recipe),
        "--json",
        "--log-json",
        cwd=tmp_path,
        env={"F0_CORRELATION_ID": "ci-job-77"},
    )
    assert result.returncode == 0, result
    run_id = result.json()["run_id"]
    trace = json.loads(out.read_text())
    assert trace["correlation_id"] == "ci-job-77"
    assert trace["run_ids"]["run_id"] == run_id
    assert trace["run_ids"]["step"] == "load"
    spans = {s["operation"]: s for s in trace["spans"]}
    assert set(spans) == {"fetch", "parse", "bg"}
    for span in spans.values():
        assert span["correlation_id"] == "ci-job-77"
        assert span["run_ids"]["correlation_id"] == "ci-job-77"
        assert span["run_ids"]["attempt"] == 1
    assert spans["parse"]["parent_span_id"] == spans["fetch"]["span_id"]
    assert spans["bg"]["parent_span_id"] is None
    assert [n["operation"] for n in trace["span_tree"]] == ["fetch", "bg"]
    # the tracer's log lines went through f0's logging: they carry the run's ids
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    started = [e for e in events if e.get("event") == "trace.span_started"]
    assert len(started) == 3
    assert all(e["run_id"] == run_id and e["correlation_id"] == "ci-job-77" for e in started)
    assert {e["step"] for e in started} == {"load"}
