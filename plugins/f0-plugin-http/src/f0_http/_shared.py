"""Rate limiters and circuit breakers shared by the ``http`` steps of one process.

Steps that name the same limiter (or breaker) with the same settings share
one: a rate limit of 2 requests per second holds across every step calling
that service, and five failing steps open the circuit for the sixth. The
default name is the URL's ``host:port``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from f0_http._breaker import CircuitBreaker
    from f0_http._ratelimit import RateLimiter

__all__ = ["shared_breaker", "shared_limiter"]

_LOCK = threading.Lock()
_LIMITERS: dict[tuple[str, float, int], RateLimiter] = {}
_BREAKERS: dict[tuple[str, int, float], CircuitBreaker] = {}


def shared_limiter(name: str, requests_per_second: float, burst_size: int) -> RateLimiter:
    """The process's limiter called *name* with these settings."""
    from f0_http._ratelimit import RateLimiter

    key = (name, float(requests_per_second), int(burst_size))
    with _LOCK:
        limiter = _LIMITERS.get(key)
        if limiter is None:
            limiter = _LIMITERS[key] = RateLimiter(requests_per_second, burst_size)
        return limiter


def shared_breaker(name: str, failure_threshold: int, timeout_seconds: float) -> CircuitBreaker:
    """The process's breaker called *name* with these settings."""
    from f0_http._breaker import CircuitBreaker

    key = (name, int(failure_threshold), float(timeout_seconds))
    with _LOCK:
        breaker = _BREAKERS.get(key)
        if breaker is None:
            breaker = _BREAKERS[key] = CircuitBreaker(failure_threshold, timeout_seconds, name=name)
        return breaker
