"""``TraceLoggerV2``: records each traced call's inputs, outputs and time as a ``TraceEntry``."""

from __future__ import annotations

import contextvars
import functools
import json
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import attrs
from f0 import get_logger

from f0_trace._util import debug_enabled, jsonable, run_ids, write_json_atomic

__all__ = ["TraceEntry", "TraceLoggerV2"]

P = ParamSpec("P")
R = TypeVar("R")

_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@attrs.define
class TraceEntry:
    """One traced call."""

    entry_id: str
    function: str
    module: str
    timestamp: float
    thread: str
    debug_level: str = "DEBUG"
    session_id: str | None = None
    inputs: dict[str, Any] | None = None
    outputs: Any = None
    duration_ms: float | None = None
    error: str | None = None
    run_ids: dict[str, Any] = attrs.field(factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The entry as JSON-safe data."""
        return attrs.asdict(self)


class TraceLoggerV2:
    """Decorates functions to record their inputs, outputs and timing.

    *debug* None follows ``DEBUG=1``/``F0_DEBUG=1``; *enable_io_tracing*
    None follows *debug* (inputs and outputs can be large or sensitive:
    recorded only when asked). *trace_file*: every entry is also appended
    there as a JSON line. At most *max_trace_entries* entries are kept in
    memory (the oldest dropped).
    """

    def __init__(  # noqa: PLR0917 - the spec's signature (tools.md, f0-trace)
        self,
        name: str,
        debug: bool | None = None,
        trace_file: str | os.PathLike[str] | None = None,
        enable_io_tracing: bool | None = None,
        enable_timing: bool = True,
        max_trace_entries: int = 10000,
    ) -> None:
        if (
            not isinstance(max_trace_entries, int)
            or isinstance(max_trace_entries, bool)
            or max_trace_entries < 1
        ):
            msg = f"max_trace_entries: must be a positive integer, got {max_trace_entries!r}"
            raise ValueError(msg)
        self.name = name
        self.debug = debug_enabled(debug)
        self.enable_io_tracing = (
            self.debug if enable_io_tracing is None else bool(enable_io_tracing)
        )
        self.enable_timing = enable_timing
        self.max_trace_entries = max_trace_entries
        self.trace_file = Path(trace_file) if trace_file is not None else None
        self._entries: deque[TraceEntry] = deque(maxlen=max_trace_entries)
        self._sessions: dict[str, dict[str, Any]] = {}
        self._session: contextvars.ContextVar[str | None] = contextvars.ContextVar(
            f"f0_trace_session_{name}", default=None
        )
        self._lock = threading.Lock()
        self._log = get_logger("f0.trace.io", trace_logger=name)

    def trace_io(
        self, include_inputs: bool = True, include_outputs: bool = True, debug_level: str = "DEBUG"
    ) -> Callable[[Callable[P, R]], Callable[P, R]]:
        """Decorator: record each call as a :class:`TraceEntry` (exceptions recorded, then re-raised)."""
        level = debug_level.upper()
        if level not in _LEVELS:
            msg = f"debug_level: one of {', '.join(_LEVELS)}, got {debug_level!r}"
            raise ValueError(msg)

        def decorate(func: Callable[P, R]) -> Callable[P, R]:
            @functools.wraps(func)
            def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
                io = self.enable_io_tracing
                if not io and not self.enable_timing:
                    return func(*args, **kwargs)  # nothing to record
                entry = TraceEntry(
                    entry_id=uuid.uuid4().hex[:16],
                    function=func.__qualname__,
                    module=func.__module__,
                    timestamp=time.time(),
                    thread=threading.current_thread().name,
                    debug_level=level,
                    session_id=self._session.get(),
                    inputs={"args": jsonable(list(args)), "kwargs": jsonable(kwargs)}
                    if io and include_inputs
                    else None,
                    run_ids=run_ids(),
                )
                start = time.perf_counter()
                try:
                    result = func(*args, **kwargs)
                except BaseException as exc:
                    entry.error = f"{type(exc).__name__}: {exc}"
                    raise
                else:
                    if io and include_outputs:
                        entry.outputs = jsonable(result)
                    return result
                finally:
                    if self.enable_timing:
                        entry.duration_ms = (time.perf_counter() - start) * 1000
                    self._record(entry)

            return wrapper

        return decorate

    def _record(self, entry: TraceEntry) -> None:
        with self._lock:
            self._entries.append(entry)
            if entry.session_id in self._sessions:
                self._sessions[entry.session_id]["entries"] += 1
            if self.trace_file is not None:
                self.trace_file.parent.mkdir(parents=True, exist_ok=True)
                line = json.dumps(entry.to_dict(), default=str) + "\n"
                with self.trace_file.open("a", encoding="utf-8") as handle:
                    handle.write(line)  # one write per line: lines of threads stay whole
        method = getattr(self._log, entry.debug_level.lower())
        method(
            "trace.io",
            function=entry.function,
            duration_ms=entry.duration_ms,
            error=entry.error,
            session_id=entry.session_id,
        )

    @contextmanager
    def trace_session(self, name: str = "session", **metadata: Any) -> Iterator[str]:
        """Group the entries recorded in the block (this thread/context) under a session; yields its id."""
        session_id = uuid.uuid4().hex[:16]
        with self._lock:
            self._sessions[session_id] = {
                "session_id": session_id,
                "name": name,
                "metadata": jsonable(metadata),
                "start_time": time.time(),
                "end_time": None,
                "entries": 0,
                "run_ids": run_ids(),
            }
        token = self._session.set(session_id)
        try:
            yield session_id
        finally:
            self._session.reset(token)
            with self._lock:
                self._sessions[session_id]["end_time"] = time.time()

    def get_trace_entries(self, session_id: str | None = None) -> list[TraceEntry]:
        """Kept entries, oldest first (only session *session_id*'s when given)."""
        with self._lock:
            return [e for e in self._entries if session_id is None or e.session_id == session_id]

    def export_traces(self, path: str | os.PathLike[str]) -> Path:
        """Write the sessions and kept entries to *path* as JSON, atomically; return the path."""
        with self._lock:
            data = {
                "trace_logger": self.name,
                "exported_at": time.time(),
                "sessions": list(self._sessions.values()),
                "entries": [e.to_dict() for e in self._entries],
            }
        return write_json_atomic(path, data)
