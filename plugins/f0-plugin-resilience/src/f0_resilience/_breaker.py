"""``CircuitBreaker`` (``spec/scriptlets.md`` §2).

CLOSED → OPEN after ``failure_threshold`` (5) consecutive failures; OPEN
refuses calls with :class:`CircuitOpenError` until ``recovery_timeout``
(60 s) has passed → HALF_OPEN, which lets up to ``half_open_max_calls`` (3)
trial calls through: a success closes the circuit (failures reset), a failure
reopens it.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from f0_resilience._errors import CircuitOpenError

__all__ = ["CircuitBreaker", "CircuitState"]

P = ParamSpec("P")
T = TypeVar("T")


class CircuitState(enum.StrEnum):
    """The breaker's state."""

    CLOSED = "CLOSED"
    OPEN = "OPEN"
    HALF_OPEN = "HALF_OPEN"


class CircuitBreaker:
    """Thread-safe; *clock* (monotonic seconds) is for tests."""

    def __init__(
        self,
        failure_threshold: int = 5,
        recovery_timeout: float = 60.0,
        half_open_max_calls: int = 3,
        name: str = "default",
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or half_open_max_calls < 1 or recovery_timeout < 0:
            msg = "failure_threshold and half_open_max_calls must be >= 1, recovery_timeout >= 0"
            raise ValueError(msg)
        self.failure_threshold = failure_threshold
        self.recovery_timeout = float(recovery_timeout)
        self.half_open_max_calls = half_open_max_calls
        self.name = name
        self._clock = clock
        self._lock = threading.Lock()
        self._state = CircuitState.CLOSED
        self._failures = 0
        self._successes = 0
        self._total = 0
        self._rejected = 0
        self._trials = 0
        self._opened_at = 0.0
        self._last_failure: float | None = None

    def _current(self) -> CircuitState:
        if (
            self._state is CircuitState.OPEN
            and self._clock() - self._opened_at >= self.recovery_timeout
        ):
            self._state = CircuitState.HALF_OPEN
            self._trials = 0
        return self._state

    @property
    def state(self) -> CircuitState:
        """The state now (an OPEN circuit past its timeout reads HALF_OPEN)."""
        with self._lock:
            return self._current()

    def before_call(self) -> None:
        """Admit one call or raise :class:`CircuitOpenError` (for callers that time calls themselves)."""
        with self._lock:
            state = self._current()
            refuse = state is CircuitState.OPEN or (
                state is CircuitState.HALF_OPEN and self._trials >= self.half_open_max_calls
            )
            if refuse:
                self._rejected += 1
                left = max(self.recovery_timeout - (self._clock() - self._opened_at), 0.0)
                msg = (
                    f"circuit breaker {self.name!r} is open after {self._failures} failures; "
                    f"call refused (half-open in {left:.1f}s)"
                )
                raise CircuitOpenError(msg)
            self._total += 1
            if state is CircuitState.HALF_OPEN:
                self._trials += 1

    def on_success(self) -> None:
        """The admitted call succeeded: close the circuit."""
        with self._lock:
            self._successes += 1
            self._failures = 0
            self._state = CircuitState.CLOSED

    def on_failure(self) -> None:
        """The admitted call failed: count it; open at the threshold or from HALF_OPEN."""
        with self._lock:
            self._failures += 1
            self._last_failure = time.time()
            if self._state is CircuitState.HALF_OPEN or self._failures >= self.failure_threshold:
                self._state = CircuitState.OPEN
                self._opened_at = self._clock()

    def call(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Call *func* through the breaker."""
        self.before_call()
        try:
            result = func(*args, **kwargs)
        except Exception:
            self.on_failure()
            raise
        self.on_success()
        return result

    def reset(self) -> None:
        """Back to CLOSED with no failures."""
        with self._lock:
            self._state, self._failures, self._trials = CircuitState.CLOSED, 0, 0

    def get_stats(self) -> dict[str, Any]:
        """state, failure_count, success_count, total_calls, rejected_calls, last_failure_time."""
        with self._lock:
            return {
                "name": self.name,
                "state": self._current().value,
                "failure_count": self._failures,
                "success_count": self._successes,
                "total_calls": self._total,
                "rejected_calls": self._rejected,
                "last_failure_time": self._last_failure,
            }
