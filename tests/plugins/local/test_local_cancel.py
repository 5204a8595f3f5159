"""Cancellation: session.cancel_event from another thread, and Ctrl-C (SIGINT)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from f0 import RunStatus, StepStatus
from local_steps import EVENTS, LOG, step

HERE = Path(__file__).parent


def test_cancel_event_from_another_thread(run):
    EVENTS["never"] = threading.Event()
    t0 = time.monotonic()
    result = run(
        step("a", 1, ("set", {"a": 1})),
        step(
            "long",
            2,
            ("set", {"early": 1}),
            ("wait", "never"),
            ("late_set", "late"),
            depends_on=["a"],
        ),
        step("other", 3, ("wait", "never")),
        step("later", 4, depends_on=["long"]),
        step("queued", 5, depends_on=["other"]),
        workers=2,
        scheduler="local-cancel-after",
        extra={"cancel_after": 0.3},
    )
    assert time.monotonic() - t0 < 5  # the steps would wait 10 s
    assert result.status is RunStatus.CANCELLED
    steps = result.steps
    assert steps["a"].status is StepStatus.COMPLETED
    assert steps["long"].status is StepStatus.CANCELLED
    assert steps["long"].error == "run cancelled"
    assert steps["other"].status is StepStatus.CANCELLED
    assert steps["later"].status is StepStatus.SKIPPED
    assert steps["later"].error == "run cancelled"
    assert steps["queued"].status is StepStatus.SKIPPED
    assert result.context["a"] == 1
    assert "early" not in result.context
    EVENTS["never"].set()
    for _ in range(100):
        if ("long", "write refused") in LOG:
            break
        time.sleep(0.02)
    assert ("long", "write refused") in LOG


def test_cancel_while_a_step_runs_inline(run):
    EVENTS["never"] = threading.Event()
    t0 = time.monotonic()
    result = run(
        step("only", 1, ("sleep", 0.6), ("set", {"x": 1})),
        step("next", 2, depends_on=["only"]),
        scheduler="local-cancel-after",
        extra={"cancel_after": 0.1},
    )
    # An inline step cannot be interrupted by another thread: it finishes,
    # then nothing else starts.
    assert time.monotonic() - t0 < 5
    assert result.status is RunStatus.CANCELLED
    assert result.steps["next"].status is StepStatus.SKIPPED
    assert result.steps["next"].error == "run cancelled"


_SCRIPT = """
import json, sys
sys.path.insert(0, {here!r})
from f0 import Recipe, SchedulerOptions
from f0.engine import run_recipe
from f0.hooks import Hooks
from f0.manager import PluginSelection, make_plugin_manager
from local_steps import ScriptPlugin, step

pm = make_plugin_manager(PluginSelection(autoload=False, load=("local", "context")))
pm.register(ScriptPlugin(), name="script-steps")
marker = {marker!r}
steps = [
    step("a", 1, ("set", {{"a": 1}})),
    step("long", 2, ("touch", marker), ("sleep", 30), depends_on=["a"]),
    step("next", 3, depends_on=["long"]),
]
if {parallel!r}:
    steps.append(step("side", 4, ("sleep", 30)))
recipe = Recipe(name="sigint", steps=steps)
result = run_recipe(Hooks(pm), recipe, options=SchedulerOptions(workers=2, pool={pool!r}))
print(json.dumps({{"status": result.status.value,
                   "steps": {{n: [r.status.value, r.error] for n, r in result.steps.items()}}}}))
"""


@pytest.mark.parametrize(
    ("parallel", "pool"),
    [(False, "thread"), (True, "thread"), (True, "process")],
    ids=["inline", "pooled", "process"],
)
def test_ctrl_c_cancels_the_run(tmp_path, parallel, pool):
    marker = tmp_path / "started"
    code = _SCRIPT.format(here=str(HERE), marker=str(marker), parallel=parallel, pool=pool)
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        start_new_session=True,  # our own process group: the SIGINT goes to it only
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the step never started"
            time.sleep(0.02)
        sent = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert time.monotonic() - sent < 15  # the steps would sleep 30 s
    assert proc.returncode == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert result["status"] == "CANCELLED"
    assert result["steps"]["a"] == ["COMPLETED", None]
    assert result["steps"]["long"] == ["CANCELLED", "run cancelled"]
    assert result["steps"]["next"] == ["SKIPPED", "run cancelled"]
    if parallel:
        assert result["steps"]["side"] == ["CANCELLED", "run cancelled"]
