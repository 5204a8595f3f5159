"""f0-plugin-resilience: retry, circuit breaker, bulkhead, fallback, timeouts, error categories.

Public API for step code (loaded on first use, so ``import f0_resilience``
for the hooks stays cheap)::

    from f0_resilience import RetryStrategy, BackoffStrategy, CircuitBreaker, FallbackStrategy

Hooks: ``f0_step_runner`` is a pluggy *wrapper*: it wraps the runner of
every step type in a :class:`~f0_resilience._step.ResilientRunner`, which
adds the per-step keys ``circuit_breaker``, ``rate_limit``, ``bulkhead`` and
``fallback`` (a step without them runs unchanged).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

from f0 import hookimpl, lazy_getattr

if TYPE_CHECKING:
    from f0 import StepRunner

    from f0_resilience._breaker import CircuitBreaker, CircuitState
    from f0_resilience._bulkhead import Bulkhead, BulkheadState, Compartment
    from f0_resilience._errors import (
        BulkheadRejectedError,
        CircuitOpenError,
        ErrorCategory,
        ErrorContext,
        ErrorMetadata,
        ErrorSeverity,
        RecoveryAction,
        RecoveryStrategy,
        ResilienceError,
        classify_error,
    )
    from f0_resilience._fallback import FallbackStrategy
    from f0_resilience._metrics import ResilienceMetrics
    from f0_resilience._ratelimit import RateLimiter
    from f0_resilience._retry import BackoffStrategy, RetryResult, RetryStrategy
    from f0_resilience._step import RESILIENCE_KEYS, ResilientRunner
    from f0_resilience._timeout import TimeoutManager

__all__ = [
    "RESILIENCE_KEYS",
    "BackoffStrategy",
    "Bulkhead",
    "BulkheadRejectedError",
    "BulkheadState",
    "CircuitBreaker",
    "CircuitOpenError",
    "CircuitState",
    "Compartment",
    "ErrorCategory",
    "ErrorContext",
    "ErrorMetadata",
    "ErrorSeverity",
    "FallbackStrategy",
    "RateLimiter",
    "RecoveryAction",
    "RecoveryStrategy",
    "ResilienceError",
    "ResilienceMetrics",
    "ResilientRunner",
    "RetryResult",
    "RetryStrategy",
    "TimeoutManager",
    "classify_error",
    "f0_step_runner",
]

_EXPORTS: dict[str, str] = {
    "CircuitBreaker": "f0_resilience._breaker",
    "CircuitState": "f0_resilience._breaker",
    "Bulkhead": "f0_resilience._bulkhead",
    "BulkheadState": "f0_resilience._bulkhead",
    "Compartment": "f0_resilience._bulkhead",
    "BulkheadRejectedError": "f0_resilience._errors",
    "CircuitOpenError": "f0_resilience._errors",
    "ErrorCategory": "f0_resilience._errors",
    "ErrorContext": "f0_resilience._errors",
    "ErrorMetadata": "f0_resilience._errors",
    "ErrorSeverity": "f0_resilience._errors",
    "RecoveryAction": "f0_resilience._errors",
    "RecoveryStrategy": "f0_resilience._errors",
    "ResilienceError": "f0_resilience._errors",
    "classify_error": "f0_resilience._errors",
    "FallbackStrategy": "f0_resilience._fallback",
    "ResilienceMetrics": "f0_resilience._metrics",
    "RateLimiter": "f0_resilience._ratelimit",
    "BackoffStrategy": "f0_resilience._retry",
    "RetryResult": "f0_resilience._retry",
    "RetryStrategy": "f0_resilience._retry",
    "RESILIENCE_KEYS": "f0_resilience._step",
    "ResilientRunner": "f0_resilience._step",
    "TimeoutManager": "f0_resilience._timeout",
}

__getattr__ = lazy_getattr(__name__, _EXPORTS)


@hookimpl(wrapper=True)
def f0_step_runner(step_type: str) -> Generator[None, StepRunner | None, StepRunner | None]:  # noqa: ARG001 - the hook's argument
    """Wrap whichever runner provides *step_type* so it understands the resilience keys."""
    runner = yield
    if runner is None:
        return None
    from f0_resilience._step import ResilientRunner

    if isinstance(runner, ResilientRunner):
        return runner
    return ResilientRunner(runner)
