"""Small pieces every part of the local scheduler shares."""

from __future__ import annotations

import time
from collections.abc import Sequence

from f0 import Delta, StepOutcome, StepResult, StepStatus

__all__ = ["AttemptResult", "Cancelled", "failed_outcome", "failed_result", "timeout_outcome"]

#: What one attempt leaves behind: its outcome and, if it succeeded, its delta.
AttemptResult = tuple[StepOutcome, Delta | None]


class Cancelled(Exception):  # noqa: N818 - a signal between our own modules, not an error
    """The run was cancelled while this step was waiting or running."""


def failed_outcome(error: str, exit_code: int = 1) -> StepOutcome:
    """A failed attempt with *error* as its message."""
    return StepOutcome(success=False, exit_code=exit_code, error=error)


def timeout_outcome(timeout: float) -> StepOutcome:
    """The failure of an attempt that outlived ``step.timeout``."""
    return failed_outcome(f"timeout after {timeout:g}s")


def failed_result(
    name: str, outcome: StepOutcome, attempts: int, started_at: float, errors: Sequence[str]
) -> StepResult:
    """The FAILED result of a step whose last attempt gave *outcome*.

    Keeps the attempt's traceback, the reason of every failed attempt
    (*errors*; just this one without retries) and, under ``--trace``, the
    failing frame's locals.
    """
    return StepResult(
        name=name,
        status=StepStatus.FAILED,
        attempts=attempts,
        started_at=started_at,
        finished_at=time.time(),
        exit_code=outcome.exit_code,
        error=outcome.error,
        result=outcome.result,
        traceback=outcome.traceback,
        attempt_errors=tuple(errors) or (outcome.error or f"exit code {outcome.exit_code}",),
        trace={"locals": dict(outcome.frame_locals)} if outcome.frame_locals is not None else None,
    )
