"""Log lines carry the run's ids; ``--log-json`` alone rebuilds the run's timeline.

The installed ``f0`` runs a recipe with parallel branches, a retried step
and a failure; the test reads only stderr's JSON lines.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

STEPS = """
import threading
import time
from pathlib import Path


def start(context, params):
    context.log.info("start.working")
    context.set("x", 1)


def work(context, params):
    log = context.log
    # A thread the step starts itself: the logger keeps the ids it was made with.
    t = threading.Thread(target=lambda: log.info("work.thread", n=params["n"]))
    t.start()
    t.join()
    time.sleep(params.get("sleep", 0))
    context.logger.info("work.done", n=params["n"])
    context.set(params["out"], params["n"])


def flaky(context, params):
    counter = Path(params["counter"])
    n = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(n))
    context.log.info("flaky.try", n=n)
    if n < 2:
        raise RuntimeError(f"attempt {n} failed")
    context.set("flaky", n)


def boom(context, params):
    context.log.error("boom.about_to_fail")
    raise RuntimeError("boom")
"""

RECIPE = """
metadata: {{name: timeline}}
steps:
  - {{name: start, idx: 1, module: steps, function: start}}
  - {{name: left, idx: 2, module: steps, function: work, args: {{n: 1, out: l, sleep: 0.2}}, depends_on: [start]}}
  - {{name: right, idx: 3, module: steps, function: flaky, args: {{counter: {counter}}}, depends_on: [start], retries: 1, retry: {{delay: 0.01}}}}
  - {{name: bad, idx: 4, module: steps, function: boom, depends_on: [start]}}
  - {{name: join, idx: 5, module: steps, function: work, args: {{n: 2, out: j}}, depends_on: [left, right]}}
  - {{name: after_bad, idx: 6, module: steps, function: work, args: {{n: 3, out: a}}, depends_on: [bad]}}
"""


@pytest.fixture
def timeline_recipe(tmp_path: Path) -> Path:
    (tmp_path / "steps.py").write_text(STEPS, encoding="utf-8")
    path = tmp_path / "recipe.yaml"
    path.write_text(RECIPE.format(counter=tmp_path / "count"), encoding="utf-8")
    return path


def json_lines(stderr: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert lines, stderr
    return lines


def rebuild(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The run as the log tells it: attempts per step (start, end, ok) and final statuses."""
    attempts: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    final: dict[str, str] = {}
    run: dict[str, Any] = {}
    for e in sorted(events, key=lambda e: e["timestamp"]):
        kind = e["event"]
        if kind == "run.started":
            run["started"] = e["timestamp"]
        elif kind == "step.started":
            attempts[e["step"]][e["attempt"]] = {"start": e["timestamp"]}
        elif kind == "step.attempt_finished":
            attempts[e["step"]][e["attempt"]].update(end=e["timestamp"], ok=e["success"])
        elif kind == "step.finished":
            final[e["step"]] = e["status"]
        elif kind == "run.finished":
            run["status"] = e["status"]
    return {"attempts": attempts, "final": final, "run": run}


@pytest.mark.parametrize("pool", ["threads", "processes"])
def test_log_json_rebuilds_the_timeline(f0, timeline_recipe, pool):
    args = ["run", str(timeline_recipe), "--log-json", "--json", "--continue-on-error", "-w", "3"]
    if pool == "processes":
        args.append("--processes")
    result = f0(*args, env={"F0_CORRELATION_ID": "ci-job-42"})
    assert result.returncode == 1, result
    out = result.json()  # stdout is the --json object alone: logs went to stderr
    events = json_lines(result.stderr)

    # Every line of the run carries its ids.
    for e in events:
        assert e["run_id"] == out["run_id"], e
        assert e["recipe"] == "timeline", e
        assert e["correlation_id"] == "ci-job-42", e

    # The steps' own lines (context.log / context.logger, a thread of the step's) too.
    own = {e["event"]: e for e in events if e.get("logger", "").startswith("f0.step.")}
    assert own["start.working"]["step"] == "start"
    assert own["work.thread"]["step"] in {"left", "join"}
    assert own["boom.about_to_fail"]["step"] == "bad"
    assert own["boom.about_to_fail"]["level"] == "error"
    tries = sorted(e["attempt"] for e in events if e["event"] == "flaky.try")
    assert tries == [1, 2]
    for e in own.values():
        assert isinstance(e["attempt"], int), e

    timeline = rebuild(events)
    assert timeline["run"]["status"] == "PARTIAL"
    assert timeline["final"] == {
        "start": "COMPLETED",
        "left": "COMPLETED",
        "right": "COMPLETED",
        "bad": "FAILED",
        "join": "COMPLETED",
        "after_bad": "SKIPPED",
    }
    assert timeline["final"] == {name: s["status"] for name, s in out["steps"].items()}
    attempts = timeline["attempts"]
    assert [a["ok"] for _, a in sorted(attempts["right"].items())] == [False, True]
    assert attempts["bad"][1]["ok"] is False
    assert "after_bad" not in attempts  # skipped: never started
    # Order, from timestamps alone: start before the three branches, join after its two.
    for branch in ("left", "right", "bad"):
        assert attempts["start"][1]["end"] <= attempts[branch][1]["start"]
    assert attempts["right"][1]["end"] <= attempts["right"][2]["start"]
    assert attempts["left"][1]["end"] <= attempts["join"][1]["start"]
    assert attempts["right"][2]["end"] <= attempts["join"][1]["start"]
    # The branches overlapped: left sleeps 0.2 s while right and bad ran.
    assert attempts["bad"][1]["start"] < attempts["left"][1]["end"]


def test_without_log_json_stderr_has_no_json_events(f0, timeline_recipe):
    result = f0("run", str(timeline_recipe), "--json", "--continue-on-error")
    assert result.returncode == 1, result
    assert result.json()["status"] == "PARTIAL"
    assert not [line for line in result.stderr.splitlines() if line.startswith('{"')]
