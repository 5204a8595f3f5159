"""``RequestTracerV2``: requests made of nested spans, with the f0 run's correlation id.

A request is a unit of work (a call made by step code, a batch, a message);
its spans nest by thread: each thread has its own stack of open spans, so
the parent of a new span is the innermost span open *on that thread*, and
spans of parallel threads never mix. Inside an f0 run, a request takes the
run's correlation id and every request and span records the run's ids
(``run_id``, ``recipe``, ``step``, ``attempt``, ``correlation_id``); log
lines go through :func:`f0.get_logger`, so they carry the ids too.
"""

from __future__ import annotations

import functools
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

import attrs
from f0 import get_logger

from f0_trace._util import debug_enabled, jsonable, run_ids

__all__ = ["RequestTrace", "RequestTracerV2", "TraceSpan"]

P = ParamSpec("P")
R = TypeVar("R")


@attrs.define
class TraceSpan:
    """One timed operation inside a request."""

    span_id: str
    correlation_id: str
    operation: str
    component: str | None
    parent_span_id: str | None
    thread: str
    start_time: float
    end_time: float | None = None
    status: str = "active"
    error: str | None = None
    metadata: dict[str, Any] = attrs.field(factory=dict)
    run_ids: dict[str, Any] = attrs.field(factory=dict)

    @property
    def duration(self) -> float | None:
        """Seconds from start to end; None while the span is open."""
        return None if self.end_time is None else self.end_time - self.start_time

    def to_dict(self) -> dict[str, Any]:
        """The span as JSON-safe data."""
        data = attrs.asdict(self)
        data["duration"] = self.duration
        data["metadata"] = jsonable(self.metadata)
        return data


@attrs.define
class RequestTrace:
    """A request and its spans."""

    correlation_id: str
    operation: str
    start_time: float
    end_time: float | None = None
    status: str = "active"
    error: str | None = None
    metadata: dict[str, Any] = attrs.field(factory=dict)
    run_ids: dict[str, Any] = attrs.field(factory=dict)
    spans: dict[str, TraceSpan] = attrs.field(factory=dict)

    @property
    def duration(self) -> float | None:
        """Seconds from start to end; None while the request is open."""
        return None if self.end_time is None else self.end_time - self.start_time

    def get_span_tree(self) -> list[dict[str, Any]]:
        """The spans as a forest: each root span's dict with its ``children``, in start order."""
        nodes = {sid: {**span.to_dict(), "children": []} for sid, span in self.spans.items()}
        roots: list[dict[str, Any]] = []
        for sid, span in sorted(self.spans.items(), key=lambda item: item[1].start_time):
            parent = nodes.get(span.parent_span_id) if span.parent_span_id else None
            (parent["children"] if parent is not None else roots).append(nodes[sid])
        return roots

    def to_dict(self) -> dict[str, Any]:
        """The request, its spans and their tree as JSON-safe data."""
        return {
            "correlation_id": self.correlation_id,
            "operation": self.operation,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "duration": self.duration,
            "status": self.status,
            "error": self.error,
            "metadata": jsonable(self.metadata),
            "run_ids": dict(self.run_ids),
            "spans": [span.to_dict() for span in self.spans.values()],
            "span_tree": self.get_span_tree(),
        }


