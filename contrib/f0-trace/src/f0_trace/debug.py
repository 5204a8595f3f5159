"""``DebugEnvironmentManager``: debug sessions, breakpoints on conditions, watched variables.

A breakpoint here never pauses: f0 runs are unattended. A hit is counted
(``hit_count``), logged and recorded in the current debug session, so a
run's debug data shows which conditions held, when and with what values.
Conditions are Python expressions on the checked values only, evaluated by
:mod:`f0_trace.safe_eval` (no calls, no attribute access, no builtins).
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ParamSpec, TypeVar, overload

import attrs
from f0 import get_logger

from f0_trace._util import MAX_ITEMS, jsonable, run_ids, write_json_atomic
from f0_trace.safe_eval import ConditionError, compile_condition, evaluate

__all__ = ["Breakpoint", "DebugEnvironmentManager", "DebugSession"]

P = ParamSpec("P")
R = TypeVar("R")

_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@attrs.define
class Breakpoint:
    """A named condition; ``hit_count`` counts the checks where it held."""

    breakpoint_id: str
    name: str
    condition: str | None
    enabled: bool = True
    hit_count: int = 0
    created_at: float = attrs.field(factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        """The breakpoint as JSON-safe data."""
        return attrs.asdict(self)


@attrs.define
class DebugSession:
    """What happened between a session's start and end: calls, hits, errors."""

    session_id: str
    name: str
    start_time: float
    end_time: float | None = None
    metadata: dict[str, Any] = attrs.field(factory=dict)
    events: list[dict[str, Any]] = attrs.field(factory=list)
    run_ids: dict[str, Any] = attrs.field(factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The session as JSON-safe data."""
        data = attrs.asdict(self)
        data["metadata"] = jsonable(self.metadata)
        return data


class DebugEnvironmentManager:
    """Debug sessions, breakpoints and watches for step code.

    At most *max_debug_sessions* sessions are kept (the oldest dropped).
    With *enable_breakpoints* False, :meth:`check_breakpoints` finds
    nothing; with *enable_variable_watching* False, :meth:`watch_variable`
    records nothing.
    """

    def __init__(
        self,
        name: str,
        debug_level: str = "INFO",
        enable_breakpoints: bool = True,
        enable_variable_watching: bool = True,
        max_debug_sessions: int = 100,
    ) -> None:
        level = debug_level.upper() if isinstance(debug_level, str) else debug_level
        if level not in _LEVELS:
            msg = f"debug_level: one of {', '.join(_LEVELS)}, got {debug_level!r}"
            raise ValueError(msg)
        if (
            not isinstance(max_debug_sessions, int)
            or isinstance(max_debug_sessions, bool)
            or max_debug_sessions < 1
        ):
            msg = f"max_debug_sessions: must be a positive integer, got {max_debug_sessions!r}"
            raise ValueError(msg)
        self.name = name
        self.debug_level = level
        self.enable_breakpoints = enable_breakpoints
        self.enable_variable_watching = enable_variable_watching
        self.max_debug_sessions = max_debug_sessions
        self._lock = threading.RLock()
        self._sessions: OrderedDict[str, DebugSession] = OrderedDict()
        self._breakpoints: dict[str, Breakpoint] = {}
        self._compiled: dict[str, Any] = {}
        self._watches: dict[str, list[dict[str, Any]]] = {}
        self._current: contextvars.ContextVar[str | None] = contextvars.ContextVar(
            f"f0_debug_session_{name}", default=None
        )
        self._log = get_logger("f0.debug", debug_env=name)

    def _emit(self, event: str, **fields: Any) -> None:
        getattr(self._log, self.debug_level.lower())(event, **fields)

    # -- sessions -----------------------------------------------------------------
    def start_debug_session(self, name: str = "session", **metadata: Any) -> str:
        """Open a session and make it current in this context; return its id."""
        session_id = uuid.uuid4().hex[:16]
        with self._lock:
            while len(self._sessions) >= self.max_debug_sessions:
                self._sessions.popitem(last=False)
            self._sessions[session_id] = DebugSession(
                session_id=session_id,
                name=name,
                start_time=time.time(),
                metadata=dict(metadata),
                run_ids=run_ids(),
            )
        self._current.set(session_id)
        self._emit("debug.session_started", session_id=session_id, name=name)
        return session_id

    def end_debug_session(self, session_id: str) -> DebugSession:
        """Close the session *session_id*; return it."""
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                msg = f"session_id: no debug session {session_id!r}"
                raise KeyError(msg)
            session.end_time = time.time()
        if self._current.get() == session_id:
            self._current.set(None)
        self._emit("debug.session_finished", session_id=session_id, events=len(session.events))
        return session

    def get_session(self, session_id: str) -> DebugSession | None:
        """The session *session_id* if still kept."""
        with self._lock:
            return self._sessions.get(session_id)

    def get_sessions(self) -> list[DebugSession]:
        """Kept sessions, oldest first."""
        with self._lock:
            return list(self._sessions.values())

    def _record(self, kind: str, **data: Any) -> None:
        session_id = self._current.get()
        with self._lock:
            session = self._sessions.get(session_id) if session_id else None
            if session is not None:
                session.events.append({"kind": kind, "time": time.time(), **jsonable(data)})

    # -- breakpoints --------------------------------------------------------------
    def add_breakpoint(self, name: str, condition: str | None = None) -> str:
        """Add a breakpoint; return its id.

        *condition* is a Python expression over the values given to
        :meth:`check_breakpoints` (None: always hits). It is checked now:
        calls, attribute access, lambdas, comprehensions and dunder names
        raise :class:`~f0_trace.safe_eval.ConditionError`.
        """
        compiled = compile_condition(condition) if condition is not None else None
        breakpoint_id = uuid.uuid4().hex[:12]
        with self._lock:
            self._breakpoints[breakpoint_id] = Breakpoint(breakpoint_id, name, condition)
            self._compiled[breakpoint_id] = compiled
        return breakpoint_id

    def remove_breakpoint(self, breakpoint_id: str) -> bool:
        """Remove a breakpoint; False if there was none with that id."""
        with self._lock:
            self._compiled.pop(breakpoint_id, None)
            return self._breakpoints.pop(breakpoint_id, None) is not None

    def get_breakpoints(self) -> list[Breakpoint]:
        """All breakpoints, in the order they were added."""
        with self._lock:
            return list(self._breakpoints.values())

    def check_breakpoints(self, ctx: Mapping[str, Any], name: str | None = None) -> list[str]:
        """Ids of the enabled breakpoints (named *name*, when given) whose condition holds on *ctx*.

        Each hit increments its ``hit_count`` and is logged and recorded in
        the current session. A condition that fails on these values (an
        unknown name, a type error) is not a hit; the failure is logged.
        """
        if not self.enable_breakpoints:
            return []
        with self._lock:
            candidates = [
                (bp, self._compiled[bp.breakpoint_id])
                for bp in self._breakpoints.values()
                if bp.enabled and (name is None or bp.name == name)
            ]
        hits = []
        for bp, compiled in candidates:
            if compiled is not None:
                try:
                    if not evaluate(compiled, ctx):
                        continue
                except ConditionError as exc:
                    self._log.warning(
                        "debug.breakpoint_condition_failed", breakpoint=bp.name, error=str(exc)
                    )
                    continue
            with self._lock:
                bp.hit_count += 1
            hits.append(bp.breakpoint_id)
            self._emit("debug.breakpoint_hit", breakpoint=bp.name, breakpoint_id=bp.breakpoint_id)
            self._record(
                "breakpoint_hit",
                breakpoint=bp.name,
                breakpoint_id=bp.breakpoint_id,
                values=dict(ctx),
            )
        return hits

    # -- watches and inspection ---------------------------------------------------
    def watch_variable(self, name: str, value: Any) -> bool:
        """Record *value* for *name* when it differs from the last one recorded; True if it changed."""
        if not self.enable_variable_watching:
            return False
        snapshot = jsonable(value)
        with self._lock:
            history = self._watches.setdefault(name, [])
            if history and history[-1]["value"] == snapshot:
                return False
            history.append({"value": snapshot, "time": time.time(), "type": type(value).__name__})
        self._emit("debug.variable_changed", variable=name, value=snapshot)
        self._record("variable_changed", variable=name, value=snapshot)
        return True

    def get_watched_variables(self) -> dict[str, list[dict[str, Any]]]:
        """Each watched name's recorded values, oldest first."""
        with self._lock:
            return {k: list(v) for k, v in self._watches.items()}

    def inspect_object(self, obj: Any, depth: int = 2) -> dict[str, Any]:
        """Type, ``repr`` and, down to *depth* levels, items or public attributes of *obj*."""
        info: dict[str, Any] = {
            "type": f"{type(obj).__module__}.{type(obj).__qualname__}",
            "repr": jsonable(obj, depth=0) if not isinstance(obj, str) else jsonable(obj),
        }
        if depth <= 0 or obj is None or isinstance(obj, bool | int | float | str | bytes):
            return info
        if isinstance(obj, Mapping):
            info["length"] = len(obj)
            info["items"] = {
                str(k): self.inspect_object(v, depth - 1) for k, v in list(obj.items())[:MAX_ITEMS]
            }
        elif isinstance(obj, list | tuple | set | frozenset):
            info["length"] = len(obj)
            info["items"] = [self.inspect_object(v, depth - 1) for v in list(obj)[:MAX_ITEMS]]
        else:
            # vars() only: getattr on arbitrary names could run properties with side effects.
            attributes = getattr(obj, "__dict__", None)
            if isinstance(attributes, dict):
                public = [(k, v) for k, v in attributes.items() if not k.startswith("_")][
                    :MAX_ITEMS
                ]
                info["attributes"] = {k: self.inspect_object(v, depth - 1) for k, v in public}
        return info

    # -- decorator and context manager --------------------------------------------
    @overload
    def debug_function(self, func: Callable[P, R]) -> Callable[P, R]: ...
    @overload
    def debug_function(self, func: None = None) -> Callable[[Callable[P, R]], Callable[P, R]]: ...
    def debug_function(self, func: Callable[P, R] | None = None) -> Any:
        """Decorator (``@dbg.debug_function`` or ``@dbg.debug_function()``): record each call.

        The call's arguments, result or exception and duration go to the
        current session, and breakpoints named after the function are
        checked against its bound arguments before it runs.
        """

        def decorate(fn: Callable[P, R]) -> Callable[P, R]:
            signature = inspect.signature(fn)

            @functools.wraps(fn)
            def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
                try:
                    bound = signature.bind(*args, **kwargs)
                    bound.apply_defaults()
                    arguments = dict(bound.arguments)
                except TypeError:
                    arguments = {"args": args, "kwargs": kwargs}
                hits = self.check_breakpoints(arguments, name=fn.__name__)
                start = time.perf_counter()
                try:
                    result = fn(*args, **kwargs)
                except BaseException as exc:
                    self._record(
                        "call",
                        function=fn.__qualname__,
                        arguments=arguments,
                        error=f"{type(exc).__name__}: {exc}",
                        duration_ms=(time.perf_counter() - start) * 1000,
                        breakpoints=hits,
                    )
                    raise
                self._record(
                    "call",
                    function=fn.__qualname__,
                    arguments=arguments,
                    result=result,
                    duration_ms=(time.perf_counter() - start) * 1000,
                    breakpoints=hits,
                )
                return result

            return wrapper

        return decorate if func is None else decorate(func)

    @contextmanager
    def debug_context(self, name: str = "debug", **metadata: Any) -> Iterator[DebugSession]:
        """A debug session around the block (an exception is recorded, then re-raised)."""
        token = self._current.set(None)
        session_id = self.start_debug_session(name, **metadata)
        try:
            with self._lock:
                session = self._sessions[session_id]
            yield session
        except BaseException as exc:
            self._record("error", error=f"{type(exc).__name__}: {exc}")
            raise
        finally:
            if session_id in self._sessions:
                self.end_debug_session(session_id)
            self._current.reset(token)

    def export_debug_data(self, path: str | os.PathLike[str]) -> Path:
        """Write sessions, breakpoints and watches to *path* as JSON, atomically; return the path."""
        with self._lock:
            data = {
                "debug_environment": self.name,
                "exported_at": time.time(),
                "sessions": [s.to_dict() for s in self._sessions.values()],
                "breakpoints": [b.to_dict() for b in self._breakpoints.values()],
                "watched_variables": {k: list(v) for k, v in self._watches.items()},
            }
        return write_json_atomic(path, data)
