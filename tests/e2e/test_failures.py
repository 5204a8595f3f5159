"""A failed step shows where it failed: tracebacks, retry reasons, -q, --trace, runs show.

Every test runs the installed ``f0`` in a subprocess against a recipe whose
step code raises inside a helper function, so the traceback has two frames
of the user's code under f0's own.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest

STEPS = """
import time
from pathlib import Path


def ok(context, params):
    context.set("a", 1)


def helper(x, y):
    scale = 10
    return x * scale / y


def divide(context, params):
    a = context.get("a", 1)  # 1 also when it runs before any step set it
    return {"r": helper(a, 0)}


def flaky(context, params):
    # Fails twice, then works: the attempts are counted in a file (threads or processes).
    counter = Path(params["counter"])
    n = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(n))
    if n < 3:
        raise ConnectionError(f"refused #{n}")


def slow(context, params):
    Path(params["marker"]).write_text("started")
    time.sleep(params.get("sleep", 1.0))


def fail_when_started(context, params):
    marker = Path(params["marker"])
    for _ in range(400):
        if marker.exists():
            break
        time.sleep(0.025)
    raise RuntimeError("broke while slow was running")
"""

RECIPE = """
metadata: {name: failing}
steps:
  - {name: first, idx: 1, module: steps, function: ok}
  - {name: divide, idx: 2, module: steps, function: divide, depends_on: [first]}
  - {name: after, idx: 3, module: steps, function: ok, depends_on: [divide]}
"""


@pytest.fixture
def failing(project: Any, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A recipe whose ``divide`` step raises ZeroDivisionError in ``helper``; the env for f0."""
    root = project({"steps.py": STEPS, "recipe.yaml": RECIPE})
    return root, {"F0_STORE": f"sqlite:///{tmp_path / 'store' / 'f0.db'}"}


def _last_line(text: str) -> str:
    return [line for line in text.splitlines() if line.strip()][-1]


def test_default_traceback_is_short_and_the_last_line_gives_the_command(f0, failing):
    root, env = failing
    out = f0("run", "recipe.yaml", cwd=root, env=env)
    assert out.returncode == 1, out
    text = out.stdout
    # pytest --tb=short: each user frame as file:line: in name + its source line, then E.
    assert re.search(r"steps\.py:16: in divide\n\s+return \{\"r\": helper\(a, 0\)\}", text), text
    assert re.search(r"steps\.py:11: in helper\n\s+return x \* scale / y", text), text
    assert "E   ZeroDivisionError: division by zero" in text
    assert "f0_python" not in text  # f0's own frames are trimmed
    assert "Traceback (most recent call last)" not in text
    last = _last_line(text)
    assert last.startswith("failed step: divide (ZeroDivisionError: division by zero)"), last
    command = last.split("traceback: ", 1)[1]
    run_id = re.search(r"run (\S+)\)", text.splitlines()[0])
    assert run_id is not None
    assert command.startswith(f"f0 runs show {run_id[1]} --step divide")
    # The exact command works and shows the stored traceback.
    shown = f0(*shlex.split(command)[1:], cwd=root, env=env)
    assert shown.returncode == 0, shown
    assert 'File "' in shown.stdout
    assert "line 11, in helper" in shown.stdout
    assert "ZeroDivisionError: division by zero" in shown.stdout
    assert "status FAILED, 1 attempt" in shown.stdout


def test_tb_long_and_debug_show_every_frame_with_code_around(f0, failing):
    root, env = failing
    for flag in ("--tb=long", "--debug"):
        out = f0("run", "recipe.yaml", flag, cwd=root, env=env)
        assert out.returncode == 1, out
        assert "Traceback (most recent call last)" in out.stdout, flag
        # Code around the failing line, not only the line itself.
        assert "def helper(x, y):" in out.stdout, flag
        assert "scale = 10" in out.stdout, flag
    none = f0("run", "recipe.yaml", "--tb", "no", cwd=root, env=env)
    assert "E   ZeroDivisionError" not in none.stdout
    assert "steps.py:11" not in none.stdout
    assert _last_line(none.stdout).startswith("failed step: divide")
    bad = f0("run", "recipe.yaml", "--tb", "medium", cwd=root, env=env)
    assert bad.returncode == 2
    assert bad.stderr.strip() == "--tb: expected one of no, line, short, long, got 'medium'"


