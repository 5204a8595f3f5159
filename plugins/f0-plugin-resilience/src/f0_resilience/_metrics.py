"""``ResilienceMetrics`` (``spec/scriptlets.md`` §2): SLA targets and a report per service."""

from __future__ import annotations

import statistics
import threading
from collections import defaultdict, deque
from typing import Any

__all__ = ["SLA_METRICS", "ResilienceMetrics"]

#: Metrics an SLA target can name, and whether higher is better.
SLA_METRICS = {"success_rate": True, "avg_duration": False, "p95_duration": False}


class ResilienceMetrics:
    """Operation outcomes per service (the last *window* of each) against SLA targets."""

    def __init__(self, window: int = 1000) -> None:
        self._ops: dict[str, deque[tuple[bool, float]]] = defaultdict(lambda: deque(maxlen=window))
        self._targets: dict[str, dict[str, float]] = defaultdict(dict)
        self._lock = threading.Lock()

    def set_sla_target(self, service: str, metric: str, target: float) -> None:
        """Expect *metric* (``success_rate``, ``avg_duration``, ``p95_duration``) to meet *target*."""
        if metric not in SLA_METRICS:
            msg = f"unknown SLA metric {metric!r} (known: {', '.join(SLA_METRICS)})"
            raise ValueError(msg)
        with self._lock:
            self._targets[service][metric] = float(target)

    def record_operation(self, service: str, *, success: bool, duration: float) -> None:
        """Record one call of *service*."""
        with self._lock:
            self._ops[service].append((success, float(duration)))

    def get_sla_report(self) -> dict[str, Any]:
        """Per service: counts, the metrics, and each target with ``met``."""
        with self._lock:
            services = sorted(set(self._ops) | set(self._targets))
            report: dict[str, Any] = {}
            for service in services:
                ops = list(self._ops.get(service, ()))
                durations = sorted(d for _, d in ops)
                values: dict[str, float | None] = {
                    "success_rate": sum(ok for ok, _ in ops) / len(ops) if ops else None,
                    "avg_duration": statistics.fmean(durations) if durations else None,
                    "p95_duration": _percentile(durations, 95) if durations else None,
                }
                targets = {
                    metric: {
                        "target": target,
                        "actual": values[metric],
                        "met": _met(metric, values[metric], target),
                    }
                    for metric, target in self._targets.get(service, {}).items()
                }
                report[service] = {"total": len(ops), **values, "targets": targets}
            return report


def _met(metric: str, actual: float | None, target: float) -> bool:
    if actual is None:
        return False
    return actual >= target if SLA_METRICS[metric] else actual <= target


def _percentile(ordered: list[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's "linear")."""
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
