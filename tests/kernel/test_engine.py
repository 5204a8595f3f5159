"""engine.run_recipe and RunSession, driven by the in-test serial scheduler."""

from __future__ import annotations

import re
import threading

import pytest
from f0 import hookimpl
from f0.context import Context
from f0.engine import new_run_id, run_recipe, run_status
from f0.model import (
    Delta,
    RunInfo,
    RunStatus,
    SchedulerOptions,
    StepOutcome,
    StepResult,
    StepStatus,
)
from f0.plan import build_plan
from f0.session import RunSession

from .support import failer, make_recipe, make_step, setter


def run(hooks, recipe, **kwargs):
    kwargs.setdefault("scheduler", "serial")
    kwargs.setdefault("context_url", "mem://")
    return run_recipe(hooks, recipe, **kwargs)


def statuses(result):
    return {name: r.status for name, r in result.steps.items()}


# -- run_recipe ------------------------------------------------------------------


def test_completed_run(hooks, tiny):
    tiny.funcs.update(a=setter(x=1), b=setter(y={"z": [1]}))
    recipe = make_recipe(make_step("a", 1), make_step("b", 2, depends_on=["a"]), name="demo")
    result = run(hooks, recipe, run_id="run-1")
    assert result.status is RunStatus.COMPLETED
    assert result.run_id == "run-1"
    assert result.recipe_name == "demo"
    assert statuses(result) == {"a": StepStatus.COMPLETED, "b": StepStatus.COMPLETED}
    assert result.context["x"] == 1
    assert result.context["y"] == {"z": [1]}
    assert result.finished_at >= result.started_at
    assert result.to_json()["status"] == "COMPLETED"


def test_recipe_keys_in_context(hooks, tiny, tmp_path):
    tiny.funcs["a"] = lambda ctx: ctx.set("seen", ctx.get("recipe.name"))
    path = tmp_path / "r.tiny"
    recipe = make_recipe(make_step("a", 1), name="demo", path=path)
    recipe = type(recipe)(name="demo", steps=recipe.steps, path=path, metadata={"version": 2})
    result = run(hooks, recipe)
    assert result.context["recipe.name"] == "demo"
    assert result.context["recipe.path"] == str(path)
    assert result.context["recipe.version"] == "2"
    assert result.context["recipe.started_at"] == result.started_at
    assert result.context["seen"] == "demo"  # visible to steps
    assert result.recipe_path == str(path)


def test_recipe_version_defaults_to_1_0(hooks, tiny):
    tiny.funcs["a"] = setter()
    result = run(hooks, make_recipe(make_step("a", 1)))
    assert result.context["recipe.version"] == "1.0"
    assert result.context["recipe.path"] is None


def test_seed_values_land_in_context_as_cli(hooks, tiny):
    tiny.funcs["a"] = lambda ctx: ctx.set("double", ctx.get("n") * 2)
    result = run(hooks, make_recipe(make_step("a", 1)), seed={"n": 21, "cfg": (1, 2)})
    assert result.context["double"] == 42
    assert result.context["cfg"] == [1, 2]
    history = tiny.session.context.get_history("n")
    assert [(h["who"], h["after"]) for h in history] == [("cli", 21)]


def test_step_writes_are_attributed_to_the_step(hooks, tiny):
    tiny.funcs["writer"] = setter(x=1)
    run(hooks, make_recipe(make_step("writer", 1)))
    (entry,) = tiny.session.context.get_history("x")
    assert entry["who"] == "writer"
    assert tiny.session.context.get_history("recipe.name")[0]["who"] == "f0"


def test_steps_outcome_keys(hooks, tiny):
    tiny.funcs.update(a=lambda ctx: StepOutcome(success=True, result={"rows": 3}), b=failer())
    result = run(
        hooks,
        make_recipe(make_step("a", 1), make_step("b", 2)),
        options=SchedulerOptions(continue_on_error=True),
    )
    ctx = result.context
    assert ctx["steps.a.status"] == "COMPLETED"
    assert ctx["steps.a.exit_code"] == 0
    assert isinstance(ctx["steps.a.duration"], float)
    assert ctx["steps.a.duration"] >= 0
    assert ctx["steps.a.result"] == {"rows": 3}
    assert ctx["steps.b.status"] == "FAILED"
    assert ctx["steps.b.exit_code"] == 1
    assert "steps.b.result" not in ctx


