"""f0-plugin-analytics: step metrics over run history, anomalies, run reports, the recipe graph.

Hooks:

``f0_run_started``, ``f0_step_started``, ``f0_step_finished``, ``f0_run_finished``
    measure each step (duration, attempts, status, queue wait, CPU of the
    thread that ran it, RSS) and write it, as it finishes, into the
    analytics file next to the run store (``.f0/f0.analytics.db``).
``f0_register_commands(app)``
    ``f0 stats``, ``f0 report``, ``f0 graph`` and ``f0 metrics``.
``f0_http_endpoints(run_store, open_run_store)``
    for f0's server (``f0 serve`` of f0-plugin-server): ``/metrics`` (the
    text of ``f0 metrics``), ``/reports`` (the runs, each linked to its
    report) and ``/reports/{run_id}`` (the page of ``f0 report``).

Importing this module is cheap: numpy, SQLite and the renderers load on
first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from f0 import hookimpl

if TYPE_CHECKING:
    from collections.abc import Callable

    import typer
    from f0 import Delta, HttpEndpoint, RunInfo, RunResult, RunStore, Step, StepResult

    from f0_analytics._collect import Collector

__all__ = [
    "f0_http_endpoints",
    "f0_register_commands",
    "f0_run_finished",
    "f0_run_started",
    "f0_step_finished",
    "f0_step_started",
]

_collector: Collector | None = None


def _get() -> Collector:
    global _collector  # noqa: PLW0603 - one collector per process, made on first use
    if _collector is None:
        from f0_analytics._collect import Collector

        _collector = Collector()
    return _collector


@hookimpl
def f0_run_started(run: RunInfo) -> None:
    """Open the analytics file next to the run's store (nothing without a store)."""
    if run.store_url is not None:
        _get().run_started(run)


@hookimpl
def f0_step_started(run: RunInfo, step: Step, attempt: int) -> None:  # noqa: ARG001 - the hook's signature
    """Read the CPU clock of the thread that starts the step."""
    if _collector is not None:
        _collector.step_started(run, step)


@hookimpl
def f0_step_finished(run: RunInfo, step: Step, result: StepResult, delta: Delta) -> None:  # noqa: ARG001
    """Write the step's metrics."""
    if _collector is not None:
        _collector.step_finished(run, step, result)


@hookimpl
def f0_run_finished(run: RunInfo, result: RunResult) -> None:
    """Record the run's end."""
    if _collector is not None:
        _collector.run_finished(run, result)


@hookimpl
def f0_register_commands(app: typer.Typer) -> None:
    """Add ``f0 stats``, ``f0 report``, ``f0 graph`` and ``f0 metrics``."""
    from f0_analytics._cli import register

    register(app)


@hookimpl
def f0_http_endpoints(
    run_store: str, open_run_store: Callable[[str], RunStore]
) -> list[HttpEndpoint]:
    """``/metrics``, ``/reports`` and ``/reports/{run_id}`` over the server's run store."""
    from f0_analytics._endpoints import endpoints

    return endpoints(run_store, open_run_store)
