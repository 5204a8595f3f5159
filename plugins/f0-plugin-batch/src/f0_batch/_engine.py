"""Partition, run in parallel with checkpoints, aggregate, count."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import (
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    as_completed,
)
from typing import Any

import attrs

from f0_batch._checkpoint import Checkpoint

__all__ = ["AGGREGATES", "BatchStats", "Job", "aggregate", "partition", "run_batch"]

#: How partition results are combined.
AGGREGATES = ("concat", "sum", "count", "list", "none")


def partition(items: list[Any], size: int) -> list[list[Any]]:
    """*items* in chunks of *size* (the last may be shorter)."""
    return [items[i : i + size] for i in range(0, len(items), size)]


def aggregate(results: Iterable[Any], how: str) -> Any:
    """Combine partition results in partition order.

    ``concat``: list results are joined, other results appended; ``sum``: the
    numbers added (a list result adds its sum); ``count``: how many values
    (list lengths); ``list``: one entry per partition; ``none``: null.
    """
    values = list(results)
    if how == "none":
        return None
    if how == "list":
        return values
    if how == "count":
        return sum(len(v) if isinstance(v, list) else 1 for v in values)
    if how == "sum":
        return sum(sum(v) if isinstance(v, list) else v for v in values)
    out: list[Any] = []
    for v in values:
        if isinstance(v, list):
            out.extend(v)
        else:
            out.append(v)
    return out


@attrs.define
class BatchStats:
    """Framework0's ``BatchProcessingStats``."""

    total_items: int = 0
    processed_items: int = 0
    failed_items: int = 0
    batches_completed: int = 0
    batches_failed: int = 0
    batches_resumed: int = 0
    processing_time: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The counts plus ``throughput`` (processed items / second) and ``error_rate`` (failed / total)."""
        data = attrs.asdict(self)
        data["throughput"] = (
            self.processed_items / self.processing_time if self.processing_time > 0 else 0.0
        )
        data["error_rate"] = self.failed_items / self.total_items if self.total_items else 0.0
        return data


@attrs.frozen(kw_only=True)
class Job:
    """One batch: its partitions, where to run them, how often to checkpoint."""

    parts: list[list[Any]]
    call: Callable[..., Any]
    #: Arguments before the partition's items (base dir, module, function for processes).
    call_args: tuple[Any, ...]
    params: Mapping[str, Any]
    workers: int
    pool: str
    checkpoint_every: int
    start_method: str = "forkserver"


def _executor(job: Job) -> Executor:
    if job.pool == "process":
        import multiprocessing

        methods = multiprocessing.get_all_start_methods()
        # fork is unsafe once threads run (f0 runs steps in threads); forkserver where it exists.
        method = job.start_method if job.start_method in methods else "spawn"
        return ProcessPoolExecutor(
            max_workers=job.workers, mp_context=multiprocessing.get_context(method)
        )
    return ThreadPoolExecutor(max_workers=job.workers, thread_name_prefix="f0-batch")


def _as_json(value: Any) -> Any:
    # Results go into a JSON checkpoint and the context: check early, per partition.
    return json.loads(json.dumps(value, allow_nan=False))


def run_batch(job: Job, checkpoint: Checkpoint, stats: BatchStats) -> dict[int, str]:
    """Run the partitions the checkpoint lacks; return the errors of partitions that failed.

    Completed partitions are added to *checkpoint*, which is saved after every
    ``checkpoint_every`` completions and once at the end.
    """
    todo = [i for i in range(len(job.parts)) if i not in checkpoint.done]
    stats.batches_resumed = len(job.parts) - len(todo)
    stats.processed_items = sum(len(job.parts[i]) for i in checkpoint.done)
    failures: dict[int, str] = {}
    unsaved = 0
    started = time.perf_counter()
    with _executor(job) as pool:
        futures: dict[Future[Any], int] = {
            pool.submit(job.call, *job.call_args, job.parts[i], dict(job.params)): i for i in todo
        }
        for future in as_completed(futures):
            index = futures[future]
            try:
                checkpoint.done[index] = _as_json(future.result())
            except Exception as exc:  # noqa: BLE001 - a partition's error is recorded, the rest go on
                failures[index] = f"{type(exc).__name__}: {exc}"
                stats.batches_failed += 1
                stats.failed_items += len(job.parts[index])
                continue
            stats.batches_completed += 1
            stats.processed_items += len(job.parts[index])
            unsaved += 1
            if unsaved >= job.checkpoint_every:
                checkpoint.save()
                unsaved = 0
    if unsaved:
        checkpoint.save()
    stats.processing_time = time.perf_counter() - started
    return failures
