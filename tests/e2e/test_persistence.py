"""Runs, resume and the step cache end to end: real f0 processes, real SQLite stores."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

F0 = Path(sys.executable).with_name("f0")

STEPS = '''
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def step(context, params):
    """Log the execution, optionally block, then write one key."""
    name = params["me"]
    with (HERE / "executions.log").open("a") as log:
        log.write(name + "\\n")
    if params.get("block") and (HERE / "block").exists():
        (HERE / "blocked").write_text("yes")
        time.sleep(120)
    if params.get("fragile") and (HERE / "fail").exists():
        raise RuntimeError("failing while the fail file exists")
    previous = context.get(params.get("prev", ""), 0) if params.get("prev") else 0
    context.set(name, previous + len(name))
'''

RECIPE = """
metadata: {name: persist}
steps:
  - {name: one, idx: 1, module: steps, function: step, args: {me: one}}
  - {name: two, idx: 2, module: steps, function: step, args: {me: two, prev: one}, depends_on: [one]}
  - {name: three, idx: 3, module: steps, function: step, args: {me: three, prev: two}, depends_on: [two]}
  - {name: four, idx: 4, module: steps, function: step, args: {me: four, prev: three, block: true, fragile: true}, depends_on: [three]}
  - {name: five, idx: 5, module: steps, function: step, args: {me: five, prev: four}, depends_on: [four]}
  - {name: six, idx: 6, module: steps, function: step, args: {me: six, prev: five}, depends_on: [five]}
"""

VOLATILE = ("recipe.started_at", "recipe.path")


def make_project(root: Path, recipe: str = RECIPE) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "steps.py").write_text(textwrap.dedent(STEPS))
    (root / "recipe.yaml").write_text(recipe)
    return root / "recipe.yaml"


def stable(context: dict) -> dict:
    """The context without values that differ between any two runs."""
    return {
        k: v
        for k, v in context.items()
        if k not in VOLATILE and not (k.startswith("steps.") and k.endswith(".duration"))
    }


def executions(root: Path) -> list[str]:
    log = root / "executions.log"
    return log.read_text().split() if log.exists() else []


def test_resume_after_kill_9(f0, tmp_path):
    reference = make_project(tmp_path / "reference")
    uninterrupted = f0("run", str(reference), "--json", cwd=reference.parent)
    assert uninterrupted.returncode == 0, uninterrupted

    root = tmp_path / "killed"
    recipe = make_project(root)
    (root / "block").write_text("block step four")
    proc = subprocess.Popen(
        [str(F0), "run", str(recipe), "--json"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        deadline = time.monotonic() + 60
        while not (root / "blocked").exists():
            assert proc.poll() is None, "f0 run ended before step four blocked"
            assert time.monotonic() < deadline, "step four never started"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert executions(root) == ["one", "two", "three", "four"]

    (root / "block").unlink()
    preview = f0("plan", str(recipe), "--resume", "last", "--json", cwd=root)
    assert preview.returncode == 0, preview
    actions = {n: s["action"] for n, s in preview.json()["steps"].items()}
    assert actions == {"one": "DONE", "two": "DONE", "three": "DONE"} | dict.fromkeys(
        ("four", "five", "six"), "RUN"
    )
    resumed = f0("run", str(recipe), "--resume", "last", "--json", cwd=root)
    assert resumed.returncode == 0, resumed
    out = resumed.json()
    # Completed steps did not run again; the interrupted one and the rest did.
    assert executions(root) == ["one", "two", "three", "four", "four", "five", "six"]
    assert {n: s["attempts"] for n, s in out["steps"].items()} == {
        "one": 0,
        "two": 0,
        "three": 0,
        "four": 1,
        "five": 1,
        "six": 1,
    }
    assert stable(out["context"]) == stable(uninterrupted.json()["context"])


def test_resume_refuses_a_changed_recipe_then_force(f0, tmp_path):
    root = tmp_path / "p"
    recipe = make_project(root)
    (root / "fail").write_text("step four fails")
    first = f0("run", str(recipe), "--json", cwd=root)
    assert first.returncode == 1
    assert first.json()["steps"]["four"]["status"] == "FAILED"
    (root / "fail").unlink()
    recipe.write_text(
        RECIPE.replace("args: {me: two, prev: one}", "args: {me: two, prev: one, extra: 1}")
    )
    preview = f0("plan", str(recipe), "--resume", "last", "--force", "--json", cwd=root).json()
    assert preview["steps"]["one"]["action"] == "DONE"
    assert preview["steps"]["two"]["action"] == "RUN"
    refused_plan = f0("plan", str(recipe), "--resume", "last", cwd=root)
    assert refused_plan.returncode == 2
    assert "args changed: extra (unset) -> 1" in refused_plan.stderr
    refused = f0("run", str(recipe), "--resume", "last", cwd=root)
    assert refused.returncode == 2, refused
    assert "step 'two'" in refused.stderr
    assert "args changed: extra (unset) -> 1" in refused.stderr
    assert "--force" in refused.stderr
    forced = f0("run", str(recipe), "--resume", "last", "--force", "--json", cwd=root)
    assert forced.returncode == 0, forced
    steps = forced.json()["steps"]
    assert steps["one"]["attempts"] == 0
    assert steps["two"]["attempts"] == 1
    assert steps["six"]["status"] == "COMPLETED"


CACHED_RECIPE = """
metadata: {name: cached}
steps:
  - {name: one, idx: 1, module: steps, function: step, args: {me: one}, cache: true}
  - {name: two, idx: 2, module: steps, function: step, args: {me: two, prev: one}, depends_on: [one], cache: true}
  - {name: three, idx: 3, module: steps, function: step, args: {me: three, prev: two}, depends_on: [two]}
