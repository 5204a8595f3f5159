"""The ``local`` scheduler: options checked once, one :class:`LocalRun` per run."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from f0 import UsageError

from f0_local._run import LocalRun

if TYPE_CHECKING:
    from f0 import SchedulerOptions, Session

__all__ = ["POOLS", "LocalScheduler"]

POOLS = ("thread", "process")


class LocalScheduler:
    """Runs steps on this machine, in a thread pool (default) or a process pool.

    ``options.extra["start_method"]`` picks the multiprocessing start method of
    the process pool (default: ``forkserver`` where available, else ``spawn``).
    """

    def __init__(self, options: SchedulerOptions) -> None:
        if options.pool not in POOLS:
            msg = f"unknown pool {options.pool!r}; use one of: {', '.join(POOLS)}"
            raise UsageError(msg, where="--pool")
        workers = options.workers if options.workers is not None else (os.cpu_count() or 1)
        if workers < 1:
            msg = f"workers must be at least 1, not {workers}"
            raise UsageError(msg, where="--workers")
        start_method = options.extra.get("start_method")
        if start_method is not None and not isinstance(start_method, str):
            msg = f"start_method must be a string, not {type(start_method).__name__}"
            raise UsageError(msg, where="start_method")
        self.options = options
        self.workers = workers
        self.pool = options.pool
        self.start_method: str | None = start_method

    def run(self, session: Session) -> None:
        """Run every step of *session*; return when each has been reported."""
        processes = None
        if self.pool == "process":
            from f0_local._processes import ProcessWorkers  # only when asked

            processes = ProcessWorkers(self.start_method)
        LocalRun(
            session,
            workers=self.workers,
            continue_on_error=self.options.continue_on_error,
            processes=processes,
        ).run()
