"""One run on Dask: the dependency bookkeeping and the main loop.

This thread owns every piece of state and is the only one to call
``session.finished``. Each attempt of a ready step becomes one Dask task
(:func:`f0_dask._worker.attempt_on_worker`) with a snapshot view of the
context; Dask's done-callbacks put finished futures on a queue, and this
loop takes them in completion order, applies each delta once and releases
the step's dependants.

The run behaves like the local scheduler's thread pool, so ``--json`` is
the same on both:

* at most one step per worker thread of the cluster (or ``--workers``) is
  in flight or waiting to retry, and ready steps go out in the shared
  ready order (:func:`f0.ready_order`); Dask's own queues never hold a step
  that a free local thread would not have taken yet;
* without ``--continue-on-error`` the first failure is broadcast to every
  worker (:func:`f0_dask._worker.stop_run`): a task that has not started its
  step yet returns "not started" instead of running it, and the step is
  reported SKIPPED as the local scheduler reports a step no thread claimed.
  Futures are not cancelled for this: Dask cannot stop a task that already
  started, so a cancelled future would hide whether the step ran.

Dask itself re-runs a task whose worker died before handing back its
result: the step's code may then run twice, but its future yields one
result, so its delta is applied once. Retries of *failed* attempts are
f0's (``retry_count``/``retry``), with the back-off of :func:`f0.retry_delay`,
waited here without blocking other steps.
"""

from __future__ import annotations

import contextlib
import heapq
import queue
import time
from typing import TYPE_CHECKING, Any

from f0 import (
    REASON_CANCELLED,
    REASON_DISABLED,
    Delta,
    StepOutcome,
    StepResult,
    StepStatus,
    ready_order,
    reason_stopped,
    reason_unsatisfied,
    retry_delay,
)

from f0_dask._worker import attempt_on_worker, stop_run

if TYPE_CHECKING:
    from distributed import Client, Future
    from f0 import Session

__all__ = ["DaskRun"]

#: How often the loop looks at ``cancel_event`` while nothing finishes.
_POLL_S = 0.1
#: How often the cluster's thread count is asked again while steps wait for room.
_SLOTS_REFRESH_S = 1.0
_PENDING, _ACTIVE, _DONE = 0, 1, 2


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
        """*limit*: steps in flight at once; None: one per worker thread of the cluster."""
        self._session = session
        self._client = client
        self._continue = continue_on_error
        self._limit = limit
        self._slots = limit if limit is not None else 0
        self._slots_checked = float("-inf")
        self._shipped = shipped
        steps = self._steps = session.order
        n = len(steps)
        index = {step.name: i for i, step in enumerate(steps)}
        # Among ready steps the lowest idx (then list position) goes first, as locally.
        by_rank = ready_order(steps, session.recipe.steps)
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
        """True if another step may go out: fewer in flight than worker threads.

        Without a fixed limit the cluster's thread count is asked again (at
        most every ``_SLOTS_REFRESH_S``) when it is reached: workers may join
        or leave during a run.
        """
        if self._active < self._slots:
            return True
        if self._limit is not None:
            return False
        now = time.monotonic()
        if now - self._slots_checked < _SLOTS_REFRESH_S:
            return False
        self._slots_checked = now
        # A cluster with no worker yet still gets one step: it waits in Dask
        # for a worker to join, as it would have before.
        self._slots = max(1, sum(self._client.nthreads().values()))
        return self._active < self._slots

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
            stop_on_failure=not self._continue,
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
        if outcome is None:  # the worker saw the stop broadcast: the step never started
            self._active -= 1
            self._state[i] = _PENDING  # reported SKIPPED by _skip_rest
            self._started[i] = None
            return
        if not outcome.success:
            self._errors[i].append(outcome.error or f"exit code {outcome.exit_code}")
        if not outcome.success and attempt < step.retry.max_attempts:
            due = time.time() + retry_delay(step.retry, attempt)
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
    ) -> tuple[StepOutcome | None, Delta | None]:
        """The attempt's (outcome, delta); with *where*, remember the worker of step *i*'s failure.

        The outcome is None if the worker did not start the step (stop broadcast).
        """
        try:
            outcome, delta = future.result()
        except Exception as exc:  # noqa: BLE001 - a lost task (KilledWorker...) fails the attempt
            error = f"dask: {type(exc).__name__}: {exc}"
            outcome, delta = StepOutcome(success=False, exit_code=1, error=error), None
        else:
            if where and outcome is not None and not outcome.success:
                holders = self._client.who_has(future).get(future.key, ())
                if holders:
                    self._last_worker[i] = holders[0]
        finally:
            future.release()
        return outcome, delta

    def _finish(self, i: int, result: StepResult, delta: Delta | None) -> None:
        self._state[i] = _DONE
        step = self._steps[i]
        failed = result.status is not StepStatus.COMPLETED
        if failed and not self._continue and self._stopped_by is None:
            self._stopped_by = step.name
            self._broadcast_stop()  # first: other workers may be about to start a step
        self._session.finished(step, result, delta)
        self._release(i, step.name if failed else None)

    def _broadcast_stop(self) -> None:
        """Tell every worker that this run stopped: queued first attempts must not start.

        Only when another step is in flight: its task may be waiting in a
        worker's queue. Retries of a step already started still run, as in
        the local scheduler's pool.
        """
        if not any(attempt == 1 for _, attempt, _ in self._inflight.values()):
            return
        # A worker that is gone or cannot answer changes nothing here: its
        # tasks come back through their futures (Dask moves them elsewhere).
        with contextlib.suppress(Exception):
            self._client.run(stop_run, self._session.run_id, on_error="ignore")

    # -- dependency bookkeeping ------------------------------------------------
    def _release_root(self, i: int) -> None:
        step = self._steps[i]
        if step.enabled:
            heapq.heappush(self._ready, self._rank[i])
        else:
            self._state[i] = _DONE
            self._session.skip(step, REASON_DISABLED)
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
                reason = (
                    REASON_DISABLED
                    if not child.enabled
                    else reason_unsatisfied(self._blocked[c] or "")
                )
                self._state[c] = _DONE
                self._session.skip(child, reason)
                stack.append((c, child.name))

    def _skip_rest(self) -> None:
        """After a failure stopped the run: every step not started is SKIPPED."""
        why = reason_stopped(self._stopped_by or "")
        for i, step in enumerate(self._steps):  # dependencies first, so blocks propagate
            if self._state[i] == _DONE:
                continue
            self._state[i] = _DONE
            if not step.enabled:
                reason = REASON_DISABLED
            elif self._blocked[i] is not None:
                reason = reason_unsatisfied(self._blocked[i] or "")
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
                    error=REASON_CANCELLED,
                )
                session.finished(step, result)
            else:
                session.skip(step, REASON_CANCELLED)