def test_failed_steps_delta_is_discarded(hooks, tiny):
    tiny.funcs.update(a=failer())
    result = run(hooks, make_recipe(make_step("a", 1)))
    assert result.status is RunStatus.FAILED
    assert "partial" not in result.context
    assert result.steps["a"].error == "RuntimeError: boom"


def test_failed_run_skips_the_rest(hooks, tiny):
    tiny.funcs.update(a=failer(), b=setter(b=1), c=setter(c=1))
    recipe = make_recipe(make_step("a", 1), make_step("b", 2, depends_on=["a"]), make_step("c", 3))
    result = run(hooks, recipe)
    assert result.status is RunStatus.FAILED
    assert statuses(result) == {
        "a": StepStatus.FAILED,
        "b": StepStatus.SKIPPED,
        "c": StepStatus.SKIPPED,
    }
    assert result.context["steps.b.status"] == "SKIPPED"


def test_partial_run_with_continue_on_error(hooks, tiny):
    tiny.funcs.update(a=failer(), b=setter(b=1), c=setter(c=1))
    recipe = make_recipe(make_step("a", 1), make_step("b", 2, depends_on=["a"]), make_step("c", 3))
    result = run(hooks, recipe, options=SchedulerOptions(continue_on_error=True))
    assert result.status is RunStatus.PARTIAL
    assert statuses(result) == {
        "a": StepStatus.FAILED,
        "b": StepStatus.SKIPPED,
        "c": StepStatus.COMPLETED,
    }
    assert result.context["c"] == 1


def test_disabled_step_is_skipped_without_outcome_keys(hooks, tiny):
    tiny.funcs.update(a=setter(a=1))
    recipe = make_recipe(make_step("a", 1), make_step("off", 2, enabled=False))
    result = run(hooks, recipe)
    assert result.status is RunStatus.COMPLETED
    assert result.steps["off"].status is StepStatus.SKIPPED
    assert not any(k.startswith("steps.off.") for k in result.context)


def test_cancelled_run(hooks, tiny):
    tiny.funcs.update(a=setter(a=1), b=setter(b=1))
    tiny.cancel_after = "a"
    result = run(hooks, make_recipe(make_step("a", 1), make_step("b", 2)))
    assert result.status is RunStatus.CANCELLED
    assert statuses(result) == {"a": StepStatus.COMPLETED, "b": StepStatus.CANCELLED}
    assert result.steps["b"].error == "run cancelled before the step finished"
    assert result.context["steps.b.status"] == "CANCELLED"


def test_ctrl_c_in_the_scheduler_cancels(hooks, tiny):
    tiny.funcs.update(a=setter(a=1), b=setter(b=1))
    tiny.interrupt_after = "a"
    result = run(hooks, make_recipe(make_step("a", 1), make_step("b", 2)))
    assert result.status is RunStatus.CANCELLED
    assert result.steps["b"].status is StepStatus.CANCELLED
    assert result.context["a"] == 1


def test_scheduler_bug_propagates_but_store_is_closed(pm, hooks, tiny):
    class Broken:
        def run(self, session):
            raise RuntimeError("scheduler bug")

    class BrokenScheduler:
        @hookimpl(tryfirst=True)
        def f0_scheduler(self, name, options):
            return Broken() if name == "serial" else None

    pm.register(BrokenScheduler())
    with pytest.raises(RuntimeError, match="scheduler bug"):
        run(hooks, make_recipe(make_step("a", 1)))
    (store,) = tiny.stores
    assert store.closed


def test_observer_bug_propagates_but_store_is_closed(pm, hooks, tiny):
    class BadObserver:
        @hookimpl
        def f0_run_finished(self, run, result):
            raise RuntimeError("observer bug")

    pm.register(BadObserver())
    tiny.funcs["a"] = setter(a=1)
    with pytest.raises(RuntimeError, match="observer bug"):
        run(hooks, make_recipe(make_step("a", 1)))
    assert tiny.stores[0].closed


