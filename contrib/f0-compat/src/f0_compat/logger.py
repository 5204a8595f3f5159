"""``src.core.logger``: Framework0's ``get_logger(name, debug=...)`` on structlog.

Each logger writes console lines to the current ``sys.stderr`` with its own
level (debug when asked or ``DEBUG=1``, else info), whatever structlog's
global configuration is: f0 configures that only in its CLI's ``main()``.
Inside an f0 run each line carries the run's ids (``f0.add_run_ids``).
Messages may use ``%`` arguments, as with the standard library logger
Framework0 code was written for (``log.info("loaded %d rows", n)``).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog
from f0 import add_run_ids

__all__ = ["get_logger", "is_debug"]


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is now (test capture, redirects)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def is_debug(debug: bool | None = None) -> bool:
    """*debug*, or when None, whether ``DEBUG=1`` is set."""
    return os.environ.get("DEBUG") == "1" if debug is None else bool(debug)


def get_logger(name: str, debug: bool | None = None) -> Any:
    """A structlog logger named *name*: debug level with *debug* (None → ``DEBUG=1``)."""

    def add_name(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        event.setdefault("logger", name)
        return event

    level = logging.DEBUG if is_debug(debug) else logging.INFO
    return structlog.wrap_logger(
        structlog.PrintLogger(file=_CurrentStderr()),  # type: ignore[arg-type]
        processors=[
            add_run_ids,  # inside an f0 run: run_id, recipe, step, attempt, correlation_id
            structlog.processors.add_log_level,
            add_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.dev.ConsoleRenderer(colors=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=False,
    )
