"""f0-plugin-dask: the ``dask`` scheduler, steps on a Dask distributed cluster.

``f0 run RECIPE --scheduler dask`` runs each ready step as one Dask task:
the task gets the step's context view, runs one attempt with
:func:`f0.run_attempt` on a worker and hands back the outcome and the delta;
this process applies deltas in completion order, as the local scheduler
does. ``--dask-address tcp://HOST:PORT`` (or ``F0_DASK_ADDRESS``) uses a
running ``dask scheduler``; without it a LocalCluster of worker processes
starts on 127.0.0.1 for the run.

Importing this module is cheap: dask loads only when a run asks for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from f0 import hookimpl

if TYPE_CHECKING:
    from f0 import RunOption, Scheduler, SchedulerOptions

__all__ = ["f0_run_options", "f0_scheduler"]

NAME = "dask"


@hookimpl
def f0_scheduler(name: str, options: SchedulerOptions) -> Scheduler | None:
    """The Dask scheduler for ``name == "dask"``; None for any other name."""
    if name != NAME:
        return None
    from f0_dask._scheduler import DaskScheduler  # dask loads only here

    return DaskScheduler(options)


@hookimpl
def f0_run_options() -> list[RunOption]:
    """Add ``--dask-address`` and ``--dask-shared`` to ``f0 run``."""
    from f0 import RunOption

    return [
        RunOption(
            name="dask-address",
            help="Dask scheduler to run steps on (with --scheduler dask); "
            "default: a LocalCluster on this machine.",
            envvar="F0_DASK_ADDRESS",
            metavar="tcp://HOST:PORT",
        ),
        RunOption(
            name="dask-shared",
            help="Dask workers see the recipe folder at the same path (shared "
            "filesystem): run steps there instead of shipping a copy.",
            envvar="F0_DASK_SHARED",
            flag=True,
        ),
    ]