def test_json_returns_the_traceback_of_each_failed_step(f0, failing):
    root, env = failing
    out = f0("run", "recipe.yaml", "--json", cwd=root, env=env)
    assert out.returncode == 1
    steps = out.json()["steps"]
    tb = steps["divide"]["traceback"]
    assert tb.startswith("Traceback (most recent call last):")
    assert "line 11, in helper" in tb
    assert tb.rstrip().endswith("ZeroDivisionError: division by zero")
    assert steps["divide"]["attempt_errors"] == ["ZeroDivisionError: division by zero"]
    assert "traceback" not in steps["first"]
    assert "trace" not in steps["divide"]  # no --trace: nothing traced
    shown = f0("runs", "show", "last", "--json", cwd=root, env=env).json()
    assert shown["steps"]["divide"]["traceback"] == tb
    one = f0("runs", "show", "last", "--step", "divide", "--json", cwd=root, env=env).json()
    assert one["traceback"] == tb
    assert one["status"] == "FAILED"


def test_retries_say_why_each_attempt_failed(f0, project, tmp_path):
    counter = tmp_path / "count.txt"
    root = project(
        {
            "steps.py": STEPS,
            "recipe.yaml": f"""
            metadata: {{name: retried}}
            steps:
              - name: flaky
                idx: 1
                module: steps
                function: flaky
                retries: 2
                retry: {{delay: 0.01, jitter: 0}}
                args: {{counter: "{counter}"}}
            """,
        }
    )
    env = {"F0_STORE": f"sqlite:///{tmp_path / 'store.db'}"}
    out = f0("run", "recipe.yaml", "-v", cwd=root, env=env)
    assert out.returncode == 0, out
    assert "attempt 1 failed: ConnectionError: refused #1" in out.stdout
    assert "attempt 2 failed: ConnectionError: refused #2" in out.stdout
    shown = f0("runs", "show", "last", "--step", "flaky", cwd=root, env=env)
    assert "1: failed: ConnectionError: refused #1" in shown.stdout
    assert "2: failed: ConnectionError: refused #2" in shown.stdout
    assert "3: completed" in shown.stdout
    data = f0("runs", "show", "last", "--json", cwd=root, env=env).json()
    assert data["steps"]["flaky"]["attempt_errors"] == [
        "ConnectionError: refused #1",
        "ConnectionError: refused #2",
    ]


def test_quiet_still_names_the_failed_step_and_its_error(f0, failing):
    root, env = failing
    out = f0("run", "recipe.yaml", "-q", cwd=root, env=env)
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert not any(line.startswith("f0 running") for line in lines)
    assert re.search(r"FAILED\s+divide .*ZeroDivisionError: division by zero", lines[0]), lines
    assert any(re.search(r"steps\.py:11: ZeroDivisionError", line) for line in lines), lines
    assert lines[-1].startswith("failed step: divide (ZeroDivisionError: division by zero)")
    assert len(lines) <= 5, lines


def test_steps_still_running_after_the_first_failure_are_shown(f0, project, tmp_path):
    marker = tmp_path / "slow-started"
    root = project(
        {
            "steps.py": STEPS,
            "recipe.yaml": f"""
            metadata: {{name: lingering}}
            steps:
              - {{name: slow, idx: 1, module: steps, function: slow,
                  args: {{marker: "{marker}", sleep: 0.5}}}}
              - {{name: breaks, idx: 2, module: steps, function: fail_when_started,
                  args: {{marker: "{marker}"}}}}
            """,
        }
    )
    out = f0("run", "recipe.yaml", "--workers", "2", "--store", "none", cwd=root)
    assert out.returncode == 1, out
    text = out.stdout
    assert "still running 1: slow" in text
    # Without -v, the lingering step's end is still reported.
    assert re.search(r"COMPLETED slow", text), text
    assert text.index("still running 1: slow") < text.index("COMPLETED slow")


