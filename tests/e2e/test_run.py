"""``f0 run`` end to end: the installed command, real recipes, real subprocesses."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

STEPS = Path(__file__).with_name("steps_lib.py")
F0 = Path(sys.executable).with_name("f0")


@pytest.fixture
def recipe(tmp_path):
    """recipe(yaml_text) -> path of recipe.yaml next to a steps.py."""

    def write(text: str, name: str = "recipe.yaml") -> Path:
        shutil.copy(STEPS, tmp_path / "steps.py")
        path = tmp_path / name
        path.write_text(text.replace("LOG", str(tmp_path / "log.txt")), encoding="utf-8")
        return path

    return write


def log_lines(path: Path) -> list[str]:
    log = path.parent / "log.txt"
    return log.read_text().split() if log.exists() else []


def test_linear_chain_json_shape(f0, recipe):
    path = recipe(
        """
metadata: {name: linear}
steps:
  - {name: a, idx: 1, module: steps, function: put, args: {values: {x: 1, y: 2}, log: LOG, me: a}}
  - {name: b, idx: 2, module: steps, function: add, args: {inputs: [x, y], out: z, log: LOG, me: b}, depends_on: [a]}
  - {name: c, idx: 3, module: steps, function: add, args: {inputs: [z, z], out: w, log: LOG, me: c}, depends_on: [b]}
"""
    )
    result = f0("run", str(path), "--json")
    assert result.returncode == 0, result
    out = result.json()
    assert set(out) == {"run_id", "status", "steps", "context"}
    assert out["status"] == "COMPLETED"
    assert out["context"]["z"] == 3
    assert out["context"]["w"] == 6
    for name in "abc":
        step = out["steps"][name]
        assert set(step) == {"status", "attempts", "duration_s", "error"}
        assert step["status"] == "COMPLETED"
        assert step["attempts"] == 1
        assert step["error"] is None
        assert isinstance(step["duration_s"], float)
    assert log_lines(path) == ["a", "b", "c"]
    assert out["context"]["steps.b.status"] == "COMPLETED"


def test_progress_and_summary_without_json(f0, recipe):
    path = recipe(
        """
metadata: {name: talk}
steps:
  - {name: only, idx: 1, module: steps, function: put, args: {values: {k: v}}}
"""
    )
    result = f0("run", str(path))
    assert result.returncode == 0, result
    assert "talk" in result.stdout
    assert "summary" in result.stdout
    assert "COMPLETED" in result.stdout


def test_diamond_runs_in_dependency_order(f0, recipe):
    path = recipe(
        """
metadata: {name: diamond}
steps:
  - {name: top, idx: 1, module: steps, function: put, args: {values: {n: 2}, log: LOG, me: top}}
  - {name: left, idx: 2, module: steps, function: add, args: {inputs: [n], out: l, log: LOG, me: left}, depends_on: [top]}
  - {name: right, idx: 3, module: steps, function: add, args: {inputs: [n, n], out: r, log: LOG, me: right}, depends_on: [top]}
  - {name: bottom, idx: 4, module: steps, function: add, args: {inputs: [l, r], out: total, log: LOG, me: bottom}, depends_on: [left, right]}
"""
    )
    result = f0("run", str(path), "--json", "--workers", "4")
    assert result.returncode == 0, result
    assert result.json()["context"]["total"] == 6
    order = log_lines(path)
    assert order[0] == "top"
    assert order[-1] == "bottom"
    assert sorted(order[1:3]) == ["left", "right"]


def test_fan_out_fan_in(f0, recipe):
    fan = "\n".join(
        f"  - {{name: f{i}, idx: {i + 2}, module: steps, function: put, "
        f"args: {{values: {{v{i}: {i}}}}}, depends_on: [src]}}"
        for i in range(20)
    )
    inputs = ", ".join(f"v{i}" for i in range(20))
    deps = ", ".join(f"f{i}" for i in range(20))
    path = recipe(
        f"""
metadata: {{name: fan}}
steps:
  - {{name: src, idx: 1, module: steps, function: put, args: {{values: {{}}}}}}
{fan}
  - {{name: sink, idx: 99, module: steps, function: add, args: {{inputs: [{inputs}], out: total}}, depends_on: [{deps}]}}
"""
    )
    result = f0("run", str(path), "--json", "--workers", "4")
    assert result.returncode == 0, result
    assert result.json()["context"]["total"] == sum(range(20))


def test_depends_on_wins_over_idx(f0, recipe):
    path = recipe(
        """