def test_bad_seed_is_refused_before_anything_runs(hooks, tiny):
    tiny.funcs["a"] = setter(a=1)
    with pytest.raises(ValueError, match="'bad'"):
        run(hooks, make_recipe(make_step("a", 1)), seed={"bad": object()})
    assert tiny.schedulers == []
    assert tiny.stores == []


def test_context_store_is_used_and_closed(hooks, tiny):
    tiny.funcs["a"] = setter(a=1)
    run(hooks, make_recipe(make_step("a", 1)))
    (store,) = tiny.stores
    assert store.closed
    assert store.data["a"] == 1
    assert store.data["steps.a.status"] == "COMPLETED"


def test_observer_hooks_in_order(hooks, tiny, recorder):
    tiny.funcs.update(a=setter(x=1), b=failer())
    recipe = make_recipe(make_step("a", 1), make_step("b", 2), make_step("c", 3))
    result = run(hooks, recipe, run_id="r1")
    assert recorder.calls == [
        ("run_started", "r1"),
        ("step_started", "a", 1),
        ("step_finished", "a", StepStatus.COMPLETED, {"x": 1}),
        ("step_started", "b", 1),
        ("step_finished", "b", StepStatus.FAILED, {}),
        ("step_finished", "c", StepStatus.SKIPPED, {}),
        ("run_finished", RunStatus.FAILED),
    ]
    assert result.status is RunStatus.FAILED


def test_run_finished_sees_the_final_context(pm, hooks, tiny):
    seen = {}

    class Final:
        @hookimpl
        def f0_run_finished(self, run, result):
            seen.update(result.context)

    pm.register(Final())
    tiny.funcs["a"] = setter(x=1)
    run(hooks, make_recipe(make_step("a", 1)))
    assert seen["x"] == 1
    assert seen["steps.a.status"] == "COMPLETED"


def test_run_status():
    def results(*statuses_):
        return {str(i): StepResult(name=str(i), status=s) for i, s in enumerate(statuses_)}

    done, failed = StepStatus.COMPLETED, StepStatus.FAILED
    assert (
        run_status(results(done, StepStatus.SKIPPED), cancelled=False, continue_on_error=False)
        is RunStatus.COMPLETED
    )
    assert run_status(results(), cancelled=False, continue_on_error=False) is RunStatus.COMPLETED
    assert (
        run_status(results(done, failed), cancelled=False, continue_on_error=False)
        is RunStatus.FAILED
    )
    assert (
        run_status(results(done, failed), cancelled=False, continue_on_error=True)
        is RunStatus.PARTIAL
    )
    assert (
        run_status(results(done, StepStatus.CANCELLED), cancelled=False, continue_on_error=True)
        is RunStatus.CANCELLED
    )
    assert (
        run_status(results(failed), cancelled=True, continue_on_error=False) is RunStatus.CANCELLED
    )


def test_new_run_id_is_sortable_and_unique():
    ids = {new_run_id() for _ in range(50)}
    assert len(ids) == 50
    # Short (20 characters, e.g. 20261204-153012-a1b2): shown whole everywhere.
    assert all(re.fullmatch(r"\d{8}-\d{6}-[0-9a-z]{4}", i) for i in ids)


# -- RunSession directly -----------------------------------------------------------


@pytest.fixture
def session(hooks, tiny):
    recipe = make_recipe(make_step("a", 1), make_step("b", 2, depends_on=["a"]), make_step("c", 3))
    plan = build_plan(recipe)
    context = Context.from_dict({"base": 1})
    info = RunInfo(run_id="s1", recipe=recipe, started_at=0.0)
    return RunSession(
        hooks=hooks,
        recipe=recipe,
        plan=plan,
        context=context,
        info=info,
        options=SchedulerOptions(),
    )


def _result(name, status, **kw):
    return StepResult(
        name=name, status=status, started_at=10.0, finished_at=10.25, exit_code=0, **kw
    )


