"""f0-plugin-server: the live context server, its clients, and live runs.

Hooks:

``f0_register_commands(app)``
    ``f0 serve`` (the server) and ``f0 ctx get|set|delete|keys|history|watch|dump|status``
    (its command-line client, in the ``f0 ctx`` group shared with f0-plugin-store).
``f0_run_options()``
    ``f0 run --context-server URL`` (or ``F0_CONTEXT_SERVER``).
``f0_context_seed(run)``
    with ``--context-server``: the server's values seed the run's context.
``f0_run_started``, ``f0_step_started``, ``f0_step_finished``, ``f0_run_finished``
    with ``--context-server``: the run's events and context changes are sent to the server.

Python API: :class:`ContextClient`, :class:`AsyncContextClient` and their
errors (``f0_server.client``), :func:`create_app` and :class:`ServerConfig`.
Importing this module is cheap: starlette, uvicorn and httpx load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from f0 import hookimpl, lazy_getattr

if TYPE_CHECKING:
    from typing import Any

    import typer
    from f0 import Delta, RunInfo, RunOption, RunResult, Step, StepResult

    from f0_server._app import ServerConfig, create_app
    from f0_server.client import (
        AsyncContextClient,
        ConnectionError,  # noqa: A004 - Framework0's names
        ContextClient,
        ContextClientError,
        NotFoundError,
        ServerError,
        TimeoutError,  # noqa: A004
    )

_EXPORTS = {
    "AsyncContextClient": "f0_server.client",
    "ConnectionError": "f0_server.client",
    "ContextClient": "f0_server.client",
    "ContextClientError": "f0_server.client",
    "NotFoundError": "f0_server.client",
    "ServerConfig": "f0_server._app",
    "ServerError": "f0_server.client",
    "TimeoutError": "f0_server.client",
    "create_app": "f0_server._app",
}

__all__ = [
    "AsyncContextClient",
    "ConnectionError",
    "ContextClient",
    "ContextClientError",
    "NotFoundError",
    "ServerConfig",
    "ServerError",
    "TimeoutError",
    "create_app",
    "f0_context_seed",
    "f0_register_commands",
    "f0_run_finished",
    "f0_run_options",
    "f0_run_started",
    "f0_step_finished",
    "f0_step_started",
]


@hookimpl
def f0_register_commands(app: typer.Typer) -> None:
    """Add ``f0 serve`` and the server commands of ``f0 ctx``."""
    from f0_server._cli import register

    register(app)


@hookimpl
def f0_run_options() -> list[RunOption]:
    """``f0 run --context-server URL``."""
    from f0 import RunOption

    return [
        RunOption(
            name="context-server",
            metavar="URL",
            envvar="F0_CONTEXT_SERVER",
            help="Start from this context server's values and publish the run's changes and "
            "step events to it live (token from F0_TOKEN).",
        )
    ]


# The run hooks return at once unless the run has --context-server; only then
# is the publisher (and httpx) imported.


@hookimpl
def f0_context_seed(run: RunInfo) -> dict[str, Any] | None:
    """The server's values, for a run with ``--context-server``."""
    if not run.options.get("context_server"):
        return None
    from f0_server._publisher import start_publisher

    return start_publisher(run)


@hookimpl
def f0_run_started(run: RunInfo) -> None:
    if run.options.get("context_server"):
        from f0_server._publisher import run_started

        run_started(run)


@hookimpl
def f0_step_started(run: RunInfo, step: Step, attempt: int) -> None:
    if run.options.get("context_server"):
        from f0_server._publisher import step_started

        step_started(run, step, attempt)


@hookimpl
def f0_step_finished(run: RunInfo, step: Step, result: StepResult, delta: Delta) -> None:
    if run.options.get("context_server"):
        from f0_server._publisher import step_finished

        step_finished(run, step, result, delta)


@hookimpl
def f0_run_finished(run: RunInfo, result: RunResult) -> None:
    if run.options.get("context_server"):
        from f0_server._publisher import run_finished

        run_finished(run, result)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