@pytest.mark.parametrize("how", ["--trace", "DEBUG=1", "--processes"])
def test_trace_records_inputs_delta_and_failing_locals(f0, failing, how):
    root, env = failing
    args = ["run", "recipe.yaml", "--tb", "no"]
    if how == "DEBUG=1":  # (run_f0 drops F0_DEBUG, which also shows internal tracebacks)
        env = {**env, "DEBUG": "1"}
    else:
        args += ["--trace", *(["--processes"] if how == "--processes" else [])]
    out = f0(*args, cwd=root, env=env)
    assert out.returncode == 1, out
    shown = f0("runs", "show", "last", "--step", "divide", cwd=root, env=env)
    assert shown.returncode == 0, shown
    text = shown.stdout
    assert "inputs read: a" in text
    assert "locals of the failing frame:" in text
    assert re.search(r"x\s+= 1\n", text), text
    assert re.search(r"y\s+= 0\n", text), text
    assert re.search(r"scale\s+= 10\n", text), text
    first = f0("runs", "show", "last", "--step", "first", cwd=root, env=env)
    assert "+ a = 1" in first.stdout
    data = f0("runs", "show", "last", "--json", cwd=root, env=env).json()
    trace = data["steps"]["divide"]["trace"]
    assert trace["inputs"] == ["a"]
    assert trace["locals"] == {"x": "1", "y": "0", "scale": "10"}
    assert data["steps"]["first"]["trace"]["delta"] == {"changes": {"a": 1}, "removed": []}


def test_runs_show_summarises_a_big_run_and_filters_by_step_and_status(f0, project, tmp_path):
    lines = ["metadata: {name: big}", "steps:"]
    for i in range(1, 46):
        function = "divide" if i in (7, 30) else "ok"
        lines.append(f"  - {{name: s{i:02d}, idx: {i}, module: steps, function: {function}}}")
    root = project({"steps.py": STEPS, "big.yaml": "\n".join(lines) + "\n"})
    env = {"F0_STORE": f"sqlite:///{tmp_path / 'store.db'}"}
    out = f0("run", "big.yaml", "--continue-on-error", "--tb", "no", cwd=root, env=env)
    assert out.returncode == 1
    shown = f0("runs", "show", "last", cwd=root, env=env)
    assert shown.returncode == 0, shown
    text = shown.stdout
    assert "45 steps: 43 completed, 2 failed" in text
    assert re.search(r"^slowest: (\S+ [\d.]+s, ){4}\S+ [\d.]+s$", text, re.MULTILINE), text
    assert re.search(r"s07\s+ZeroDivisionError: division by zero", text)
    assert re.search(r"s30\s+ZeroDivisionError: division by zero", text)
    # A summary, not a row per step (any step may be among the slowest).
    assert len(text.splitlines()) < 25, text
    failed = f0("runs", "show", "last", "--status", "failed", cwd=root, env=env).stdout
    assert "2 of 45 steps FAILED" in failed
    assert "s07" in failed
    assert "s30" in failed
    assert "s12" not in failed
    data = f0("runs", "show", "last", "--json", cwd=root, env=env).json()
    assert len(data["steps"]) == 45
    only = f0("runs", "show", "last", "--json", "--status", "FAILED", cwd=root, env=env).json()
    assert sorted(only["steps"]) == ["s07", "s30"]
    typo = f0("runs", "show", "last", "--step", "s7", cwd=root, env=env)
    assert typo.returncode == 2
    assert "has no step 's7'" in typo.stderr
    bad = f0("runs", "show", "last", "--status", "broken", cwd=root, env=env)
    assert bad.returncode == 2
    assert bad.stderr.startswith("--status: unknown status 'broken'")
