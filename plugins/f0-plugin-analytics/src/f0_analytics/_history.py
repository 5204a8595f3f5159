"""A recipe's run history, step by step: the samples ``f0 stats`` and ``f0 report`` use.

Status, attempts and times come from the run store (every run it has);
queue wait, CPU and RSS come from the analytics file when the observer
measured the run. One query reads the analytics file for all runs; runs it
does not know (recorded before this plugin was installed) are read from
the store one by one.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from f0_analytics._db import AnalyticsDB, StepMetrics

if TYPE_CHECKING:
    from f0 import RunRecord, RunStore, RunSummary

__all__ = [
    "History",
    "StepSample",
    "load_history",
    "measured_steps",
    "metrics_of_record",
    "open_analytics",
    "run_metrics",
]

#: Steps that really ran (replayed and cached steps have no duration of their own).
_RAN = frozenset({"COMPLETED", "FAILED", "CANCELLED"})


@attrs.frozen(kw_only=True)
class StepSample:
    """One step of one past run."""

    run_id: str
    status: str
    attempts: int
    duration_s: float
    queue_wait_s: float | None = None
    cpu_s: float | None = None
    rss_bytes: int | None = None

    @property
    def ran(self) -> bool:
        """True when the step made at least one attempt in this run."""
        return self.attempts > 0 and self.status in _RAN

    @property
    def timed(self) -> bool:
        """True when its duration is a sample of the step's run time (it completed)."""
        return self.attempts > 0 and self.status == "COMPLETED"


@attrs.frozen(kw_only=True)
class History:
    """Runs of one recipe, oldest first, and each step's samples in that order."""

    runs: tuple[RunSummary, ...]
    steps: Mapping[str, tuple[StepSample, ...]]

    def durations(self, step: str) -> tuple[list[float], list[str]]:
        """Durations of the completed runs of *step*, and the run id of each."""
        timed = [s for s in self.steps.get(step, ()) if s.timed]
        return [s.duration_s for s in timed], [s.run_id for s in timed]


def open_analytics(path: Path | None) -> AnalyticsDB | None:
    """The analytics file at *path* read-only, or None when there is none."""
    if path is None or not path.is_file():
        return None
    return AnalyticsDB(path, create=False)


def metrics_of_record(record: RunRecord) -> dict[str, StepMetrics]:
    """Step metrics from what the run store keeps (no queue wait, CPU or RSS)."""
    found: dict[str, StepMetrics] = {}
    for name, step in record.steps.items():
        r = step.result
        found[name] = StepMetrics(
            run_id=record.run_id,
            step=name,
            status=r.status.value,
            attempts=r.attempts,
            started_at=r.started_at,
            finished_at=r.finished_at,
            duration_s=r.duration_s,
            recorded_at=step.recorded_at,
        )
    return found


def _sample(m: StepMetrics) -> StepSample:
    return StepSample(
        run_id=m.run_id,
        status=m.status,
        attempts=m.attempts,
        duration_s=m.duration_s,
        queue_wait_s=m.queue_wait_s,
        cpu_s=m.cpu_s,
        rss_bytes=m.rss_bytes,
    )


def load_history(
    store: RunStore,
    *,
    recipe_path: str | None,
    last: int | None,
    analytics: AnalyticsDB | None,
    exclude: Iterable[str] = (),
) -> History:
    """The last *last* runs of the recipe at *recipe_path* (all runs if None), oldest first."""
    skip = set(exclude)
    newest_first = [
        s for s in store.list_runs(limit=last, recipe_path=recipe_path) if s.run_id not in skip
    ]
    runs = tuple(reversed(newest_first))
    per_step: dict[str, list[StepSample]] = {}
    for steps in run_metrics(store, [s.run_id for s in runs], analytics).values():
        for name, m in steps.items():
            per_step.setdefault(name, []).append(_sample(m))
    return History(runs=runs, steps={k: tuple(v) for k, v in per_step.items()})


def run_metrics(
    store: RunStore, run_ids: Sequence[str], analytics: AnalyticsDB | None
) -> dict[str, dict[str, StepMetrics]]:
    """Each run's step metrics, in the order of *run_ids*: measured ones, else the store's."""
    measured = measured_steps(analytics, run_ids)
    found: dict[str, dict[str, StepMetrics]] = {}
    for run_id in run_ids:
        steps = measured.get(run_id)
        if steps is None:
            record = store.get_run(run_id)
            steps = metrics_of_record(record) if record is not None else {}
        found[run_id] = steps
    return found


def measured_steps(
    analytics: AnalyticsDB | None, run_ids: Sequence[str]
) -> dict[str, dict[str, StepMetrics]]:
    """What the observer measured for *run_ids* (``{}`` without a readable analytics file)."""
    if analytics is None:
        return {}
    try:
        return analytics.steps_of(run_ids)
    except sqlite3.Error as exc:
        # A damaged analytics file costs the extra metrics, not the history. One
        # line on stderr (stdout may be --json); structlog is configured only by f0 run.
        sys.stderr.write(
            f"warning: {analytics.path}: analytics file unreadable ({exc}); "
            "using the run store only\n"
        )
        return {}
