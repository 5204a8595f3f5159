"""Breakers, rate limiters and bulkhead compartments shared by the steps of one process.

Steps naming the same breaker (or limiter) with the same settings share it;
bulkhead compartments are shared by name (the first step to use a name sets
its limits). With the default thread pool that is the whole run; with
``--processes`` each worker process has its own.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from f0_resilience._breaker import CircuitBreaker
    from f0_resilience._bulkhead import Bulkhead
    from f0_resilience._ratelimit import RateLimiter

__all__ = ["shared_breaker", "shared_bulkhead", "shared_limiter"]

_LOCK = threading.Lock()
_BREAKERS: dict[tuple[str, int, float, int], CircuitBreaker] = {}
_LIMITERS: dict[tuple[str, float, int], RateLimiter] = {}
_BULKHEAD: list[Bulkhead] = []


def shared_breaker(
    name: str, failure_threshold: int, recovery_timeout: float, half_open_max_calls: int
) -> CircuitBreaker:
    """The process's breaker called *name* with these settings."""
    from f0_resilience._breaker import CircuitBreaker

    key = (name, failure_threshold, recovery_timeout, half_open_max_calls)
    with _LOCK:
        if key not in _BREAKERS:
            _BREAKERS[key] = CircuitBreaker(
                failure_threshold, recovery_timeout, half_open_max_calls, name
            )
        return _BREAKERS[key]


def shared_limiter(name: str, requests_per_second: float, burst_size: int) -> RateLimiter:
    """The process's rate limiter called *name* with these settings."""
    from f0_resilience._ratelimit import RateLimiter

    key = (name, requests_per_second, burst_size)
    with _LOCK:
        if key not in _LIMITERS:
            _LIMITERS[key] = RateLimiter(requests_per_second, burst_size)
        return _LIMITERS[key]


def shared_bulkhead() -> Bulkhead:
    """The process's bulkhead."""
    from f0_resilience._bulkhead import Bulkhead

    with _LOCK:
        if not _BULKHEAD:
            _BULKHEAD.append(Bulkhead())
        return _BULKHEAD[0]
