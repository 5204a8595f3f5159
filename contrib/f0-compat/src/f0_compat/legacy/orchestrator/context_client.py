"""Framework0's context server clients, from f0-plugin-server (see :mod:`f0_compat.context_client`)."""

from __future__ import annotations

from f0_compat.context_client import (
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
