"""Token-bucket ``RateLimiter`` (``spec/scriptlets.md`` §1, "Rate limiter: see §1").

``RateLimiter(requests_per_second=1.0, burst_size=10)`` starts full;
``acquire`` never waits, ``wait_time`` says how long to. f0-plugin-http keeps
its own copy: plugins never import each other, and both are this small.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["RateLimiter"]


class RateLimiter:
    """Thread-safe token bucket; *clock* (monotonic seconds) is for tests."""

    def __init__(
        self,
        requests_per_second: float = 1.0,
        burst_size: int = 10,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if requests_per_second <= 0 or burst_size < 1:
            msg = "requests_per_second must be > 0 and burst_size >= 1"
            raise ValueError(msg)
        self.requests_per_second = float(requests_per_second)
        self.burst_size = int(burst_size)
        self._clock = clock
        self._tokens = float(burst_size)
        self._stamp = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(
            float(self.burst_size),
            self._tokens + max(0.0, now - self._stamp) * self.requests_per_second,
        )
        self._stamp = now

    def acquire(self, tokens: int = 1) -> bool:
        """Take *tokens* if available now."""
        with self._lock:
            self._refill()
            if self._tokens >= tokens:
                self._tokens -= tokens
                return True
            return False

    def wait_time(self, tokens: int = 1) -> float:
        """Seconds until *tokens* are available (0.0 now)."""
        with self._lock:
            self._refill()
            return max(0.0, (tokens - self._tokens) / self.requests_per_second)

    def wait_and_acquire(
        self,
        tokens: int = 1,
        *,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> float:
        """Wait for *tokens* (at most *max_wait* s, else ``TimeoutError``); return seconds waited."""
        if tokens > self.burst_size:
            msg = f"{tokens} tokens can never be available (burst_size {self.burst_size})"
            raise ValueError(msg)
        waited = 0.0
        while not self.acquire(tokens):
            delay = self.wait_time(tokens)
            if waited + delay > max_wait:
                msg = f"rate limit: no token within {max_wait:g}s"
                raise TimeoutError(msg)
            sleep(delay)
            waited += delay
        return waited
