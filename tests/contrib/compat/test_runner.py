"""``orchestrator.runner`` over ``f0.run`` (in process, as Framework0 ran recipes), and its command line."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest
from orchestrator.context import Context
from orchestrator.runner import EnhancedRecipeRunner

from .compat_support import module

pytestmark = pytest.mark.slow

STEPS = """
import os
from pathlib import Path

def produce(context, params):
    context.set("numbers", list(range(params["n"])))

def total(context, params):
    context.set("total", sum(context.get("numbers")))
    return {"status": "success", "total": context.get("total")}

def fail(context, params):
    raise RuntimeError("broken on purpose")

def flaky(context, params):
    marker = Path(params["marker"])
    count = int(marker.read_text()) if marker.exists() else 0
    marker.write_text(str(count + 1))
    if count < 2:
        raise OSError("not yet")
    context.set("flaky.attempts", count + 1)

def where(context, params):
    context.set("pid", os.getpid())


def slow(context, params):
    import time
    if params.get("started"):
        Path(params["started"]).write_text("started")
    release = Path(params["release"]) if params.get("release") else None
    deadline = time.monotonic() + params.get("seconds", 30)
    while time.monotonic() < deadline and not (release and release.exists()):
        time.sleep(0.02)
"""

RECIPE = """
metadata: {name: pipeline, version: "3.1"}
steps:
  - {name: produce, idx: 1, module: compat_steps, function: produce, args: {n: 5}}
  - {name: total, idx: 2, module: compat_steps, function: total, depends_on: [produce]}
