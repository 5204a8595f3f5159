"""Without a plugin implementing ``f0_step_decisions`` every step runs, and resuming asks for one."""

from __future__ import annotations

from pathlib import Path

import pytest
from f0 import hookimpl
from f0.decisions import NO_CACHE_PLUGIN, Decision
from f0.engine import run_recipe
from f0.errors import MissingProviderError, PluginError
from f0.model import RunStatus, StepStatus
from f0.records import RunRecord

from .support import make_recipe, make_step


def chain(tmp_path: Path):
    return make_recipe(
        make_step("a", 1, cache=True),
        make_step("b", 2, depends_on=["a"]),
        make_step("c", 3, enabled=False),
        path=tmp_path / "recipe.tiny",
    )


def test_without_a_deciding_plugin_every_step_runs(hooks, tiny, tmp_path):
    recipe = chain(tmp_path)
    decisions = hooks.step_decisions(recipe, recipe.steps, initial={}, store=None)
    assert {n: (d.action, d.reason) for n, d in decisions.items()} == {
        "a": ("RUN", NO_CACHE_PLUGIN),
        "b": ("RUN", "not cached (no cache: key)"),
        "c": ("SKIP", "enabled: false"),
    }
    assert "pip install f0-plugin-cache" in NO_CACHE_PLUGIN
    assert all(d.fingerprint is None for d in decisions.values())
    tiny.funcs["a"] = lambda ctx: ctx.set("x", 1)
    tiny.funcs["b"] = lambda ctx: ctx.set("y", ctx.get("x") + 1)
    result = run_recipe(hooks, recipe, scheduler="serial", context_url="mem://")
    assert result.status is RunStatus.COMPLETED
    assert result.steps["a"].status is StepStatus.COMPLETED
    assert result.context["y"] == 2
    assert "resumed_from" not in result.to_json()


def test_resume_without_a_deciding_plugin_names_the_plugin(hooks, tiny, tmp_path):
    recipe = chain(tmp_path)
    record = RunRecord(
        run_id="r1",
        recipe_name="tiny",
        recipe_path=None,
        recipe_hash="",
        status=RunStatus.FAILED,
        started_at=0.0,
    )
    with pytest.raises(MissingProviderError, match="pip install f0-plugin-cache") as caught:
        run_recipe(hooks, recipe, scheduler="serial", context_url="mem://", resume=record)
    assert caught.value.where == "--resume"


def test_a_plugin_decides_and_must_cover_every_step(pm, hooks, tiny, tmp_path):
    recipe = chain(tmp_path)

    class Partial:
        @hookimpl
        def f0_step_decisions(self, order):
            return {"a": Decision(action="RUN", reason="mine")}

    pm.register(Partial(), name="partial")
    with pytest.raises(PluginError, match="no decision for step"):
        hooks.step_decisions(recipe, recipe.steps, initial={}, store=None)
