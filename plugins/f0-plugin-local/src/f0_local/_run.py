"""One run of the local scheduler: the dependency bookkeeping and the main loop.

The scheduling thread (the caller of ``Scheduler.run``) owns the dependency
state and is the only one to call ``session.finished``; worker threads only
execute steps and hand back ``(index, result, delta)`` through a queue.

Two rules keep the overhead per step low:

* a step that is the only one ready while nothing runs executes inline in
  the scheduling thread, so a chain never pays a thread hand-off;
* every ready step goes to the pool's queue at once (lowest rank first), and
  at most ``workers`` threads take from it, so workers go from step to step
  without waiting for the scheduling thread. A worker *claims* a queued step
  before starting it; after a failure (stop mode) or a cancel it refuses to
  claim, and the step counts as not started.

Steps are identified by their position in ``session.order`` and state lives
in flat lists: this loop runs once per step and its cost is the overhead.
"""

from __future__ import annotations

import heapq
import queue
import threading
import time
from typing import TYPE_CHECKING

from f0 import (
    REASON_CANCELLED,
    REASON_DISABLED,
    Delta,
    StepResult,
    StepStatus,
    ready_order,
    reason_stopped,
    reason_unsatisfied,
    run_attempt,
)

from f0_local._common import AttemptResult, Cancelled, failed_result, timeout_outcome
from f0_local._retry import run_with_retries
from f0_local._threads import DaemonPool, call_with_deadline

if TYPE_CHECKING:
    from f0 import Session, Step, StepContext, StepRunner

    from f0_local._processes import ProcessWorkers

__all__ = ["LocalRun"]

#: How often the scheduling thread looks at ``cancel_event`` while it waits.
_POLL_S = 0.05

_PENDING, _QUEUED, _RUNNING, _DONE = 0, 1, 2, 3
_COMPLETED = StepStatus.COMPLETED
_FAILED = StepStatus.FAILED


class _NotStarted:
    """A worker's answer for a queued step it did not claim (stop or cancel)."""


_NOT_STARTED = _NotStarted()

#: What a worker hands back: a result (None: it saw the run cancelled), the
#: exception that escaped (a bug or a raising hook) or _NOT_STARTED; the delta.
_Done = tuple[int, StepResult | BaseException | _NotStarted | None, Delta | None]


