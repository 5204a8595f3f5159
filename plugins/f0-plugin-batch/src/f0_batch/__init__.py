"""f0-plugin-batch: the ``batch`` step type.

Partition a list of items, run a Python function on each partition in a
thread or process pool, aggregate the results, checkpoint every N partitions
and, after a crash or kill, resume without redoing checkpointed partitions.

Hooks: ``f0_step_runner`` provides ``batch`` and ``f0_step_types`` lists it.
Python API (loaded on first use)::

    from f0_batch import partition, aggregate, Checkpoint, BatchStats
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from f0 import hookimpl, lazy_getattr

if TYPE_CHECKING:
    from f0 import StepRunner

    from f0_batch._checkpoint import Checkpoint
    from f0_batch._engine import AGGREGATES, BatchStats, aggregate, partition

__all__ = [
    "AGGREGATES",
    "STEP_TYPES",
    "BatchStats",
    "Checkpoint",
    "aggregate",
    "f0_step_runner",
    "f0_step_types",
    "partition",
]

#: The step types this plugin provides.
STEP_TYPES = ("batch",)

_EXPORTS: dict[str, str] = {
    "Checkpoint": "f0_batch._checkpoint",
    "AGGREGATES": "f0_batch._engine",
    "BatchStats": "f0_batch._engine",
    "aggregate": "f0_batch._engine",
    "partition": "f0_batch._engine",
}

__getattr__ = lazy_getattr(__name__, _EXPORTS)


@hookimpl
def f0_step_runner(step_type: str) -> StepRunner | None:
    """The runner of ``type: batch`` steps; None for other types."""
    if step_type != "batch":
        return None
    from f0_batch._step import BatchStepRunner

    return BatchStepRunner()


@hookimpl
def f0_step_types() -> list[str]:
    """``["batch"]``."""
    return list(STEP_TYPES)