def test_session_applies_delta_only_for_completed(session):
    a, b, c = session.order
    session.finished(
        a, _result("a", StepStatus.COMPLETED), Delta(changes={"from_a": 1}, removed=("base",))
    )
    session.finished(b, _result("b", StepStatus.FAILED), Delta(changes={"from_b": 1}))
    session.finished(c, _result("c", StepStatus.CANCELLED), Delta(changes={"from_c": 1}))
    data = session.context.to_dict()
    assert data["from_a"] == 1
    assert "base" not in data
    assert "from_b" not in data
    assert "from_c" not in data
    assert data["steps.a.status"] == "COMPLETED"
    assert data["steps.a.exit_code"] == 0
    assert data["steps.a.duration"] == 0.25
    assert data["steps.b.status"] == "FAILED"
    assert data["steps.c.status"] == "CANCELLED"
    assert session.results["b"].status is StepStatus.FAILED


def test_session_completed_without_delta(session):
    a = session.order[0]
    session.finished(a, _result("a", StepStatus.COMPLETED))
    assert session.context.get("steps.a.status") == "COMPLETED"


def test_session_step_reported_twice_raises(session):
    a = session.order[0]
    session.finished(a, _result("a", StepStatus.COMPLETED), Delta(changes={"x": 1}))
    with pytest.raises(RuntimeError, match="'a' was reported twice"):
        session.finished(a, _result("a", StepStatus.FAILED), Delta(changes={"x": 2}))
    assert session.results["a"].status is StepStatus.COMPLETED
    assert session.context.get("x") == 1


def test_session_step_finished_gets_the_applied_delta(pm, recorder, session):
    # Observers are looked up when the session is built (a run registers them first).
    a, b, _ = session.order
    session.finished(a, _result("a", StepStatus.COMPLETED), Delta(changes={"x": 1}))
    session.finished(b, _result("b", StepStatus.FAILED), Delta(changes={"y": 1}))
    assert recorder.calls == [
        ("step_finished", "a", StepStatus.COMPLETED, {"x": 1}),
        ("step_finished", "b", StepStatus.FAILED, {}),
    ]


def test_session_skip(session):
    c = session.order[2]
    session.skip(c, "not today")
    assert session.results["c"].status is StepStatus.SKIPPED
    assert session.results["c"].error == "not today"
    assert session.context.get("steps.c.status") == "SKIPPED"


def test_session_graph_and_runner(session, tiny):
    a, b, c = session.order
    assert [s.name for s in session.order] == ["a", "b", "c"]
    assert session.dependencies(b) == ("a",)
    assert session.dependants(a) == ("b",)
    assert session.dependants(c) == ()
    assert session.runner(a) is tiny.runner
    assert session.run_id == "s1"
    env = session.env(a, 2)
    assert (env.run_id, env.attempt, env.timeout) == ("s1", 2, None)


def test_session_view_reads_live_or_snapshot(session):
    a = session.order[0]
    live = session.view(a)
    snap = session.view(a, snapshot=True)
    session.context.set("later", 1)
    assert live.get("later") == 1
    assert snap.get("later") is None
    assert snap.get("base") == 1
    assert live.who == "a"


def test_session_cancel(session):
    assert not session.cancelled
    session.cancel()
    assert session.cancelled
    assert session.cancel_event.is_set()


def test_session_finished_is_thread_safe(hooks, tiny):
    steps = [make_step(f"s{i}", i) for i in range(200)]
    recipe = make_recipe(*steps)
    context = Context()
    session = RunSession(
        hooks=hooks,
        recipe=recipe,
        plan=build_plan(recipe),
        context=context,
        info=RunInfo(run_id="t", recipe=recipe, started_at=0.0),
        options=SchedulerOptions(),
    )
    barrier = threading.Barrier(8)

    def report(chunk):
        barrier.wait()
        for step in chunk:
            session.finished(
                step, _result(step.name, StepStatus.COMPLETED), Delta(changes={step.name: 1})
            )

    threads = [threading.Thread(target=report, args=(steps[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(session.results) == 200
    assert all(context.get(f"s{i}") == 1 for i in range(200))
    assert all(context.get(f"steps.s{i}.status") == "COMPLETED" for i in range(200))