class RequestTracerV2:
    """Traces requests and their nested spans, thread-safely.

    *debug* None follows ``DEBUG=1``/``F0_DEBUG=1``; with debug, span events
    are logged at info level (else debug). At most *max_active_requests*
    open requests (the oldest is abandoned beyond that) and
    *max_completed_requests* finished ones (the oldest dropped); requests
    open longer than *auto_cleanup_interval* seconds are abandoned when the
    next request starts.
    """

    def __init__(
        self,
        name: str,
        debug: bool | None = None,
        max_active_requests: int = 1000,
        max_completed_requests: int = 5000,
        auto_cleanup_interval: float = 300,
    ) -> None:
        for key, value in (
            ("max_active_requests", max_active_requests),
            ("max_completed_requests", max_completed_requests),
        ):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                msg = f"{key}: must be a positive integer, got {value!r}"
                raise ValueError(msg)
        if not isinstance(auto_cleanup_interval, int | float) or auto_cleanup_interval <= 0:
            msg = f"auto_cleanup_interval: must be > 0 seconds, got {auto_cleanup_interval!r}"
            raise ValueError(msg)
        self.name = name
        self.debug = debug_enabled(debug)
        self.max_active_requests = max_active_requests
        self.max_completed_requests = max_completed_requests
        self.auto_cleanup_interval = auto_cleanup_interval
        self._lock = threading.RLock()
        self._active: OrderedDict[str, RequestTrace] = OrderedDict()
        self._completed: deque[RequestTrace] = deque(maxlen=max_completed_requests)
        self._span_owner: dict[str, str] = {}  # open span id -> its request's correlation id
        self._local = threading.local()
        self._log = get_logger("f0.trace", tracer=name)

    # -- the calling thread's stacks ------------------------------------------------
    def _stack(self) -> list[tuple[str, str]]:
        """(correlation id, span id) of the spans open on this thread, innermost last."""
        stack: list[tuple[str, str]] | None = getattr(self._local, "spans", None)
        if stack is None:
            stack = self._local.spans = []
        return stack

    def _requests(self) -> list[str]:
        requests: list[str] | None = getattr(self._local, "requests", None)
        if requests is None:
            requests = self._local.requests = []
        return requests

    def _emit(self, event: str, ids: dict[str, Any], **fields: Any) -> None:
        # The record's run ids go with the line: a thread the step started itself
        # has no run context of its own, yet its spans belong to the run.
        (self._log.info if self.debug else self._log.debug)(event, **{**ids, **fields})

    # -- requests -----------------------------------------------------------------
    def start_request(
        self, operation: str = "request", correlation_id: str | None = None, **metadata: Any
    ) -> str:
        """Open a request; return its correlation id.

        Without *correlation_id*: inside an f0 run, the run's correlation id
        (with a ``:N`` suffix if a request with that id is already open),
        else a fresh one.
        """
        ids = run_ids()
        with self._lock:
            self.cleanup_stale_requests()
            if correlation_id is None:
                base = ids.get("correlation_id") or uuid.uuid4().hex
                correlation_id, n = base, 1
                while correlation_id in self._active:
                    n += 1
                    correlation_id = f"{base}:{n}"
            elif correlation_id in self._active:
                msg = f"correlation_id: request {correlation_id!r} is already active"
                raise ValueError(msg)
            while len(self._active) >= self.max_active_requests:
                _, oldest = self._active.popitem(last=False)
                self._finish(oldest, "abandoned", "max_active_requests reached")
            self._active[correlation_id] = RequestTrace(
                correlation_id=correlation_id,
                operation=operation,
                start_time=time.time(),
                metadata=dict(metadata),
                run_ids=ids,
            )
        self._requests().append(correlation_id)
        self._emit("trace.request_started", ids, trace_id=correlation_id, operation=operation)
        return correlation_id

    def _finish(self, trace: RequestTrace, status: str, error: str | None) -> None:
        now = time.time()
        trace.end_time, trace.status, trace.error = now, status, error
        for span in trace.spans.values():
            if span.end_time is None:  # spans left open end with their request
                span.end_time, span.status = now, "abandoned" if status == "completed" else status
                self._span_owner.pop(span.span_id, None)
        self._completed.append(trace)  # deque(maxlen): the oldest completed request drops out

    def complete_request(
        self,
        correlation_id: str,
        status: str = "completed",
        error: str | None = None,
        **metadata: Any,
    ) -> RequestTrace:
        """Close the request *correlation_id*; return its trace."""
        with self._lock:
            trace = self._active.pop(correlation_id, None)
            if trace is None:
                msg = f"correlation_id: no active request {correlation_id!r}"
                raise KeyError(msg)
            trace.metadata.update(metadata)
            self._finish(trace, status, error)
        requests = self._requests()
        if correlation_id in requests:
            requests.remove(correlation_id)
        self._local.spans = [entry for entry in self._stack() if entry[0] != correlation_id]
        self._emit(
            "trace.request_finished",
            trace.run_ids,
            trace_id=correlation_id,
            status=status,
            duration_s=trace.duration,
            spans=len(trace.spans),
        )
        return trace

    def cleanup_stale_requests(self, now: float | None = None) -> int:
        """Abandon requests open longer than ``auto_cleanup_interval``; return how many."""
        now = time.time() if now is None else now
        with self._lock:
            stale = [
                cid
                for cid, t in self._active.items()
                if now - t.start_time > self.auto_cleanup_interval
            ]
            for cid in stale:
                self._finish(
                    self._active.pop(cid), "abandoned", "open longer than auto_cleanup_interval"
                )
        return len(stale)

    # -- spans --------------------------------------------------------------------
    def current_request(self) -> str | None:
        """The correlation id of the innermost request open on this thread, or None."""
        with self._lock:
            # A request of this list may have been completed from another thread: drop it.
            requests = self._local.requests = [c for c in self._requests() if c in self._active]
        return requests[-1] if requests else None

    def current_span(self) -> str | None:
        """The id of the innermost span open on this thread, or None."""
        stack = self._stack()
        return stack[-1][1] if stack else None

    def start_span(
        self,
        operation: str,
        component: str | None = None,
        correlation_id: str | None = None,
        **metadata: Any,
    ) -> str:
        """Open a span in *correlation_id* (default: this thread's current request); return its id.

        Its parent is the innermost span open on this thread in the same request.
        """
        correlation_id = correlation_id or self.current_request()
        if correlation_id is None:
            raise RuntimeError(
                "start_span: no active request on this thread: call start_request() first"
            )
        span_id = uuid.uuid4().hex[:16]
        with self._lock:
            # A span of this stack may have been completed from another thread: drop it.
            stack = self._local.spans = [e for e in self._stack() if e[1] in self._span_owner]
            parent = next((sid for cid, sid in reversed(stack) if cid == correlation_id), None)
            trace = self._active.get(correlation_id)
            if trace is None:
                msg = f"correlation_id: no active request {correlation_id!r}"
                raise KeyError(msg)
            trace.spans[span_id] = TraceSpan(
                span_id=span_id,
                correlation_id=correlation_id,
                operation=operation,
                component=component,
                parent_span_id=parent,
                thread=threading.current_thread().name,
                start_time=time.time(),
                metadata=dict(metadata),
                run_ids=run_ids() or dict(trace.run_ids),
            )
            self._span_owner[span_id] = correlation_id
        stack.append((correlation_id, span_id))
        self._emit(
            "trace.span_started",
            trace.spans[span_id].run_ids,
            trace_id=correlation_id,
            span_id=span_id,
            parent_span_id=parent,
            operation=operation,
            component=component,
        )
        return span_id

    def complete_span(
        self, span_id: str, status: str = "completed", error: str | None = None, **metadata: Any
    ) -> TraceSpan:
        """Close the span *span_id* (and take it off this thread's stack); return it."""
        with self._lock:
            cid = self._span_owner.pop(span_id, None)
            trace = self._active.get(cid) if cid else None
            if trace is None or span_id not in trace.spans:
                msg = f"span_id: no open span {span_id!r}"
                raise KeyError(msg)
            span = trace.spans[span_id]
            span.end_time, span.status, span.error = time.time(), status, error
            span.metadata.update(metadata)
        self._local.spans = [entry for entry in self._stack() if entry[1] != span_id]
        self._emit(
            "trace.span_finished",
            span.run_ids,
            trace_id=span.correlation_id,
            span_id=span_id,
            operation=span.operation,
            status=status,
            duration_s=span.duration,
        )
        return span

    # -- context managers and decorator --------------------------------------------
    @contextmanager
    def trace_request(
        self, operation: str = "request", correlation_id: str | None = None, **metadata: Any
    ) -> Iterator[str]:
        """A request around the block (status ``failed`` with the error if it raises); yields its id."""
        cid = self.start_request(operation, correlation_id, **metadata)
        try:
            yield cid
        except BaseException as exc:
            self.complete_request(cid, "failed", f"{type(exc).__name__}: {exc}")
            raise
        self.complete_request(cid)

    @contextmanager
    def trace_span(
        self, operation: str, component: str | None = None, **metadata: Any
    ) -> Iterator[str]:
        """A span around the block (status ``failed`` with the error if it raises); yields its id."""
        span_id = self.start_span(operation, component, **metadata)
        try:
            yield span_id
        except BaseException as exc:
            self.complete_span(span_id, "failed", f"{type(exc).__name__}: {exc}")
            raise
        self.complete_span(span_id)

    def trace_function(
        self, operation: str | None = None, component: str | None = None
    ) -> Callable[[Callable[P, R]], Callable[P, R]]:
        """Decorator: each call is a span (in a request of its own when none is open on the thread)."""

        def decorate(func: Callable[P, R]) -> Callable[P, R]:
            name = operation or func.__qualname__

            @functools.wraps(func)
            def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
                if self.current_request() is None:
                    with (
                        self.trace_request(name),
                        self.trace_span(name, component or func.__module__),
                    ):
                        return func(*args, **kwargs)
                with self.trace_span(name, component or func.__module__):
                    return func(*args, **kwargs)

            return wrapper

        return decorate

    # -- reading ------------------------------------------------------------------
    def get_request(self, correlation_id: str) -> RequestTrace | None:
        """The request *correlation_id*, active or completed (the newest with that id)."""
        with self._lock:
            if correlation_id in self._active:
                return self._active[correlation_id]
            return next(
                (t for t in reversed(self._completed) if t.correlation_id == correlation_id), None
            )

    def get_active_requests(self) -> list[RequestTrace]:
        """Open requests, oldest first."""
        with self._lock:
            return list(self._active.values())

    def get_completed_requests(self) -> list[RequestTrace]:
        """Finished requests still kept, oldest first."""
        with self._lock:
            return list(self._completed)

    def get_statistics(self) -> dict[str, Any]:
        """Counts and mean duration of the kept completed requests."""
        with self._lock:
            done = list(self._completed)
            durations = [t.duration for t in done if t.duration is not None]
            return {
                "tracer": self.name,
                "active_requests": len(self._active),
                "completed_requests": len(done),
                "failed_requests": sum(t.status == "failed" for t in done),
                "mean_duration_s": sum(durations) / len(durations) if durations else None,
            }
