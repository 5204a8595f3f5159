"""f0-plugin-http: the ``http`` step type and an HTTP client for step code.

Public API (loaded on first use, so ``import f0_http`` for the hooks stays
cheap and does not import httpx)::

    from f0_http import APIClient, APIIntegrationError, CircuitBreaker, RateLimiter

Hooks: ``f0_step_runner`` provides the ``http`` step type and
``f0_step_types`` lists it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from f0 import hookimpl, lazy_getattr

if TYPE_CHECKING:
    from f0 import StepRunner

    from f0_http._breaker import CircuitBreaker
    from f0_http._client import APIClient, RequestResult
    from f0_http._errors import APIIntegrationError
    from f0_http._ratelimit import RateLimiter

__all__ = [
    "STEP_TYPES",
    "APIClient",
    "APIIntegrationError",
    "CircuitBreaker",
    "RateLimiter",
    "RequestResult",
    "f0_step_runner",
    "f0_step_types",
]

#: The step types this plugin provides.
STEP_TYPES = ("http",)

_EXPORTS: dict[str, str] = {
    "APIClient": "f0_http._client",
    "RequestResult": "f0_http._client",
    "APIIntegrationError": "f0_http._errors",
    "CircuitBreaker": "f0_http._breaker",
    "RateLimiter": "f0_http._ratelimit",
}

__getattr__ = lazy_getattr(__name__, _EXPORTS)


@hookimpl
def f0_step_runner(step_type: str) -> StepRunner | None:
    """The runner of ``type: http`` steps; None for other types."""
    if step_type != "http":
        return None
    from f0_http._step import HttpStepRunner

    return HttpStepRunner()


@hookimpl
def f0_step_types() -> list[str]:
    """``["http"]``."""
    return list(STEP_TYPES)
