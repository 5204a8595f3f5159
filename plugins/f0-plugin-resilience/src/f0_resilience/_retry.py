"""``RetryStrategy`` (``spec/scriptlets.md`` §2, Retry), on tenacity.

``calculate_delay(attempt)`` (attempt from 1) is the wait after that
attempt: FIXED ``d0``; LINEAR ``d0*attempt``; EXPONENTIAL
``d0*mult**(attempt-1)``; EXPONENTIAL_JITTER the exponential value moved
uniformly by up to ``jitter_factor`` of itself; all capped at ``max_delay``.
"""

from __future__ import annotations

import enum
import random
import time
from collections.abc import Callable
from typing import Any

import attrs

__all__ = ["BackoffStrategy", "RetryResult", "RetryStrategy"]


class BackoffStrategy(enum.StrEnum):
    """How the wait between attempts grows."""

    FIXED = "FIXED"
    LINEAR = "LINEAR"
    EXPONENTIAL = "EXPONENTIAL"
    EXPONENTIAL_JITTER = "EXPONENTIAL_JITTER"


@attrs.frozen(kw_only=True)
class RetryResult:
    """What :meth:`RetryStrategy.execute_with_retry` did; it never raises."""

    success: bool
    attempts_made: int
    total_duration: float
    final_result: Any = None
    final_error: BaseException | None = None
    #: One ``{"attempt", "success", "error", "duration"}`` per attempt.
    attempt_history: tuple[dict[str, Any], ...] = ()
    backoff_times: tuple[float, ...] = ()


class RetryStrategy:
    """Retry an operation with backoff. *sleep* and *rng* are for tests."""

    def __init__(  # noqa: PLR0917 - the spec's signature
        self,
        max_attempts: int = 3,
        backoff_strategy: BackoffStrategy = BackoffStrategy.EXPONENTIAL,
        initial_delay: float = 1.0,
        max_delay: float = 60.0,
        backoff_multiplier: float = 2.0,
        jitter_factor: float = 0.1,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if max_attempts < 1:
            msg = f"max_attempts must be >= 1, not {max_attempts!r}"
            raise ValueError(msg)
        if (
            initial_delay < 0
            or max_delay < 0
            or backoff_multiplier < 1
            or not 0 <= jitter_factor <= 1
        ):
            msg = "delays must be >= 0, backoff_multiplier >= 1 and 0 <= jitter_factor <= 1"
            raise ValueError(msg)
        self.max_attempts = max_attempts
        self.backoff_strategy = BackoffStrategy(backoff_strategy)
        self.initial_delay = float(initial_delay)
        self.max_delay = float(max_delay)
        self.backoff_multiplier = float(backoff_multiplier)
        self.jitter_factor = float(jitter_factor)
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._exceptions: tuple[type[BaseException], ...] = ()
        self._condition: Callable[[BaseException], bool] | None = None

    def calculate_delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number *attempt* (from 1)."""
        d0, kind = self.initial_delay, self.backoff_strategy
        if kind is BackoffStrategy.FIXED:
            delay = d0
        elif kind is BackoffStrategy.LINEAR:
            delay = d0 * attempt
        else:
            delay = d0 * self.backoff_multiplier ** (attempt - 1)
            if kind is BackoffStrategy.EXPONENTIAL_JITTER:
                delay += delay * self.jitter_factor * self._rng.uniform(-1.0, 1.0)
        return max(0.0, min(delay, self.max_delay))

    def add_retry_exception(self, exc_type: type[BaseException]) -> None:
        """Retry only exceptions of the types added (default: every ``Exception``)."""
        self._exceptions = (*self._exceptions, exc_type)

    def set_retry_condition(self, condition: Callable[[BaseException], bool]) -> None:
        """Retry only when ``condition(error)`` is true (on top of the exception types)."""
        self._condition = condition

    def should_retry(self, error: BaseException) -> bool:
        """Whether *error* is worth another attempt."""
        if not isinstance(error, self._exceptions or (Exception,)):
            return False
        return self._condition is None or bool(self._condition(error))

    def execute_with_retry(
        self, operation: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> RetryResult:
        """Call ``operation(*args, **kwargs)`` until it succeeds or attempts run out."""
        import tenacity

        history: list[dict[str, Any]] = []
        backoffs: list[float] = []
        start = time.perf_counter()

        def wait(state: tenacity.RetryCallState) -> float:
            delay = self.calculate_delay(state.attempt_number)
            backoffs.append(delay)
            return delay

        def failed(state: tenacity.RetryCallState) -> bool:
            outcome = state.outcome
            error = outcome.exception() if outcome is not None else None
            return error is not None and self.should_retry(error)

        def attempt() -> Any:
            number = len(history) + 1
            began = time.perf_counter()
            try:
                value = operation(*args, **kwargs)
            except Exception as exc:
                history.append(
                    {
                        "attempt": number,
                        "success": False,
                        "error": f"{type(exc).__name__}: {exc}",
                        "duration": time.perf_counter() - began,
                    }
                )
                raise
            history.append(
                {
                    "attempt": number,
                    "success": True,
                    "error": None,
                    "duration": time.perf_counter() - began,
                }
            )
            return value

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.max_attempts),
            wait=wait,
            retry=failed,
            sleep=self._sleep,
            reraise=True,
        )
        result: Any = None
        error: BaseException | None = None
        try:
            result = retrying(attempt)
        except Exception as exc:  # noqa: BLE001 - execute_with_retry never raises (spec)
            error = exc
        return RetryResult(
            success=error is None,
            attempts_made=len(history),
            total_duration=time.perf_counter() - start,
            final_result=result,
            final_error=error,
            attempt_history=tuple(history),
            backoff_times=tuple(backoffs),
        )
