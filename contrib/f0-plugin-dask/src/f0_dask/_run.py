"""One run on Dask: the dependency bookkeeping and the main loop.

This thread owns every piece of state and is the only one to call
``session.finished``. Each attempt of a ready step becomes one Dask task
(:func:`f0_dask._worker.attempt_on_worker`) with a snapshot view of the
context; Dask's done-callbacks put finished futures on a queue, and this
loop takes them in completion order, applies each delta once and releases
the step's dependants.

Dask itself re-runs a task whose worker died before handing back its
result: the step's code may then run twice, but its future yields one
result, so its delta is applied once. Retries of *failed* attempts are
f0's (``retry_count``/``retry``), with the backoff of
:class:`f0.RetryPolicy`, waited here without blocking other steps.
"""

from __future__ import annotations

import heapq
import queue
import random
import time
from typing import TYPE_CHECKING, Any

from f0 import Delta, StepOutcome, StepResult, StepStatus

from f0_dask._worker import attempt_on_worker

if TYPE_CHECKING:
    from distributed import Client, Future
    from f0 import RetryPolicy, Session

__all__ = ["CANCELLED", "DISABLED", "DaskRun", "backoff"]

# The same words as the local scheduler's, so results read the same on both.
DISABLED = "disabled (enabled: false)"
CANCELLED = "run cancelled"
#: How often the loop looks at ``cancel_event`` while nothing finishes.
_POLL_S = 0.1
_PENDING, _ACTIVE, _DONE = 0, 1, 2


def _unsatisfied(name: str) -> str:
    return f"dependency '{name}' not satisfied"


def backoff(policy: RetryPolicy, attempt: int) -> float:
    """Seconds to wait after failed *attempt* (from 1), as :class:`f0.RetryPolicy` documents."""
    base: float = min(policy.delay * policy.factor ** (attempt - 1), policy.max_delay)
    return base + base * policy.jitter * random.random()  # noqa: S311 - spread, not secrecy


