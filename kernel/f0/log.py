"""Logging: structlog, configured only by the CLI's ``main()``.

Console output on a TTY, JSON lines with ``--log-json``; always on stderr so
``--json`` output on stdout stays clean. structlog is imported lazily: it
costs more start-up time than the rest of ``f0 --help``.

While a run is active every event carries its ids (:data:`RUN_FIELDS`):
the engine binds ``run_id``, ``recipe`` and ``correlation_id`` for the run
(:func:`run_log_context`) and :func:`f0.run_attempt` binds ``step`` and
``attempt`` too, wherever the attempt runs (a pool thread, a worker
process, a Dask worker). They live in one context variable,
:data:`RUN_IDS`, that the :func:`add_run_ids` processor merges into each
event next to structlog's own contextvars (``bind_contextvars`` still
works for anything else): one ``ContextVar.set`` per attempt instead of
five, on every step's path. The configuration itself travels to worker
processes as a :class:`LogConfig` in the attempt's
:class:`~f0.protocols.StepEnv`.
"""

from __future__ import annotations

import contextvars
import os
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any

import attrs

__all__ = [
    "RUN_FIELDS",
    "RUN_IDS",
    "LogConfig",
    "add_run_ids",
    "apply_log_config",
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

_NO_IDS: Mapping[str, Any] = MappingProxyType({})
#: The ids of the run (and attempt) this context works for; empty outside a run.
RUN_IDS: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "f0_run_ids", default=_NO_IDS
)


@attrs.frozen
class LogConfig:
    """How this process logs, so that worker processes log the same way (picklable)."""

    json_lines: bool = False
    debug: bool = False


#: What :func:`configure_logging` last set up in this process (None: never called).
_current: LogConfig | None = None
#: A configuration :func:`configure_logging` recorded before structlog was
#: imported; the first logged event applies it (see :func:`_structlog`).
_pending: LogConfig | None = None
_apply_lock = threading.Lock()


def get_logger(name: str, **initial: Any) -> Any:
    """A structlog logger named *name*; structlog is imported at its first event.

    *initial* values are bound to it. Once :func:`configure_logging` ran, its
    events carry ``logger=name``. It follows :func:`configure_logging` even
    when that is called later.
    """
    return _Logger(name, initial)


class _Logger:
    """Stands for ``structlog.get_logger(name, **initial)`` until an event needs it.

    Most runs log nothing, and importing structlog costs more than the
    rest of ``f0 --help``: modules keep a logger at module level, and a
    run pays for structlog only when something is logged.
    """

    __slots__ = ("_args", "_real")

    def __init__(self, name: str, initial: dict[str, Any]) -> None:
        self._args = (name, initial)
        self._real: Any = None

    def __getattr__(self, attr: str) -> Any:
        real = self._real
        if real is None:
            name, initial = self._args
            # structlog's own lazy proxy: it follows later configure() calls.
            real = self._real = _structlog().get_logger(name, **initial)
        return getattr(real, attr)

    def __repr__(self) -> str:
        return f"<f0 logger {self._args[0]!r}>"


def _structlog() -> Any:
    """The structlog module, configured as :func:`configure_logging` last asked."""
    import structlog

    if _pending is not None:
        _apply_pending()
    return structlog


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


def add_run_ids(logger: Any, method: str, event: Any) -> Any:  # noqa: ARG001 - processor
    """structlog processor: add the active run's ids (:data:`RUN_IDS`) to *event*.

    Add it to your own ``structlog.configure`` if you configure structlog
    yourself and want the ids; :func:`configure_logging` includes it.
    """
    for key, value in RUN_IDS.get().items():
        event.setdefault(key, value)
    return event


def step_logger(step: str) -> Any:
    """The logger step code gets as ``context.log``: the ids active now stay bound to it."""
    structlog = _structlog()
    ids = {**structlog.contextvars.get_contextvars(), **RUN_IDS.get()}
    ids.setdefault("step", step)
    return get_logger(f"f0.step.{step}", **ids)


def current_log_config() -> LogConfig | None:
    """The configuration :func:`configure_logging` set in this process, or None."""
    return _current


@contextmanager
def run_log_context(run_id: str, recipe: str, correlation_id: str) -> Iterator[None]:
    """Give every event logged in this context the run's ids (the engine's thread)."""
    token = RUN_IDS.set({"run_id": run_id, "recipe": recipe, "correlation_id": correlation_id})
    try:
        yield
    finally:
        RUN_IDS.reset(token)


def apply_log_config(config: LogConfig) -> None:
    """Log as *config* says, unless this process already does (a worker process's first attempt)."""
    if config != _current:
        configure_logging(json_lines=config.json_lines, debug=config.debug)


def configure_logging(*, json_lines: bool = False, debug: bool | None = None) -> None:
    """Send structlog events to stderr.

    Warnings and errors by default; info too with *json_lines*; debug with
    ``--debug``, ``DEBUG=1`` or ``F0_DEBUG=1``. When structlog is not
    imported yet, the configuration waits for the first logged event (a
    run that logs nothing never imports it); otherwise it applies now.
    """
    global _current, _pending  # noqa: PLW0603 - the process-wide configuration, like structlog's own
    if debug is None:
        debug = os.environ.get("DEBUG") == "1" or os.environ.get("F0_DEBUG") == "1"
    _current = _pending = LogConfig(json_lines=json_lines, debug=debug)
    if "structlog" in sys.modules:
        _apply_pending()


def _apply_pending() -> None:
    global _pending  # noqa: PLW0603 - see configure_logging
    # Configured under the lock, so a thread that logs meanwhile waits for it.
    with _apply_lock:
        if _pending is not None:
            _configure(_pending)
            _pending = None


def _configure(config: LogConfig) -> None:
    import logging

    import structlog

    json_lines, debug = config.json_lines, config.debug
    # JSON lines are for machines: they get every run event (info and up).
    level = logging.DEBUG if debug else logging.INFO if json_lines else logging.WARNING
    renderer: Any
    if json_lines:
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    structlog.configure(
        processors=[
            add_run_ids,
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
