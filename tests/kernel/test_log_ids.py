"""Run ids on log events, ``context.log``, and ``f0_attempt_wrappers`` around attempts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import structlog
from f0 import hookimpl
from f0.attempt import run_attempt
from f0.engine import run_recipe
from f0.log import RUN_IDS, add_run_ids
from f0.model import RunStatus, StepOutcome
from f0.protocols import StepEnv

from .support import make_recipe, make_step

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from f0.context import StepContext
    from f0.hooks import Hooks

    from .support import TinyPlugin


class Tag:
    """A wrapper that records when it enters and leaves, and what the step saw."""

    def __init__(self, name: str, seen: list[str]) -> None:
        self.name = name
        self.seen = seen

    def wrap_attempt(
        self, step: Any, env: StepEnv, attempt: Callable[[], StepOutcome]
    ) -> StepOutcome:
        self.seen.append(f"{self.name}>")
        outcome = attempt()
        self.seen.append(f"<{self.name}")
        return outcome


class Broken:
    def wrap_attempt(
        self, step: Any, env: StepEnv, attempt: Callable[[], StepOutcome]
    ) -> StepOutcome:
        msg = "no collector"
        raise ConnectionError(msg)


class Wrappers:
    def __init__(self, *wrappers: object) -> None:
        self.wrappers = list(wrappers)
        self.asked: list[tuple[str, int]] = []

    @hookimpl
    def f0_attempt_wrappers(self, run: Any, step: Any, attempt: int) -> list[object]:
        self.asked.append((step.name, attempt))
        return self.wrappers


def test_wrappers_surround_each_attempt_first_outermost(hooks: Hooks, tiny: TinyPlugin) -> None:
    seen: list[str] = []
    tiny.funcs["a"] = lambda ctx: seen.append("step")  # type: ignore[func-returns-value]
    wrappers = Wrappers(Tag("outer", seen), Tag("inner", seen))
    hooks.pm.register(wrappers)
    result = run_recipe(
        hooks, make_recipe(make_step("a", 1)), scheduler="serial", context_url="mem://"
    )
    assert result.status is RunStatus.COMPLETED
    assert seen == ["outer>", "inner>", "step", "<inner", "<outer"]
    assert wrappers.asked == [("a", 1)]


def test_a_broken_wrapper_fails_the_attempt_not_the_run(hooks: Hooks, tiny: TinyPlugin) -> None:
    tiny.funcs["a"] = lambda ctx: None
    tiny.funcs["b"] = lambda ctx: None
    hooks.pm.register(Wrappers(Broken()))
    recipe = make_recipe(make_step("a", 1), make_step("b", 2))
    result = run_recipe(hooks, recipe, scheduler="serial", context_url="mem://")
    assert result.status is RunStatus.FAILED
    assert result.steps["a"].error == (
        "attempt wrapper Broken failed: ConnectionError: no collector"
    )


def test_steps_see_the_run_ids_and_context_log_keeps_them(
    hooks: Hooks, tiny: TinyPlugin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("F0_CORRELATION_ID", "req-7")
    during: dict[str, Any] = {}

    def step(ctx: StepContext) -> None:
        during.update(RUN_IDS.get())
        with structlog.testing.capture_logs() as logs:
            ctx.log.info("hello", n=1)
            ctx.logger.warning("again")
        during["logs"] = logs

    tiny.funcs["a"] = step
    result = run_recipe(
        hooks, make_recipe(make_step("a", 1), name="ids"), scheduler="serial", context_url="mem://"
    )
    assert result.status is RunStatus.COMPLETED
    ids = {
        "run_id": result.run_id,
        "recipe": "ids",
        "step": "a",
        "attempt": 1,
        "correlation_id": "req-7",
    }
    assert {k: during[k] for k in ids} == ids
    for event in during["logs"]:
        assert {k: event[k] for k in ids} == ids
    assert [e["event"] for e in during["logs"]] == ["hello", "again"]
    assert RUN_IDS.get() == {}  # nothing left bound after the run


def test_a_fresh_correlation_id_per_run(
    hooks: Hooks, tiny: TinyPlugin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("F0_CORRELATION_ID", raising=False)
    seen: list[str] = []
    tiny.funcs["a"] = lambda ctx: seen.append(RUN_IDS.get()["correlation_id"])  # type: ignore[func-returns-value]
    for _ in range(2):
        run_recipe(hooks, make_recipe(make_step("a", 1)), scheduler="serial", context_url="mem://")
    assert len(set(seen)) == 2
    assert all(len(c) == 32 for c in seen)


def test_run_attempt_with_a_bare_env_binds_nothing(tmp_path: Path) -> None:
    from f0.context import StepContext

    class Runner:
        option_keys = frozenset()

        def run(self, step: Any, context: Any, env: Any) -> StepOutcome:
            return StepOutcome(success=True, result=dict(RUN_IDS.get()))

    outcome = run_attempt(
        Runner(),
        make_step("a", 1),
        StepContext({}, who="a"),
        StepEnv(run_id="r", base_dir=tmp_path),
    )  # type: ignore[arg-type]
    assert outcome.result == {}


def test_add_run_ids_does_not_override_explicit_fields() -> None:
    token = RUN_IDS.set({"run_id": "r1", "step": "a"})
    try:
        event = add_run_ids(None, "info", {"event": "x", "step": "explicit"})
    finally:
        RUN_IDS.reset(token)
    assert event == {"event": "x", "step": "explicit", "run_id": "r1"}