metadata: {name: order}
steps:
  - {name: first_by_idx, idx: 1, module: steps, function: put, args: {log: LOG, me: first_by_idx}, depends_on: [later]}
  - {name: later, idx: 2, module: steps, function: put, args: {log: LOG, me: later}}
  - {name: free, idx: 3, module: steps, function: put, args: {log: LOG, me: free}}
"""
    )
    result = f0("run", str(path), "--workers", "1")
    assert result.returncode == 0, result
    assert log_lines(path) == ["later", "first_by_idx", "free"]


def test_retry_succeeds_on_third_attempt(f0, recipe, tmp_path):
    path = recipe(
        f"""
metadata: {{name: retry}}
steps:
  - name: flaky
    idx: 1
    module: steps
    function: flaky
    args: {{counter: {tmp_path / "count"}, succeed_on: 3}}
    retry_count: 2
    retry: {{delay: 0.01}}
"""
    )
    result = f0("run", str(path), "--json")
    assert result.returncode == 0, result
    out = result.json()
    assert out["steps"]["flaky"]["attempts"] == 3
    assert out["steps"]["flaky"]["status"] == "COMPLETED"
    assert out["context"]["flaky.succeeded_on"] == 3


def test_retries_exhausted(f0, recipe, tmp_path):
    path = recipe(
        f"""
metadata: {{name: retry}}
steps:
  - {{name: flaky, idx: 1, module: steps, function: flaky, args: {{counter: {tmp_path / "count"}, succeed_on: 9}}, retries: 1, retry: {{delay: 0.01}}}}
"""
    )
    result = f0("run", str(path), "--json")
    assert result.returncode == 1, result
    step = result.json()["steps"]["flaky"]
    assert step["status"] == "FAILED"
    assert step["attempts"] == 2
    assert "attempt 2 failed" in step["error"]


def test_timeout_stops_waiting_and_discards_late_writes(f0, recipe, tmp_path):
    # `sleepy` times out at 0.5 s but would write at 1.5 s; `keeper` keeps the
    # run alive until 3 s so a late write would have had time to land.
    path = recipe(
        f"""
metadata: {{name: timeout}}
steps:
  - {{name: sleepy, idx: 1, module: steps, function: slow, args: {{seconds: 1.5, key: late.write, finished: {tmp_path / "late"}}}, timeout: 0.5}}
  - {{name: keeper, idx: 2, module: steps, function: slow, args: {{seconds: 3, key: keeper.done}}}}
"""
    )
    started = time.monotonic()
    result = f0("run", str(path), "--json", "--continue-on-error", "--workers", "2")
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result
    out = result.json()
    assert out["status"] == "PARTIAL"
    assert out["steps"]["sleepy"]["status"] == "FAILED"
    assert "timeout" in out["steps"]["sleepy"]["error"]
    assert out["steps"]["sleepy"]["duration_s"] < 1.4
    assert out["context"]["keeper.done"] is True
    assert "late.write" not in out["context"]
    assert elapsed < 30


def test_timeout_alone_moves_on_before_the_step_ends(f0, recipe):
    path = recipe(
        """
metadata: {name: timeout}
steps:
  - {name: stuck, idx: 1, module: steps, function: slow, args: {seconds: 60}, timeout: 0.5}
  - {name: after, idx: 2, module: steps, function: put, args: {values: {after: 1}}, depends_on: [stuck]}
"""
    )
    started = time.monotonic()
    result = f0("run", str(path), "--json")
    assert time.monotonic() - started < 30  # the step would sleep 60 s
    out = result.json()
    assert out["steps"]["stuck"]["status"] == "FAILED"
    assert out["steps"]["after"]["status"] == "SKIPPED"


def test_failure_skips_dependants_and_stops(f0, recipe):
    path = recipe(
        """
metadata: {name: fail}
steps:
  - {name: bad, idx: 1, module: steps, function: boom, args: {log: LOG, me: bad}}
  - {name: child, idx: 2, module: steps, function: put, args: {log: LOG, me: child}, depends_on: [bad]}
  - {name: other, idx: 3, module: steps, function: put, args: {log: LOG, me: other}}
