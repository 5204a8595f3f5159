"""Logging: structlog, configured only by the CLI's ``main()``.

Console output on a TTY, JSON lines with ``--log-json``; always on stderr so
``--json`` output on stdout stays clean. structlog is imported lazily: it
costs more start-up time than the rest of ``f0 --help``.

While a run is active every event carries its ids (:data:`RUN_FIELDS`):
the engine binds ``run_id``, ``recipe`` and ``correlation_id`` for the run
(:func:`run_log_context`) and :func:`f0.run_attempt` binds ``step`` and
``attempt`` too, wherever the attempt runs (a pool thread, a worker
process, a Dask worker), with structlog's contextvars. The configuration
itself travels to worker processes as a :class:`LogConfig` in the
attempt's :class:`~f0.protocols.StepEnv`.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import attrs

__all__ = [
    "RUN_FIELDS",
    "LogConfig",
    "attempt_log_context",
    "configure_logging",
    "current_log_config",
    "get_logger",
    "run_log_context",
    "step_logger",
]

#: The ids every log event of an active run carries (``step`` and
#: ``attempt`` only inside a step attempt). Framework0's ``LogEntry`` called
#: them ``execution_id``, ``recipe_name``, ``step_name`` and ``context_id``.
RUN_FIELDS = ("run_id", "recipe", "step", "attempt", "correlation_id")


@attrs.frozen
class LogConfig:
    """How this process logs, so that worker processes log the same way (picklable)."""

    json_lines: bool = False
    debug: bool = False


#: What :func:`configure_logging` last set up in this process (None: never called).
_current: LogConfig | None = None


def get_logger(name: str, **initial: Any) -> Any:
    """A structlog logger named *name* (imports structlog on first use).

    *initial* values are bound to it. Once :func:`configure_logging` ran, its
    events carry ``logger=name``. It follows :func:`configure_logging` even
    when that is called later (a lazy proxy, never cached).
    """
    import structlog

    return structlog.get_logger(name, **initial)


class _NamedLogger:
    """Prints rendered events to the current stderr; has a ``name`` for ``logger=``.

    The *current* stderr, looked up per line: when something swaps stderr
    (a test runner's capture, ``--json``'s redirect of stdout), the old
    stream may be closed by the time a late event is logged.

    Not structlog's PrintLogger: ``print`` writes the line and its newline
    in two calls, and stderr writes through, so lines of worker processes
    sharing the stream could interleave. One write per line keeps each
    JSON line whole (up to the pipe's atomic size, 4 KiB).
    """

    __slots__ = ("name",)

    def __init__(self, name: str | None = None) -> None:
        self.name = name or ""

    def msg(self, message: str) -> None:
        """Write *message* as one line."""
        stream = sys.stderr
        stream.write(message + "\n")
        stream.flush()

    log = debug = info = warn = warning = error = err = fatal = exception = critical = msg


def _named_logger(*args: Any) -> _NamedLogger:
    return _NamedLogger(args[0] if args and isinstance(args[0], str) else None)


def _add_logger_name(logger: Any, method: str, event: Any) -> Any:  # noqa: ARG001 - processor
    name = getattr(logger, "name", "")
    if name:
        event.setdefault("logger", name)
    return event


def step_logger(step: str) -> Any:
    """The logger step code gets as ``context.log``: the ids bound now stay bound to it."""
    import structlog

    ids = structlog.contextvars.get_contextvars()
    ids.setdefault("step", step)
    return get_logger(f"f0.step.{step}", **ids)


def current_log_config() -> LogConfig | None:
    """The configuration :func:`configure_logging` set in this process, or None."""
    return _current


@contextmanager
def run_log_context(run_id: str, recipe: str, correlation_id: str) -> Iterator[None]:
    """Bind a run's ids to every event logged in this context (the engine's thread)."""
    import structlog

    tokens = structlog.contextvars.bind_contextvars(
        run_id=run_id, recipe=recipe, correlation_id=correlation_id
    )
    try:
        yield
    finally:
        structlog.contextvars.reset_contextvars(**tokens)


@contextmanager
def attempt_log_context(
    *,
    run_id: str,
    recipe: str,
    step: str,
    attempt: int,
    correlation_id: str,
    config: LogConfig | None = None,
) -> Iterator[None]:
    """Bind all of :data:`RUN_FIELDS` for one step attempt, in whatever thread or process runs it.

    With *config* (the parent's :class:`LogConfig`) a process that has not
    configured logging the same way does so first: a worker process logs
    like the ``f0`` command that started it (JSON lines on stderr...).
    """
    import structlog

    if config is not None and config != _current:
        configure_logging(json_lines=config.json_lines, debug=config.debug)
    tokens = structlog.contextvars.bind_contextvars(
        run_id=run_id, recipe=recipe, step=step, attempt=attempt, correlation_id=correlation_id
    )
    try:
        yield
    finally:
        structlog.contextvars.reset_contextvars(**tokens)


def configure_logging(*, json_lines: bool = False, debug: bool | None = None) -> None:
    """Send structlog events to stderr.

    Warnings and errors by default; info too with *json_lines*; debug with
    ``--debug``, ``DEBUG=1`` or ``F0_DEBUG=1``.
    """
    import structlog

    global _current  # noqa: PLW0603 - the process-wide configuration, like structlog's own
    if debug is None:
        debug = os.environ.get("DEBUG") == "1" or os.environ.get("F0_DEBUG") == "1"
    _current = LogConfig(json_lines=json_lines, debug=debug)
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
            _add_logger_name,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info
            if json_lines
            else structlog.processors.StackInfoRenderer(),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=_named_logger,
        cache_logger_on_first_use=False,
    )
