"""Resume that survives the fix: function-level fingerprints, end to end through the installed f0.

A step's fingerprint covers its own function, the functions of its module it
calls and the module constants it reads, not the whole file. So fixing the
failed function and running ``--resume last`` replays what completed and
re-runs only the fixed step and what depends on it; editing an unrelated
function of the same file changes nothing (for resume and ``cache: true``).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

STEPS = """
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCALE = 10


def _log(name):
    with (HERE / "executions.log").open("a") as log:
        log.write(name + "\\n")


def _ratio(value):
    return value * SCALE // 0


def load(context, params):
    _log("load")
    context.set("value", 7)


def side(context, params):
    _log("side")
    context.set("side", context.get("value") + 1)


def divide(context, params):
    _log("divide")
    context.set("ratio", _ratio(context.get("value")))


def report(context, params):
    _log("report")
    context.set("report", f"ratio={context.get('ratio')}")


def unrelated(context, params):
    return {"n": 1}
"""

RECIPE = """
metadata: {name: fix}
steps:
  - {name: load, idx: 1, module: steps, function: load}
  - {name: side, idx: 2, module: steps, function: side, depends_on: [load]}
  - {name: divide, idx: 3, module: steps, function: divide, depends_on: [side]}
  - {name: report, idx: 4, module: steps, function: report, depends_on: [divide]}
"""


def project(root: Path, recipe: str = RECIPE) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "steps.py").write_text(textwrap.dedent(STEPS))
    (root / "recipe.yaml").write_text(recipe)
    return root / "recipe.yaml"


def edit(root: Path, old: str, new: str) -> None:
    steps = root / "steps.py"
    text = steps.read_text()
    assert old in text
    steps.write_text(text.replace(old, new))


def executions(root: Path) -> list[str]:
    log = root / "executions.log"
    return log.read_text().split() if log.exists() else []


def test_fixing_the_failed_function_reruns_only_it_and_its_dependents(f0, tmp_path):
    root = tmp_path / "p"
    recipe = project(root)
    first = f0("run", str(recipe), "--json", cwd=root)
    assert first.returncode == 1, first
    assert first.json()["steps"]["divide"]["status"] == "FAILED"
    assert executions(root) == ["load", "side", "divide"]
    run_id = first.json()["run_id"]

    # An unrelated function of the same file changes: nothing completed is refused.
    edit(root, 'return {"n": 1}', 'return {"n": 2}')
    plan = f0("plan", str(recipe), "--resume", "last", "--json", cwd=root)
    assert plan.returncode == 0, plan
    why = {n: (s["action"], s["why"]) for n, s in plan.json()["steps"].items()}
    assert why == {
        "load": ("DONE", f"completed in run {run_id}"),
        "side": ("DONE", f"completed in run {run_id}"),
        "divide": ("RUN", f"FAILED in run {run_id}"),
        "report": ("RUN", f"SKIPPED in run {run_id}"),
    }

    # The fix is in a helper the failed step calls: the plan says so.
    edit(root, "value * SCALE // 0", "value * SCALE // 2")
    plan = f0("plan", str(recipe), "--resume", "last", "--json", cwd=root).json()
    assert plan["steps"]["divide"]["why"] == (
        f"FAILED in run {run_id}; since then code of steps.py:divide changed"
    )
    assert plan["steps"]["load"]["action"] == "DONE"

    resumed = f0("run", str(recipe), "--resume", "last", "--json", cwd=root)
    assert resumed.returncode == 0, resumed
    out = resumed.json()
    assert executions(root) == ["load", "side", "divide", "divide", "report"]
    assert out["resumed_from"] == run_id
    assert out["replayed"] == ["load", "side"]
    assert {n: s["attempts"] for n, s in out["steps"].items()} == {
        "load": 0,
        "side": 0,
        "divide": 1,
        "report": 1,
    }
    assert out["context"]["report"] == "ratio=35"
    assert out["context"]["side"] == 8
    assert (
        f"resuming run {run_id}: replaying 2 completed steps (load, side), "
        "running 2 steps (divide, report)"
    ) in resumed.stderr


def test_a_changed_constant_or_helper_of_a_completed_step_is_named(f0, tmp_path):
    root = tmp_path / "q"
    recipe = project(root)
    assert f0("run", str(recipe), cwd=root).returncode == 1
    # SCALE is read by _ratio, which divide calls: load and side do not read it.
    edit(root, "SCALE = 10", "SCALE = 3")
    plan = f0("plan", str(recipe), "--resume", "last", "--json", cwd=root).json()
    assert {n: s["action"] for n, s in plan["steps"].items()} == {
        "load": "DONE",
        "side": "DONE",
        "divide": "RUN",
        "report": "RUN",
    }
    # _log is called by load: a completed step's code changed, so resuming is refused.
    edit(root, 'log.write(name + "\\n")', 'log.write(name.strip() + "\\n")')
    refused = f0("run", str(recipe), "--resume", "last", cwd=root)
    assert refused.returncode == 2, refused
    assert "step 'load' completed there, but since then code of steps.py:load changed" in (
        refused.stderr
    )


CACHED = RECIPE.replace("function: load}", "function: load, cache: true}").replace(
    "function: side, depends_on: [load]}", "function: side, depends_on: [load], cache: true}"
)


def test_cache_follows_the_same_rule(f0, tmp_path):
    root = tmp_path / "c"
    recipe = project(root, CACHED)
    edit(root, "value * SCALE // 0", "value * SCALE // 2")
    assert f0("run", str(recipe), cwd=root).returncode == 0
    edit(root, 'return {"n": 1}', 'return {"n": 2}')
    edit(root, "def report(", "# a comment moves every line below\n\n\ndef report(")
    plan = f0("plan", str(recipe), "--json", cwd=root).json()
    assert {n: s["action"] for n, s in plan["steps"].items()} == {
        "load": "CACHED",
        "side": "CACHED",
        "divide": "RUN",
        "report": "RUN",
    }
    edit(root, 'context.set("side", context.get("value") + 1)', 'context.set("side", 0)')
    plan = f0("plan", str(recipe), "--json", cwd=root).json()
    assert plan["steps"]["side"]["why"] == "code of steps.py:side changed"
    assert plan["steps"]["load"]["action"] == "CACHED"


def test_without_the_cache_plugin_resume_names_it(f0, tmp_path):
    root = tmp_path / "n"
    recipe = project(root, CACHED)
    env = {"F0_DISABLE_PLUGINS": "cache"}
    assert f0("run", str(recipe), cwd=root, env=env).returncode == 1
    plan = f0("plan", str(recipe), "--json", cwd=root, env=env).json()
    assert plan["steps"]["load"]["why"] == (
        "not cached: no cache plugin (pip install f0-plugin-cache)"
    )
    resumed = f0("run", str(recipe), "--resume", "last", cwd=root, env=env)
    assert resumed.returncode == 2, resumed
    assert "install it with: pip install f0-plugin-cache" in resumed.stderr
    assert "Traceback" not in resumed.stderr