"""
    )
    result = f0("run", str(path), "--json", "--workers", "1")
    assert result.returncode == 1, result
    out = result.json()
    assert out["status"] == "FAILED"
    assert out["steps"]["bad"]["status"] == "FAILED"
    assert "boom" in out["steps"]["bad"]["error"]
    assert out["steps"]["child"]["status"] == "SKIPPED"
    assert out["steps"]["other"]["status"] == "SKIPPED"
    assert "boom.partial" not in out["context"]
    assert log_lines(path) == ["bad"]


def test_continue_on_error_runs_independent_branches(f0, recipe):
    path = recipe(
        """
metadata: {name: partial}
steps:
  - {name: bad, idx: 1, module: steps, function: boom}
  - {name: child, idx: 2, module: steps, function: put, args: {values: {child: 1}}, depends_on: [bad]}
  - {name: grandchild, idx: 3, module: steps, function: put, depends_on: [child]}
  - {name: other, idx: 4, module: steps, function: put, args: {values: {other: 1}}}
"""
    )
    result = f0("run", str(path), "--json", "--continue-on-error")
    assert result.returncode == 1, result
    out = result.json()
    assert out["status"] == "PARTIAL"
    assert out["steps"]["child"]["status"] == "SKIPPED"
    assert out["steps"]["grandchild"]["status"] == "SKIPPED"
    assert out["steps"]["other"]["status"] == "COMPLETED"
    assert out["context"]["other"] == 1


def test_calling_conventions(f0, recipe, tmp_path):
    path = recipe(
        """
metadata: {name: conventions}
steps:
  - {name: fn, idx: 1, module: steps, function: put, args: {values: {fn: true}}}
  - {name: cls, idx: 2, module: steps, function: Greeter, args: {who: ada}}
  - {name: ported, idx: 3, module: steps, function: Porter, args: {p: 1}}
  - {name: kw, idx: 4, module: steps, function: keyword_only, args: {a: 2, b: 3}}
  - {name: printer, idx: 5, module: builtins, function: print, args: [hello, from, print]}
"""
    )
    # One worker: print() from a parallel step may interleave with progress lines.
    result = f0(
        "run", str(path), "--json", "--workers", "1", env={"KW_OUT": str(tmp_path / "kw.txt")}
    )
    assert result.returncode == 0, result
    ctx = result.json()["context"]
    assert ctx["fn"] is True
    assert ctx["greeting"] == "hello ada"
    assert ctx["ported.name"] == "Porter"
    assert ctx["ported.params"] == {"p": 1}
    assert (tmp_path / "kw.txt").read_text().strip() == "5"
    # print's output must not corrupt the JSON on stdout: it goes to stderr.
    assert "hello from print" in result.stderr


def test_nonzero_return_fails_the_step(f0, recipe):
    path = recipe(
        """
metadata: {name: codes}
steps:
  - {name: ok, idx: 1, module: steps, function: returns_code, args: {code: 0}}
  - {name: bad, idx: 2, module: steps, function: returns_code, args: {code: 3}}
"""
    )
    result = f0("run", str(path), "--json")
    assert result.returncode == 1
    out = result.json()
    assert out["steps"]["ok"]["status"] == "COMPLETED"
    assert out["steps"]["bad"]["status"] == "FAILED"
    assert out["context"]["steps.bad.exit_code"] == 3


def test_non_json_value_fails_the_step_and_stores_nothing(f0, recipe):
    path = recipe(
        """
metadata: {name: nonjson}
steps:
  - {name: writer, idx: 1, module: steps, function: not_json}
"""
    )
    result = f0("run", str(path), "--json")
    assert result.returncode == 1
    out = result.json()
    assert out["steps"]["writer"]["status"] == "FAILED"
    assert "JSON" in out["steps"]["writer"]["error"]
    assert "ok.before" not in out["context"]
    assert "bad" not in out["context"]


def test_shell_steps(f0, recipe):
    path = recipe(
        """
metadata: {name: shell}
steps:
  - {name: listy, idx: 1, type: shell, command: [echo, hello world]}
  - {name: stringy, idx: 2, type: shell, command: "echo $GREETING >&2; exit 0", env: {GREETING: hi-there}}
  - {name: failing, idx: 3, type: shell, command: "echo oops >&2; exit 4"}