class LocalRun:
    """Drives one :class:`~f0.Session` to the end."""

    def __init__(
        self,
        session: Session,
        *,
        workers: int,
        continue_on_error: bool,
        processes: ProcessWorkers | None,
    ) -> None:
        self._session = session
        self._workers = workers
        self._continue = continue_on_error
        self._processes = processes
        steps = self._steps = session.order
        n = len(steps)
        index = {step.name: i for i, step in enumerate(steps)}
        # Among ready steps the lowest idx (then list position) goes first; the
        # heap holds ranks, a permutation of range(n), so it compares plain ints.
        by_rank = ready_order(steps, session.recipe.steps)
        self._by_rank = by_rank
        self._rank = [0] * n
        for rank, i in enumerate(by_rank):
            self._rank[i] = rank
        self._children = [tuple(index[c] for c in session.dependants(step)) for step in steps]
        self._waiting = [sum(1 for d in step.depends_on if d in index) for step in steps]
        #: Name of the first dependency of each step that did not complete.
        self._blocked: list[str | None] = [None] * n
        self._state = bytearray(n)
        self._ready: list[int] = []
        self._running = 0  # steps handed to the pool and not handed back
        self._claim = threading.Lock()  # guards _QUEUED -> _RUNNING against stop/cancel
        self._views: list[StepContext | None] = [None] * n
        self._started: list[float | None] = [None] * n
        self._stopped_by: str | None = None
        self._done: queue.SimpleQueue[_Done] = queue.SimpleQueue()
        self._pool: DaemonPool | None = None
        self._attempt = self._attempt_in_process if processes else self._attempt_in_thread

    # -- the main loop ---------------------------------------------------------
    def run(self) -> None:
        """Run every step; return when each one is reported."""
        clean = False
        try:
            try:
                self._schedule()
                clean = not self._session.cancelled
            except KeyboardInterrupt:
                self._session.cancel()
                self._cancel_rest()
        finally:
            self._shutdown(wait=clean)

    def _schedule(self) -> None:
        cancel = self._session.cancel_event
        ready = self._ready
        by_rank = self._by_rank
        pop = heapq.heappop
        inline_always = self._workers == 1
        # Roots first, all of them: releasing a disabled root changes _waiting.
        for i in [i for i, waiting in enumerate(self._waiting) if waiting == 0]:
            self._release_root(i)
        while True:
            while ready and self._stopped_by is None:
                if cancel.is_set():
                    break
                rank = pop(ready)
                if self._running == 0 and (inline_always or not ready):
                    self._run_inline(by_rank[rank])
                else:
                    self._submit(rank)
            if cancel.is_set():
                self._cancel_rest()
                return
            if self._running == 0:
                break
            self._receive()
        self._skip_rest()

    def _run_inline(self, i: int) -> None:
        self._state[i] = _RUNNING
        result, delta = self._execute(i)
        if result is None:
            return  # cancelled meanwhile; _cancel_rest reports it
        self._finish(i, result, delta)

    def _submit(self, rank: int) -> None:
        self._state[self._by_rank[rank]] = _QUEUED
        self._running += 1
        pool = self._pool
        if pool is None:
            pool = self._pool = DaemonPool(self._workers, self._work, "f0-local")
        pool.submit(rank, self._running)

    def _receive(self) -> None:
        try:
            i, result, delta = self._done.get(timeout=_POLL_S)
        except queue.Empty:
            return
        self._running -= 1
        if result is _NOT_STARTED:
            if self._state[i] == _QUEUED:
                self._state[i] = _PENDING  # reported by _skip_rest or _cancel_rest
            return
        if isinstance(result, BaseException):
            raise result
        if not isinstance(result, StepResult) or self._state[i] == _DONE:
            return  # cancelled; reported by _cancel_rest
        self._finish(i, result, delta)

    def _finish(self, i: int, result: StepResult, delta: Delta | None) -> None:
        self._state[i] = _DONE
        self._views[i] = None  # let the step's view go
        step = self._steps[i]
        self._session.finished(step, result, delta)
        status = result.status
        if status is _COMPLETED:
            self._release(i, None)
            return
        if status is _FAILED:
            self._stop(step.name)
        self._release(i, step.name)

    def _stop(self, failed: str) -> None:
        """Without continue_on_error, the first failure stops new steps from starting."""
        if self._continue:
            return
        with self._claim:
            if self._stopped_by is None:
                self._stopped_by = failed

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
        """Count *i* as finished for its dependants; *blocker* names it if it did not complete.

        Dependants that cannot run (disabled, or a dependency not completed) are
        reported SKIPPED at once and released in turn, without recursion.
        """
        steps = self._steps
        children = self._children
        waiting = self._waiting
        blocked = self._blocked
        skipped: list[int] | None = None
        while True:
            for c in children[i]:
                if blocker is not None and blocked[c] is None:
                    blocked[c] = blocker
                left = waiting[c] - 1
                waiting[c] = left
                if left:
                    continue
                child = steps[c]
                if child.enabled and blocked[c] is None:
                    heapq.heappush(self._ready, self._rank[c])
                    continue
                reason = (
                    REASON_DISABLED if not child.enabled else reason_unsatisfied(blocked[c] or "")
                )
                self._state[c] = _DONE
                self._session.skip(child, reason)
                if skipped is None:
                    skipped = []
                skipped.append(c)
            if not skipped:
                return
            i = skipped.pop()
            blocker = steps[i].name

    def _skip_rest(self) -> None:
        """After a failure stopped the run: every step not started is SKIPPED."""
        session = self._session
        blocked = self._blocked
        why = reason_stopped(self._stopped_by or "")
        for i, step in enumerate(self._steps):  # dependencies first, so blocks propagate
            if self._state[i] == _DONE:
                continue
            self._state[i] = _DONE
            if not step.enabled:
                reason = REASON_DISABLED
            elif blocked[i] is not None:
                reason = reason_unsatisfied(blocked[i] or "")
            else:
                reason = why
            session.skip(step, reason)
            for c in self._children[i]:
                if blocked[c] is None:
                    blocked[c] = step.name

    def _cancel_rest(self) -> None:
        """The run is cancelled: running steps end CANCELLED, the others SKIPPED."""
        session = self._session
        state = self._state
        with self._claim:  # queued steps no worker claimed yet will never start
            for i, value in enumerate(state):
                if value == _QUEUED:
                    state[i] = _PENDING
        while self._running:  # results already handed back are real results
            try:
                i, result, delta = self._done.get_nowait()
            except queue.Empty:
                break
            self._running -= 1
            if isinstance(result, StepResult) and state[i] == _RUNNING:
                self._finish(i, result, delta)
        if self._processes is not None:
            self._processes.kill_busy()
        now = time.time()
        for i, step in enumerate(self._steps):
            was = state[i]
            if was == _DONE or step.name in session.results:
                continue
            state[i] = _DONE
            if was == _RUNNING:
                view = self._views[i]
                if view is not None:
                    view.close()  # later writes raise; its delta is never applied
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

    def _shutdown(self, *, wait: bool) -> None:
        with self._claim:  # on an error path, queued steps must not start any more
            for i, value in enumerate(self._state):
                if value == _QUEUED:
                    self._state[i] = _PENDING
        if self._pool is not None:
            # After a cancel, workers may still be inside abandoned steps: don't wait.
            self._pool.shutdown(wait=wait)
        if self._processes is not None:
            self._processes.shutdown()

    # -- executing one step (worker threads, or inline) -------------------------
    def _work(self, rank: int) -> None:
        i = self._by_rank[rank]
        with self._claim:
            claimed = (
                self._state[i] == _QUEUED
                and self._stopped_by is None
                and not self._session.cancel_event.is_set()
            )
            if claimed:
                self._state[i] = _RUNNING
        if not claimed:
            self._done.put((i, _NOT_STARTED, None))
            return
        try:
            result, delta = self._execute(i)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the scheduling thread
            self._done.put((i, exc, None))
            return
        if result is not None and result.status is _FAILED:
            # Stop now, not when the scheduling thread gets to this result:
            # this worker's next claim must already see it.
            self._stop(result.name)
        self._done.put((i, result, delta))

    def _execute(self, i: int) -> tuple[StepResult | None, Delta | None]:
        """All attempts of step *i*; (None, None) if the run was cancelled meanwhile."""
        step = self._steps[i]
        session = self._session
        runner = session.runner(step)
        started_at = self._started[i] = time.time()
        policy = step.retry
        errors: list[str] = []  # why each failed attempt failed, in order
        try:
            if policy.retries <= 0:
                outcome, delta = self._attempt(i, step, runner, 1)
                attempts = 1
            else:

                def attempt(n: int) -> AttemptResult:
                    done = self._attempt(i, step, runner, n)
                    if not done[0].success:
                        errors.append(done[0].error or f"exit code {done[0].exit_code}")
                    return done

                (outcome, delta), attempts = run_with_retries(policy, attempt, session.cancel_event)
        except Cancelled:
            return None, None
        if outcome.success:
            result = StepResult(
                name=step.name,
                status=_COMPLETED,
                attempts=attempts,
                started_at=started_at,
                finished_at=time.time(),
                exit_code=outcome.exit_code,
                error=outcome.error,
                result=outcome.result,
                attempt_errors=tuple(errors),
            )
        else:
            result = failed_result(step.name, outcome, attempts, started_at, errors)
        return result, delta

    def _attempt_in_thread(self, i: int, step: Step, runner: StepRunner, n: int) -> AttemptResult:
        session = self._session
        if n > 1 and session.cancel_event.is_set():
            raise Cancelled
        session.started(step, n)
        view = self._views[i] = session.view(step)
        env = session.env(step, n)
        timeout = step.timeout
        if timeout is None:
            outcome = run_attempt(runner, step, view, env)
        else:
            finished, maybe = call_with_deadline(
                lambda: run_attempt(runner, step, view, env), timeout, f"f0-step-{step.name}"
            )
            if not finished or maybe is None:
                view.close()  # the abandoned thread's later writes raise and are dropped
                return timeout_outcome(timeout), None
            outcome = maybe
        # Under --trace a failed attempt's delta is kept too: its reads go in the trace.
        return outcome, (view.delta() if outcome.success or env.trace else None)

    def _attempt_in_process(self, i: int, step: Step, runner: StepRunner, n: int) -> AttemptResult:  # noqa: ARG002 - same signature as the thread variant
        session = self._session
        processes = self._processes
        if processes is None:  # pragma: no cover - chosen in __init__
            raise RuntimeError("no process workers")
        session.started(step, n)
        view = session.view(step, snapshot=True)
        return processes.attempt(runner, step, view, session.env(step, n), session.cancel_event)