"""


def test_cache_and_plan_reasons(f0, tmp_path):
    root = tmp_path / "c"
    recipe = make_project(root, CACHED_RECIPE)
    first = f0("run", str(recipe), "--json", cwd=root)
    assert first.returncode == 0, first
    second = f0("run", str(recipe), "--json", cwd=root)
    assert second.returncode == 0, second
    statuses = {n: s["status"] for n, s in second.json()["steps"].items()}
    assert statuses == {"one": "CACHED", "two": "CACHED", "three": "COMPLETED"}
    assert executions(root) == ["one", "two", "three", "three"]

    # Same data; only the per-step status keys say CACHED instead of COMPLETED.
    def data(ctx: dict) -> dict:
        return {k: v for k, v in stable(ctx).items() if not k.endswith(".status")}

    assert data(second.json()["context"]) == data(first.json()["context"])
    assert second.json()["context"]["steps.one.status"] == "CACHED"

    plan = f0("plan", str(recipe), "--json", cwd=root).json()
    assert plan["steps"]["one"]["action"] == "CACHED"
    assert plan["steps"]["three"]["why"] == "not cached (no cache: key)"

    changed = f0("plan", str(recipe), "--json", "--set", "two.prev=none", cwd=root).json()
    assert changed["steps"]["two"]["action"] == "RUN"
    assert changed["steps"]["two"]["why"] == 'args changed: prev "one" -> "none"'

    # Fingerprints cover the step's function, not the file: a comment changes nothing...
    (root / "steps.py").write_text((root / "steps.py").read_text() + "\n# edited\n")
    commented = f0("plan", str(recipe), "--json", cwd=root).json()
    assert commented["steps"]["one"]["action"] == "CACHED"
    # ...an edit of the function both steps call re-runs both.
    (root / "steps.py").write_text(textwrap.dedent(STEPS).replace("len(name)", "len(name) + 0"))
    edited = f0("plan", str(recipe), "--json", cwd=root).json()
    assert edited["steps"]["one"]["why"] == "code of steps.py:step changed"
    assert edited["steps"]["two"]["why"] == "code of steps.py:step changed"  # the same function
    (root / "steps.py").write_text(textwrap.dedent(STEPS))

    upstream = f0("plan", str(recipe), "--json", "--set", "one.me=uno", cwd=root).json()
    assert upstream["steps"]["one"]["why"] == 'args changed: me "one" -> "uno"'
    assert upstream["steps"]["two"]["why"] == "upstream one runs"

    no_cache = f0("run", str(recipe), "--json", "--no-cache", cwd=root)
    assert {s["status"] for s in no_cache.json()["steps"].values()} == {"COMPLETED"}


def test_eight_concurrent_runs_share_one_store(f0, tmp_path):
    root = tmp_path / "many"
    recipe = make_project(root, CACHED_RECIPE.replace(", cache: true", ""))
    store = f"sqlite:///{tmp_path / 'shared.db'}"
    procs = [
        subprocess.Popen(
            [str(F0), "run", str(recipe), "--json", "--store", store, "-q"],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
        )
        for _ in range(8)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (stdout, stderr) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, stderr
        assert "locked" not in stderr
        assert json.loads(stdout)["status"] == "COMPLETED"
    listed = f0("runs", "list", "--json", "--store", store, cwd=root)
    assert listed.returncode == 0, listed
    runs = listed.json()
    runs = runs["runs"] if isinstance(runs, dict) else runs
    assert len(runs) == 8
