"""Real processes: another process watches a running engine through ``f0 params``; break and continue."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import node_module

pytestmark = pytest.mark.slow

F0 = Path(sys.executable).with_name("f0")

GRAPH = """
step_node_graph_dict:
  wait: {first_node_step_bool: 1}
  done: {}
step_arrow_graph_dict:
  wait: {next_step: done}
"""

WAITING_NODE = """
import os, time

class wait:
    def __init__(self, name, verbose_flag=False):
        pass

    def step_execute(self):
        deadline = time.monotonic() + 60
        while not os.path.exists("go") and time.monotonic() < deadline:
            time.sleep(0.02)
        return 0

    def step_advance(self):
        return "next_step"
"""


def f0(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(F0), *args], capture_output=True, text=True, cwd=cwd, check=False, timeout=120
    )


def _peek(run: Path) -> dict:
    try:
        data = json.loads((run / ".octo_step_engine_parameters.json").read_bytes())
    except FileNotFoundError:
        return {}
    return data["global_parameters"]


def _value(run: Path, key: str) -> str:
    return f0("params", str(run), "global_parameters", key).stdout.strip()


def test_another_process_sees_the_state_live(project, tmp_path):
    root = project({"graph.yaml": GRAPH, "wait.py": WAITING_NODE, "done.py": node_module("done")})
    run = tmp_path / "run"
    engine = subprocess.Popen(
        [str(F0), "stepengine", "run", str(root / "graph.yaml"), "--params", str(run), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while _peek(run).get("current_step_state") != "EXECUTE" and time.monotonic() < deadline:
            time.sleep(0.02)  # this test process reads the file as any watcher would
        assert _value(run, "current_step_state") == "EXECUTE"  # and so does f0 params
        g = _peek(run)
        assert (g["step_engine_state"], g["current_step_node"]) == ("RUNNING", "wait")
        assert g["step_engine_pid"] == engine.pid
        status = f0("stepengine", "status", "--params", str(run), "--json")
        assert json.loads(status.stdout)["current_step_state"] == "EXECUTE"
        assert (
            f"engine pid {engine.pid}: running" in f0("stepengine", "status", "-p", str(run)).stdout
        )
        # A second engine on the same file is refused while the first runs.
        second = f0("stepengine", "run", str(root / "graph.yaml"), "--params", str(run))
        assert second.returncode == 1
        assert f"an engine (pid {engine.pid}) is running" in second.stderr
        (run / "go").touch()
        out, err = engine.communicate(timeout=60)
    finally:
        if engine.poll() is None:
            engine.kill()
            engine.communicate()
    assert engine.returncode == 0, err
    assert json.loads(out)["state"] == "COMPLETE_SUCCESS"
    assert _value(run, "step_engine_state") == "COMPLETE_SUCCESS"


def test_break_change_with_f0_params_continue(tmp_path):
    example = Path(__file__).resolve().parents[3] / "examples" / "stepengine" / "graph.yaml"
    run = tmp_path / "run"
    run.mkdir()
    paused = f0("stepengine", "run", str(example), "--break", "step_node_report", cwd=run)
    assert paused.returncode == 0, paused.stderr
    assert "paused before node 'step_node_report'" in paused.stdout
    assert _value(run, "step_engine_breakpoint") == "step_node_report:entry"
    assert f0("params", str(run), "step_node_statemachine", "processed").stdout == "3\n"
    assert f0("params", str(run), "step_node_statemachine", "processed", "-i").stdout == "4\n"
    resumed = f0("stepengine", "continue", cwd=run)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.startswith("COMPLETE_SUCCESS at node 'step_node_report'")
    report = f0("params", str(run), "step_node_report_results", "processed")
    assert report.stdout == "4\n"  # the change made at the breakpoint reached the node
