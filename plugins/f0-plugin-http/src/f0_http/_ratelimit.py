"""Token-bucket rate limiter (``spec/scriptlets.md`` §1, api_integration).

``RateLimiter(requests_per_second=1.0, burst_size=10)`` starts full; each
request takes a token; tokens come back at *requests_per_second* up to
*burst_size*. ``acquire`` never blocks; ``wait_time`` says how long to wait.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["RateLimiter"]


class RateLimiter:
    """A thread-safe token bucket. *clock* (monotonic seconds) is for tests."""

    def __init__(
        self,
        requests_per_second: float = 1.0,
        burst_size: int = 10,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if requests_per_second <= 0:
            msg = f"requests_per_second must be > 0, not {requests_per_second!r}"
            raise ValueError(msg)
        if burst_size < 1:
            msg = f"burst_size must be >= 1, not {burst_size!r}"
            raise ValueError(msg)
        self.requests_per_second = float(requests_per_second)
        self.burst_size = int(burst_size)
        self._clock = clock
        self._tokens = float(burst_size)
        self._stamp = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._stamp)
        self._stamp = now
        self._tokens = min(
            float(self.burst_size), self._tokens + elapsed * self.requests_per_second
        )

    @property
    def tokens(self) -> float:
        """Tokens available now."""
        with self._lock:
            self._refill()
            return self._tokens

    def acquire(self, tokens: int = 1) -> bool:
        """Take *tokens* if they are available now; never waits."""
        with self._lock:
            self._refill()
            if self._tokens >= tokens:
                self._tokens -= tokens
                return True
            return False

    def wait_time(self, tokens: int = 1) -> float:
        """Seconds until *tokens* are available (0.0 if they are now)."""
        with self._lock:
            self._refill()
            missing = tokens - self._tokens
            return 0.0 if missing <= 0 else missing / self.requests_per_second

    def wait_and_acquire(self, tokens: int = 1, *, max_wait: float = 60.0) -> float:
        """Wait until *tokens* are available, take them and return the seconds waited.

        Raises ``TimeoutError`` when that would take longer than *max_wait*
        (the wait is bounded so a mistyped rate cannot hang a run).
        """
        if tokens > self.burst_size:
            msg = f"{tokens} tokens can never be available (burst_size {self.burst_size})"
            raise ValueError(msg)
        waited = 0.0
        while not self.acquire(tokens):
            delay = self.wait_time(tokens)
            if waited + delay > max_wait:
                msg = f"rate limit: no token within {max_wait:g}s"
                raise TimeoutError(msg)
            time.sleep(delay)
            waited += delay
        return waited
