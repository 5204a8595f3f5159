"""Running graphs: lifecycle states in the parameter file, counters, errors, breakpoints, CLI."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from f0_params import EngineState, ParamsFile
from f0_stepengine import EngineBusyError, StepEngine, load_graph

from .conftest import node_module

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "stepengine"
FILE = ".octo_step_engine_parameters.json"

TWO = """
step_node_graph_dict:
  a: {first_node_step_bool: 1}
  b: {}
step_arrow_graph_dict:
  a: {next_step: b}
"""


def _params(run: Path):
    return json.loads((run / FILE).read_text(encoding="utf-8"))


def _engine(root: Path, run: Path, **options):
    return StepEngine(
        graph=load_graph(root / "graph.yaml"), params=ParamsFile.in_dir(run), **options
    )


def test_lifecycle_states_are_in_the_file_while_each_method_runs(project, tmp_path):
    root = project(
        {"graph.yaml": TWO, "a.py": node_module("a", '"next_step"'), "b.py": node_module("b")}
    )
    run = tmp_path / "run"
    lines: list[str] = []
    result = _engine(root, run, echo=lines.append).run()
    assert result.state is EngineState.COMPLETE_SUCCESS
    assert (result.node, result.jumps, result.exit_code, result.paused) == ("b", 1, 0, False)
    data = _params(run)
    assert data["a"]["seen"] == [
        ["step_entry", "RUNNING", "ENTER", "a"],
        ["step_execute", "RUNNING", "EXECUTE", "a"],
        ["step_exit", "RUNNING", "EXIT", "a"],
        ["step_advance", "RUNNING", "ADVANCE", "a"],
    ]
    assert data["b"]["seen"][0] == ["step_entry", "RUNNING", "ENTER", "b"]
    g = data["global_parameters"]
    assert g["step_engine_state"] == "COMPLETE_SUCCESS"
    assert g["current_step_state"] == "INACTIVE"
    assert (g["current_step_node"], g["current_step_module"]) == ("b", "b")
    assert (g["first_step_node"], g["first_step_module"]) == ("a", "a")
    assert g["run_step_count"] == 3  # starts at 1, +1 per executed node
    assert g["step_engine_instance_path"] == str(run)
    assert g["step_engine_library_path"] == str(root)
    assert g["step_engine_graph_path"] == str(root / "graph.yaml")
    assert (g["last_error"], g["step_engine_breakpoint"], g["step_engine_pid"]) == ("", "", 0)
    assert lines == ["a -> next_step -> b", "b: COMPLETE_SUCCESS"]


def test_the_example_state_machine(se_cli, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    result = se_cli("stepengine", "run", str(EXAMPLE / "graph.yaml"), "--params", str(run))
    assert result.exit_code == 0, result.output
    assert (
        result.stdout == "COMPLETE_SUCCESS at node 'step_node_report' (4 jumps, run_step_count 6)\n"
    )
    data = _params(run)
    assert data["step_node_statemachine"]["mode"] == "COMPLETE"
    assert data["step_node_report_results"] == {
        "step_results_key_last_status": "SUCCESS",
        "processed": 3,
    }
    # The node counted its own steps: the engine did not count them twice.
    assert data["global_parameters"]["run_step_count"] == 6
    assert "step_node_statemachine -> next_step -> step_node_report" in result.stderr


def test_initial_parameters_fill_only_missing_keys(project, tmp_path):
    root = project(
        {"graph.yaml": TWO, "a.py": node_module("a", '"next_step"'), "b.py": node_module("b")}
    )
    run = tmp_path / "run"
    ParamsFile.in_dir(run).update("a", "visits", 40)
    _engine(root, run).run()
    assert _params(run)["a"]["visits"] == 41


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("return 3", "node 'a': step_execute returned 3"),
        ("raise KeyError('boom')", "node 'a': step_execute raised KeyError: 'boom' (at a.py:"),
        ("return 'ok'", "node 'a': step_execute returned 'ok', not an int"),
    ],
)
def test_a_failing_node_ends_in_complete_error(project, tmp_path, se_cli, body, error):
    source = node_module("a", '"next_step"').replace('self.params.increment("a", "visits")', body)
    root = project({"graph.yaml": TWO, "a.py": source, "b.py": node_module("b")})
    run = tmp_path / "run"
    result = se_cli("stepengine", "run", str(root / "graph.yaml"), "-p", str(run), "--json")
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["state"] == "COMPLETE_ERROR"
    assert out["error"].startswith(error)
    g = _params(run)["global_parameters"]
    assert g["step_engine_state"] == "COMPLETE_ERROR"
    assert g["current_step_state"] == "EXECUTE"  # where it failed
    assert g["last_error"].startswith(error)
    err_lines = [line for line in result.stderr.splitlines() if "COMPLETE_ERROR:" in line]
    assert err_lines[-1].startswith(f"{run / FILE}: COMPLETE_ERROR: {error}")
    assert "b" not in _params(run) or _params(run)["b"]["seen"] == []
    assert "Traceback" not in result.output


def test_advance_errors_and_constructor_errors(project, tmp_path):
    root = project({"graph.yaml": TWO, "a.py": node_module("a", "42"), "b.py": node_module("b")})
    result = _engine(root, tmp_path / "run").run()
    assert result.error == "node 'a': step_advance returned 42, not an arrow key (a string) or None"
    broken_init = node_module("a", '"next_step"').replace(
        "self.name = name", "raise ValueError('no')"
    )
    root = project({"graph.yaml": TWO, "a.py": broken_init, "b.py": node_module("b")})
    result = _engine(root, tmp_path / "run").run()
    assert result.error.startswith("node 'a': __init__ raised ValueError: no")


def test_max_steps_stops_an_endless_loop(project, tmp_path):
    graph = "max_steps: 5\nstep_node_graph_dict:\n  a: {first_node_step_bool: 1}\nstep_arrow_graph_dict:\n  a: {again: a}\n"
    root = project({"graph.yaml": graph, "a.py": node_module("a", '"again"')})
    result = _engine(root, tmp_path / "run").run()
    assert result.state is EngineState.COMPLETE_ERROR
    assert result.error == "stopped after max_steps=5 jumps (an endless loop?)"
    assert _params(tmp_path / "run")["a"]["visits"] == 5


def test_inactive_nodes_and_arrows(project, tmp_path):
    graph = """
    step_node_graph_dict:
      a: {first_node_step_bool: 1}
      b: {active_node_step_bool: 0}
      c: {}
    step_arrow_graph_dict:
      a: {next_step: b}
      b: {off: {arrow_step_name_string: a, active_arrow_step_bool: 0}, on: c}
      c: {back: {arrow_step_name_string: a, active_arrow_step_bool: 0}}
    """
    files = {
        "graph.yaml": graph,
        "b.py": node_module("b", '"on"'),
        "c.py": node_module("c", '"back"'),
    }
    root = project({**files, "a.py": node_module("a", '"next_step"')})
    lines: list[str] = []
    result = _engine(root, tmp_path / "run", echo=lines.append).run()
    assert result.state is EngineState.COMPLETE_SUCCESS
    data = _params(tmp_path / "run")
    assert data["b"]["visits"] == 0  # passed through, never run
    assert data["c"]["visits"] == 1
    assert lines == [
        "a -> next_step -> b",
        "b -> on -> c",
        "arrow 'back' of 'c' is inactive; the run ends",
        "c: COMPLETE_SUCCESS",
    ]


def test_an_unknown_arrow_key_ends_the_run_with_a_warning(project, tmp_path):
    root = project(
        {"graph.yaml": TWO, "a.py": node_module("a", '"nowhere"'), "b.py": node_module("b")}
    )
    lines: list[str] = []
    result = _engine(root, tmp_path / "run", echo=lines.append).run()
    assert result.state is EngineState.COMPLETE_SUCCESS
    assert (
        lines[0]
        == "warning: node 'a' returned arrow 'nowhere', which it does not have; the run ends"
    )


def test_break_inspect_change_continue(project, tmp_path, se_cli):
    root = project(
        {"graph.yaml": TWO, "a.py": node_module("a", '"next_step"'), "b.py": node_module("b")}
    )
    run = tmp_path / "run"
    graph = str(root / "graph.yaml")
    paused = se_cli("stepengine", "run", graph, "-p", str(run), "--break", "b")
    assert paused.exit_code == 0, paused.output
    assert paused.stdout.splitlines() == [
        "paused before node 'b' (breakpoint)",
        f"  inspect or change parameters: f0 params {run}",
        f"  resume:                       f0 stepengine continue --params {run}",
    ]
    g = _params(run)["global_parameters"]
    assert (g["step_engine_state"], g["current_step_node"], g["current_step_state"]) == (
        "RUNNING",
        "b",
        "INACTIVE",
    )
    assert g["step_engine_breakpoint"] == "b:entry"
    assert _params(run)["b"]["seen"] == []  # b has not started
    status = se_cli("stepengine", "status", "-p", str(run))
    assert "step_engine_breakpoint : b:entry" in status.stdout
    assert "paused at b:entry" in status.stdout
    # Inspect and change parameters with f0 params, then continue.
    assert se_cli("params", str(run), "b", "visits", "100").exit_code == 0
    resumed = se_cli("stepengine", "continue", "-p", str(run))
    assert resumed.exit_code == 0, resumed.output
    assert resumed.stdout.startswith("COMPLETE_SUCCESS at node 'b' (0 jumps")
    data = _params(run)
    assert data["b"]["visits"] == 101
    assert data["b"]["seen"][0] == ["step_entry", "RUNNING", "ENTER", "b"]
    assert data["global_parameters"]["step_engine_breakpoint"] == ""
    again = se_cli("stepengine", "continue", "-p", str(run))
    assert again.exit_code == 2
    assert "nothing to continue" in again.stderr
    assert "COMPLETE_SUCCESS" in again.stderr


def test_breakpoint_flags_in_the_graph(project, tmp_path):
    graph = TWO.replace("  b: {}", "  b: {node_exit_breakpoint: 1}").replace(
        "a: {first_node_step_bool: 1}", "a: {first_node_step_bool: 1, node_entry_breakpoint: 1}"
    )
    root = project(
        {"graph.yaml": graph, "a.py": node_module("a", '"next_step"'), "b.py": node_module("b")}
    )
    run = tmp_path / "run"
    first = _engine(root, run).run()
    assert (first.breakpoint, first.node) == ("a:entry", "a")
    second = _engine(root, run).resume()
    assert second.breakpoint == "b:exit"
    data = _params(run)
    assert [s[0] for s in data["b"]["seen"]] == ["step_entry", "step_execute", "step_exit"]
    assert data["global_parameters"]["current_step_state"] == "EXIT"
    third = _engine(root, run).resume()
    assert third.state is EngineState.COMPLETE_SUCCESS
    assert [s[0] for s in _params(run)["b"]["seen"]][-1] == "step_advance"


def test_continue_with_a_moved_graph_and_unknown_breaks(project, tmp_path, se_cli):
    root = project(
        {"graph.yaml": TWO, "a.py": node_module("a", '"next_step"'), "b.py": node_module("b")}
    )
    run = tmp_path / "run"
    bad = se_cli("stepengine", "run", str(root / "graph.yaml"), "-p", str(run), "--break", "zz")
    assert bad.exit_code == 2
    assert "--break zz: the graph has no node 'zz'" in bad.stderr
    assert not (run / FILE).exists()
    se_cli("stepengine", "run", str(root / "graph.yaml"), "-p", str(run), "--break", "b")
    moved = tmp_path / "moved"
    shutil.copytree(root, moved)
    resumed = se_cli(
        "stepengine", "continue", "-p", str(run / FILE), "--graph", str(moved / "graph.yaml")
    )
    assert resumed.exit_code == 0, resumed.output
    nothing = se_cli("stepengine", "continue", "-p", str(tmp_path))
    assert nothing.exit_code == 2
    assert "no run to continue here" in nothing.stderr


def test_invalid_graph_rejected_before_anything_runs(project, tmp_path, se_cli):
    marker = tmp_path / "ran"
    node = node_module("a", '"next_step"').replace(
        "def step_entry(self):",
        f"def step_entry(self):\n        open({str(marker)!r}, 'w').close()",
    )
    graph = TWO + "  c: {x: nobody}\n"
    root = project({"graph.yaml": graph, "a.py": node, "b.py": node_module("b")})
    run = tmp_path / "run"
    result = se_cli("stepengine", "run", str(root / "graph.yaml"), "-p", str(run))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{root / 'graph.yaml'}:6:3: arrows from unknown node 'c'"
    assert not marker.exists()
    assert not (run / FILE).exists()
    ok = se_cli("stepengine", "validate", str(root / "graph.yaml"))
    assert ok.exit_code == 2


def test_validate_and_graph_commands(se_cli):
    result = se_cli("stepengine", "validate", str(EXAMPLE / "graph.yaml"))
    assert result.exit_code == 0
    assert result.stdout == f"{EXAMPLE / 'graph.yaml'}: ok (2 nodes, 2 arrows)\n"
    dot = se_cli("stepengine", "graph", str(EXAMPLE / "graph.yaml"))
    assert dot.stdout.startswith('digraph "statemachine-demo" {')
    assert '"step_node_statemachine" -> "step_node_report" ["label"="next_step"];' in dot.stdout


def test_status_never_creates_the_file(se_cli, tmp_path):
    result = se_cli("stepengine", "status", "-p", str(tmp_path))
    assert result.exit_code == 0
    assert "(no parameter file yet)" in result.stdout
    assert "step_engine_state : INACTIVE" in result.stdout
    as_json = json.loads(se_cli("stepengine", "status", "-p", str(tmp_path), "--json").stdout)
    assert as_json["exists"] is False
    assert as_json["step_engine_state"] == "INACTIVE"
    assert list(tmp_path.iterdir()) == []


def test_a_running_engine_is_not_started_twice(project, tmp_path):
    root = project(
        {"graph.yaml": TWO, "a.py": node_module("a", '"next_step"'), "b.py": node_module("b")}
    )
    run = tmp_path / "run"
    ParamsFile.in_dir(run).update_group(
        "global_parameters", {"step_engine_state": "RUNNING", "step_engine_pid": os.getppid()}
    )
    with pytest.raises(EngineBusyError, match=f"an engine \\(pid {os.getppid()}\\) is running"):
        _engine(root, run).run()
    # A pid that is gone (a crashed engine) does not block a new run.
    ParamsFile.in_dir(run).update("global_parameters", "step_engine_pid", 2**22 + 12345)
    assert _engine(root, run).run().state is EngineState.COMPLETE_SUCCESS


def test_default_params_file_is_in_the_current_directory(project, tmp_path, se_cli, monkeypatch):
    root = project(
        {"graph.yaml": TWO, "a.py": node_module("a", '"next_step"'), "b.py": node_module("b")}
    )
    monkeypatch.chdir(tmp_path / "run")
    result = se_cli("stepengine", "run", str(root / "graph.yaml"), "-q")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert _params(tmp_path / "run")["global_parameters"]["step_engine_state"] == "COMPLETE_SUCCESS"