"""
    )
    result = f0("run", str(path), "--json", "--continue-on-error")
    out = result.json()
    assert out["steps"]["listy"]["status"] == "COMPLETED"
    assert out["context"]["listy.stdout"].strip() == "hello world"
    assert out["context"]["listy.exit_code"] == 0
    assert out["context"]["stringy.stderr"].strip() == "hi-there"
    assert out["steps"]["failing"]["status"] == "FAILED"
    # A failed step changes nothing (its delta is discarded); the kernel records its exit code.
    assert "failing.stderr" not in out["context"]
    assert out["context"]["steps.failing.exit_code"] == 4
    assert result.returncode == 1


def test_set_overrides_context_and_args(f0, recipe):
    path = recipe(
        """
metadata: {name: sets}
steps:
  - {name: a, idx: 1, module: steps, function: put, args: {values: {fixed: 1}}}
  - {name: total, idx: 2, module: steps, function: add, args: {inputs: [n, fixed], out: sum}, depends_on: [a]}
"""
    )
    result = f0(
        "run",
        str(path),
        "--json",
        "--set",
        "n=4",
        "--set",
        "name=demo",
        "--set",
        "total.out=answer",
    )
    assert result.returncode == 0, result
    ctx = result.json()["context"]
    assert ctx["n"] == 4
    assert ctx["name"] == "demo"
    assert ctx["answer"] == 5
    assert "sum" not in ctx


def test_process_pool(f0, recipe):
    path = recipe(
        """
metadata: {name: procs}
steps:
  - {name: top, idx: 1, module: steps, function: put, args: {values: {n: 2}}}
  - {name: left, idx: 2, module: steps, function: add, args: {inputs: [n], out: l}, depends_on: [top]}
  - {name: right, idx: 3, module: steps, function: add, args: {inputs: [n, n], out: r}, depends_on: [top]}
  - {name: bottom, idx: 4, module: steps, function: add, args: {inputs: [l, r], out: total}, depends_on: [left, right]}
"""
    )
    result = f0("run", str(path), "--json", "--processes", "--workers", "2")
    assert result.returncode == 0, result
    assert result.json()["context"]["total"] == 6


def test_ctrl_c_cancels_cleanly(recipe, tmp_path):
    started = tmp_path / "started"
    path = recipe(
        f"""
metadata: {{name: cancel}}
steps:
  - {{name: long, idx: 1, module: steps, function: slow, args: {{seconds: 60, started: {started}}}}}
  - {{name: after, idx: 2, module: steps, function: put, depends_on: [long]}}
"""
    )
    proc = subprocess.Popen(
        [str(F0), "run", str(path), "--json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        deadline = time.monotonic() + 30
        while not started.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "step never started"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, (stdout, stderr)
    assert "Traceback" not in stderr
    out = json.loads(stdout)
    assert out["status"] == "CANCELLED"
    assert out["steps"]["long"]["status"] == "CANCELLED"
    assert out["steps"]["after"]["status"] in {"SKIPPED", "CANCELLED"}


def test_quickstart(f0, tmp_path):
    src = Path(__file__).resolve().parents[2] / "examples" / "quickstart"
    dst = tmp_path / "quickstart"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("out", "__pycache__"))
    result = f0("run", str(dst / "recipe.yaml"), "--json")
    assert result.returncode == 0, result
    out = result.json()
    assert out["status"] == "COMPLETED"
    assert len(out["steps"]) >= 6
    summary = out["context"]["report.summary"]
    assert summary["rows_used"] + summary["rows_dropped"] == 240
    assert summary["rows_dropped"] > 0
    report = (dst / "out" / "report.md").read_text()
    assert report.startswith("# Sales report")
    assert summary["top_region"] in report


def test_quickstart_text_mode(f0, tmp_path):
    src = Path(__file__).resolve().parents[2] / "examples" / "quickstart"
    dst = tmp_path / "quickstart"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("out", "__pycache__"))
    result = f0("run", str(dst / "recipe.yaml"), "--set", 'report.title="Year in sales"')
    assert result.returncode == 0, result
    assert "summary" in result.stdout
    assert (dst / "out" / "report.md").read_text().startswith("# Year in sales")


def test_example_plugin_from_the_command_line(f0, project):
    root = project(
        {
            "r.yaml": "metadata: {name: hi}\nsteps:\n  - {name: hi, idx: 1, type: hello, greet: Ada}\n"
        }
    )
    listed = f0("plugins", "--json").json()
    assert "hello" in {p["name"] for p in listed["plugins"]}
    assert f0("hello", "Ada").stdout.strip() == "Hello, Ada!"
    result = f0("run", str(root / "r.yaml"), "--json")
    assert result.returncode == 0, result
    assert result.json()["context"]["hello.hi"] == "Hello, Ada!"
