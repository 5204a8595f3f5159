"""Retrying a step: the attempt loop comes from tenacity, the backoff from :func:`f0.retry_delay`.

The delay before attempt ``n+1`` is ``min(delay * factor**(n-1), max_delay)``
plus up to ``jitter`` times that value of random spread, clamped to
:data:`f0.MAX_RETRY_DELAY_S` (the rule every scheduler shares). Waiting
between attempts ends early when the run is cancelled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import tenacity
from f0 import retry_delay

from f0_local._common import AttemptResult, Cancelled

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable

    from f0 import RetryPolicy

__all__ = ["backoff", "run_with_retries"]


class _PolicyWait(tenacity.wait.wait_base):
    """tenacity's wait: :func:`f0.retry_delay` after the attempt that just failed."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._policy = policy

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        return retry_delay(self._policy, retry_state.attempt_number)


def backoff(policy: RetryPolicy) -> tenacity.wait.wait_base:
    """The tenacity wait strategy for *policy*."""
    return _PolicyWait(policy)


class _Sleep:
    """tenacity's ``sleep``: wait on the cancel event so Ctrl-C or cancel ends it."""

    def __init__(self, cancel_event: threading.Event) -> None:
        self._event = cancel_event

    def __call__(self, seconds: float) -> None:
        if self._event.wait(seconds):
            raise Cancelled


class _Counted:
    """Calls ``attempt(n)`` with n = 1, 2, ... and remembers how many calls were made."""

    def __init__(self, attempt: Callable[[int], AttemptResult]) -> None:
        self._attempt = attempt
        self.count = 0

    def __call__(self) -> AttemptResult:
        self.count += 1
        return self._attempt(self.count)


def _failed(result: AttemptResult) -> bool:
    return not result[0].success


def _last_result(retry_state: tenacity.RetryCallState) -> AttemptResult:
    # Retries exhausted: the step's result is its last attempt's, not a RetryError.
    outcome = retry_state.outcome
    if outcome is None:  # pragma: no cover - tenacity always sets it before stopping
        msg = "tenacity stopped before any attempt"
        raise RuntimeError(msg)
    result: AttemptResult = outcome.result()
    return result


def run_with_retries(
    policy: RetryPolicy,
    attempt: Callable[[int], AttemptResult],
    cancel_event: threading.Event,
) -> tuple[AttemptResult, int]:
    """Call ``attempt(n)`` until it succeeds or *policy* runs out; return (last result, attempts).

    Raises :class:`Cancelled` if *cancel_event* is set while waiting to retry.
    """
    counted = _Counted(attempt)
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(policy.max_attempts),
        wait=backoff(policy),
        retry=tenacity.retry_if_result(_failed),
        sleep=_Sleep(cancel_event),
        retry_error_callback=_last_result,
        reraise=True,
    )
    result: AttemptResult = retrying(counted)
    return result, counted.count
