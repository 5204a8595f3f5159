"""The observer: measures each step as it runs and writes it to the analytics file.

It is on every step's path, so it does little: a dict lookup and a clock
read when a step starts, one queued row when it finishes (rows are written
in batches; see :class:`AnalyticsDB`). A run that is
not recorded in a run store (``--store none``) is not measured. A failing
analytics file is reported once per run (a warning) and then left alone:
losing metrics must not fail a run.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from f0 import get_logger

from f0_analytics._db import AnalyticsDB, analytics_path

if TYPE_CHECKING:
    from f0 import RunInfo, RunResult, Step, StepResult

__all__ = ["Collector", "current_rss"]

_log = get_logger(__name__)
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_STATM = Path("/proc/self/statm")


_statm: tuple[int, int] | None = None  # (pid, open fd of /proc/self/statm)
_rss: tuple[float, int] = (float("-inf"), 0)  # (monotonic time read, value)
#: A step's RSS is the process's, read at most this often (seconds).
RSS_EVERY_S = 0.05


def current_rss() -> int | None:
    """Resident memory of this process in bytes (Linux ``/proc``), or None.

    It runs once per step, on the run's busiest thread, so it reads the file
    at most every :data:`RSS_EVERY_S` and otherwise makes no system call at
    all: each read is one, which lets the worker threads take the GIL for up
    to a switch interval (5 ms). The file stays open (``pread`` costs ~2 us,
    opening it ~25 us); a forked child forgets the parent's reading and
    descriptor (:func:`_forget_after_fork`) and opens its own.
    """
    global _statm, _rss  # noqa: PLW0603 - one descriptor and reading per process
    now = time.monotonic()
    if now - _rss[0] < RSS_EVERY_S:
        return _rss[1]
    try:
        pid = os.getpid()
        if _statm is None or _statm[0] != pid:
            _statm = (pid, os.open(_STATM, os.O_RDONLY))
        fields = os.pread(_statm[1], 128, 0).split()
    except OSError:
        return None
    _rss = (now, int(fields[1]) * _PAGE)
    return _rss[1]


def _forget_after_fork() -> None:
    """In a forked child: the parent's RSS reading is not the child's."""
    global _statm, _rss  # noqa: PLW0603
    _statm = None  # /proc/self of the parent, opened before the fork
    _rss = (float("-inf"), 0)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def _thread_clock() -> tuple[int, float] | None:
    """The calling thread's CPU clock and its reading now (None where unsupported)."""
    try:
        clock = time.pthread_getcpuclockid(threading.get_ident())
        return clock, time.clock_gettime(clock)
    except (AttributeError, OSError):
        return None


class _Run:
    """What the collector keeps while one run is going."""

    __slots__ = ("db", "failed", "finished", "started_at")

    def __init__(self, db: AnalyticsDB, started_at: float) -> None:
        self.db = db
        self.started_at = started_at
        self.finished: dict[str, float] = {}
        self.failed = False


class Collector:
    """Per-run state of the analytics observer (thread-safe)."""

    def __init__(self) -> None:
        self._runs: dict[str, _Run] = {}
        self._lock = threading.Lock()
        # (run id, step) -> [cpu clock, reading at start, reading at end or None]
        self._cpu: dict[tuple[str, str], list[float | None]] = {}
        # thread ident -> the (run id, step) it last started
        self._on_thread: dict[int, tuple[str, str]] = {}

    def run_started(self, run: RunInfo) -> None:
        """Open the analytics file of the run's store and record the run."""
        path = analytics_path(run.store_url)
        if path is None:
            return
        try:
            db = AnalyticsDB(path)
            db.start_run(
                run_id=run.run_id,
                recipe_name=run.recipe.name,
                recipe_path=str(run.recipe.path.resolve()) if run.recipe.path else None,
                scheduler=run.scheduler,
                at=run.started_at,
            )
        except (sqlite3.Error, OSError) as exc:
            _log.warning("analytics.write_failed", path=str(path), error=str(exc))
            return
        with self._lock:
            self._runs[run.run_id] = _Run(db, run.started_at)

    def step_started(self, run: RunInfo, step: Step) -> None:
        """Note the CPU clock of the thread starting an attempt of *step*."""
        if run.run_id not in self._runs:
            return
        reading = _thread_clock()
        if reading is None:
            return
        clock, now = reading
        key = (run.run_id, step.name)
        ident = threading.get_ident()
        with self._lock:
            # The thread moved on to another step before its last one was
            # reported finished: that one's CPU time ends here.
            previous = self._on_thread.get(ident)
            if previous is not None and previous != key:
                entry = self._cpu.get(previous)
                if entry is not None and entry[2] is None:
                    entry[2] = now
            self._on_thread[ident] = key
            if key not in self._cpu:  # retries keep the first attempt's start
                self._cpu[key] = [clock, now, None]

    def step_finished(self, run: RunInfo, step: Step, result: StepResult) -> None:
        """Measure *step* and write its metrics."""
        state = self._runs.get(run.run_id)
        if state is None or state.failed:
            return
        with self._lock:
            entry = self._cpu.pop((run.run_id, step.name), None)
        cpu = _cpu_seconds(entry)
        ready = (
            max(
                (state.finished[d] for d in step.depends_on if d in state.finished),
                default=state.started_at,
            )
            if step.depends_on
            else state.started_at
        )
        finished = result.finished_at or time.time()
        state.finished[step.name] = finished
        started = result.started_at
        # The row of a StepMetrics, built directly (no object per step).
        row = (
            run.run_id,
            step.name,
            result.status.value,
            result.attempts,
            started,
            result.finished_at,
            result.duration_s,
            max(0.0, started - ready) if started is not None else None,
            cpu,
            current_rss() if started is not None else None,
            time.time(),
        )
        try:
            state.db.record_row(row)
        except (sqlite3.Error, OSError) as exc:
            state.failed = True
            _log.warning("analytics.write_failed", path=str(state.db.path), error=str(exc))

    def run_finished(self, run: RunInfo, result: RunResult) -> None:
        """Record the run's end and close its analytics file."""
        with self._lock:
            state = self._runs.pop(run.run_id, None)
            for key in [k for k in self._cpu if k[0] == run.run_id]:
                del self._cpu[key]
            for ident in [i for i, k in self._on_thread.items() if k[0] == run.run_id]:
                del self._on_thread[ident]
        if state is None:
            return
        try:
            if not state.failed:
                state.db.finish_run(run_id=run.run_id, status=result.status.value, at=time.time())
        except (sqlite3.Error, OSError) as exc:
            _log.warning("analytics.write_failed", path=str(state.db.path), error=str(exc))
        finally:
            state.db.close()


def _cpu_seconds(entry: list[float | None] | None) -> float | None:
    if entry is None:
        return None
    clock, start, end = entry
    if end is None:
        try:
            end = time.clock_gettime(int(clock or 0))
        except OSError:  # the thread is gone
            return None
    return max(0.0, end - (start or 0.0))
