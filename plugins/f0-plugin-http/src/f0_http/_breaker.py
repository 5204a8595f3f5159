"""The HTTP client's circuit breaker (``spec/scriptlets.md`` §1, api_integration).

``CircuitBreaker(failure_threshold=5, timeout_seconds=30)``: after 5
consecutive failures the circuit opens and calls fail fast with
:class:`APIIntegrationError` without being made; after 30 s one trial call is
let through (half-open): its success closes the circuit, its failure reopens
it. This is the api_integration breaker of §1; the general-purpose one of §2
(60 s, three half-open calls) is in ``f0-plugin-resilience``: each plugin
stays installable alone, so each keeps its own small, spec-exact version.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from f0_http._errors import APIIntegrationError

__all__ = ["CLOSED", "HALF_OPEN", "OPEN", "CircuitBreaker"]

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"

P = ParamSpec("P")
T = TypeVar("T")


class CircuitBreaker:
    """Thread-safe; *clock* (monotonic seconds) is for tests."""

    def __init__(
        self,
        failure_threshold: int = 5,
        timeout_seconds: float = 30.0,
        *,
        name: str = "default",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            msg = f"failure_threshold must be >= 1, not {failure_threshold!r}"
            raise ValueError(msg)
        if timeout_seconds < 0:
            msg = f"timeout_seconds must be >= 0, not {timeout_seconds!r}"
            raise ValueError(msg)
        self.failure_threshold = failure_threshold
        self.timeout_seconds = float(timeout_seconds)
        self.name = name
        self._clock = clock
        self._lock = threading.Lock()
        self._state = CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._trial_running = False

    @property
    def state(self) -> str:
        """``closed``, ``open`` or ``half_open`` (an open circuit past its timeout)."""
        with self._lock:
            return self._current()

    @property
    def failure_count(self) -> int:
        """Consecutive failures counted so far."""
        return self._failures

    def _current(self) -> str:
        if self._state == OPEN and self._clock() - self._opened_at >= self.timeout_seconds:
            self._state = HALF_OPEN
        return self._state

    def _admit(self) -> None:
        with self._lock:
            state = self._current()
            if state == OPEN or (state == HALF_OPEN and self._trial_running):
                left = self.timeout_seconds - (self._clock() - self._opened_at)
                msg = (
                    f"circuit breaker {self.name!r} is open after {self._failures} consecutive "
                    f"failures; not calling (next trial in {max(left, 0.0):.1f}s)"
                )
                raise APIIntegrationError(msg)
            if state == HALF_OPEN:
                self._trial_running = True

    def record_success(self) -> None:
        """A call succeeded: close the circuit and forget past failures."""
        with self._lock:
            self._state = CLOSED
            self._failures = 0
            self._trial_running = False

    def record_failure(self) -> None:
        """A call failed: count it; open at the threshold or after a failed trial."""
        with self._lock:
            self._failures += 1
            if self._state == HALF_OPEN or self._failures >= self.failure_threshold:
                self._state = OPEN
                self._opened_at = self._clock()
            self._trial_running = False

    def call(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Call *func* through the breaker; raise APIIntegrationError while open."""
        self._admit()
        try:
            result = func(*args, **kwargs)
        except BaseException:
            self.record_failure()
            raise
        self.record_success()
        return result