"""


@pytest.fixture
def project(tmp_path, write, monkeypatch):
    write("compat_steps.py", STEPS)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_run_recipe_returns_the_context(project, write):
    path = write("recipe.yaml", RECIPE)
    runner = EnhancedRecipeRunner()
    ctx = runner.run_recipe(path)
    assert isinstance(ctx, Context)
    assert ctx.get("total") == 10
    assert ctx.get("recipe.name") == "pipeline"
    assert ctx.get("recipe.version") == "3.1"
    assert ctx.get("steps.total.result") == {"status": "success", "total": 10}
    result = ctx.get("recipe.execution_result")
    assert (result["status"], result["total_steps"], result["completed_steps"]) == (
        "COMPLETED",
        2,
        2,
    )
    assert result["success_rate"] == 100.0
    assert result["overall_success"] is True
    assert not (project / ".f0").exists()  # nothing recorded, as in Framework0
    stats = runner.get_execution_statistics()
    assert (stats["recipes_executed"], stats["steps_executed"], stats["steps_failed"]) == (1, 2, 0)
    assert len(runner.get_execution_history(limit=1)) == 1


def test_steps_run_in_this_process_through_f0_run(project, write, monkeypatch):
    # No `f0` command is started: the recipe runs here, as Framework0's runner ran it.
    monkeypatch.setenv("PATH", "")
    path = write(
        "where.yaml",
        """
        metadata: {name: where}
        steps:
          - {name: where, idx: 1, module: compat_steps, function: where}
        """,
    )
    ctx = EnhancedRecipeRunner().run_recipe(path)
    assert ctx.get("pid") == os.getpid()
    assert ctx.get("recipe.execution_result")["execution_metadata"] == {"engine": "f0.run"}


def test_a_failed_step_raises_runtime_error(project, write):
    path = write(
        "recipe.yaml",
        RECIPE
        + "  - {name: boom, idx: 3, module: compat_steps, function: fail, depends_on: [total]}\n"
        "  - {name: after, idx: 4, module: builtins, function: print, args: [x], depends_on: [boom]}\n",
    )
    runner = EnhancedRecipeRunner()
    with pytest.raises(RuntimeError, match=r"step boom failed: .*broken on purpose"):
        runner.run_recipe(path)
    result = runner.get_execution_history()[-1]
    assert (result["failed_steps"], result["skipped_steps"], result["status"]) == (1, 1, "FAILED")
    ctx = runner.run_recipe(path, continue_on_error=True)
    assert ctx.get("total") == 10
    assert ctx.get("recipe.execution_result")["status"] == "PARTIAL"


def test_only_and_skip(project, write):
    path = write(
        "recipe.yaml",
        RECIPE
        + "  - {name: other, idx: 3, module: compat_steps, function: produce, args: {n: 2}}\n",
    )
    ctx = EnhancedRecipeRunner().run_recipe(path, skip=["total"])
    assert ctx.get("numbers") == [0, 1]  # other ran last
    assert ctx.get("total") is None
    statuses = {
        s["step_name"]: s["status"] for s in ctx.get("recipe.execution_result")["step_results"]
    }
    assert statuses == {"produce": "COMPLETED", "total": "SKIPPED", "other": "COMPLETED"}
    only = EnhancedRecipeRunner().run_recipe(path, only=["produce", "total"])
    assert only.get("total") == 10
    assert only.get("recipe.path") == str(path)
    only_statuses = {
        s["step_name"]: s["status"] for s in only.get("recipe.execution_result")["step_results"]
    }
    assert only_statuses["other"] == "SKIPPED"


def test_retries_and_timeouts(project, write):
    path = write(
        "recipe.yaml",
        f"""
        metadata: {{name: retry}}
        steps:
          - {{name: flaky, idx: 1, module: compat_steps, function: flaky, args: {{marker: {project / "marker"}}}}}
        """,
    )
    with pytest.raises(RuntimeError, match="not yet"):
        EnhancedRecipeRunner().run_recipe(path)
    (project / "marker").unlink()
    ctx = EnhancedRecipeRunner().run_recipe(path, max_retries=2, retry_delay=0)
    assert ctx.get("flaky.attempts") == 3
    assert ctx.get("recipe.execution_result")["step_results"][0]["metadata"]["attempts"] == 3

    slow = write(
        "slow.yaml",
        """
        metadata: {name: slow}
        steps:
          - {name: sleepy, idx: 1, module: compat_steps, function: slow, args: {seconds: 30}}
        """,
    )
    with pytest.raises(RuntimeError, match="step sleepy failed"):
        EnhancedRecipeRunner(default_timeout=0.5).run_recipe(slow)
    with pytest.raises(RuntimeError, match="step sleepy failed"):
        EnhancedRecipeRunner().run_recipe(slow, step_timeout=0.5)


def test_bad_input(project, write):
    runner = EnhancedRecipeRunner()
    with pytest.raises(FileNotFoundError):
        runner.run_recipe(project / "missing.yaml")
    with pytest.raises(ValueError, match="cannot parse"):
        runner.run_recipe(write("broken.yaml", "steps: [\n"))
    invalid = write("invalid.yaml", RECIPE.replace("depends_on: [produce]", "depends_on: [ghost]"))
    with pytest.raises(ValueError, match="ghost"):
        runner.run_recipe(invalid)
    with pytest.raises(ValueError):
        runner.run_recipe(invalid, max_retries=-1)
    with pytest.raises(ValueError):
        runner.run_recipe(invalid, step_timeout=0)
    with pytest.raises(ValueError):
        EnhancedRecipeRunner(default_timeout=-1)


def test_cancel_from_another_thread(project, write):
    path = write(
        "slow.yaml",
        """
        metadata: {name: slow}
        steps:
          - {name: sleepy, idx: 1, module: compat_steps, function: slow, args: {seconds: 60, started: started.txt, release: go.txt}}
          - {name: never, idx: 2, module: compat_steps, function: produce, args: {n: 1}}
        """,
    )
    runner = EnhancedRecipeRunner()
    outcome = {}

    def run():
        try:
            outcome["ctx"] = runner.run_recipe(path, continue_on_error=True)
        except Exception as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 60
    while not (project / "started.txt").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    runner.cancel_execution()
    (project / "go.txt").write_text("go")  # the running step ends; nothing starts after it
    thread.join(60)
    assert not thread.is_alive()
    assert runner.is_execution_cancelled()
    assert "error" not in outcome, outcome
    result = runner.get_execution_history()[-1]
    assert result["status"] == "CANCELLED"
    # Framework0 checked for a cancel between steps: the running one finishes, the next never runs.
    statuses = {s["step_name"]: s["status"] for s in result["step_results"]}
    assert statuses == {"sleepy": "COMPLETED", "never": "SKIPPED"}
    assert "numbers" not in outcome["ctx"].to_dict()


def test_runner_command_line(project, write):
    write("recipe.yaml", RECIPE)
    done = module(["orchestrator.runner", "--recipe", "recipe.yaml", "--json"], project)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1])["completed_steps"] == 2
    text = module(["orchestrator.runner", "--recipe", "recipe.yaml", "--skip", "total"], project)
    assert text.returncode == 0
    assert "total: SKIPPED" in text.stdout
    write("bad.yaml", RECIPE + "  - {name: boom, idx: 3, module: compat_steps, function: fail}\n")
    failed = module(["orchestrator.runner", "--recipe", "bad.yaml"], project)
    assert failed.returncode == 1
    assert "step boom failed" in failed.stderr
    missing = module(["orchestrator.runner", "--recipe", "nope.yaml"], project)
    assert missing.returncode == 2
    assert "Traceback" not in missing.stderr
