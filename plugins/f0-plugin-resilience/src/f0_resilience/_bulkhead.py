"""``Bulkhead`` compartments (``spec/scriptlets.md`` §2).

Each compartment runs at most ``max_capacity`` calls at once (more are
refused, never queued). Its state follows its consecutive failures:
HEALTHY → DEGRADED (>= ``failure_threshold``, 10) → ISOLATED (>=
``isolation_threshold``, 20; every call refused) → RECOVERING (after
``recovery_time``, 60 s: calls allowed again) → HEALTHY on the first success
(a failure while RECOVERING isolates it again). A success resets the count.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import attrs

from f0_resilience._errors import BulkheadRejectedError

__all__ = ["Bulkhead", "BulkheadState", "Compartment"]

P = ParamSpec("P")
T = TypeVar("T")


class BulkheadState(enum.StrEnum):
    """A compartment's health."""

    HEALTHY = "HEALTHY"
    DEGRADED = "DEGRADED"
    ISOLATED = "ISOLATED"
    RECOVERING = "RECOVERING"


@attrs.define(kw_only=True)
class Compartment:
    """One compartment's limits and counters."""

    name: str
    max_capacity: int = 10
    failure_threshold: int = 10
    isolation_threshold: int = 20
    recovery_time: float = 60.0
    active: int = 0
    failures: int = 0
    rejected: int = 0
    state: BulkheadState = BulkheadState.HEALTHY
    isolated_at: float = 0.0


class Bulkhead:
    """A set of named compartments. Thread-safe; *clock* is for tests."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._compartments: dict[str, Compartment] = {}

    def create_compartment(
        self,
        name: str,
        max_capacity: int = 10,
        failure_threshold: int = 10,
        isolation_threshold: int = 20,
        recovery_time: float = 60.0,
    ) -> Compartment:
        """Create (or return the existing) compartment *name*."""
        if max_capacity < 1 or failure_threshold < 1 or isolation_threshold < failure_threshold:
            msg = "max_capacity and failure_threshold must be >= 1, isolation_threshold >= failure_threshold"
            raise ValueError(msg)
        with self._lock:
            found = self._compartments.get(name)
            if found is None:
                found = self._compartments[name] = Compartment(
                    name=name,
                    max_capacity=max_capacity,
                    failure_threshold=failure_threshold,
                    isolation_threshold=isolation_threshold,
                    recovery_time=float(recovery_time),
                )
            return found

    def state(self, name: str) -> BulkheadState:
        """The state of compartment *name* now."""
        with self._lock:
            return self._refresh(self._get(name))

    def _get(self, name: str) -> Compartment:
        try:
            return self._compartments[name]
        except KeyError:
            msg = f"no bulkhead compartment {name!r} (create_compartment first)"
            raise KeyError(msg) from None

    def _refresh(self, c: Compartment) -> BulkheadState:
        if c.state is BulkheadState.ISOLATED and self._clock() - c.isolated_at >= c.recovery_time:
            c.state = BulkheadState.RECOVERING
        return c.state

    def acquire(self, name: str) -> None:
        """Take a slot in *name* or raise :class:`BulkheadRejectedError`."""
        with self._lock:
            c = self._get(name)
            state = self._refresh(c)
            if state is BulkheadState.ISOLATED:
                c.rejected += 1
                msg = f"bulkhead {name!r} is isolated after {c.failures} consecutive failures; call refused"
                raise BulkheadRejectedError(msg)
            if c.active >= c.max_capacity:
                c.rejected += 1
                msg = f"bulkhead {name!r} is full ({c.max_capacity} calls running); call refused"
                raise BulkheadRejectedError(msg)
            c.active += 1

    def release(self, name: str, *, success: bool) -> None:
        """Give the slot back and record how the call went."""
        with self._lock:
            c = self._get(name)
            c.active = max(c.active - 1, 0)
            if success:
                c.failures, c.state = 0, BulkheadState.HEALTHY
                return
            c.failures += 1
            if c.state is BulkheadState.RECOVERING or c.failures >= c.isolation_threshold:
                c.state, c.isolated_at = BulkheadState.ISOLATED, self._clock()
            elif c.failures >= c.failure_threshold:
                c.state = BulkheadState.DEGRADED

    def execute(self, name: str, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Call *func* in compartment *name*."""
        self.acquire(name)
        try:
            result = func(*args, **kwargs)
        except Exception:
            self.release(name, success=False)
            raise
        self.release(name, success=True)
        return result

    def get_stats(self, name: str) -> dict[str, Any]:
        """The compartment's settings, counters and state."""
        with self._lock:
            c = self._get(name)
            self._refresh(c)
            data = attrs.asdict(c)
            data["state"] = c.state.value
            return data
