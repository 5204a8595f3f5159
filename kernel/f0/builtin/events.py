"""Run events as structlog log lines: an observer plugin.

``f0 run --log-json`` (or ``--debug``) registers it for the run, so scripts
get one JSON line per run/step event on stderr. It is not registered
otherwise: observers sit on every step's path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from f0._markers import hookimpl
from f0.log import get_logger

if TYPE_CHECKING:
    from f0.model import Delta, RunInfo, RunResult, Step, StepResult


class EventLogger:
    """Logs ``run.started``, ``step.started``, ``step.finished``, ``run.finished``."""

    def __init__(self) -> None:
        self.log: Any = get_logger("f0.run")

    @hookimpl
    def f0_run_started(self, run: RunInfo) -> None:
        """Log the start of a run."""
        self.log.info(
            "run.started", run_id=run.run_id, recipe=run.recipe.name, steps=len(run.recipe.steps)
        )

    @hookimpl
    def f0_step_started(self, run: RunInfo, step: Step, attempt: int) -> None:
        """Log each attempt's start (debug)."""
        self.log.debug("step.started", run_id=run.run_id, step=step.name, attempt=attempt)

    @hookimpl
    def f0_step_finished(self, run: RunInfo, step: Step, result: StepResult, delta: Delta) -> None:
        """Log each step's result; failures at warning level."""
        method = self.log.warning if result.status.value == "FAILED" else self.log.info
        method(
            "step.finished",
            run_id=run.run_id,
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
            run_id=run.run_id,
            status=result.status.value,
            duration_s=round(result.duration_s, 6),
        )
