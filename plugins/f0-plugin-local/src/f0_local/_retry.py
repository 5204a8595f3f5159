"""Retrying a step: the backoff and the attempt loop come from tenacity.

The delay before attempt ``n+1`` is ``min(delay * factor**(n-1), max_delay)``
(tenacity's ``wait_exponential``) plus up to ``jitter`` times that value of
random spread. Waiting between attempts ends early when the run is cancelled.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import tenacity

from f0_local._common import AttemptResult, Cancelled

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable

    from f0 import RetryPolicy

__all__ = ["backoff", "run_with_retries"]


class _ProportionalJitter(tenacity.wait.wait_base):
    """Adds up to *fraction* x the base delay (tenacity's own jitter is absolute)."""

    def __init__(self, base: tenacity.wait.wait_base, fraction: float) -> None:
        self._base = base
        self._fraction = fraction

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        delay = self._base(retry_state)
        return delay + delay * self._fraction * random.random()  # noqa: S311 - spread, not secrecy


def backoff(policy: RetryPolicy) -> tenacity.wait.wait_base:
    """The tenacity wait strategy for *policy*."""
    base = tenacity.wait_exponential(
        multiplier=policy.delay, exp_base=policy.factor, max=policy.max_delay
    )
    return _ProportionalJitter(base, policy.jitter) if policy.jitter > 0 else base


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
