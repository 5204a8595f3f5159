"""The in-process API: f0.load_recipe, f0.validate_recipe, f0.run (and the registry exports)."""

from __future__ import annotations

import json
import threading

import f0
import pytest
from f0 import hookimpl
from f0.model import RunStatus, SourcePos, StepStatus

from .support import make_recipe, make_step, setter


def tiny_file(tmp_path, steps, name="demo"):
    path = tmp_path / "recipe.tiny"
    path.write_text(json.dumps({"name": name, "steps": steps}), encoding="utf-8")
    return path


def test_load_recipe_returns_the_recipe_and_every_problem_with_positions(hooks, tiny, tmp_path):
    tiny.funcs["a"] = setter()
    path = tiny_file(
        tmp_path,
        [
            {"name": "a", "idx": 1},
            {"name": "b", "idx": 2, "depends_on": ["ghost"]},
            {"name": "c", "idx": 3},  # no function "c"
        ],
    )
    recipe, problems = f0.load_recipe(path, hooks=hooks)
    assert [s.name for s in recipe.steps] == ["a", "b", "c"]
    messages = [p.message for p in problems]
    assert any("ghost" in m for m in messages), messages
    assert any("no function 'c'" in m for m in messages), messages
    assert all(isinstance(p.pos, SourcePos) for p in problems)
    assert all(p.is_error for p in problems)


def test_load_recipe_of_a_valid_file_has_no_problems(hooks, tiny, tmp_path):
    tiny.funcs["a"] = setter()
    recipe, problems = f0.load_recipe(tiny_file(tmp_path, [{"name": "a", "idx": 1}]), hooks=hooks)
    assert problems == []
    assert recipe.name == "demo"


def test_load_recipe_of_a_missing_file_raises_the_usage_error(hooks, tmp_path):
    with pytest.raises(f0.UsageError, match="does not exist") as caught:
        f0.load_recipe(tmp_path / "nope.tiny", hooks=hooks)
    assert caught.value.exit_code == 2


def test_validate_recipe_checks_a_built_recipe(hooks, tiny):
    tiny.funcs["a"] = setter()
    recipe = make_recipe(make_step("a", 1), make_step("b", 2, function="missing"))
    problems = f0.validate_recipe(recipe, hooks=hooks)
    assert [p.message for p in problems] == ["no function 'missing'"]


def test_run_a_file_with_context_and_overrides(hooks, tiny, tmp_path):
    tiny.funcs["a"] = lambda ctx: ctx.set("out", [ctx.get("n"), ctx.get("m")])
    tiny.funcs["b"] = lambda ctx: ctx.set("b_args", "seen")
    path = tiny_file(tmp_path, [{"name": "a", "idx": 1}, {"name": "b", "idx": 2, "args": {"k": 1}}])
    result = f0.run(
        path,
        context={"n": 1, "m": 1},
        overrides={"m": 2, "b.k": 5},
        scheduler="serial",
        context_url="mem://",
        hooks=hooks,
    )
    assert result.status is RunStatus.COMPLETED
    assert result.context["out"] == [1, 2]  # overrides win over context
    assert result.context["recipe.path"] == str(path)
    assert tiny.session.recipe.step("b").args == {"k": 5}


def test_run_a_recipe_object_and_observers_see_it(hooks, tiny):
    tiny.funcs.update(a=setter(x=1), b=setter(y=2))
    seen = []

    class Watch:
        @hookimpl
        def f0_step_finished(self, run, step, result, delta):
            seen.append((step.name, result.status))

    recipe = make_recipe(make_step("a", 1), make_step("b", 2, depends_on=["a"]))
    result = f0.run(
        recipe, scheduler="serial", context_url="mem://", observers=[Watch()], hooks=hooks
    )
    assert result.context["y"] == 2
    assert seen == [("a", StepStatus.COMPLETED), ("b", StepStatus.COMPLETED)]
    assert len(hooks.pm.get_plugins()) == len({*hooks.pm.get_plugins()})  # unregistered after
    assert not any(type(p).__name__ == "Watch" for p in hooks.pm.get_plugins())


def test_run_an_invalid_recipe_raises_before_anything_runs(hooks, tiny):
    ran = []
    tiny.funcs["a"] = lambda ctx: ran.append(1)
    recipe = make_recipe(make_step("a", 1), make_step("b", 2, depends_on=["ghost"]))
    with pytest.raises(f0.RecipeValidationError, match="ghost"):
        f0.run(recipe, scheduler="serial", context_url="mem://", hooks=hooks)
    assert ran == []
    assert tiny.schedulers == []


def test_run_a_failing_step_returns_a_failed_result(hooks, tiny):
    def boom(ctx):
        raise RuntimeError("boom")

    tiny.funcs.update(a=boom, b=setter())
    recipe = make_recipe(make_step("a", 1), make_step("b", 2))
    result = f0.run(recipe, scheduler="serial", context_url="mem://", hooks=hooks)
    assert result.status is RunStatus.FAILED
    assert result.steps["a"].status is StepStatus.FAILED
    assert "boom" in (result.steps["a"].error or "")


def test_overrides_that_are_not_json_are_a_usage_error(hooks, tiny):
    tiny.funcs["a"] = setter()
    with pytest.raises(f0.UsageError, match="overrides"):
        f0.run(
            make_recipe(make_step("a", 1)),
            overrides={"x": object()},
            scheduler="serial",
            context_url="mem://",
            hooks=hooks,
        )


def test_a_cancel_event_set_by_another_thread_cancels_the_run(hooks, tiny):
    cancel = threading.Event()
    started = threading.Event()

    def first(ctx):
        started.set()
        cancel.set()  # as another thread would, while this step runs
        ctx.set("first", True)

    tiny.funcs.update(a=first, b=setter(second=True))
    recipe = make_recipe(make_step("a", 1), make_step("b", 2))
    result = f0.run(recipe, scheduler="serial", context_url="mem://", cancel=cancel, hooks=hooks)
    assert started.is_set()
    assert result.status is RunStatus.CANCELLED
    assert result.steps["b"].status is StepStatus.CANCELLED
    assert "second" not in result.context


def test_store_none_string_records_nothing_and_a_store_object_is_left_open(hooks, tiny):
    tiny.funcs["a"] = setter()

    class Store:
        url = "fake://"
        closed = False

        def __init__(self):
            self.calls = []

        def start_run(self, *a, **k):
            self.calls.append("start")

        def record_step(self, *a, **k):
            self.calls.append("step")

        def finish_run(self, *a, **k):
            self.calls.append("finish")

        def close(self):
            self.closed = True

    store = Store()
    recipe = make_recipe(make_step("a", 1))
    f0.run(recipe, scheduler="serial", context_url="mem://", store="none", hooks=hooks)
    result = f0.run(recipe, scheduler="serial", context_url="mem://", store=store, hooks=hooks)
    assert result.status is RunStatus.COMPLETED
    assert store.calls == ["start", "step", "finish"]
    assert not store.closed


def test_make_hooks_honours_the_plugin_selection():
    hooks = f0.make_hooks(f0.manager.PluginSelection(autoload=False, load=()))
    assert isinstance(hooks, f0.Hooks)
    assert all(info.builtin for info in hooks.pm.infos.values())


def test_context_from_dict_and_from_json_build_the_subclass():
    class Mine(f0.Context):
        """A subclass."""

    assert type(Mine.from_dict({"a": 1})) is Mine
    assert type(Mine.from_json('{"a": 1}')) is Mine
