"""Per-step statistics of a recipe's history, as ``f0 stats`` prints them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from f0_analytics._history import History, StepSample
from f0_analytics._stats import (
    DEFAULT_PERCENTILES,
    DEFAULT_SENSITIVITY,
    IQR_FACTOR,
    iqr_anomalies,
    summarize,
    trend,
    zscore_anomalies,
)

__all__ = ["percentile_key", "recipe_stats", "step_stats"]


def percentile_key(q: float) -> str:
    """``p50``, ``p99``, ``p99.9``."""
    return f"p{q:g}"


def _mean(values: Sequence[float | int | None]) -> float | None:
    found = [float(v) for v in values if v is not None]
    return sum(found) / len(found) if found else None


def step_stats(
    name: str, samples: Sequence[StepSample], *, sensitivity: float = DEFAULT_SENSITIVITY
) -> dict[str, Any]:
    """Statistics of one step over its *samples* (oldest first), JSON-ready.

    Durations are those of the runs where the step COMPLETED (failed attempts
    and replayed/cached steps would distort them); the success rate counts
    every run where it made an attempt.
    """
    timed = [s for s in samples if s.timed]
    values = [s.duration_s for s in timed]
    ran = [s for s in samples if s.ran]
    completed = sum(1 for s in ran if s.status == "COMPLETED")
    out: dict[str, Any] = {
        "step": name,
        "runs": len(samples),
        "count": len(values),
        "success_rate": completed / len(ran) if ran else None,
        "statuses": dict(Counter(s.status for s in samples)),
        "mean": None,
        "median": None,
        "std_dev": None,
        "min": None,
        "max": None,
        **{percentile_key(q): None for q in DEFAULT_PERCENTILES},
        "trend": None,
        "anomalies": [],
        "queue_wait_mean": _mean([s.queue_wait_s for s in timed]),
        "cpu_mean": _mean([s.cpu_s for s in timed]),
        "rss_max": max((s.rss_bytes for s in timed if s.rss_bytes is not None), default=None),
    }
    if len(values) == 1:
        out.update(mean=values[0], median=values[0], min=values[0], max=values[0])
    summary = summarize(values)
    if summary is not None:
        out.update(
            mean=summary.mean,
            median=summary.median,
            std_dev=summary.std_dev,
            min=summary.min,
            max=summary.max,
        )
        out.update({percentile_key(q): v for q, v in summary.percentiles.items()})
    line = trend(values)
    if line is not None:
        out["trend"] = {
            "slope": line.slope,
            "r_squared": line.r_squared,
            "direction": line.direction,
        }
    found = zscore_anomalies(values, sensitivity) + iqr_anomalies(values, IQR_FACTOR)
    out["anomalies"] = [
        {
            "run_id": timed[a.index].run_id,
            "value": a.value,
            "method": a.method,
            "score": a.score,
        }
        for a in sorted(found, key=lambda a: (a.index, a.method))
    ]
    return out


def recipe_stats(
    history: History,
    *,
    order: Sequence[str] = (),
    sensitivity: float = DEFAULT_SENSITIVITY,
) -> dict[str, Any]:
    """Statistics of every step (in *order*, then any others) and of whole runs."""
    names = [n for n in order if n in history.steps]
    names += sorted(n for n in history.steps if n not in set(names))
    run_durations = [
        r.finished_at - r.started_at
        for r in history.runs
        if r.finished_at is not None and r.status.value == "COMPLETED"
    ]
    run_summary = summarize(run_durations)
    return {
        "runs": len(history.runs),
        "statuses": dict(Counter(r.status.value for r in history.runs)),
        "first_run": history.runs[0].run_id if history.runs else None,
        "last_run": history.runs[-1].run_id if history.runs else None,
        "sensitivity": sensitivity,
        "iqr_factor": IQR_FACTOR,
        "run_duration": {
            "count": len(run_durations),
            "mean": run_summary.mean if run_summary else None,
            "median": run_summary.median if run_summary else None,
            **{
                percentile_key(q): (run_summary.percentiles[q] if run_summary else None)
                for q in DEFAULT_PERCENTILES
            },
        },
        "steps": [step_stats(n, history.steps[n], sensitivity=sensitivity) for n in names],
    }
