"""f0-plugin-terminal through the installed ``f0``: off a terminal, on one (a pty), -v, -q, --summary."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

F0 = Path(sys.executable).with_name("f0")
ANSI = re.compile(r"\x1b\[")

STEPS = """
import time


def ok(context, params):
    time.sleep(params.get("sleep", 0))
    context.set(params.get("key", "k"), 1)


def boom(context, params):
    raise ZeroDivisionError("division by zero")
"""


def write_recipe(folder: Path, n: int, *, fail: bool = False, sleep: float = 0.0) -> Path:
    (folder / "steps.py").write_text(STEPS, encoding="utf-8")
    lines = ["metadata: {name: many}", "steps:"]
    for i in range(n):
        args = f"{{key: k{i}, sleep: {sleep if i == 0 else 0}}}"
        lines.append(f"  - {{name: s{i}, idx: {i}, module: steps, function: ok, args: {args}}}")
    if fail:
        lines.append(f"  - {{name: broken, idx: {n}, module: steps, function: boom}}")
    path = folder / "recipe.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "F0_STORE": "none"}
    env.pop("F0_DEBUG", None)
    return subprocess.run(
        [str(F0), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_off_a_terminal_no_bar_no_step_lines_and_a_short_summary(tmp_path):
    recipe = write_recipe(tmp_path, 300)
    out = run("run", str(recipe), "--continue-on-error", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert not ANSI.search(out.stdout)
    lines = out.stdout.splitlines()
    assert lines[0].startswith("f0 running many (300 steps")
    assert not any("s17" in line and "COMPLETED" in line for line in lines)  # no line per step
    assert lines[-1].startswith("COMPLETED in ")
    assert lines[-1].endswith(": 300 completed")
    assert "summary of run" in lines[1]
    slowest = next(line for line in lines if line.strip().startswith("slowest:"))
    assert slowest.count("s") >= 5
    assert slowest.count(",") == 4
    assert len(lines) < 10  # fits a screen whatever the recipe's size


def test_a_failed_step_is_named_with_its_error_even_without_verbose(tmp_path):
    recipe = write_recipe(tmp_path, 3, fail=True)
    out = run("run", str(recipe), cwd=tmp_path)
    assert out.returncode == 1
    text = out.stdout
    assert "FAILED" in text
    assert "failed (1):" in text
    assert re.search(r"broken\s+ZeroDivisionError: division by zero", text)
    lines = out.stdout.splitlines()
    assert lines[-2].startswith("FAILED in ")
    # No store (F0_STORE=none): the last line says how to see the whole traceback.
    assert lines[-1] == (
        f"failed step: broken (ZeroDivisionError: division by zero); traceback: f0 run {recipe} --tb long"
    )


def test_verbose_prints_a_line_per_step(tmp_path):
    recipe = write_recipe(tmp_path, 12)
    out = run("run", str(recipe), "-v", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    step_lines = [
        line for line in out.stdout.splitlines() if re.match(r"\s+\[\s*\d+/12\] COMPLETED", line)
    ]
    assert len(step_lines) == 12


def test_quiet_prints_failures_and_the_final_line_only(tmp_path):
    recipe = write_recipe(tmp_path, 5, fail=True)
    out = run("run", str(recipe), "-q", cwd=tmp_path)
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert len(lines) == 4, lines
    assert "broken" in lines[0]
    assert "ZeroDivisionError" in lines[0]
    assert re.fullmatch(r"\s+steps\.py:\d+: ZeroDivisionError: division by zero", lines[1])
    assert lines[2].startswith("FAILED in ")
    assert lines[3].startswith("failed step: broken (ZeroDivisionError: division by zero)")


def test_summary_full_prints_every_step(tmp_path):
    recipe = write_recipe(tmp_path, 45)
    out = run("run", str(recipe), "--summary", "full", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    for i in range(45):
        assert re.search(rf"\bs{i}\b.*COMPLETED", out.stdout)


def test_a_bad_summary_value_is_a_usage_error(tmp_path):
    recipe = write_recipe(tmp_path, 1)
    out = run("run", str(recipe), "--summary", "long", cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.strip() == "--summary: expected one of short, full, got 'long'"


def test_with_json_stdout_is_only_the_result(tmp_path):
    recipe = write_recipe(tmp_path, 4)
    out = run("run", str(recipe), "--json", cwd=tmp_path)
    assert out.returncode == 0
    assert out.stdout.lstrip().startswith("{")
    assert "summary of run" in out.stderr


@pytest.mark.slow
def test_on_a_terminal_a_live_bar_then_the_summary(tmp_path):
    recipe = write_recipe(tmp_path, 40, sleep=1.0)
    env = {**os.environ, "F0_STORE": "none", "COLUMNS": "120", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    env.pop("F0_DEBUG", None)
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(
        [str(F0), "run", str(recipe)], cwd=tmp_path, env=env, stdin=terminal, stdout=terminal,
        stderr=terminal, close_fds=True,
    )  # fmt: skip
    os.close(terminal)
    chunks = []
    while True:
        try:
            data = os.read(controller, 65536)
        except OSError:  # the pty closes when f0 exits
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(controller)
    raw = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0, raw
    assert ANSI.search(raw)  # a live display on a terminal
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", raw)
    assert "/40" in screen  # done/total while the first step sleeps
    assert "eta" in screen
    assert "s0" in screen  # the step in flight is named
    assert "COMPLETED in " in screen
    assert not re.search(r"\[\s*\d+/40\] COMPLETED", screen)  # no line per step
