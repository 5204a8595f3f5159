"""``f0 metrics``: the stored runs in Prometheus' text exposition format.

Built with ``prometheus-client``'s metric families in a private registry
(no process-global state), from the run store (and the analytics file when
the observer measured the runs):

* ``f0_runs_total{recipe,status}`` - runs recorded, by final status
* ``f0_run_duration_seconds{recipe}`` - histogram of finished runs' durations
* ``f0_step_runs_total{recipe,step,status}`` - step results, by status
* ``f0_step_attempts_total{recipe,step}`` - attempts made (retries included)
* ``f0_step_duration_seconds{recipe,step}`` - histogram of completed steps' durations
* ``f0_step_duration_quantiles_seconds{recipe,step,quantile}`` - summary: p50/p90/p95/p99/p99.9
  by linear interpolation, with ``_count`` and ``_sum``
* ``f0_step_queue_wait_seconds_total`` and ``f0_step_cpu_seconds_total{recipe,step}``
  where measured
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from f0_analytics._history import run_metrics
from f0_analytics._stats import DEFAULT_PERCENTILES, percentiles

if TYPE_CHECKING:
    from f0 import RunStore, RunSummary
    from prometheus_client.metrics_core import Metric

    from f0_analytics._db import AnalyticsDB, StepMetrics

__all__ = ["BUCKETS", "exposition"]

#: Histogram bucket bounds (seconds), from sub-millisecond steps to hour-long ones.
BUCKETS: tuple[float, ...] = (
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
    120.0, 300.0, 600.0, 1800.0, 3600.0,
)  # fmt: skip


def _histogram(values: Sequence[float]) -> tuple[list[tuple[str, float]], float]:
    """Cumulative ``(le, count)`` buckets (``+Inf`` last) and the sum of *values*."""
    counts = [0] * (len(BUCKETS) + 1)
    for v in values:
        counts[bisect.bisect_left(BUCKETS, v)] += 1
    out: list[tuple[str, float]] = []
    total = 0
    for bound, n in zip([*map(str, BUCKETS), "+Inf"], counts, strict=True):
        total += n
        out.append((bound, float(total)))
    return out, float(sum(values))


class _StoreCollector:
    """A prometheus-client collector over a snapshot of the store (read once)."""

    def __init__(
        self, runs: Sequence[RunSummary], steps: dict[str, dict[str, StepMetrics]]
    ) -> None:
        self.runs = runs
        self.steps = steps

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import (
            CounterMetricFamily,
            HistogramMetricFamily,
            Metric,
        )

        runs = CounterMetricFamily(
            "f0_runs", "Runs recorded, by final status.", labels=["recipe", "status"]
        )
        run_counts: dict[tuple[str, str], int] = {}
        run_durations: dict[str, list[float]] = {}
        recipe_of: dict[str, str] = {}
        for r in self.runs:
            recipe_of[r.run_id] = r.recipe_name
            key = (r.recipe_name, r.status.value)
            run_counts[key] = run_counts.get(key, 0) + 1
            if r.finished_at is not None:
                run_durations.setdefault(r.recipe_name, []).append(r.finished_at - r.started_at)
        for key, n in sorted(run_counts.items()):
            runs.add_metric(list(key), n)
        yield runs

        run_hist = HistogramMetricFamily(
            "f0_run_duration_seconds", "Duration of finished runs.", labels=["recipe"]
        )
        for recipe, values in sorted(run_durations.items()):
            buckets, total = _histogram(values)
            run_hist.add_metric([recipe], buckets, total)
        yield run_hist

        statuses: dict[tuple[str, str, str], int] = {}
        attempts: dict[tuple[str, str], int] = {}
        durations: dict[tuple[str, str], list[float]] = {}
        waits: dict[tuple[str, str], float] = {}
        cpus: dict[tuple[str, str], float] = {}
        for run_id, steps in self.steps.items():
            recipe = recipe_of[run_id]
            for name, m in steps.items():
                key = (recipe, name)
                skey = (recipe, name, m.status)
                statuses[skey] = statuses.get(skey, 0) + 1
                attempts[key] = attempts.get(key, 0) + m.attempts
                if m.status == "COMPLETED" and m.attempts > 0:
                    durations.setdefault(key, []).append(m.duration_s)
                if m.queue_wait_s is not None:
                    waits[key] = waits.get(key, 0.0) + m.queue_wait_s
                if m.cpu_s is not None:
                    cpus[key] = cpus.get(key, 0.0) + m.cpu_s

        family = CounterMetricFamily(
            "f0_step_runs", "Step results, by status.", labels=["recipe", "step", "status"]
        )
        for skey, n in sorted(statuses.items()):
            family.add_metric(list(skey), n)
        yield family
        family = CounterMetricFamily(
            "f0_step_attempts", "Attempts made (retries included).", labels=["recipe", "step"]
        )
        for key, n in sorted(attempts.items()):
            family.add_metric(list(key), n)
        yield family

        hist = HistogramMetricFamily(
            "f0_step_duration_seconds",
            "Duration of completed steps.",
            labels=["recipe", "step"],
        )
        summary = Metric(
            "f0_step_duration_quantiles_seconds",
            "Duration quantiles of completed steps (linear interpolation).",
            "summary",
        )
        for (recipe, name), values in sorted(durations.items()):
            buckets, total = _histogram(values)
            hist.add_metric([recipe, name], buckets, total)
            labels = {"recipe": recipe, "step": name}
            for q, v in percentiles(values, DEFAULT_PERCENTILES).items():
                summary.add_sample(
                    "f0_step_duration_quantiles_seconds", {**labels, "quantile": f"{q / 100:g}"}, v
                )
            summary.add_sample("f0_step_duration_quantiles_seconds_count", labels, len(values))
            summary.add_sample("f0_step_duration_quantiles_seconds_sum", labels, total)
        yield hist
        yield summary

        for name, doc, data in (
            ("f0_step_queue_wait_seconds", "Seconds steps waited to start once ready.", waits),
            ("f0_step_cpu_seconds", "CPU seconds of the threads that ran the steps.", cpus),
        ):
            family = CounterMetricFamily(name, doc, labels=["recipe", "step"])
            for key, value in sorted(data.items()):
                family.add_metric(list(key), value)
            yield family


def exposition(store: RunStore | None, *, analytics: AnalyticsDB | None, last: int) -> str:
    """The text format of the newest *last* runs of *store* (empty families without one)."""
    from prometheus_client import CollectorRegistry, generate_latest

    runs = store.list_runs(limit=last) if store is not None else []
    steps = run_metrics(store, [r.run_id for r in runs], analytics) if store is not None else {}
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_StoreCollector(runs, steps))
    return generate_latest(registry).decode("utf-8")
