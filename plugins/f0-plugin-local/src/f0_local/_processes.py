"""Process workers: long-lived child processes, one step attempt at a time each.

Not ``ProcessPoolExecutor``: a step past its deadline must really stop, and an
executor cannot kill one of its workers (killing one breaks the whole pool).
Here each worker has its own pipe; the thread driving an attempt waits on that
pipe until the deadline and kills just that process if it passes.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import threading
import time
from multiprocessing.reduction import ForkingPickler
from typing import TYPE_CHECKING, Any

from f0 import run_attempt

from f0_local._common import AttemptResult, Cancelled, failed_outcome, timeout_outcome

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from f0 import Step, StepContext, StepEnv, StepRunner

__all__ = ["ProcessWorkers", "default_start_method", "worker_main"]

_STOP_GRACE_S = 2.0
_POLL_S = 0.05


def default_start_method() -> str:
    """``forkserver`` where it exists (fork is unsafe once threads run), else ``spawn``."""
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


def worker_main(conn: Connection) -> None:
    """Body of a worker process: receive (runner, step, view, env), answer (outcome, delta)."""
    # Ctrl-C reaches the whole process group; the parent decides and kills us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return  # the parent is gone
        except Exception as exc:  # noqa: BLE001 - e.g. the runner's module is not importable here
            error = f"cannot load the step in a worker process: {exc!r}"
            _reply(conn, (failed_outcome(error), None))
            continue
        if message is None:
            return
        runner, step, view, env = message
        outcome = run_attempt(runner, step, view, env)
        _reply(conn, (outcome, view.delta() if outcome.success or env.trace else None))


def _reply(conn: Connection, answer: AttemptResult) -> None:
    try:
        payload = ForkingPickler.dumps(answer)
    except Exception as exc:  # noqa: BLE001 - an unpicklable result fails the step, not the worker
        answer = (failed_outcome(f"step result cannot be sent back: {exc!r}"), None)
        payload = ForkingPickler.dumps(answer)
    conn.send_bytes(payload)


class _Worker:
    __slots__ = ("conn", "process")

    def __init__(self, conn: Connection, process: Any) -> None:
        self.conn = conn
        self.process = process


class ProcessWorkers:
    """Child processes started on demand and reused; thread-safe."""

    def __init__(self, start_method: str | None = None) -> None:
        # Any: typeshed's BaseContext lacks Process/Pipe, which every real context has.
        self._ctx: Any = multiprocessing.get_context(start_method or default_start_method())
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False

    def attempt(
        self,
        runner: StepRunner,
        step: Step,
        view: StepContext,
        env: StepEnv,
        cancel_event: threading.Event,
    ) -> AttemptResult:
        """Make one attempt of *step* in a worker process, killing it at ``step.timeout``.

        Raises :class:`Cancelled` if the run is cancelled first or meanwhile.
        """
        try:
            payload = ForkingPickler.dumps((runner, step, view, env))
        except Exception as exc:  # noqa: BLE001 - whatever pickle raises, the step cannot go
            error = f"cannot send step {step.name!r} to a worker process: {exc!r}"
            return failed_outcome(error), None
        worker = self._checkout()
        healthy = False
        try:
            if cancel_event.is_set():
                raise Cancelled
            try:
                worker.conn.send_bytes(payload)
                if not _wait_for_answer(worker.conn, step.timeout, cancel_event):
                    if cancel_event.is_set():
                        raise Cancelled
                    return timeout_outcome(step.timeout or 0.0), None
                answer: AttemptResult = worker.conn.recv()
            except (EOFError, OSError):
                if cancel_event.is_set():
                    raise Cancelled from None
                worker.process.join(_STOP_GRACE_S)
                code = worker.process.exitcode
                return failed_outcome(f"worker process died (exit code {code})"), None
            healthy = True
            return answer
        finally:
            # A worker that did not answer (deadline, Ctrl-C, death) is killed, not reused.
            self._checkin(worker, healthy=healthy)

    def kill_busy(self) -> None:
        """Kill every worker running a step now (the run is cancelled)."""
        with self._lock:
            for worker in self._busy:
                worker.process.kill()

    def shutdown(self) -> None:
        """Stop idle workers, kill busy ones; idempotent."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            busy = list(self._busy)
        for worker in busy:
            worker.process.kill()
        for worker in idle:
            with contextlib.suppress(OSError):
                worker.conn.send(None)
        for worker in idle:
            _reap(worker)

    def _checkout(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise Cancelled
            if self._idle:
                worker = self._idle.pop()
                self._busy.add(worker)
                return worker
        worker = self._start()
        with self._lock:
            self._busy.add(worker)
        return worker

    def _checkin(self, worker: _Worker, *, healthy: bool) -> None:
        with self._lock:
            self._busy.discard(worker)
            if healthy and not self._closed:
                self._idle.append(worker)
                return
        if healthy:
            with contextlib.suppress(OSError):
                worker.conn.send(None)
        else:
            worker.process.kill()
        _reap(worker)

    def _start(self) -> _Worker:
        parent, child = self._ctx.Pipe(duplex=True)
        # Not a daemon: a step may use multiprocessing itself. We stop workers on every path.
        process = self._ctx.Process(target=worker_main, args=(child,), name="f0-local-worker")
        process.start()
        child.close()  # so the parent sees EOF when the child dies
        return _Worker(parent, process)


def _wait_for_answer(
    conn: Connection, timeout: float | None, cancel_event: threading.Event
) -> bool:
    """Wait until *conn* is readable (True), the deadline passes or the run is cancelled."""
    # Sliced so that a cancel from any thread is seen even when the scheduling
    # thread itself is the one waiting here.
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        wait = _POLL_S if deadline is None else min(_POLL_S, deadline - time.monotonic())
        if conn.poll(max(wait, 0.0)):
            return True
        if cancel_event.is_set() or (deadline is not None and time.monotonic() >= deadline):
            return False


def _reap(worker: _Worker) -> None:
    worker.process.join(_STOP_GRACE_S)
    if worker.process.is_alive():
        worker.process.kill()
        worker.process.join(_STOP_GRACE_S)
    worker.conn.close()
