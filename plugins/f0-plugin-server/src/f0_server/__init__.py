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
    import typer

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
    "f0_register_commands",
]


@hookimpl
def f0_register_commands(app: typer.Typer) -> None:
    """Add ``f0 serve`` and the server commands of ``f0 ctx``."""
    from f0_server._cli import register

    register(app)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
