"""Small pieces every part of the local scheduler shares."""

from __future__ import annotations

from f0 import Delta, StepOutcome

__all__ = ["AttemptResult", "Cancelled", "failed_outcome", "timeout_outcome"]

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
