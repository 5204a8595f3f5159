"""In-test plugins and builders, so kernel tests depend on no f0 plugin.

``TinyPlugin`` provides everything a run needs: a ``.tiny`` recipe loader
(JSON), an ``fn`` step type (calls a Python function from a dict), a
``serial`` scheduler and a ``mem://`` context store. ``Recorder`` records
observer hook calls in order.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from f0 import hookimpl
from f0.attempt import run_attempt
from f0.context import StepContext
from f0.model import (
    Delta,
    Problem,
    Recipe,
    RunInfo,
    RunResult,
    SchedulerOptions,
    SourcePos,
    Step,
    StepOutcome,
    StepResult,
    StepStatus,
)

if TYPE_CHECKING:
    from pathlib import Path

    from f0.session import RunSession

StepFn = Callable[[StepContext], StepOutcome | None]


def make_step(name: str, idx: int, **kwargs: Any) -> Step:
    """A step of type ``fn`` that by default calls the function named like the step.

    Every key gets a distinct position in ``recipe.tiny`` (line = idx, column
    = a per-key offset), so tests can check where problems point.
    """
    kwargs.setdefault("type", "fn")
    kwargs.setdefault("function", name)
    keys = ("name", "idx", "type", "function", "depends_on", "args")
    key_pos = {k: SourcePos("recipe.tiny", idx, 10 + i) for i, k in enumerate(keys)}
    return Step(name=name, idx=idx, pos=SourcePos("recipe.tiny", idx, 1), key_pos=key_pos, **kwargs)


def make_recipe(*steps: Step, name: str = "tiny", path: Path | None = None) -> Recipe:
    """A recipe holding *steps*."""
    return Recipe(name=name, steps=steps, path=path)


class MemoryStore:
    """A ContextStore keeping data in a dict and remembering every write."""

    def __init__(self, url: str, initial: Mapping[str, Any] | None = None) -> None:
        self.url = url
        self.data: dict[str, Any] = dict(initial or {})
        self.writes: list[tuple[dict[str, Any], tuple[str, ...]]] = []
        self.closed = False

    def load(self) -> Mapping[str, Any]:
        return dict(self.data)

    def write(self, changes: Mapping[str, Any], removed: Iterable[str]) -> None:
        removed = tuple(removed)
        self.writes.append((dict(changes), removed))
        self.data.update(changes)
        for key in removed:
            self.data.pop(key, None)

    def close(self) -> None:
        self.closed = True


class FnRunner:
    """Step type ``fn``: ``funcs[step.function](context)``; a non-StepOutcome is success."""

    option_keys = frozenset({"colour"})

    def __init__(self, funcs: dict[str, StepFn]) -> None:
        self.funcs = funcs
        self.prepared: list[str] = []

    def prepare(self, step: Step, recipe: Recipe) -> list[Problem]:
        self.prepared.append(step.name)
        if step.function not in self.funcs:
            return [Problem(message=f"no function {step.function!r}", pos=step.where("function"))]
        return []

    def run(self, step: Step, context: StepContext, env: Any) -> StepOutcome:
        outcome = self.funcs[step.function or step.name](context)
        return outcome if isinstance(outcome, StepOutcome) else StepOutcome(success=True)


class SerialScheduler:
    """Runs steps one at a time in plan order.

    A disabled step is skipped, so is a step whose dependency did not
    complete; after a failure the remaining steps are skipped unless
    ``continue_on_error``. ``plugin.cancel_after`` / ``plugin.interrupt_after``
    name a step after which the run is cancelled / Ctrl-C is simulated.
    """

    def __init__(self, plugin: TinyPlugin, options: SchedulerOptions) -> None:
        self.plugin = plugin
        self.options = options
        self.session: RunSession | None = None

    def run(self, session: RunSession) -> None:
        self.session = session
        failed = False
        for step in session.order:
            if session.cancelled:
                return
            if not step.enabled:
                session.skip(step, "enabled: false")
                continue
            if failed and not session.options.continue_on_error:
                session.skip(step, "an earlier step failed")
                continue
            missing = [
                d for d in step.depends_on if session.results[d].status is not StepStatus.COMPLETED
            ]
            if missing:
                session.skip(step, f"dependency {missing[0]!r} did not complete")
                continue
            session.started(step, 1)
            view = session.view(step)
            started = time.time()
            outcome = run_attempt(session.runner(step), step, view, session.env(step, 1))
            result = StepResult(
                name=step.name,
                status=StepStatus.COMPLETED if outcome.success else StepStatus.FAILED,
                attempts=1,
                started_at=started,
                finished_at=time.time(),
                exit_code=outcome.exit_code,
                error=outcome.error,
                result=outcome.result,
            )
            session.finished(step, result, view.delta())
            failed = failed or not outcome.success
            if step.name == self.plugin.cancel_after:
                session.cancel()
            if step.name == self.plugin.interrupt_after:
                raise KeyboardInterrupt


class TinyPlugin:
    """Loader (``.tiny``), step type ``fn``, scheduler ``serial``, store ``mem://``."""

    def __init__(self, funcs: dict[str, StepFn] | None = None) -> None:
        self.funcs: dict[str, StepFn] = funcs if funcs is not None else {}
        self.runner = FnRunner(self.funcs)
        self.stores: list[MemoryStore] = []
        self.schedulers: list[SerialScheduler] = []
        self.cancel_after: str | None = None
        self.interrupt_after: str | None = None

    @property
    def session(self) -> RunSession:
        """The session of the last run."""
        session = self.schedulers[-1].session
        assert session is not None
        return session

    @hookimpl
    def f0_load_recipe(self, path: Path, text: str) -> Recipe | None:
        if path.suffix != ".tiny":
            return None
        raw = json.loads(text)
        steps = [
            make_step(
                s["name"],
                s["idx"],
                depends_on=s.get("depends_on", ()),
                args=s.get("args", {}),
                enabled=s.get("enabled", True),
            )
            for s in raw["steps"]
        ]
        return Recipe(name=raw["name"], steps=steps, path=path)

    @hookimpl
    def f0_step_runner(self, step_type: str) -> FnRunner | None:
        return self.runner if step_type == "fn" else None

    @hookimpl
    def f0_step_types(self) -> list[str]:
        return ["fn"]

    @hookimpl
    def f0_scheduler(self, name: str, options: SchedulerOptions) -> SerialScheduler | None:
        if name != "serial":
            return None
        scheduler = SerialScheduler(self, options)
        self.schedulers.append(scheduler)
        return scheduler

    @hookimpl
    def f0_context_store(self, url: str) -> MemoryStore | None:
        if not url.startswith("mem://"):
            return None
        store = MemoryStore(url)
        self.stores.append(store)
        return store


class Recorder:
    """Records every observer hook call as a tuple, in call order."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    @hookimpl
    def f0_run_started(self, run: RunInfo) -> None:
        self.calls.append(("run_started", run.run_id))

    @hookimpl
    def f0_step_started(self, run: RunInfo, step: Step, attempt: int) -> None:
        self.calls.append(("step_started", step.name, attempt))

    @hookimpl
    def f0_step_finished(self, run: RunInfo, step: Step, result: StepResult, delta: Delta) -> None:
        self.calls.append(("step_finished", step.name, result.status, dict(delta.changes)))

    @hookimpl
    def f0_run_finished(self, run: RunInfo, result: RunResult) -> None:
        self.calls.append(("run_finished", result.status))


def setter(**values: Any) -> StepFn:
    """A step function that sets *values* in its context."""

    def fn(ctx: StepContext) -> None:
        for key, value in values.items():
            ctx.set(key, value)

    return fn


def failer(message: str = "boom") -> StepFn:
    """A step function that sets ``partial`` and then raises."""

    def fn(ctx: StepContext) -> None:
        ctx.set("partial", True)
        raise RuntimeError(message)

    return fn
