"""Logging: structlog, configured only by the CLI's ``main()``.

Console output on a TTY, JSON lines with ``--log-json``; always on stderr so
``--json`` output on stdout stays clean. structlog is imported lazily: it
costs more start-up time than the rest of ``f0 --help``.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any, TextIO, cast

__all__ = ["configure_logging", "get_logger"]


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is *now*.

    structlog keeps the file it was given; when something swaps stderr (a
    test runner's capture, ``--json``'s redirect of stdout), the old stream
    may be closed by the time a late event is logged.
    """

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def get_logger(name: str) -> Any:
    """A structlog logger (imports structlog on first use)."""
    import structlog

    return structlog.get_logger(name)


def configure_logging(*, json_lines: bool = False, debug: bool | None = None) -> None:
    """Send structlog events to stderr.

    Warnings and errors by default; info too with *json_lines*; debug with
    ``--debug``, ``DEBUG=1`` or ``F0_DEBUG=1``.
    """
    import structlog

    if debug is None:
        debug = os.environ.get("DEBUG") == "1" or os.environ.get("F0_DEBUG") == "1"
    # JSON lines are for machines: they get every run event (info and up).
    level = logging.DEBUG if debug else logging.INFO if json_lines else logging.WARNING
    renderer: Any
    if json_lines:
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info
            if json_lines
            else structlog.processors.StackInfoRenderer(),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=cast("TextIO", _CurrentStderr())),
        cache_logger_on_first_use=False,
    )
