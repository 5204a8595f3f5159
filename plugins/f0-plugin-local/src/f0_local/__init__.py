"""f0-plugin-local: the default ``local`` scheduler.

Runs a recipe's steps on this machine: a thread pool by default, a process
pool with ``pool="process"``; per-step timeouts, retries with backoff
(tenacity), stop-after-failure or ``continue_on_error``, and Ctrl-C.
The work happens in private modules; this one only answers the hook.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from f0 import hookimpl

if TYPE_CHECKING:
    from f0 import Scheduler, SchedulerOptions

__all__ = ["f0_scheduler"]


@hookimpl
def f0_scheduler(name: str, options: SchedulerOptions) -> Scheduler | None:
    """Return the local scheduler for ``name == "local"``; None for any other name."""
    if name != "local":
        return None
    from f0_local._scheduler import LocalScheduler  # lazily: keeps `f0 --help` light

    return LocalScheduler(options)
