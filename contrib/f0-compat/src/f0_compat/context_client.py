"""``orchestrator.context_client`` / ``src.context_client``: f0-plugin-server's clients.

f0-plugin-server's :class:`~f0_server.ContextClient` and
:class:`~f0_server.AsyncContextClient` already keep Framework0's names,
defaults (``host="localhost"``, ``port=8080``, ``timeout=10.0``,
``who="python_client"`` / ``"async_python_client"``), methods and error
classes; this module re-exports them, so every path gives the same class.
"""

from __future__ import annotations

from f0_server import (
    AsyncContextClient,
    ConnectionError,  # noqa: A004 - Framework0's names
    ContextClient,
    ContextClientError,
    NotFoundError,
    ServerError,
    TimeoutError,  # noqa: A004
)

__all__ = [
    "AsyncContextClient",
    "ConnectionError",
    "ContextClient",
    "ContextClientError",
    "NotFoundError",
    "ServerError",
    "TimeoutError",
]
