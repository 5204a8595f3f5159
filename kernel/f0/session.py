"""RunSession: what a scheduler plugin drives.

The kernel builds one session per run (plan, context, runners, observers);
the scheduler decides *when* and *where* each step runs and reports each
step exactly once through :meth:`RunSession.finished`. The session applies
that step's delta to the run context (in completion order), writes the
``steps.<name>.*`` keys and calls the observer hooks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from f0.context import Context, StepContext
from f0.model import Delta, RunInfo, SchedulerOptions, Step, StepResult, StepStatus
from f0.plan import Plan
from f0.protocols import StepEnv

if TYPE_CHECKING:
    from f0.hooks import Hooks
    from f0.model import Recipe
    from f0.protocols import StepRunner

__all__ = ["RunSession"]

_EMPTY_DELTA = Delta()


class RunSession:
    """The state of one run, shared by the kernel and the scheduler.

    Thread-safe: ``finished`` and ``started`` may be called from any thread.
    """

    def __init__(
        self,
        *,
        hooks: Hooks,
        recipe: Recipe,
        plan: Plan,
        context: Context,
        info: RunInfo,
        options: SchedulerOptions,
    ) -> None:
        self.hooks = hooks
        self.recipe = recipe
        self.plan = plan
        self.context = context
        self.info = info
        self.options = options
        #: Set when the run is cancelled (Ctrl-C); schedulers stop starting steps.
        self.cancel_event = threading.Event()
        self.results: dict[str, StepResult] = {}
        self._lock = threading.Lock()
        self._runners: dict[str, StepRunner] = {}
        # Observer hook callers, looked up once: they sit on every step's path.
        self._started_hook = hooks.pm.hook.f0_step_started
        self._finished_hook = hooks.pm.hook.f0_step_finished

    # -- what to run -----------------------------------------------------
    @property
    def run_id(self) -> str:
        """The run's id."""
        return self.info.run_id

    @property
    def order(self) -> tuple[Step, ...]:
        """Every step, dependencies first, lower ``idx`` first among ready steps."""
        return self.plan.order

    def dependencies(self, step: Step) -> tuple[str, ...]:
        """Names of the steps *step* waits for."""
        return step.depends_on

    def dependants(self, step: Step) -> tuple[str, ...]:
        """Names of the steps that wait for *step*."""
        return self.plan.dependants.get(step.name, ())

    def runner(self, step: Step) -> StepRunner:
        """The step runner for *step*'s type (cached per type)."""
        runner = self._runners.get(step.type)
        if runner is None:
            runner = self._runners[step.type] = self.hooks.step_runner(step.type)
        return runner

    def env(self, step: Step, attempt: int) -> StepEnv:
        """The :class:`StepEnv` for one attempt of *step*."""
        return StepEnv(
            run_id=self.info.run_id,
            base_dir=self.recipe.base_dir,
            attempt=attempt,
            timeout=step.timeout,
        )

    def view(self, step: Step, *, snapshot: bool = False) -> StepContext:
        """A fresh :class:`StepContext` for one attempt of *step*.

        ``snapshot=True`` gives a view over a plain-dict copy of the context,
        which can be pickled to another process.
        """
        base: Context | Mapping[str, Any] = self.context.to_dict() if snapshot else self.context
        return StepContext(base, who=step.name)

    # -- reporting -------------------------------------------------------
    def started(self, step: Step, attempt: int) -> None:
        """Tell observers that *attempt* of *step* starts now."""
        self._started_hook(run=self.info, step=step, attempt=attempt)

    def finished(self, step: Step, result: StepResult, delta: Delta | None = None) -> None:
        """Record *step*'s final *result*; apply *delta* if it COMPLETED.

        Call exactly once per step. A delta of a step that did not complete
        is discarded: a failed or timed-out step changes nothing.
        """
        if result.status is not StepStatus.COMPLETED or delta is None:
            delta = _EMPTY_DELTA
        ctx = self.context
        with self._lock:
            if step.name in self.results:
                msg = f"step {step.name!r} was reported twice"
                raise RuntimeError(msg)
            self.results[step.name] = result
            if not delta.empty:
                ctx.apply_delta(delta, who=step.name)
            if result.status is not StepStatus.SKIPPED or step.enabled:
                self._record_outcome(step, result)
        self._finished_hook(run=self.info, step=step, result=result, delta=delta)

    def skip(self, step: Step, reason: str, status: StepStatus = StepStatus.SKIPPED) -> None:
        """Report *step* as SKIPPED (or CANCELLED) without running it."""
        self.finished(step, StepResult(name=step.name, status=status, error=reason))

    def cancel(self) -> None:
        """Ask the scheduler to stop: no new steps start."""
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self.cancel_event.is_set()

    def _record_outcome(self, step: Step, result: StepResult) -> None:
        # The spec's per-step keys (recipes.md §4.6), written as kernel changes.
        prefix = f"steps.{step.name}."
        outcome: dict[str, Any] = {
            prefix + "status": result.status.value,
            prefix + "exit_code": result.exit_code,
            prefix + "duration": round(result.duration_s, 6),
        }
        if isinstance(result.result, dict):
            outcome[prefix + "result"] = result.result
        self.context.apply_delta(Delta(changes=outcome), who="f0")


def now() -> float:
    """Wall-clock timestamp used for step results."""
    return time.time()
