"""f0_context_seed: plugins' starting values, applied before recipe.* and --set."""

from __future__ import annotations

import pytest
from f0 import UsageError, hookimpl
from f0.engine import run_recipe

from .support import make_recipe, make_step


class Seeder:
    def __init__(self, values):
        self.values = values
        self.runs = []

    @hookimpl
    def f0_context_seed(self, run):
        self.runs.append(run.run_id)
        return self.values


@pytest.fixture
def seeder(pm):
    plugin = Seeder({"threshold": 5, "recipe.name": "stale", "n": 1, "tup": (1, 2)})
    pm.register(plugin, name="seeder")
    yield plugin
    pm.unregister(plugin)


def run(hooks, recipe, **kwargs):
    return run_recipe(hooks, recipe, scheduler="serial", context_url="mem://", **kwargs)


def test_seeded_values_reach_steps_attributed_to_the_plugin(hooks, tiny, seeder):
    tiny.funcs["a"] = lambda ctx: ctx.set("seen", ctx.get("threshold"))
    result = run(hooks, make_recipe(make_step("a", 1), name="demo"), seed={"n": 2})
    assert result.context["seen"] == 5
    assert result.context["tup"] == [1, 2]  # JSON-normalised like any value
    assert seeder.runs == [result.run_id]
    history = tiny.session.context.get_history("threshold")
    assert [(h["who"], h["after"]) for h in history] == [("seeder", 5)]


def test_recipe_keys_and_set_values_win(hooks, tiny, seeder):
    tiny.funcs["a"] = lambda ctx: None
    result = run(hooks, make_recipe(make_step("a", 1), name="demo"), seed={"n": 2})
    assert result.context["recipe.name"] == "demo"
    assert result.context["n"] == 2
    assert [h["who"] for h in tiny.session.context.get_history("n")] == ["seeder", "cli"]


def test_no_seeder_changes_nothing(hooks, tiny):
    tiny.funcs["a"] = lambda ctx: None
    result = run(hooks, make_recipe(make_step("a", 1)))
    assert "threshold" not in result.context


def test_a_seeder_can_stop_the_run_before_any_step(hooks, tiny, pm):
    class Refuser:
        @hookimpl
        def f0_context_seed(self):
            raise UsageError("server unreachable")

    ran = []
    tiny.funcs["a"] = lambda ctx: ran.append(1)
    pm.register(Refuser(), name="refuser")
    with pytest.raises(UsageError, match="server unreachable"):
        run(hooks, make_recipe(make_step("a", 1)))
    assert ran == []


def test_a_non_json_seed_value_fails_before_any_step(hooks, tiny, pm):
    pm.register(Seeder({"bad": object()}), name="bad")
    tiny.funcs["a"] = lambda ctx: None
    with pytest.raises(ValueError, match="bad"):
        run(hooks, make_recipe(make_step("a", 1)))
