"""Run events as structlog log lines: an observer plugin.

``f0 run --log-json`` (or ``--debug``) registers it for the run, so scripts
get one JSON line per run/step event on stderr. It is not registered
otherwise: observers sit on every step's path.

The lines are enough to rebuild the run's timeline: ``run.started``, then
per attempt ``step.started`` and ``step.attempt_finished`` (logged where the
attempt ran, with its outcome and duration), per step ``step.finished``
(final status, attempts), and ``run.finished``. Each carries ``run_id``,
``recipe`` and ``correlation_id``; step events ``step`` and ``attempt``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from f0._markers import hookimpl
from f0.log import get_logger

if TYPE_CHECKING:
    from collections.abc import Callable

    from f0.model import Delta, RunInfo, RunResult, Step, StepOutcome, StepResult
    from f0.protocols import StepEnv


def _ids(run: RunInfo) -> dict[str, Any]:
    # Explicit, not only from contextvars: the step hooks run in pool threads,
    # which do not inherit the engine thread's context.
    return {"run_id": run.run_id, "recipe": run.recipe.name, "correlation_id": run.correlation_id}


class AttemptEvents:
    """Logs ``step.attempt_finished`` where an attempt runs (picklable, no state)."""

    def wrap_attempt(
        self, step: Step, env: StepEnv, attempt: Callable[[], StepOutcome]
    ) -> StepOutcome:
        """Run *attempt*, then log its outcome and duration (ids come from the attempt's context)."""
        started = time.perf_counter()
        outcome = attempt()
        log = get_logger("f0.run")
        method = log.info if outcome.success else log.warning
        method(
            "step.attempt_finished",
            step=step.name,
            attempt=env.attempt,
            success=outcome.success,
            exit_code=outcome.exit_code,
            error=outcome.error,
            duration_s=round(time.perf_counter() - started, 6),
        )
        return outcome


_ATTEMPT_EVENTS = AttemptEvents()


class EventLogger:
    """Logs ``run.started``, ``step.started``, ``step.attempt_finished``, ``step.finished``, ``run.finished``."""

    def __init__(self) -> None:
        self.log: Any = get_logger("f0.run")

    @hookimpl
    def f0_run_started(self, run: RunInfo) -> None:
        """Log the start of a run."""
        self.log.info(
            "run.started",
            **_ids(run),
            scheduler=run.scheduler,
            steps=len(run.recipe.steps),
            order=[s.name for s in run.recipe.steps],
        )

    @hookimpl
    def f0_step_started(self, run: RunInfo, step: Step, attempt: int) -> None:
        """Log each attempt's start."""
        self.log.info(
            "step.started",
            **_ids(run),
            step=step.name,
            attempt=attempt,
            depends_on=list(step.depends_on),
        )

    @hookimpl
    def f0_attempt_wrappers(self, run: RunInfo, step: Step, attempt: int) -> list[AttemptEvents]:  # noqa: ARG002 - hook signature
        """Log each attempt's end where it runs."""
        return [_ATTEMPT_EVENTS]

    @hookimpl
    def f0_step_finished(self, run: RunInfo, step: Step, result: StepResult, delta: Delta) -> None:
        """Log each step's result; failures at warning level."""
        method = self.log.warning if result.status.value == "FAILED" else self.log.info
        method(
            "step.finished",
            **_ids(run),
            step=step.name,
            status=result.status.value,
            attempts=result.attempts,
            duration_s=round(result.duration_s, 6),
            error=result.error,
            changed=sorted([*delta.changes, *delta.removed]),
        )

    @hookimpl
    def f0_run_finished(self, run: RunInfo, result: RunResult) -> None:
        """Log the end of a run."""
        self.log.info(
            "run.finished",
            **_ids(run),
            status=result.status.value,
            duration_s=round(result.duration_s, 6),
        )