class DaskRun:
    """Drives one :class:`f0.Session` to the end on a Dask cluster."""

    def __init__(
        self,
        session: Session,
        client: Client,
        *,
        continue_on_error: bool,
        limit: int | None,
        shipped: str | None,
    ) -> None:
        self._session = session
        self._client = client
        self._continue = continue_on_error
        self._limit = limit
        self._shipped = shipped
        steps = self._steps = session.order
        n = len(steps)
        index = {step.name: i for i, step in enumerate(steps)}
        position = {step.name: i for i, step in enumerate(session.recipe.steps)}
        # Among ready steps the lowest idx (then list position) goes first, as locally.
        by_rank = sorted(range(n), key=lambda i: (steps[i].idx, position.get(steps[i].name, i)))
        self._by_rank = by_rank
        self._rank = [0] * n
        for rank, i in enumerate(by_rank):
            self._rank[i] = rank
        self._children = [tuple(index[c] for c in session.dependants(s)) for s in steps]
        self._waiting = [sum(1 for d in s.depends_on if d in index) for s in steps]
        self._blocked: list[str | None] = [None] * n
        self._state = bytearray(n)
        self._started: list[float | None] = [None] * n
        #: Why each failed attempt of each step failed (as the local scheduler keeps them).
        self._errors: list[list[str]] = [[] for _ in range(n)]
        self._ready: list[int] = []  # ranks
        self._retries: list[tuple[float, int, int]] = []  # (due, step, next attempt)
        #: Worker of each step's last failed attempt: its retry goes there first.
        self._last_worker: dict[int, str] = {}
        # task key -> (step, attempt, future)
        self._inflight: dict[str, tuple[int, int, Future[Any]]] = {}
        self._active = 0  # steps in flight or waiting to retry
        self._done: queue.SimpleQueue[Future[Any]] = queue.SimpleQueue()
        self._stopped_by: str | None = None

    # -- the main loop ---------------------------------------------------------
    def run(self) -> None:
        """Run every step; return when each one is reported."""
        try:
            self._schedule()
        except KeyboardInterrupt:
            self._session.cancel()
        finally:
            if self._session.cancelled:
                self._cancel_rest()
            if self._inflight:  # an error path: nothing may keep running for us
                self._client.cancel([f for _, _, f in self._inflight.values()])
                self._inflight.clear()

    def _schedule(self) -> None:
        cancel = self._session.cancel_event
        for i in [i for i, waiting in enumerate(self._waiting) if waiting == 0]:
            self._release_root(i)
        while not cancel.is_set():
            while self._ready and self._stopped_by is None and self._has_room():
                i = self._by_rank[heapq.heappop(self._ready)]
                self._state[i] = _ACTIVE
                self._active += 1
                self._started[i] = time.time()
                self._submit(i, 1)
            now = time.time()
            while self._retries and self._retries[0][0] <= now:
                _, i, attempt = heapq.heappop(self._retries)
                self._submit(i, attempt)
            if self._active == 0:
                break
            wait = _POLL_S if not self._retries else min(_POLL_S, self._retries[0][0] - now)
            try:
                future = self._done.get(timeout=max(wait, 0.0))
            except queue.Empty:
                continue
            self._receive(future)
        if not cancel.is_set():
            self._skip_rest()

    def _has_room(self) -> bool:
        return self._limit is None or self._active < self._limit

    def _submit(self, i: int, attempt: int) -> None:
        session = self._session
        step = self._steps[i]
        session.started(step, attempt)
        key = f"f0-{step.name}-{session.run_id}-{attempt}"
        # A retry prefers the worker of the failed attempt: state a step keeps in
        # its process (a circuit breaker, a rate limiter) sees every attempt, as
        # in one local process. Any worker will do if that one is gone.
        worker = self._last_worker.pop(i, None)
        future = self._client.submit(
            attempt_on_worker,
            session.runner(step),
            step,
            session.view(step, snapshot=True),
            session.env(step, attempt),
            self._shipped,
            key=key,
            pure=False,
            priority=len(self._steps) - self._rank[i],  # higher runs first, as idx orders
            workers=None if worker is None else [worker],
            allow_other_workers=worker is not None,
        )
        self._inflight[key] = (i, attempt, future)
        future.add_done_callback(self._done.put)  # called on the client's event loop thread

    def _receive(self, future: Future[Any]) -> None:
        entry = self._inflight.pop(str(future.key), None)
        if entry is None:
            return  # cancelled meanwhile
        i, attempt, _ = entry
        step = self._steps[i]
        outcome, delta = self._result(future, i, where=attempt < step.retry.max_attempts)
        if not outcome.success:
            self._errors[i].append(outcome.error or f"exit code {outcome.exit_code}")
        if not outcome.success and attempt < step.retry.max_attempts:
            due = time.time() + backoff(step.retry, attempt)
            heapq.heappush(self._retries, (due, i, attempt + 1))
            return
        self._active -= 1
        result = StepResult(
            name=step.name,
            status=StepStatus.COMPLETED if outcome.success else StepStatus.FAILED,
            attempts=attempt,
            started_at=self._started[i],
            finished_at=time.time(),
            exit_code=outcome.exit_code,
            error=outcome.error,
            result=outcome.result,
            traceback=outcome.traceback,
            attempt_errors=tuple(self._errors[i]),
            trace=None if outcome.frame_locals is None else {"locals": dict(outcome.frame_locals)},
        )
        self._finish(i, result, delta)

    def _result(
        self, future: Future[Any], i: int, *, where: bool
    ) -> tuple[StepOutcome, Delta | None]:
        """The attempt's (outcome, delta); with *where*, remember the worker of step *i*'s failure."""
        try:
            outcome, delta = future.result()
        except Exception as exc:  # noqa: BLE001 - a lost task (KilledWorker...) fails the attempt
            error = f"dask: {type(exc).__name__}: {exc}"
            outcome, delta = StepOutcome(success=False, exit_code=1, error=error), None
        else:
            if where and not outcome.success:
                holders = self._client.who_has(future).get(future.key, ())
                if holders:
                    self._last_worker[i] = holders[0]
        finally:
            future.release()
        return outcome, delta

    def _finish(self, i: int, result: StepResult, delta: Delta | None) -> None:
        self._state[i] = _DONE
        step = self._steps[i]
        self._session.finished(step, result, delta)
        if result.status is StepStatus.COMPLETED:
            self._release(i, None)
            return
        if not self._continue and self._stopped_by is None:
            self._stopped_by = step.name
        self._release(i, step.name)

    # -- dependency bookkeeping ------------------------------------------------
    def _release_root(self, i: int) -> None:
        step = self._steps[i]
        if step.enabled:
            heapq.heappush(self._ready, self._rank[i])
        else:
            self._state[i] = _DONE
            self._session.skip(step, DISABLED)
            self._release(i, step.name)

    def _release(self, i: int, blocker: str | None) -> None:
        """Count step *i* as finished for its dependants; *blocker* names it if it did not complete.

        A dependant that cannot run (disabled, or a dependency not completed)
        is reported SKIPPED at once and released in turn.
        """
        stack = [(i, blocker)]
        while stack:
            j, why = stack.pop()
            for c in self._children[j]:
                if why is not None and self._blocked[c] is None:
                    self._blocked[c] = why
                self._waiting[c] -= 1
                if self._waiting[c]:
                    continue
                child = self._steps[c]
                if child.enabled and self._blocked[c] is None:
                    heapq.heappush(self._ready, self._rank[c])
                    continue
                reason = DISABLED if not child.enabled else _unsatisfied(self._blocked[c] or "")
                self._state[c] = _DONE
                self._session.skip(child, reason)
                stack.append((c, child.name))

    def _skip_rest(self) -> None:
        """After a failure stopped the run: every step not started is SKIPPED."""
        why = f"run stopped after step '{self._stopped_by}' failed"
        for i, step in enumerate(self._steps):  # dependencies first, so blocks propagate
            if self._state[i] == _DONE:
                continue
            self._state[i] = _DONE
            if not step.enabled:
                reason = DISABLED
            elif self._blocked[i] is not None:
                reason = _unsatisfied(self._blocked[i] or "")
            else:
                reason = why
            self._session.skip(step, reason)
            for c in self._children[i]:
                if self._blocked[c] is None:
                    self._blocked[c] = step.name

    def _cancel_rest(self) -> None:
        """The run is cancelled: steps in flight end CANCELLED, the others SKIPPED."""
        session = self._session
        if self._inflight:
            self._client.cancel([f for _, _, f in self._inflight.values()])
            self._inflight.clear()
        now = time.time()
        for i, step in enumerate(self._steps):
            if self._state[i] == _DONE or step.name in session.results:
                continue
            was = self._state[i]
            self._state[i] = _DONE
            if was == _ACTIVE:
                result = StepResult(
                    name=step.name,
                    status=StepStatus.CANCELLED,
                    started_at=self._started[i],
                    finished_at=now,
                    error=CANCELLED,
                )
                session.finished(step, result)
            else:
                session.skip(step, CANCELLED)
