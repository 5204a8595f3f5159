"""f0-plugin-health: CPU/memory/disk/process checks, custom checks, ``f0 health``, ``type: health``.

Public API (loaded on first use, so ``import f0_health`` for the hooks does
not import psutil)::

    from f0_health import SystemResourceChecker, CustomHealthChecker, HealthStatus, run_checks

Hooks: ``f0_register_commands`` adds ``f0 health``; ``f0_step_runner``
provides the ``health`` step type and ``f0_step_types`` lists it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from f0 import hookimpl, lazy_getattr

if TYPE_CHECKING:
    import typer
    from f0 import StepRunner

    from f0_health._checks import CustomHealthChecker, ServiceHealthChecker, SystemResourceChecker
    from f0_health._model import (
        DEFAULT_CRITICAL,
        DEFAULT_WARNING,
        EXIT_CODES,
        HealthCheckResult,
        HealthStatus,
        HealthThreshold,
        percent_threshold,
        worst,
    )
    from f0_health._report import HealthReporter, load_check_function, run_checks

__all__ = [
    "DEFAULT_CRITICAL",
    "DEFAULT_WARNING",
    "EXIT_CODES",
    "STEP_TYPES",
    "CustomHealthChecker",
    "HealthCheckResult",
    "HealthReporter",
    "HealthStatus",
    "HealthThreshold",
    "ServiceHealthChecker",
    "SystemResourceChecker",
    "f0_register_commands",
    "f0_step_runner",
    "f0_step_types",
    "load_check_function",
    "percent_threshold",
    "run_checks",
    "worst",
]

#: The step types this plugin provides.
STEP_TYPES = ("health",)

_EXPORTS: dict[str, str] = {
    "CustomHealthChecker": "f0_health._checks",
    "ServiceHealthChecker": "f0_health._checks",
    "SystemResourceChecker": "f0_health._checks",
    "DEFAULT_CRITICAL": "f0_health._model",
    "DEFAULT_WARNING": "f0_health._model",
    "EXIT_CODES": "f0_health._model",
    "HealthCheckResult": "f0_health._model",
    "HealthStatus": "f0_health._model",
    "HealthThreshold": "f0_health._model",
    "percent_threshold": "f0_health._model",
    "worst": "f0_health._model",
    "HealthReporter": "f0_health._report",
    "load_check_function": "f0_health._report",
    "run_checks": "f0_health._report",
}

__getattr__ = lazy_getattr(__name__, _EXPORTS)


@hookimpl
def f0_register_commands(app: typer.Typer) -> None:
    """Add ``f0 health``."""
    from f0_health._command import register

    register(app)


@hookimpl
def f0_step_runner(step_type: str) -> StepRunner | None:
    """The runner of ``type: health`` steps; None for other types."""
    if step_type != "health":
        return None
    from f0_health._step import HealthStepRunner

    return HealthStepRunner()


@hookimpl
def f0_step_types() -> list[str]:
    """``["health"]``."""
    return list(STEP_TYPES)
